#include "dataplane/state/table.h"

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mempool.h>
#include <rte_pause.h>
#include <rte_rcu_qsbr.h>

#include <cstdio>
#include <cstring>
#include <ctime>
#include <new>

namespace dpf::state {
namespace {

// The (id, creatorid) index key; the padding is zero so the 16 bytes hash as they are.
struct IdKey {
  uint64_t id;
  uint32_t creatorid;
  uint32_t pad;
};
static_assert(sizeof(IdKey) == 16);

// The key of the main hash: the state key with its direction in pad[0], widened to 48 bytes so
// that rte_hash compares it with its 48-byte vector compare and a key slot (8 bytes of data
// pointer + key) fills exactly one cache line.
struct HashKey {
  StateKey key;
  uint64_t zero = 0;
};
static_assert(sizeof(HashKey) == 48);

// Bytes of a HashKey that identify the flow: everything before StateKey::pad (the keying note).
constexpr uint32_t kKeyHashedBytes = offsetof(StateKey, pad);

// Data tags of translated states' entries: the wire key answers inbound lookups only, the
// stack key outbound ones. Untranslated states are stored untagged (both directions).
constexpr uintptr_t kTagWire = 1;
constexpr uintptr_t kTagStack = 2;
constexpr uintptr_t kTagMask = 3;

// States per bulk lookup call (below RTE_HASH_LOOKUP_BULK_MAX).
constexpr unsigned kBulk = 32;

// Room for objects parked in other lcores' mempool caches, so `limit` states can always be
// allocated; the limit itself is enforced by StateTable::allocated_.
constexpr unsigned kPoolCache = 64;

uint32_t hash_state_key(const void* key, uint32_t /*len*/, uint32_t init) {
  return rte_hash_crc(key, kKeyHashedBytes, init);
}

HashKey tagged(const StateKey& k, Direction d) noexcept {
  HashKey t{k, 0};
  t.key.pad[0] = static_cast<uint8_t>(d);
  t.key.pad[1] = 0;
  return t;
}

IdKey id_key(uint64_t id, uint32_t creatorid) noexcept {
  return IdKey{id, creatorid, 0};
}

// The state an entry points at if it may answer a lookup in `dir`.
State* accept(void* data, Direction dir) noexcept {
  auto v = reinterpret_cast<uintptr_t>(data);
  uintptr_t tag = v & kTagMask;
  if (tag != 0 && tag != (dir == Direction::kIn ? kTagWire : kTagStack)) [[unlikely]]
    return nullptr;
  return reinterpret_cast<State*>(v & ~kTagMask);
}

void no_key_data_free(void*, void*) {}

std::atomic<unsigned> g_table_seq{0};

}  // namespace

std::unique_ptr<StateTable> StateTable::create(const Config& config, std::string& error) {
  std::unique_ptr<StateTable> t(new StateTable());
  if (!t->setup(config, error)) return nullptr;
  return t;
}

bool StateTable::setup(const Config& config, std::string& error) {
  if (config.limit == 0) {
    error = "state table: limit states must be at least 1";
    return false;
  }
  capacity_ = config.limit;
  limit_.store(config.limit, std::memory_order_relaxed);
  creatorid_ = config.creatorid;
  next_id_.store(config.first_id != 0 ? config.first_id
                                      : (static_cast<uint64_t>(std::time(nullptr)) << 32) | 1);
  char name[RTE_MEMPOOL_NAMESIZE];
  std::snprintf(name, sizeof name, "%.8sp%u", config.name ? config.name : "st",
                g_table_seq.fetch_add(1));
  unsigned slack = kPoolCache * 3 / 2 * RTE_MAX_LCORE;
  pool_ =
      rte_mempool_create(name, capacity_ + slack, sizeof(State), kPoolCache, 0, nullptr, nullptr,
                         nullptr, nullptr, config.socket, RTE_MEMPOOL_F_NO_IOVA_CONTIG);
  if (pool_ == nullptr) {
    error = std::string("state table: cannot create the state pool ") + name + " (" +
            std::to_string(capacity_) + " states): " + rte_strerror(rte_errno);
    return false;
  }
  return setup_rcu(config, error) && setup_hashes(config, error);
}

bool StateTable::setup_rcu(const Config& config, std::string& error) {
  qsbr_ = config.qsbr;
  if (qsbr_ == nullptr) {
    size_t sz = rte_rcu_qsbr_get_memsize(config.max_readers);
    qsbr_ = static_cast<rte_rcu_qsbr*>(
        rte_zmalloc_socket("dpf_state_qsbr", sz, RTE_CACHE_LINE_SIZE, config.socket));
    if (qsbr_ == nullptr || rte_rcu_qsbr_init(qsbr_, config.max_readers) != 0) {
      error = "state table: cannot create the RCU variable for " +
              std::to_string(config.max_readers) + " readers";
      rte_free(qsbr_);
      qsbr_ = nullptr;
      return false;
    }
    owns_qsbr_ = true;
  }
  char name[RTE_RCU_QSBR_DQ_NAMESIZE];
  std::snprintf(name, sizeof name, "%.8sq%u", config.name ? config.name : "st",
                g_table_seq.fetch_add(1));
  rte_rcu_qsbr_dq_parameters p{};
  p.name = name;
  p.flags = 0;             // multi-thread safe: any lcore removes states
  p.size = capacity_ + 1;  // every allocated state fits: an enqueue never fails
  p.esize = sizeof(State*);
  p.trigger_reclaim_limit = 32;
  p.max_reclaim_size = 64;
  p.free_fn = &StateTable::free_states;
  p.p = this;
  p.v = qsbr_;
  dq_ = rte_rcu_qsbr_dq_create(&p);
  if (dq_ == nullptr) {
    error =
        std::string("state table: cannot create the RCU defer queue: ") + rte_strerror(rte_errno);
    return false;
  }
  return true;
}

bool StateTable::setup_hashes(const Config& config, std::string& error) {
  struct Spec {
    rte_hash** h;
    char tag;
    uint32_t entries;
    uint32_t key_len;
    rte_hash_function fn;
  };
  // Translated states take two key entries; a quarter more covers NAT without growing.
  const Spec specs[] = {
      {&keys_, 'k', capacity_ + capacity_ / 4 + 64, sizeof(HashKey), &hash_state_key},
      {&ids_, 'i', capacity_ + 64, sizeof(IdKey), &rte_hash_crc},
  };
  for (const Spec& s : specs) {
    char name[RTE_HASH_NAMESIZE];
    std::snprintf(name, sizeof name, "%.8s%c%u", config.name ? config.name : "st", s.tag,
                  g_table_seq.fetch_add(1));
    rte_hash_parameters hp{};
    hp.name = name;
    hp.entries = s.entries;
    hp.key_len = s.key_len;
    hp.hash_func = s.fn;
    hp.hash_func_init_val = 0;
    hp.socket_id = config.socket;
    hp.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF | RTE_HASH_EXTRA_FLAGS_MULTI_WRITER_ADD |
                    RTE_HASH_EXTRA_FLAGS_EXT_TABLE;
    *s.h = rte_hash_create(&hp);
    if (*s.h == nullptr) {
      error = std::string("state table: cannot create hash ") + name + " (" +
              std::to_string(s.entries) + " entries): " + rte_strerror(rte_errno);
      return false;
    }
    // Key slots are recycled after a grace period; the states themselves go through dq_.
    rte_hash_rcu_config rc{};
    rc.v = qsbr_;
    rc.mode = RTE_HASH_QSBR_MODE_DQ;
    // Reclaim in batches rather than on every delete; an add that finds no free slot
    // reclaims at once anyway.
    rc.trigger_reclaim_limit = 64;
    rc.max_reclaim_size = 64;
    rc.free_key_data_func = &no_key_data_free;
    if (rte_hash_rcu_qsbr_add(*s.h, &rc) != 0) {
      error = std::string("state table: cannot attach RCU to hash ") + name + ": " +
              rte_strerror(rte_errno);
      return false;
    }
  }
  return true;
}

bool StateTable::set_limit(uint32_t limit) noexcept {
  if (limit > capacity_) return false;
  limit_.store(limit, std::memory_order_relaxed);
  return true;
}

StateTable::~StateTable() {
  if (keys_) rte_hash_free(keys_);
  if (ids_) rte_hash_free(ids_);
  if (dq_) rte_rcu_qsbr_dq_delete(dq_);  // frees what it can; the pool goes anyway
  if (pool_) rte_mempool_free(pool_);
  if (owns_qsbr_) rte_free(qsbr_);
}

State* StateTable::alloc() noexcept {
  uint32_t cur = allocated_.load(std::memory_order_relaxed);
  do {
    if (cur >= limit_.load(std::memory_order_relaxed)) [[unlikely]] {
      ctr_.state_limit.fetch_add(1, std::memory_order_relaxed);
      return nullptr;
    }
  } while (!allocated_.compare_exchange_weak(cur, cur + 1, std::memory_order_relaxed));
  void* obj = nullptr;
  if (rte_mempool_get(pool_, &obj) != 0) [[unlikely]] {
    allocated_.fetch_sub(1, std::memory_order_relaxed);
    ctr_.memory.fetch_add(1, std::memory_order_relaxed);
    return nullptr;
  }
  return new (obj) State();
}

void StateTable::free_unlinked(State* s) noexcept {
  // A state that a failed insert() had briefly made visible waits for the readers first.
  if (s->unlinked && s->timeout == Timeout::kUnlinked) [[unlikely]] {
    retire(s);
    return;
  }
  put(s);
}

void StateTable::put(State* s) noexcept {
  rte_mempool_put(pool_, s);
  allocated_.fetch_sub(1, std::memory_order_relaxed);
}

void StateTable::free_states(void* p, void* elems, unsigned n) {
  auto* t = static_cast<StateTable*>(p);
  for (unsigned i = 0; i < n; ++i) {
    State* s;
    std::memcpy(&s, static_cast<char*>(elems) + i * sizeof(State*), sizeof s);
    t->put(s);
    t->pending_.fetch_sub(1, std::memory_order_relaxed);
  }
}

// Adds the (id, creatorid) entry and the key entries of `s`; under insert_lock_. On failure
// nothing of `s` stays visible, except a translated state whose wire key was already added
// (the caller retires it through RCU).
StateTable::LinkResult StateTable::link(State* s, bool fresh_id, State** existing) noexcept {
  const bool translated = s->key.translated();
  const HashKey kw = tagged(s->key.key[kSkWire], s->direction);
  const HashKey ks = tagged(s->key.key[kSkStack], s->direction);
  const hash_sig_t sw = hash_state_key(&kw, sizeof kw, 0);
  const hash_sig_t ss = translated ? hash_state_key(&ks, sizeof ks, 0) : 0;
  const IdKey ik = id_key(s->id, s->creatorid);
  void* d = nullptr;
  if (rte_hash_lookup_with_hash_data(keys_, &kw, sw, &d) >= 0 ||
      (translated && rte_hash_lookup_with_hash_data(keys_, &ks, ss, &d) >= 0)) {
    if (existing) *existing = reinterpret_cast<State*>(reinterpret_cast<uintptr_t>(d) & ~kTagMask);
    return LinkResult::kExists;
  }
  // Ids from our own counter are unique by construction; imported ones are checked.
  if (!fresh_id && rte_hash_lookup(ids_, &ik) >= 0) return LinkResult::kIdExists;
  // Counted before `s` becomes visible, so that a removal never precedes its insert in count().
  ctr_.inserts.fetch_add(1, std::memory_order_relaxed);
  const auto v = reinterpret_cast<uintptr_t>(s);
  if (rte_hash_add_key_data(ids_, &ik, s) != 0) {
    ctr_.inserts.fetch_sub(1, std::memory_order_relaxed);
    return LinkResult::kFull;
  }
  if (rte_hash_add_key_with_hash_data(
          keys_, &kw, sw, reinterpret_cast<void*>(v | (translated ? kTagWire : 0))) == 0) {
    if (!translated || rte_hash_add_key_with_hash_data(keys_, &ks, ss,
                                                       reinterpret_cast<void*>(v | kTagStack)) == 0)
      return LinkResult::kOk;
    rte_hash_del_key_with_hash(keys_, &kw, sw);
  }
  // find_by_id() or an iteration may already have returned `s`.
  rte_hash_del_key(ids_, &ik);
  ctr_.inserts.fetch_sub(1, std::memory_order_relaxed);
  return LinkResult::kFullAfterVisible;
}

StateTable::InsertResult StateTable::insert(State* s, State** existing) noexcept {
  const bool fresh_id = s->id == 0;
  if (fresh_id) {
    s->creatorid = creatorid_;
    s->id = next_id_.fetch_add(1, std::memory_order_relaxed);
  } else if (s->creatorid == creatorid_) {
    // One of our own ids coming back (pfsync bulk update after a restart): later local ids
    // start above it, so a fresh id never meets an existing entry. An id past kMaxOwnStateId
    // would bring the counter to (or past) its wrap: refused, the counter does not move.
    if (s->id > kMaxOwnStateId) [[unlikely]] {
      ctr_.insert_bad_id.fetch_add(1, std::memory_order_relaxed);
      s->unlinked = true;
      return InsertResult::kBadId;
    }
    uint64_t next = next_id_.load(std::memory_order_relaxed);
    while (next <= s->id &&
           !next_id_.compare_exchange_weak(next, s->id + 1, std::memory_order_relaxed)) {
    }
  }
  if (rte_lcore_id() == LCORE_ID_ANY) [[unlikely]]
    return InsertResult::kNotLcore;
  s->unlinked = false;
  while (insert_lock_.exchange(1, std::memory_order_acquire) != 0) rte_pause();
  const LinkResult l = link(s, fresh_id, existing);
  insert_lock_.store(0, std::memory_order_release);

  switch (l) {
    case LinkResult::kOk:
      return InsertResult::kOk;
    case LinkResult::kExists:
      ctr_.insert_exists.fetch_add(1, std::memory_order_relaxed);
      break;
    case LinkResult::kIdExists:
      ctr_.insert_id_exists.fetch_add(1, std::memory_order_relaxed);
      break;
    case LinkResult::kFull:
      ctr_.insert_full.fetch_add(1, std::memory_order_relaxed);
      break;
    case LinkResult::kFullAfterVisible:
      // Readers may hold `s`: free_unlinked() will send it through RCU.
      ctr_.insert_full.fetch_add(1, std::memory_order_relaxed);
      s->timeout = Timeout::kUnlinked;
      s->unlinked = true;
      return InsertResult::kLimit;
  }
  if (fresh_id) s->id = 0;  // the caller may try again
  s->unlinked = true;
  return l == LinkResult::kExists     ? InsertResult::kExists
         : l == LinkResult::kIdExists ? InsertResult::kIdExists
                                      : InsertResult::kLimit;
}

bool StateTable::remove(State* s) noexcept {
  if (rte_lcore_id() == LCORE_ID_ANY) [[unlikely]]
    return false;
  if (std::atomic_ref<bool>(s->unlinked).exchange(true, std::memory_order_acq_rel)) return false;
  const IdKey ik = id_key(s->id, s->creatorid);
  const HashKey kw = tagged(s->key.key[kSkWire], s->direction);
  rte_hash_del_key_with_hash(keys_, &kw, hash_state_key(&kw, sizeof kw, 0));
  if (s->key.translated()) {
    const HashKey ks = tagged(s->key.key[kSkStack], s->direction);
    rte_hash_del_key_with_hash(keys_, &ks, hash_state_key(&ks, sizeof ks, 0));
  }
  rte_hash_del_key(ids_, &ik);
  ctr_.removals.fetch_add(1, std::memory_order_relaxed);
  retire(s);
  return true;
}

void StateTable::retire(State* s) noexcept {
  pending_.fetch_add(1, std::memory_order_relaxed);
  // The token is taken now, after the deletes: a reader that found `s` before them has
  // reported quiescent before `s` is freed. Sized for every state, so this cannot fail.
  rte_rcu_qsbr_dq_enqueue(dq_, &s);
}

void StateTable::count_searches(unsigned n) noexcept {
  unsigned slot = rte_lcore_id();
  if (slot >= kCounterSlots - 1) slot = kCounterSlots - 1;
  auto& c = searches_[slot].searches;
  c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

State* StateTable::lookup(const StateKey& key, Direction dir) noexcept {
  count_searches(1);
  HashKey k = tagged(key, dir);
  const hash_sig_t sig = hash_state_key(&k, sizeof k, 0);
  void* d = nullptr;
  if (rte_hash_lookup_with_hash_data(keys_, &k, sig, &d) >= 0) {
    if (State* s = accept(d, dir)) return s;
  }
  k.key.pad[0] = static_cast<uint8_t>(reverse(dir));
  if (rte_hash_lookup_with_hash_data(keys_, &k, sig, &d) >= 0) return accept(d, dir);
  return nullptr;
}

unsigned StateTable::lookup_bulk(const StateKey* const keys[], const Direction dirs[], unsigned n,
                                 State* out[], bool count) noexcept {
  if (count) count_searches(n);
  unsigned found = 0;
  HashKey k[kBulk];
  const void* kp[kBulk];
  hash_sig_t sig[kBulk];
  void* data[kBulk];
  unsigned miss[kBulk];
  for (unsigned base = 0; base < n; base += kBulk) {
    const unsigned m = n - base < kBulk ? n - base : kBulk;
    for (unsigned i = 0; i < m; ++i) {
      k[i] = tagged(*keys[base + i], dirs[base + i]);
      sig[i] = hash_state_key(&k[i], sizeof(HashKey), 0);
      kp[i] = &k[i];
    }
    uint64_t hits = 0;
    rte_hash_lookup_with_hash_bulk_data(keys_, kp, sig, m, &hits, data);
    unsigned nmiss = 0;
    for (unsigned i = 0; i < m; ++i) {
      State* s = (hits >> i) & 1 ? accept(data[i], dirs[base + i]) : nullptr;
      out[base + i] = s;
      if (s != nullptr) {
        ++found;
        continue;
      }
      // Second try: a state created in the other direction (replies on this interface).
      k[i].key.pad[0] = static_cast<uint8_t>(reverse(dirs[base + i]));
      kp[nmiss] = &k[i];
      sig[nmiss] = sig[i];
      miss[nmiss++] = i;
    }
    if (nmiss == 0) continue;
    rte_hash_lookup_with_hash_bulk_data(keys_, kp, sig, nmiss, &hits, data);
    for (unsigned j = 0; j < nmiss; ++j) {
      if (!((hits >> j) & 1)) continue;
      const unsigned i = base + miss[j];
      out[i] = accept(data[j], dirs[i]);
      found += out[i] != nullptr;
    }
  }
  return found;
}

State* StateTable::find_by_id(uint64_t id, uint32_t creatorid) noexcept {
  const IdKey ik = id_key(id, creatorid);
  void* d = nullptr;
  if (rte_hash_lookup_data(ids_, &ik, &d) < 0) return nullptr;
  return static_cast<State*>(d);
}

State* StateTable::iterate(uint32_t& next) noexcept {
  const void* k = nullptr;
  void* d = nullptr;
  while (rte_hash_iterate(ids_, &k, &d, &next) >= 0) {
    auto* s = static_cast<State*>(d);
    if (!std::atomic_ref<bool>(s->unlinked).load(std::memory_order_acquire)) return s;
  }
  return nullptr;
}

size_t StateTable::count() const noexcept {
  // Removals read first: a removal is always preceded by its insert, so this never goes below 0.
  const uint64_t removed = ctr_.removals.load(std::memory_order_acquire);
  const uint64_t inserted = ctr_.inserts.load(std::memory_order_acquire);
  return inserted > removed ? static_cast<size_t>(inserted - removed) : 0;
}

StateTable::Counters StateTable::counters() const noexcept {
  Counters c;
  auto ld = [](const std::atomic<uint64_t>& a) { return a.load(std::memory_order_relaxed); };
  c.inserts = ld(ctr_.inserts);
  c.removals = ld(ctr_.removals);
  c.state_limit = ld(ctr_.state_limit);
  c.memory = ld(ctr_.memory);
  c.insert_exists = ld(ctr_.insert_exists);
  c.insert_id_exists = ld(ctr_.insert_id_exists);
  c.insert_full = ld(ctr_.insert_full);
  c.insert_bad_id = ld(ctr_.insert_bad_id);
  for (const LcoreCounter& l : searches_) c.searches += ld(l.searches);
  return c;
}

bool StateTable::register_reader(unsigned thread_id) noexcept {
  if (rte_rcu_qsbr_thread_register(qsbr_, thread_id) != 0) return false;
  rte_rcu_qsbr_thread_online(qsbr_, thread_id);
  return true;
}

void StateTable::unregister_reader(unsigned thread_id) noexcept {
  rte_rcu_qsbr_thread_offline(qsbr_, thread_id);
  rte_rcu_qsbr_thread_unregister(qsbr_, thread_id);
}

void StateTable::quiescent(unsigned thread_id) noexcept {
  rte_rcu_qsbr_quiescent(qsbr_, thread_id);
}

void StateTable::offline(unsigned thread_id) noexcept {
  rte_rcu_qsbr_thread_offline(qsbr_, thread_id);
}

void StateTable::online(unsigned thread_id) noexcept {
  rte_rcu_qsbr_thread_online(qsbr_, thread_id);
}

unsigned StateTable::reclaim() noexcept {
  unsigned freed = 0, pending = 0, available = 0;
  rte_rcu_qsbr_dq_reclaim(dq_, capacity_, &freed, &pending, &available);
  return freed;
}

unsigned StateTable::pending_free() const noexcept {
  return pending_.load(std::memory_order_relaxed);
}

}  // namespace dpf::state
