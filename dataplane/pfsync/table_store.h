// The pfsync engine's StateStore over the node's DPDK state table: lookups by (id, creatorid) and
// wire key, inserting a learned state (if-bound states bound to a port by interface name), removal
// and the bulk walk. Sync lcore only, which must be an EAL lcore (the table's insert/remove need
// an lcore id) and a registered, online RCU reader of the table. Allocates only at construction
// (the interface map); states come from the table's mempool.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "dataplane/pfsync/store.h"
#include "dataplane/state/state.h"
#include "dataplane/state/table.h"

namespace dpf::pfsync {

// One interface a learned if-bound state may name: pf's name (sis0) and the node's port index.
struct IfBinding {
  std::string_view name;
  uint16_t index = 0;
};

// Optional callbacks into the node's pf, all on the sync lcore. `bind` runs on a learned state
// before it is inserted (set `rule` from `rule_nr` and count it); `unbind` undoes it when the
// state leaves the table through this store or its insert failed (pf_state_removed).
struct StoreHooks {
  void* ctx = nullptr;
  void (*bind)(void* ctx, state::State& s) noexcept = nullptr;
  void (*unbind)(void* ctx, const state::State& s) noexcept = nullptr;
};

class TableStore : public StateStore {
 public:
  // Counters of what the engine's own statistics do not say (read by the control thread).
  struct Counters {
    uint64_t inserted = 0;        // learned states inserted
    uint64_t removed = 0;         // states unlinked for a peer (DEL_C, CLR)
    uint64_t unknown_ifname = 0;  // learned if-bound state on an interface we lack: skipped
    uint64_t bad_id = 0;          // learned state with id 0 (the table would give it a new one)
    uint64_t insert_failed = 0;   // the table refused (limit, key or id collision)
  };

  TableStore(state::StateTable& table, std::vector<IfBinding> interfaces, StoreHooks hooks = {});

  state::State* find_by_id(uint64_t id, uint32_t creatorid) noexcept override;
  state::State* find_by_key(const state::StateKey& key) noexcept override;
  InsertResult insert(const state::State& s) noexcept override;
  void remove(state::State& s) noexcept override;
  state::State* next(StoreCursor& cursor) noexcept override;
  size_t size() const noexcept override;

  // The port index for pf interface `name` (NUL-padded as State keeps it), or -1.
  int port_of(const std::array<char, state::kIfNameSize>& name) const noexcept;
  const Counters& counters() const noexcept { return ctr_; }

 private:
  struct Binding {
    std::array<char, state::kIfNameSize> name{};
    uint16_t index = 0;
  };

  state::StateTable& table_;
  std::vector<Binding> ifs_;
  StoreHooks hooks_;
  Counters ctr_;
};

}  // namespace dpf::pfsync
