// The node's pf state table: rte_hash (lock-free readers, multi-writer add, extendable buckets)
// from (state key, direction) to State, an rte_hash from (id, creatorid), states in an
// rte_mempool sized by `set limit states`, RCU (rte_rcu_qsbr) before a removed state is reused.
// create() allocates (control thread, after EAL init); noexcept calls are fast-path safe and
// allocate nothing. insert/remove need an lcore id (EAL lcore or rte_thread_register()); the
// rest works from any thread.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "dataplane/state/key.h"
#include "dataplane/state/state.h"

struct rte_hash;
struct rte_mempool;
struct rte_rcu_qsbr;
struct rte_rcu_qsbr_dq;

namespace dpf::state {

// How states are keyed (shared/specs/pf-semantics.md §1.2–1.4).
// A hash key is the state's 40-byte StateKey with pad[0] set to the state's direction (1 = in,
// 2 = out), zero-extended to 48 bytes (rte_hash's vector compare, one cache line per slot). pf
// refuses a second state with the same key, interface and direction, and so does the table
// (interfaces: see below). The hash function covers the key without the pad, so the two
// directions of one key share their buckets and signature.
// A packet filtered in direction `dir` builds its key with make_lookup_key(p, dir) and finds
// either a state created in `dir` (more packets of the creating side) or, failing that, one
// created in reverse(dir) (the replies through the same interface): pf's lookup ignores the
// state's direction, and the table tries the packet's own direction first.
// Translated states (wire != stack) get an entry per key; the entry data is tagged so that the
// wire key answers only inbound lookups and the stack key only outbound ones (pf_find_state).
// Interfaces are not in the key: an if-bound state is found like a floating one and the caller
// compares State::if_index. A second if-bound state of the same key and direction on another
// interface is refused as kExists (pf would keep both; not supported yet).
class StateTable {
 public:
  struct Config {
    uint32_t limit = kDefaultStateLimit;  // `set limit states`
    uint32_t creatorid = 0;               // this node's hostid
    const char* name = "dpf_states";      // prefix of the DPDK object names (unique per table)
    int socket = -1;                      // NUMA socket; -1: any
    rte_rcu_qsbr* qsbr = nullptr;         // readers' QSBR variable; nullptr: the table owns one
    uint32_t max_readers = 128;           // reader thread ids 0..max_readers-1 (owned QSBR)
    // The first local id; 0: wall-clock seconds << 32, as OpenBSD seeds pf_status.stateid, so a
    // restarted node does not reuse the ids its peers still hold for it.
    uint64_t first_id = 0;
  };

  enum class InsertResult : uint8_t {
    kOk,
    kExists,    // a state with this key and direction exists: pf's state-insert collision
    kIdExists,  // (id, creatorid) already present (a pfsync peer re-sent a state)
    kLimit,     // the hash is full
    kNotLcore,  // called from a thread without an lcore id (see the header note)
    kBadId,     // our creatorid with an id above kMaxOwnStateId: the counter cannot pass it
  };

  // Counters, written with relaxed atomics by any thread, read by the control thread.
  struct Counters {
    uint64_t inserts = 0;           // states inserted (pf_status.fcounters[FCNT_STATE_INSERT])
    uint64_t removals = 0;          // states removed (FCNT_STATE_REMOVALS)
    uint64_t searches = 0;          // keys looked up (FCNT_STATE_SEARCH)
    uint64_t state_limit = 0;       // alloc() refused: `set limit states` reached (LCNT_STATES)
    uint64_t memory = 0;            // alloc() failed although under the limit (PFRES_MEMORY)
    uint64_t insert_exists = 0;     // insert() collisions on key+direction (PFRES_STATEINS)
    uint64_t insert_id_exists = 0;  // insert() collisions on (id, creatorid)
    uint64_t insert_full = 0;       // insert() found the hash full
    uint64_t insert_bad_id = 0;     // insert() refused an id of ours above kMaxOwnStateId
  };

  // Fails with `error` naming the DPDK object that could not be created.
  static std::unique_ptr<StateTable> create(const Config& config, std::string& error);
  // After every reader has unregistered (states still waiting for RCU go with the pool).
  ~StateTable();
  StateTable(const StateTable&) = delete;
  StateTable& operator=(const StateTable&) = delete;

  // A zeroed state from the pool, or nullptr (counted as state-limit or memory).
  State* alloc() noexcept;
  // Gives back a state that is not in the table: one never inserted, or one insert() refused
  // (at once, or through RCU if the refused insert had made it visible for a moment).
  void free_unlinked(State* s) noexcept;

  // Inserts `s` (from alloc()) under its keys and direction. Assigns creatorid and a fresh id
  // unless s->id is non-zero (a state imported from pfsync keeps its (id, creatorid)). A
  // non-zero id with our creatorid (one of our states coming back) moves the local counter past
  // it, so fresh ids stay unique; above kMaxOwnStateId it is refused (kBadId) and the counter
  // never wraps. Whether such a state should be taken at all is pfsync's decision. The
  // keys and direction must not change afterwards. On failure the caller still owns `s` and
  // gives it back with free_unlinked(); on kExists, *existing (if given) is the state holding
  // the key (pfsync merges into it).
  InsertResult insert(State* s, State** existing = nullptr) noexcept;

  // Unlinks `s`: marks it unlinked, deletes its keys; it is freed once readers are quiescent.
  // False if it was already unlinked (or the caller has no lcore id). The caller must not use
  // `s` after its next quiescent().
  bool remove(State* s) noexcept;

  // The state a packet filtered in direction `dir` matches (see the keying note), or nullptr.
  // A state being removed concurrently may still be returned: check `unlinked` under its lock.
  State* lookup(const StateKey& key, Direction dir) noexcept;
  // Bulk form: out[i] for keys[i] in dirs[i]; any n. Returns the number of hits. With
  // count = false the searches are not counted: a caller that uses the results as hints counts
  // each search when it uses or repeats it (count_searches).
  unsigned lookup_bulk(const StateKey* const keys[], const Direction dirs[], unsigned n,
                       State* out[], bool count = true) noexcept;
  // Adds n to the searches counter (FCNT_STATE_SEARCH) of the calling lcore.
  void count_searches(unsigned n) noexcept;

  // pf's (id, creatorid) index (pfsync, `dpfctl -k id`).
  State* find_by_id(uint64_t id, uint32_t creatorid) noexcept;

  // Linked states: inserts - removals (an insert is counted just before it becomes visible).
  size_t count() const noexcept;
  // `set limit states` in force: new states beyond it are refused (counted as state_limit).
  uint32_t limit() const noexcept { return limit_.load(std::memory_order_relaxed); }
  // The most states the table can hold (Config::limit at creation: its pool and hashes).
  uint32_t capacity() const noexcept { return capacity_; }
  // A reloaded ruleset's `set limit states`, at most capacity(); states beyond it stay until
  // they go. Returns false (nothing changed) when the limit exceeds capacity(). Control thread.
  bool set_limit(uint32_t limit) noexcept;
  uint32_t creatorid() const noexcept { return creatorid_; }
  // States allocated and not yet returned to the pool (includes those waiting for RCU).
  uint32_t allocated() const noexcept { return allocated_.load(std::memory_order_relaxed); }
  Counters counters() const noexcept;
  rte_mempool* pool() const noexcept { return pool_; }
  rte_rcu_qsbr* qsbr() const noexcept { return qsbr_; }

  // Every linked state once; `f(State&)`. Control thread; safe with concurrent readers and
  // writers when the calling thread is a registered, online reader (or nothing is removed
  // meanwhile). States removed during the walk may or may not be visited.
  template <class F>
  void for_each(F&& f) {
    uint32_t next = 0;
    State* s;
    while ((s = iterate(next)) != nullptr) f(*s);
  }
  // One step of the walk: the next linked state from position `next` (advanced), or nullptr
  // at the end. The sweeper keeps its cursor in `next`.
  State* iterate(uint32_t& next) noexcept;

  // Readers (lcores that look states up and keep pointers until their next quiescent()).
  bool register_reader(unsigned thread_id) noexcept;  // registers and goes online
  void unregister_reader(unsigned thread_id) noexcept;
  void quiescent(unsigned thread_id) noexcept;
  void offline(unsigned thread_id) noexcept;  // a sleeping worker holds no state pointers
  void online(unsigned thread_id) noexcept;
  // Periodic work that belongs with expiry (pf's purge thread also frees idle source nodes
  // and the overload task kills overloaded sources' states): the sweeper runs it at the start
  // of every sweep(). Set from any thread; run on the sweeping thread.
  using Maintenance = void (*)(void* ctx, uint32_t now);
  void set_maintenance(Maintenance f, void* ctx) noexcept {
    maintenance_ctx_.store(ctx, std::memory_order_relaxed);
    maintenance_.store(f, std::memory_order_release);
  }
  void run_maintenance(uint32_t now) noexcept {
    if (Maintenance f = maintenance_.load(std::memory_order_acquire))
      f(maintenance_ctx_.load(std::memory_order_relaxed), now);
  }

  // Frees the removed states whose grace period has ended; returns how many. Never waits.
  unsigned reclaim() noexcept;
  // States removed and not yet freed.
  unsigned pending_free() const noexcept;

 private:
  StateTable() = default;
  bool setup(const Config& config, std::string& error);
  bool setup_hashes(const Config& config, std::string& error);
  bool setup_rcu(const Config& config, std::string& error);
  static void free_states(void* p, void* elems, unsigned n);
  void retire(State* s) noexcept;  // an unlinked state into the RCU defer queue
  void put(State* s) noexcept;     // back to the pool now
  enum class LinkResult : uint8_t { kOk, kExists, kIdExists, kFull, kFullAfterVisible };
  LinkResult link(State* s, bool fresh_id,
                  State** existing) noexcept;  // hands an unlinked state to the RCU defer queue

  rte_hash* keys_ = nullptr;  // tagged StateKey -> State* (low bits: translated role)
  rte_hash* ids_ = nullptr;   // (id, creatorid) -> State*
  rte_mempool* pool_ = nullptr;
  rte_rcu_qsbr* qsbr_ = nullptr;
  rte_rcu_qsbr_dq* dq_ = nullptr;  // removed states waiting for their grace period
  bool owns_qsbr_ = false;
  uint32_t capacity_ = 0;
  std::atomic<uint32_t> limit_{0};
  uint32_t creatorid_ = 0;
  alignas(64) std::atomic<uint64_t> next_id_{1};
  std::atomic<uint32_t> allocated_{0};
  std::atomic<uint32_t> pending_{0};
  alignas(64) std::atomic<uint32_t> insert_lock_{0};  // makes lookup+add one step
  std::atomic<Maintenance> maintenance_{nullptr};
  std::atomic<void*> maintenance_ctx_{nullptr};
  struct AtomicCounters {
    std::atomic<uint64_t> inserts{0}, removals{0}, state_limit{0}, memory{0}, insert_exists{0},
        insert_id_exists{0}, insert_full{0}, insert_bad_id{0};
  };
  alignas(64) AtomicCounters ctr_;
  // Searches are counted per lcore (each slot written by its lcore only); non-EAL threads
  // share the last slot.
  static constexpr unsigned kCounterSlots = 129;
  struct alignas(64) LcoreCounter {
    std::atomic<uint64_t> searches{0};
  };
  LcoreCounter searches_[kCounterSlots];
};

}  // namespace dpf::state
