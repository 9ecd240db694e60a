// One pf state as dpf keeps it (pf's pf_kstate): both keys, direction, identity, both TCP peers,
// timeout class and times, counters, rule and interface. Pure (no DPDK): the table stores these
// in a mempool and hands out pointers; pfsync's state_import/state_export map them to and from
// wire states. Fields written after insertion (peers, times, counters) are changed only under
// `lock` (both directions of a flow may be on different lcores).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

#include "dataplane/state/key.h"
#include "dataplane/state/tcp_track.h"
#include "dataplane/state/timeouts.h"

namespace dpf::state {

struct SrcNode;  // src_nodes.h

// pf's PFSTATE_* flags as pfsync carries them (state_flags, 16 bits on the wire in 1400).
inline constexpr uint16_t kStateAllowOpts = 0x0001;
inline constexpr uint16_t kStateSlowHz = 0x0002;
inline constexpr uint16_t kStateNoSync = 0x0008;  // never sent by pfsync (rule's `no-sync`)
inline constexpr uint16_t kStateAck = 0x0010;     // pfsync: insert acknowledged
inline constexpr uint16_t kStateNodf = 0x0020;
inline constexpr uint16_t kStateSetTos = 0x0040;
inline constexpr uint16_t kStateRandomId = 0x0080;
inline constexpr uint16_t kStateScrubTcp = 0x0100;
inline constexpr uint16_t kStateSetPrio = 0x0200;
inline constexpr uint16_t kStateInetInet6 = 0x0400;
inline constexpr uint16_t kStateInet6Inet = 0x0800;
inline constexpr uint16_t kStateSloppy = 0x1000;  // rule's `sloppy` TCP tracking

// The largest id of ours a state may carry. Local ids are wall-clock seconds << 32 plus a count
// (StateTable::Config::first_id), so none of ours has an all-ones upper half before 2106. An id
// of ours above this cannot be ours, and moving the local counter past it would leave fewer than
// 2^32 ids before the counter wraps: the table and pfsync refuse it.
inline constexpr uint64_t kMaxOwnStateId = UINT64_MAX - (uint64_t{1} << 32);

// Where a state came from, for pfsync: learned states are never re-broadcast.
enum class StateOrigin : uint8_t { kLocal, kPfsync };

inline constexpr size_t kIfNameSize = 16;  // IFNAMSIZ, as pfsync carries the interface name

// A tiny test-and-set lock; uncontended in practice (one flow's two directions).
class StateLock {
 public:
  void lock() noexcept {
    while (flag_.exchange(true, std::memory_order_acquire)) {
      while (flag_.load(std::memory_order_relaxed)) __builtin_ia32_pause();
    }
  }
  void unlock() noexcept { flag_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool> flag_{false};
};

struct State {
  StateKeyPair key;  // key[kSkWire], key[kSkStack] (equal while there is no NAT)
  Direction direction = Direction::kIn;
  AddrFamily af = AddrFamily::kInet;
  uint8_t proto = 0;
  StateOrigin origin = StateOrigin::kLocal;

  uint64_t id = 0;         // unique per creatorid; host order here, big-endian on the wire
  uint32_t creatorid = 0;  // the creating node's hostid

  StatePeers peers;  // peers.src = the side that sent the first packet
  Timeout timeout = Timeout::kTcpFirstPacket;
  uint32_t creation = 0;  // seconds of the node's uptime clock
  uint32_t expire = 0;    // last activity, seconds of the uptime clock (pf's `expire`)

  uint32_t rule_nr = 0xffffffffu;          // the rule that created it (0xffffffff: none / default)
  const void* rule = nullptr;              // the compiled rule (RCU-protected with the ruleset)
  std::array<char, kIfNameSize> ifname{};  // "" = floating
  uint16_t if_index = 0xffff;              // the node's port index when if-bound

  // pf's src_node (source tracking, src_nodes.h) and src.tcp_est: the node counting this state
  // and whether it counted it as an established connection. Written under `lock`; the table
  // that owns the node clears both when the state goes (pf_state_removed).
  SrcNode* src_node = nullptr;
  bool src_conn = false;
  // sticky-address: the source node of the translation that remembers this source's address
  // (pf's nat source node). Released with src_node.
  SrcNode* nat_src_node = nullptr;

  uint16_t state_flags = 0;  // kState*
  uint8_t sync_flags = 0;    // pfsync's PFSYNC_FLAG_*
  uint8_t log = 0;
  uint8_t sync_updates = 0;  // pfsync: changes since the last sent update (maxupd)
  bool unlinked = false;     // removed from the table, waiting for RCU to free it

  // [0] packets in the state's direction, [1] the other way (pf's packets[2], bytes[2]).
  std::array<uint64_t, 2> packets{};
  std::array<uint64_t, 2> bytes{};

  StateLock lock;
};

}  // namespace dpf::state
