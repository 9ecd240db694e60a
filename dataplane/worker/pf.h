// pf on the packet path (pf_test): for one IPv4 packet on one interface and direction, find its
// state and track it, or evaluate the ruleset and create a state; count and drop what fails.
// Called by workers per packet (noexcept, no allocation beyond the state mempool). The ruleset
// pointer is swapped by the control thread on reload and read under RCU (the state table's QSBR
// variable): a retired ruleset is freed only after every reader reported quiescent.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <rte_mbuf.h>

#include "dataplane/filter/compile.h"
#include "dataplane/filter/eval.h"
#include "dataplane/net/parse.h"
#include "dataplane/net/wire/flow.h"
#include "dataplane/node/clock.h"
#include "dataplane/pfsync/engine.h"
#include "dataplane/state/src_nodes.h"
#include "dataplane/state/state.h"
#include "dataplane/state/table.h"
#include "dataplane/state/timeouts.h"
#include "dataplane/worker/rule_counters.h"

namespace dpf::pfconf {
struct Ruleset;
}

namespace dpf {

struct WorkerContext;
struct Node;
struct Pf;

// What a state keeps of the rule that created it. States (and the rule's source nodes) of a
// retired ruleset keep pointing at its RuleRefs, so RuleRefs outlive their ruleset: see
// RuleRefSet.
struct RuleRef {
  uint32_t nr = 0;
  uint32_t index = 0;                // the rule's position in its ruleset
  RuleCounters* counters = nullptr;  // its ruleset's: a state's packets count to its rule
  bool has_timeouts = false;
  state::RuleTimeouts timeouts;
  uint32_t max_states = 0;          // the rule's `max`, 0 = unlimited
  std::atomic<uint32_t> states{0};  // states currently created by this rule
  // Source tracking (max-src-*, overload): the rule's states get a source node keyed by
  // (this rule, source) or, for `source-track global`, by the source alone.
  bool src_track = false;
  bool src_track_rule = false;
  state::SrcLimits src_limits;               // rule_nodes points at src_nodes below
  std::atomic<uint32_t> src_nodes{0};        // source nodes of this rule (max-src-nodes)
  filter::HostSet* overload = nullptr;       // `overload <t>`: the run-time hosts of <t>
  bool flush = false;                        // … flush: kill the source's states of this rule
  bool flush_global = false;                 // … flush global: kill all the source's states
  state::SrcNodeTable* src_table = nullptr;  // where the nodes are (the Pf's)
  const Pf* pf = nullptr;                    // for the clock when a state goes
};

// The RuleRefs of one ruleset. The ruleset owns them while it is loaded; a reload hands them to
// Pf::retired, and pf_reclaim frees them once idle() and a grace period later (a reader may
// still hold a state it found before the last one went). Control thread.
struct RuleRefSet {
  std::vector<std::unique_ptr<RuleRef>> refs;
  // The ruleset's rule counters: owned here because the states of a retired ruleset still count
  // their packets into them until they go.
  std::unique_ptr<RuleCounters> counters;

  // No state and no source node refers to any of them. Once the ruleset is retired and no
  // reader evaluates it any more, nothing can make a RuleRef busy again.
  bool idle() const noexcept;
};

// A source that overloaded a rule with `flush`: its states are killed by the control thread
// (pf_overload_task). `addr` is compared with a state's wire key on the side `dir` names.
struct OverloadFlush {
  state::Addr addr;
  wire::Af af = wire::Af::kInet;
  wire::Direction dir = wire::Direction::kIn;
  const RuleRef* rule = nullptr;
  bool global = false;
};

// Flush requests from workers to the control thread: a short spin lock around a small array.
// A full queue loses the request (counted); the source is in the overload table anyway.
struct FlushQueue {
  static constexpr unsigned kSize = 64;
  state::StateLock lock;
  std::array<OverloadFlush, kSize> items;
  unsigned n = 0;

  bool push(const OverloadFlush& f) noexcept;
  // Moves every queued request to `out`; returns how many.
  unsigned take(std::array<OverloadFlush, kSize>& out) noexcept;
};

// What the control thread's overload flushes did (the workers count theirs per lcore:
// LcoreCounters::limits, overload_full, flush_lost). Relaxed.
struct SrcTrackCounters {
  std::atomic<uint64_t> flushed_states{0};  // states the overload flushes killed
};

// A loaded ruleset: the compiled form the workers evaluate and what the views print (the parsed
// source, whose type only the control thread's files see).
// An address the node answers ARP for on a port because a translation takes packets to it
// there (binat's external address, rdr's destination) and it is not the node's own.
struct ProxyArp {
  uint16_t port = 0;
  uint32_t addr = 0;  // host order
};

struct PfRuleset {
  std::shared_ptr<const pfconf::Ruleset> source;
  std::vector<ProxyArp> proxy_arp;  // read by the control thread (ARP answers)
  std::unique_ptr<const filter::CompiledRuleset> compiled;
  std::vector<RuleRef*> refs;  // by compiled rule index; nullptr for rules without state
  // sticky-address translations: the RuleRef their source nodes are keyed by, by translation
  // index of the ruleset (sticky_refs) and of its statements (statement_sticky_refs); nullptr
  // for translations without sticky-address. Owned by ref_set.
  std::vector<RuleRef*> sticky_refs;
  std::vector<RuleRef*> statement_sticky_refs;
  std::unique_ptr<RuleRefSet> ref_set;  // owns what `refs` points at (until retired)
  RuleCounters* counters = nullptr;     // per rule and lcore; owned by ref_set
  uint32_t cuid = 0;                    // who inserted it (pfctl's "Inserted: uid U pid P"):
  uint32_t cpid = 0;                    // the dpf process, which reads and loads every ruleset
  state::TimeoutTable timeouts;
  uint32_t state_limit = state::kDefaultStateLimit;
  std::string file;  // where it was loaded from ("" = none)
  uint64_t generation = 0;
};

// Outcomes of ruleset reloads (SIGHUP, REST loads and reloads); the load at start is not one.
// Control thread.
struct ReloadStats {
  uint64_t ok = 0;
  uint64_t failed = 0;
  double last_time = 0;  // Unix time of the last reload, 0 = none yet
  bool last_ok = true;   // whether it succeeded (true until one fails)
};

struct Pf {
  std::unique_ptr<state::StateTable> table;
  unsigned lanes = 1;  // rule counter lanes: the workers and the control thread (n_workers + 1)
  std::atomic<const PfRuleset*> ruleset{nullptr};  // nullptr: pass everything without state
  std::unique_ptr<PfRuleset> current;              // owns what `ruleset` points at
  // What reloads replaced, oldest first, until pf_reclaim frees it: the ruleset once the grace
  // period of `token` has ended (no worker evaluates it any more), then its RuleRefs once they
  // are idle and a second grace period (taken when they were found idle) has ended.
  struct Retired {
    std::unique_ptr<PfRuleset> ruleset;
    std::unique_ptr<RuleRefSet> refs;
    uint64_t token = 0;
    bool refs_idle = false;  // `token` is the grace period of the idle RuleRefs
  };
  std::deque<Retired> retired;
  unsigned control_reader = 0;  // the control thread's RCU reader id (one of its ids)
  NodeClock clock;              // the node's (pf_now reads it)
  // Source tracking: made by the first ruleset that tracks sources, then kept for the node's
  // life (source nodes outlive reloads, like states). Workers read it after the ruleset load.
  std::unique_ptr<state::SrcNodeTable> src_nodes;
  // Run-time hosts of every overload table by name, kept across reloads (a reload that defines
  // the table again empties it, as pfctl -f replaces a defined table's contents). Guarded by
  // tables_mu (loaders and views); workers reach the sets through rulesets and RuleRefs.
  std::map<std::string, std::unique_ptr<filter::HostSet>> overload_tables;
  std::mutex tables_mu;
  FlushQueue flushes;
  SrcTrackCounters src_counters;
  uint32_t last_src_purge = 0;
  bool maintenance_set = false;
  ReloadStats reloads;
};

// Bookkeeping when a state leaves the table (its rule's state count).
void pf_state_removed(const state::State& s) noexcept;
// Removes a state found by a lookup (kill, purge), with that bookkeeping.
bool pf_remove_state(Pf& pf, state::State* s) noexcept;

// Tells pfsync (when the node has it) that a state was inserted, changed or removed.
// `producer` is the worker index, or n_workers for the control thread. Takes s.lock briefly:
// call it without holding the lock.
void pf_sync_change(Node& node, unsigned producer, state::State& s,
                    pfsync::ChangeKind kind) noexcept;

// pf's uptime clock in whole seconds (what states' creation/expire count in).
uint32_t pf_now(const Pf& pf) noexcept;

// The key pf_test looks a packet's state up with in direction `dir`, for packets whose state
// is found by their own tuple (false for ICMP, whose key needs the ICMP header, and for
// non-first fragments, which have no state lookup). Workers use it to look up a burst's states
// in bulk before the packets reach pf_test.
bool pf_lookup_key(const net::PacketInfo& info, wire::Direction dir, state::StateKey& key) noexcept;

// One pf pass. True: the packet goes on. False: it was dropped and counted (and a `block
// return` reply queued to the control thread).
// `hint`: the state a lookup of pf_lookup_key(info, dir) found earlier in this RCU period, or
// nullptr. A hint stands for the table lookup unless the state was unlinked since; it must not
// be given when a state was created after that lookup (the table could now answer otherwise).
// Without a hint pf_test looks the state up itself.
// A translated packet (nat, rdr, binat, or a state with two keys) is rewritten in place and
// `info` follows: its addresses and ports are the packet's as it goes on.
bool pf_test(WorkerContext& w, wire::Direction dir, uint16_t port, uint16_t in_port, rte_mbuf* m,
             net::PacketInfo& info, uint32_t now, state::State* hint = nullptr) noexcept;

}  // namespace dpf
