// What REST shows and changes of pf: states (list with filters and paging, kill, flush), the
// loaded rules, counters, timeouts and limits. Everything here runs on the control
// thread (the REST thread posts it through SlowPath::call), except the states listing, which
// the REST thread reads itself through a StateListReader; all of it allocates its JSON replies.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "dataplane/node/node.h"

namespace dpf {

using Params = std::map<std::string, std::string>;

nlohmann::json pf_state_json(const state::State& s, uint32_t now);
// GET /api/v1/states: filters host=ADDR (either end), id=HEX[&creatorid=HEX], proto=NAME|NUM,
// if=NAME; paging offset=N&limit=N (default 1000). {"total": matching, "states": [...]}.
// `reader`: the calling thread's RCU reader id of the state table, reported quiescent every few
// states (so that a long listing never holds back reclamation); -1 on the control thread.
nlohmann::json pf_states(Node& node, const Params& q, int reader = -1);

// The source nodes as the control thread saw them (pf_source_nodes), for pf_sources to list.
// `nodes[i].node` points into the node table, which lives as long as the node.
struct SourceNodes {
  std::vector<state::SrcNodeInfo> nodes;
  uint32_t now = 0;  // pf's uptime second of the snapshot
};
SourceNodes pf_source_nodes(Node& node);  // control thread
// GET /api/v1/sources (pfctl -s Sources): `sn`'s nodes, limit=N of them (default 1000).
// {"total": nodes, "sources": [{"addr", "raddr", "rule", "states", "conn", "conn_rate":
// {"count" (thousandths), "seconds"}, "age", "expires_in" (null while it has states),
// "packets", "bytes"}]}; packets and bytes are those of the node's current states, found by a
// walk of the state table (`reader` as for pf_states).
nlohmann::json pf_sources(Node& node, const SourceNodes& sn, const Params& q, int reader = -1);

// GET /api/v1/states (and the state walk of GET /api/v1/sources) on the REST thread, off the
// control thread: the table is lock-free for readers, so the listing only needs an RCU reader
// id of its own (registered at construction, online only during a listing). Any thread; one
// listing at a time.
class StateListReader {
 public:
  StateListReader(Node& node, unsigned reader_id);  // false ok() when it cannot register
  ~StateListReader();
  StateListReader(const StateListReader&) = delete;
  StateListReader& operator=(const StateListReader&) = delete;
  bool ok() const noexcept { return registered_; }
  nlohmann::json list(const Params& q);
  // GET /api/v1/sources: pf_sources of a snapshot the control thread took, its state walk here.
  nlohmann::json sources(const SourceNodes& nodes, const Params& q);

 private:
  Node& node_;
  unsigned id_;
  bool registered_ = false;
  std::mutex mu_;
};
// DELETE /api/v1/states: host=ADDR[/LEN][&host2=ADDR[/LEN]] (pfctl -k src [-k dst], hosts or
// networks; one host or network alone matches either end), id=HEX[&creatorid=HEX]
// (pfctl -k id -k ID), or all=1 (pfctl -F states). {"killed": N}.
nlohmann::json pf_kill_states(Node& node, const Params& q);
nlohmann::json pf_rules(Node& node);
// GET /api/v1/pf: counters (with pfctl -vsi's limit counters), timeouts, limits, source
// tracking and the tables (as pf_tables without entries).
nlohmann::json pf_info(Node& node);
// DELETE /api/v1/sources (pfctl -K): host=ADDR[/LEN] kills the source nodes of that source
// (host2=ADDR[/LEN] must hold their raddr, 0.0.0.0 in dpf); their states stay, untracked, as
// pf_kill_srcnodes leaves them. {"killed": N}. Control thread.
nlohmann::json pf_kill_sources(Node& node, const Params& q);
// GET /api/v1/tables (pfctl -s Tables): the ruleset's tables and the overload tables, by name,
// with pf's flags and their entry counts (defined entries plus run-time hosts); entries=1 adds
// the entries (the first 1000 of each table).
nlohmann::json pf_tables(Node& node, const Params& q);
// GET /api/v1/pfsync: pfsync's statistics (netstat -s -p pfsync names), bulk update progress.
nlohmann::json pfsync_info(Node& node);

}  // namespace dpf
