// What the pfsync sync engine needs from a state table: lookups by (id, creatorid) and by key,
// inserting an imported state, unlinking one, and a resumable walk for bulk updates. The DPDK
// glue implements it over the node's table; tests use an in-memory fake. Called from the sync
// lcore only. A State* returned stays valid until the engine call that got it returns (the
// table frees states after an RCU grace period the sync lcore reports between calls).
#pragma once

#include <cstddef>
#include <cstdint>

#include "dataplane/state/key.h"
#include "dataplane/state/state.h"

namespace dpf::pfsync {

// Opaque position of a bulk walk; a value-initialised cursor starts at the beginning.
struct StoreCursor {
  uint64_t pos[2] = {0, 0};
  bool started = false;
};

enum class InsertResult : uint8_t {
  kOk,
  kIdExists,   // (id, creatorid) already present
  kKeyExists,  // another state holds the key (pf_state_insert's key collision)
  kNoMemory,   // table full (`set limit states`) or allocation failed
};

class StateStore {
 public:
  virtual ~StateStore() = default;

  virtual state::State* find_by_id(uint64_t id, uint32_t creatorid) noexcept = 0;
  // The state whose wire key (key[kSkWire]) equals `key`, if any.
  virtual state::State* find_by_key(const state::StateKey& key) noexcept = 0;
  // Copies `s` (every field but the lock) into a new table entry.
  virtual InsertResult insert(const state::State& s) noexcept = 0;
  // Unlinks `s`; the caller has set kStateNoSync on it if no deletion must be announced.
  virtual void remove(state::State& s) noexcept = 0;
  // The next state of a walk, advancing `cursor`; nullptr once every state was visited.
  // States inserted or removed during a walk may be visited or missed, as in pf's walker.
  virtual state::State* next(StoreCursor& cursor) noexcept = 0;
  virtual size_t size() const noexcept = 0;
};

}  // namespace dpf::pfsync
