// TableStore: the pfsync engine's StateStore over the node's state table (table_store.h).
#include "dataplane/pfsync/table_store.h"

#include <algorithm>
#include <atomic>
#include <cstring>

#include "dataplane/pfsync/import.h"

namespace dpf::pfsync {

namespace st = dpf::state;

namespace {

bool is_unlinked(st::State& s) noexcept {
  return std::atomic_ref<bool>(s.unlinked).load(std::memory_order_acquire);
}

}  // namespace

TableStore::TableStore(st::StateTable& table, std::vector<IfBinding> interfaces, StoreHooks hooks)
    : table_(table), hooks_(hooks) {
  for (const IfBinding& b : interfaces) {
    Binding x;
    const size_t n = std::min(b.name.size(), x.name.size() - 1);
    std::memcpy(x.name.data(), b.name.data(), n);
    x.index = b.index;
    ifs_.push_back(x);
  }
}

int TableStore::port_of(const std::array<char, st::kIfNameSize>& name) const noexcept {
  for (const Binding& b : ifs_) {
    if (std::strncmp(b.name.data(), name.data(), name.size()) == 0) return b.index;
  }
  return -1;
}

st::State* TableStore::find_by_id(uint64_t id, uint32_t creatorid) noexcept {
  st::State* s = table_.find_by_id(id, creatorid);
  return s != nullptr && !is_unlinked(*s) ? s : nullptr;
}

st::State* TableStore::find_by_key(const st::StateKey& key) noexcept {
  // An inbound lookup answers wire keys only, in either direction (table.h's keying note).
  st::State* s = table_.lookup(key, st::Direction::kIn);
  return s != nullptr && !is_unlinked(*s) ? s : nullptr;
}

InsertResult TableStore::insert(const st::State& s) noexcept {
  if (s.id == 0) [[unlikely]] {
    ++ctr_.bad_id;
    return InsertResult::kIdExists;
  }
  int port = -1;
  if (s.ifname[0] != '\0') {
    port = port_of(s.ifname);
    if (port < 0) {  // pf skips a state on an interface it does not have
      ++ctr_.unknown_ifname;
      return InsertResult::kNoMemory;
    }
  }
  st::State* n = table_.alloc();
  if (n == nullptr) {
    ++ctr_.insert_failed;
    return InsertResult::kNoMemory;
  }
  assign_state(*n, s);
  n->origin = st::StateOrigin::kPfsync;
  n->if_index = port < 0 ? uint16_t{0xffff} : static_cast<uint16_t>(port);
  n->rule = nullptr;
  if (hooks_.bind != nullptr) hooks_.bind(hooks_.ctx, *n);
  const st::StateTable::InsertResult r = table_.insert(n);
  if (r == st::StateTable::InsertResult::kOk) {
    ++ctr_.inserted;
    return InsertResult::kOk;
  }
  if (hooks_.unbind != nullptr) hooks_.unbind(hooks_.ctx, *n);
  table_.free_unlinked(n);
  ++ctr_.insert_failed;
  switch (r) {
    case st::StateTable::InsertResult::kExists:
      return InsertResult::kKeyExists;
    case st::StateTable::InsertResult::kIdExists:
      return InsertResult::kIdExists;
    default:
      return InsertResult::kNoMemory;
  }
}

void TableStore::remove(st::State& s) noexcept {
  if (!table_.remove(&s)) return;
  ++ctr_.removed;
  if (hooks_.unbind != nullptr) hooks_.unbind(hooks_.ctx, s);
}

st::State* TableStore::next(StoreCursor& cursor) noexcept {
  auto pos = static_cast<uint32_t>(cursor.pos[0]);
  st::State* s = table_.iterate(pos);
  cursor.pos[0] = pos;
  cursor.started = true;
  return s;
}

size_t TableStore::size() const noexcept {
  return table_.count();
}

}  // namespace dpf::pfsync
