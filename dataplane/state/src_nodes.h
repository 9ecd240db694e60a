// pf's source nodes (pf_src_node): per (rule, source address) counts of states and of
// established TCP connections, with the connection-rate threshold, for the max-src-* options
// (shared/specs/pf-semantics.md §3.7, FreeBSD pf_insert_src_node / pf_src_connlimit /
// pf_purge_expired_src_nodes). Pure. acquire/release/established may be called by any thread
// at once (workers, the sweeper, pfsync): each takes one bucket's spin lock for a few dozen
// instructions and allocates nothing. purge/snapshot are for the control thread. The
// constructor allocates every node up front (`set limit src-nodes`).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "dataplane/state/key.h"
#include "dataplane/state/state.h"

namespace dpf::state {

// Default `set limit src-nodes` (pf's PFSNODE_HIWAT).
inline constexpr uint32_t kDefaultSrcNodeLimit = 10000;

// pf_threshold: a leaky count of events, in thousandths (PF_THRESHOLD_MULT), that loses
// count/seconds per second; exceeded once it holds more than `limit` events.
struct ConnRate {
  static constexpr uint32_t kMult = 1000;
  uint32_t limit = 0;  // events × kMult; 0 = no limit
  uint32_t seconds = 0;
  uint32_t count = 0;
  uint32_t last = 0;  // uptime second of the last event

  void init(uint32_t events, uint32_t per_seconds, uint32_t now) noexcept;
  void add(uint32_t now) noexcept;
  bool exceeded() const noexcept { return count > limit; }
};

// What a source node is found by: the tracking rule's identity (nullptr for `source-track
// global`, shared by every rule) and the address of the packet that creates the state.
struct SrcKey {
  const void* rule = nullptr;
  AddrFamily af = AddrFamily::kInet;
  Addr addr;
  friend bool operator==(const SrcKey&, const SrcKey&) = default;
};

// The creating rule's options, as the table applies them.
struct SrcLimits {
  uint32_t max_src_nodes = 0;  // 0 = unlimited
  uint32_t max_src_states = 0;
  uint32_t max_src_conn = 0;
  uint32_t conn_rate_limit = 0;    // max-src-conn-rate N/S: N …
  uint32_t conn_rate_seconds = 0;  // … per S seconds
  uint32_t track_timeout = 0;      // src.track: seconds a node outlives its last state
  // The rule's count of nodes (pf's rule->src_nodes), which max-src-nodes bounds; nullptr for
  // global nodes. Must outlive the table's nodes.
  std::atomic<uint32_t>* rule_nodes = nullptr;
};

// One source node. Fields are guarded by the lock of the node's bucket.
struct SrcNode {
  SrcKey key;
  uint32_t states = 0;  // states that point at this node
  uint32_t conn = 0;    // of those, TCP states that reached ESTABLISHED
  ConnRate conn_rate;
  uint32_t creation = 0;
  uint32_t expire = 0;  // when states == 0: the uptime second it may be purged
  uint32_t track_timeout = 0;
  std::atomic<uint32_t>* rule_nodes = nullptr;
  Addr raddr;           // sticky-address: the translation address this source keeps
  bool sticky = false;  // raddr is set
  uint32_t bucket = 0;
  uint32_t next = 0;  // chain: index + 1 of the next node in the bucket, 0 = end
};

enum class SrcResult : uint8_t {
  kOk,
  kNodeLimit,   // max-src-nodes: the rule already tracks that many sources (LCNT_SRCNODES)
  kStateLimit,  // max-src-states: this source already holds that many states (LCNT_SRCSTATES)
  kFull,        // `set limit src-nodes` reached: no node free
};

// pf_src_connlimit's findings for one newly established connection (bits).
inline constexpr unsigned kConnOk = 0;
inline constexpr unsigned kConnLimit = 1;  // more than max-src-conn established (LCNT_SRCCONN)
inline constexpr unsigned kConnRate = 2;   // max-src-conn-rate exceeded (LCNT_SRCCONNRATE)

// What `pfctl -s Sources` would print of one node.
struct SrcNodeInfo {
  SrcKey key;
  uint32_t states = 0;
  uint32_t conn = 0;
  uint32_t conn_rate = 0;  // current threshold count, in events (rounded down)
  uint32_t creation = 0;
  uint32_t expire = 0;
  uint32_t conn_rate_count = 0;    // the threshold's count in thousandths (ConnRate::count)
  uint32_t conn_rate_seconds = 0;  // … and its period (max-src-conn-rate N/S: S; 0 = none)
  const SrcNode* node = nullptr;   // which node: what states' src_node points at
  bool sticky = false;             // sticky-address: raddr is the address the source keeps
  Addr raddr;
};

class SrcNodeTable {
 public:
  // pf's src-node counters (pf_status.scounters / lcounters), relaxed.
  struct Counters {
    uint64_t searches = 0;       // SCNT_SRC_NODE_SEARCH
    uint64_t inserts = 0;        // SCNT_SRC_NODE_INSERT
    uint64_t removals = 0;       // SCNT_SRC_NODE_REMOVALS
    uint64_t src_states = 0;     // "max-src-states" refusals
    uint64_t src_nodes = 0;      // "max-src-nodes" refusals
    uint64_t src_conn = 0;       // "max-src-conn" kills
    uint64_t src_conn_rate = 0;  // "max-src-conn-rate" kills
    uint64_t full = 0;           // refused: `set limit src-nodes` reached
  };

  // `capacity` nodes at most; `limit` (<= capacity) may be lowered or raised later.
  explicit SrcNodeTable(uint32_t capacity, uint64_t seed = 0x9e3779b97f4a7c15ULL);
  SrcNodeTable(const SrcNodeTable&) = delete;
  SrcNodeTable& operator=(const SrcNodeTable&) = delete;

  // pf_insert_src_node: finds or creates the node of `key` and counts one more state in it.
  // On kOk *out is the node, to be given back with release() when the state goes.
  // `sticky` (sticky-address, pf_map_addr): a node that remembers an address puts it in
  // *sticky; one that does not takes *sticky as the address it remembers from now on.
  SrcResult acquire(const SrcKey& key, const SrcLimits& limits, uint32_t now, SrcNode** out,
                    Addr* sticky = nullptr) noexcept;
  // A state counted by acquire() is gone; `conn` if it had been counted by established().
  // The node may be purged track_timeout seconds after its last state.
  void release(SrcNode* n, bool conn, uint32_t now) noexcept;
  // pf_src_connlimit: a state of `n` reached ESTABLISHED; counts the connection and its rate
  // and returns kConn* bits for what the state's rule `limits` forbid (the connection stays
  // counted either way: release() with conn = true gives it back).
  unsigned established(SrcNode* n, const SrcLimits& limits, uint32_t now) noexcept;

  // Frees the nodes without states whose expiry has passed; returns how many. Control thread.
  unsigned purge(uint32_t now) noexcept;
  // pfctl -K (pf_kill_srcnodes) for node `n` of this table, whose states the caller has
  // detached and release()d: frees it now, so that its source's next state starts a new node.
  // A state that took the node meanwhile keeps it; it is then freed by purge() as soon as that
  // state goes (its src.track time is dropped). True when freed now. Control thread.
  bool forget(const SrcNode* n) noexcept;
  // Every node, for the views. Control thread; allocates.
  std::vector<SrcNodeInfo> snapshot() const;

  void set_limit(uint32_t limit) noexcept;
  uint32_t limit() const noexcept { return limit_.load(std::memory_order_relaxed); }
  uint32_t capacity() const noexcept { return capacity_; }
  uint32_t count() const noexcept { return used_.load(std::memory_order_relaxed); }
  Counters counters() const noexcept;

 private:
  struct Bucket {
    mutable StateLock lock;
    uint32_t head = 0;  // index + 1 of the first node, 0 = empty
  };
  uint32_t bucket_of(const SrcKey& key) const noexcept;
  SrcNode* find(const Bucket& b, const SrcKey& key) noexcept;
  SrcNode* alloc() noexcept;
  void free_node(SrcNode* n) noexcept;

  uint32_t capacity_;
  uint64_t seed_;
  std::unique_ptr<SrcNode[]> nodes_;
  std::unique_ptr<Bucket[]> buckets_;
  uint32_t bucket_mask_ = 0;
  StateLock free_lock_;
  std::vector<uint32_t> free_;  // indexes of free nodes (reserved to capacity: never grows)
  std::atomic<uint32_t> limit_;
  std::atomic<uint32_t> used_{0};
  struct AtomicCounters {
    std::atomic<uint64_t> searches{0}, inserts{0}, removals{0}, src_states{0}, src_nodes{0},
        src_conn{0}, src_conn_rate{0}, full{0};
  };
  alignas(64) AtomicCounters ctr_;
};

}  // namespace dpf::state
