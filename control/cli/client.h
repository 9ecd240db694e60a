// dpfctl's side of the REST API: finds the node (--api URL, DPF_API, or --config + --node),
// fetches JSON and renders it the way pfctl prints its views. Pure: no DPDK; runs in the
// dpfctl process only. Rendering functions take parsed JSON so they are testable offline.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace dpf::cli {

// "Status: Enabled for 0 days 00:01:02 ..." then interfaces and counters, as `pfctl -s info`.
std::string render_info(const nlohmann::json& status, const nlohmann::json& stats);
// One line per interface: name, link, address, MAC, RX/TX packets and bytes.
std::string render_interfaces(const nlohmann::json& status);
// The ARP neighbour table, as `arp -an` prints it.
std::string render_neighbors(const nlohmann::json& neighbors);
// pfctl's uptime form: "D days HH:MM:SS".
std::string format_uptime(double seconds);
// pfctl's duration form in state lines: "HH:MM:SS" (hours may pass 24).
std::string format_hms(uint64_t seconds);

// `pfctl -s states` from GET /api/v1/states: one line per state; verbose adds the age, expiry,
// counters and rule, and the id and creator id.
std::string render_states(const nlohmann::json& states, bool verbose);
// `pfctl -s rules` from GET /api/v1/rules. verbose 1 (-v) adds FreeBSD 14 pfctl's counter lines
// under each rule ("  [ Evaluations: ...  States: ...]", "  [ Inserted: uid U pid P State
// Creations: N]"); verbose 2 (-vv) also numbers the rules ("@N ") and adds "  [ Last Active
// Time: ctime(3) | N/A ]" (local time, as pfctl prints it).
std::string render_rules(const nlohmann::json& rules, int verbose);
// `pfctl -s labels`: one line per rule with a label, as pfctl prints it: the labels, then
// evaluations, packets, bytes, in packets, in bytes, out packets, out bytes, state creations.
std::string render_labels(const nlohmann::json& rules);
// `pfctl -s timeouts` and `pfctl -s memory` from GET /api/v1/pf.
std::string render_timeouts(const nlohmann::json& pf);
std::string render_memory(const nlohmann::json& pf);
// `dpfctl -s sync` from GET /api/v1/pfsync: what `netstat -s -p pfsync` prints, then the bulk
// update's progress.
std::string render_sync(const nlohmann::json& pfsync);
// `dpfctl -s carp` from GET /api/v1/carp (or the reply of POST /api/v1/carp/demote): a line with
// preempt and the demotion by source, then one line per vhid with its state, advbase, advskew,
// demotion, addresses and last transition; verbose adds each vhid's MAC, effective skew,
// counters, transitions and the reasons adverts were rejected for, then the frames no vhid
// took (rejections and counts are printed only when non-zero).
std::string render_carp(const nlohmann::json& carp, bool verbose);
// The "State Table" block of `pfctl -s info` from GET /api/v1/pf.
std::string render_state_table(const nlohmann::json& pf, double uptime);

struct Endpoint {
  std::string base = "http://127.0.0.1:9080";  // scheme://host:port
  std::string token;
};

// The node's URL as --api or $DPF_API gives it: [http:// | https://]HOST[:PORT][/], HOST a name,
// an IPv4 address or an IPv6 one in brackets, PORT 1..65535. True with base set to it without
// the trailing slash; false with error saying what is wrong ("unknown scheme 'ftp'").
bool parse_api_url(const std::string& url, std::string& base, std::string& error);

// What dpfctl says when it cannot talk to the node at base (scheme://host:port). Pure, so the
// texts are testable without a network.
//   cause: why the connection failed, in words ("connection refused", "connection timed out
//   (no answer within 3 s)").
std::string unreachable_error(const std::string& base, const std::string& cause);
//   gai_error: getaddrinfo's text for a host that does not resolve.
std::string unresolved_error(const std::string& base, const std::string& host,
                             const std::string& gai_error);
// A reply with a status other than 200: 401 and 403 name the token options; others give the
// node's "error" text (or the body) after the status.
std::string status_error(const std::string& base, const std::string& path, int status,
                         const std::string& body, bool sent_token);
// The host and port of base ("http://[::1]:9080" gives "::1" and "9080"; no port gives "80").
void split_base(const std::string& base, std::string& host, std::string& port);

// GET path; on success returns true and the body; otherwise false and an error naming the URL.
bool http_get(const Endpoint& ep, const std::string& path, std::string& body, std::string& error);
// A state-changing request (method "POST" or "DELETE") with the endpoint's bearer token.
bool http_send(const Endpoint& ep, const std::string& method, const std::string& path,
               const std::string& body, std::string& reply, std::string& error);

}  // namespace dpf::cli
