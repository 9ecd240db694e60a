#include "control/cli/client.h"

#include <httplib.h>
#include <netdb.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "control/cli/pf_views.h"
#include "control/pfconf/names.h"

namespace dpf::cli {

std::string format_uptime(double seconds) {
  const auto s = static_cast<uint64_t>(seconds < 0 ? 0 : seconds);
  return line("%" PRIu64 " days %02" PRIu64 ":%02" PRIu64 ":%02" PRIu64, s / 86400, s / 3600 % 24,
              s / 60 % 60, s % 60);
}

std::string format_hms(uint64_t s) {
  return line("%02" PRIu64 ":%02" PRIu64 ":%02" PRIu64, s / 3600, s / 60 % 60, s % 60);
}

namespace {

std::string host_port(const nlohmann::json& key, int i, const std::string& proto) {
  std::string h = key["addr"][i].get<std::string>();
  const int port = key["port"][i].get<int>();
  if (port != 0 || proto == "tcp" || proto == "udp") {
    if (h.find(':') != std::string::npos) h = "[" + h + "]";
    h += ":" + std::to_string(port);
  }
  return h;
}

// pfctl names a state's protocol with getprotobynumber(); FreeBSD's /etc/protocols (the table
// pf.conf's parser uses) gives 112 carp and 240 pfsync. A node that sends a number gets it named.
std::string proto_name(const std::string& proto) {
  if (proto.empty() || proto.size() > 3 ||
      !std::all_of(proto.begin(), proto.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return proto;
  const int n = std::stoi(proto);
  if (n > 255) return proto;
  const std::string_view name = pfconf::protocol_name(static_cast<uint8_t>(n));
  return name.empty() ? proto : std::string(name);
}

std::string peer_state(const nlohmann::json& p, const std::string& proto) {
  // pfctl names TCP and UDP/other peer states and prints ICMP ones as numbers.
  if (proto == "icmp" || proto == "ipv6-icmp") return std::to_string(p.value("state", 0));
  return p.value("state_name", "?");
}

// One side of a state as pfctl's print_state prints it: the printed key's host, then the other
// key's in parentheses when the state is translated there.
std::string side(const nlohmann::json& nk, const nlohmann::json& sk, int i,
                 const std::string& proto) {
  std::string h = host_port(nk, i, proto);
  if (nk["addr"][i] != sk["addr"][i] || nk["port"][i] != sk["port"][i])
    h += " (" + host_port(sk, i, proto) + ")";
  return h;
}

}  // namespace

std::string render_states(const nlohmann::json& states, bool verbose) {
  std::string out;
  for (const auto& s : states["states"]) {
    const std::string proto = proto_name(s.value("proto", "?"));
    const bool outbound = s.value("direction", "in") == "out";
    const auto& wire = s["key_wire"];
    const auto& stack = s.contains("key_stack") ? s["key_stack"] : wire;
    // pfctl's print_state: an outbound state prints the wire key with the stack key in
    // parentheses, an inbound one the stack key with the wire key in parentheses; keys hold the
    // destination in addr[0] for outbound states and the source there for inbound ones. The
    // peers are listed responder first for an inbound state. ICMP ids are not translated in
    // the comparison (pfctl copies the printed key's id into the other key).
    nlohmann::json nk = outbound ? wire : stack;
    nlohmann::json sk = outbound ? stack : wire;
    if (proto == "icmp" || proto == "ipv6-icmp") {
      const int id = outbound ? 0 : 1;
      sk["port"][id] = nk["port"][id];
    }
    const auto& first = outbound ? s["src"] : s["dst"];
    const auto& second = outbound ? s["dst"] : s["src"];
    out += s.value("if", "all") + " " + proto + " " + side(nk, sk, 1, proto) +
           (outbound ? " -> " : " <- ") + side(nk, sk, 0, proto) + "       " +
           peer_state(first, proto) + ":" + peer_state(second, proto) + "\n";
    if (verbose) {
      const auto& pk = s["packets"];
      const auto& by = s["bytes"];
      out += line("   age %s, expires in %s, %" PRIu64 ":%" PRIu64 " pkts, %" PRIu64 ":%" PRIu64
                  " bytes",
                  format_hms(s.value("age", uint64_t{0})).c_str(),
                  format_hms(s.value("expires_in", uint64_t{0})).c_str(), pk[0].get<uint64_t>(),
                  pk[1].get<uint64_t>(), by[0].get<uint64_t>(), by[1].get<uint64_t>());
      const int64_t rule = s.value("rule", int64_t{-1});
      if (rule >= 0) out += line(", rule %" PRId64, rule);
      out += "\n";
      out += "   id: " + s.value("id", "") + " creatorid: " + s.value("creatorid", "") + "\n";
    }
  }
  return out;
}

namespace {

uint64_t both(const nlohmann::json& r, const char* key) {
  const auto& v = r.contains(key) ? r[key] : nlohmann::json::object();
  return v.value("in", uint64_t{0}) + v.value("out", uint64_t{0});
}

// pfctl's ctime(3) of the last active time, without the newline; "N/A" when never.
std::string last_active(const nlohmann::json& r) {
  if (!r.contains("last_active") || !r["last_active"].is_number()) return "N/A";
  const time_t t = static_cast<time_t>(r["last_active"].get<double>());
  char buf[64];
  tm local{};
  // ctime's fixed form, "Thu Nov 24 18:22:48 1986" (dpfctl runs in the C locale).
  if (localtime_r(&t, &local) == nullptr ||
      std::strftime(buf, sizeof buf, "%a %b %e %H:%M:%S %Y", &local) == 0)
    return "N/A";
  return buf;
}

}  // namespace

// pfctl_print_rule_counters (sbin/pfctl/pfctl.c, FreeBSD 14), field for field.
std::string render_rules(const nlohmann::json& rules, int verbose) {
  std::string out;
  const auto inserted = rules.value("inserted", nlohmann::json::object());
  for (const auto& r : rules["rules"]) {
    if (verbose >= 2) out += "@" + std::to_string(r.value("nr", 0u)) + " ";
    out += r.value("text", "") + "\n";
    if (verbose < 1) continue;
    out += line("  [ Evaluations: %-8" PRIu64 "  Packets: %-8" PRIu64 "  Bytes: %-10" PRIu64
                "  States: %-6" PRIu64 "]\n",
                r.value("evaluations", uint64_t{0}), both(r, "packets"), both(r, "bytes"),
                r.value("states", uint64_t{0}));
    out += line("  [ Inserted: uid %u pid %u State Creations: %-6" PRIu64 "]\n",
                inserted.value("uid", 0u), inserted.value("pid", 0u),
                r.value("state_creations", uint64_t{0}));
    if (verbose >= 2) out += "  [ Last Active Time: " + last_active(r) + " ]\n";
  }
  return out;
}

std::string render_labels(const nlohmann::json& rules) {
  std::string out;
  for (const auto& r : rules["rules"]) {
    const auto labels = r.value("labels", nlohmann::json::array());
    if (labels.empty()) continue;
    for (const auto& l : labels) out += l.get<std::string>() + " ";
    const auto& p = r.contains("packets") ? r["packets"] : nlohmann::json::object();
    const auto& b = r.contains("bytes") ? r["bytes"] : nlohmann::json::object();
    out += line("%" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64
                " %" PRIu64 "\n",
                r.value("evaluations", uint64_t{0}), both(r, "packets"), both(r, "bytes"),
                p.value("in", uint64_t{0}), b.value("in", uint64_t{0}), p.value("out", uint64_t{0}),
                b.value("out", uint64_t{0}), r.value("state_creations", uint64_t{0}));
  }
  return out;
}

std::string render_timeouts(const nlohmann::json& pf) {
  std::string out;
  for (const auto& t : pf["timeouts"]) {
    const bool states = t.value("unit", "s") == "states";
    out += line("%-20s %10u%s\n", t.value("name", "").c_str(), t.value("value", 0u),
                states ? " states" : "s");
  }
  return out;
}

std::string render_memory(const nlohmann::json& pf) {
  // pfctl_show_limits, for the limits dpf has: states and src-nodes.
  std::string out = line("%-13s hard limit %8u\n", "states", pf.value("state_limit", 0u));
  if (pf.contains("src_tracking"))
    out +=
        line("%-13s hard limit %8u\n", "src-nodes", pf["src_tracking"].value("src_node_limit", 0u));
  return out;
}

std::string render_sync(const nlohmann::json& p) {
  if (!p.value("enabled", false)) return "pfsync is not configured on this node\n";
  const auto& s = p["stats"];
  auto n = [&](const char* k) { return s.value(k, uint64_t{0}); };
  struct Line {
    const char* key;
    const char* text;
    int indent;
  };
  static constexpr Line kLines[] = {
      {"ipackets", "packets received (IPv4)", 1},
      {"ipackets6", "packets received (IPv6)", 1},
      {"badif", "packets discarded for bad interface", 2},
      {"badttl", "packets discarded for bad ttl", 2},
      {"hdrops", "packets shorter than header", 2},
      {"badver", "packets discarded for bad version", 2},
      {"badauth", "packets discarded for bad HMAC", 2},
      {"badact", "packets discarded for bad action", 2},
      {"badlen", "packets discarded for short packet", 2},
      {"badval", "states discarded for bad values", 2},
      {"stale", "stale states", 2},
      {"badstate", "failed state lookup/inserts", 2},
      {"opackets", "packets sent (IPv4)", 1},
      {"opackets6", "packets sent (IPv6)", 1},
      {"onomem", "send failed due to mbuf memory error", 2},
      {"oerrors", "send error", 2},
  };
  std::string out = "pfsync:\n";
  for (const auto& l : kLines)
    out += std::string(l.indent, '\t') + std::to_string(n(l.key)) + " " + l.text + "\n";
  if (p.contains("refused")) {
    out += "\t\t" + std::to_string(p["refused"].value("badcreator", uint64_t{0})) +
           " states discarded for our own creator id\n";
  }
  if (p.contains("window_pushes")) {
    out += "\t\t" + std::to_string(p.value("window_pushes", uint64_t{0})) +
           " TCP updates sent early to keep peers within the window\n";
  }
  const auto& b = p["bulk"];
  const char* bulk = b.value("done", false)          ? "done"
                     : b.value("failed", false)      ? "failed"
                     : b.value("in_progress", false) ? "in progress"
                     : b.value("requested", false)   ? "requested"
                                                     : "not requested";
  out += line("bulk update: %s, %" PRIu64 " states received, %u retries\n", bulk,
              b.value("states_received", uint64_t{0}), b.value("tries", 0u));
  if (p.contains("peers")) {
    out += p["peers"].empty() ? "peers heard from: none\n" : "peers heard from:\n";
    for (const auto& peer : p["peers"]) {
      out += line("\t%s (%s): %" PRIu64 " frames, last %.1f s ago\n",
                  peer.value("address", "?").c_str(), peer.value("mac", "?").c_str(),
                  peer.value("frames", uint64_t{0}), peer.value("last_heard_ago", 0.0));
    }
  }
  return out;
}

namespace {

// "pfsync-bulk 0, interface-down 240, operator 0": the known sources first, in the order they
// are raised, then any other the node reports.
std::string demotion_sources(const nlohmann::json& sources) {
  static constexpr const char* kKnown[] = {"pfsync-bulk", "interface-down", "operator"};
  std::string out;
  auto add = [&](const std::string& name, const nlohmann::json& n) {
    out += (out.empty() ? "" : ", ") + name + " " + std::to_string(n.get<int64_t>());
  };
  for (const char* k : kKnown)
    if (sources.contains(k)) add(k, sources[k]);
  for (const auto& [k, n] : sources.items())
    if (std::find(std::begin(kKnown), std::end(kKnown), k) == std::end(kKnown)) add(k, n);
  return out;
}

// s left-aligned in a column of width w, then the column separator.
std::string pad(std::string s, size_t w) {
  s.resize(std::max(s.size(), w), ' ');
  return s + " ";
}

// "BACKUP->MASTER master-down 12s ago"; ages of a minute or more print as HH:MM:SS.
std::string last_transition(const nlohmann::json& t) {
  if (!t.is_object()) return "-";
  const double age = t.value("age_s", 0.0);
  const auto secs = static_cast<uint64_t>(age < 0 ? 0 : age);
  const std::string ago = secs < 60 ? std::to_string(secs) + "s" : format_hms(secs);
  return t.value("from", "?") + "->" + t.value("to", "?") + " " + t.value("reason", "?") + " " +
         ago + " ago";
}

// "bad-auth 2, bad-vhid 5": the reasons of a {reason: count} object with a non-zero count.
std::string nonzero_counts(const nlohmann::json& counts) {
  std::string out;
  for (const auto& [reason, n] : counts.items()) {
    const auto count = n.get<uint64_t>();
    if (count != 0) out += (out.empty() ? "" : ", ") + reason + " " + std::to_string(count);
  }
  return out;
}

std::string carp_details(const nlohmann::json& v) {
  auto n = [&](const char* key) { return std::to_string(v.value(key, uint64_t{0})); };
  std::string out = "     mac " + v.value("mac", "?") + ", effective skew " +
                    std::to_string(v.value("effective_skew", 0)) + "\n";
  out += "     adverts sent " + n("adverts_sent") + ", received " + n("adverts_received");
  if (v.contains("adverts_ignored")) out += ", ignored in INIT " + n("adverts_ignored");
  out += ", gratuitous arp " + n("garps") + "\n";
  if (v.contains("to_master"))
    out += "     transitions: to MASTER " + n("to_master") + ", to BACKUP " + n("to_backup") +
           ", to INIT " + n("to_init") + "\n";
  const std::string rejected = nonzero_counts(v.value("rejected", nlohmann::json::object()));
  if (!rejected.empty()) out += "     rejected: " + rejected + "\n";
  return out;
}

// Frames no vhid accepted, over all interfaces: rejected ones by reason, and our own adverts.
std::string carp_frames(const nlohmann::json& carp) {
  std::string out;
  const std::string rejected = nonzero_counts(carp.value("rejected", nlohmann::json::object()));
  if (!rejected.empty()) out += "rejected frames: " + rejected + "\n";
  const auto own = carp.value("own_frames", uint64_t{0});
  if (own != 0) out += "own adverts seen: " + std::to_string(own) + "\n";
  return out;
}

}  // namespace

std::string render_carp(const nlohmann::json& carp, bool verbose) {
  const auto vhids = carp.value("vhids", nlohmann::json::array());
  if (vhids.empty()) return "carp is not configured on this node\n";
  std::string out = line("carp: preempt %s, demotion %d",
                         carp.value("preempt", false) ? "on" : "off", carp.value("demotion", 0));
  const auto sources = carp.value("demotion_sources", nlohmann::json::object());
  out += sources.empty() ? "\n" : " (" + demotion_sources(sources) + ")\n";
  out += line("%-4s %-8s %-7s %-7s %-7s %-6s %-18s %s\n", "VHID", "IF", "STATE", "ADVBASE",
              "ADVSKEW", "DEMOTE", "ADDRESSES", "LAST TRANSITION");
  for (const auto& v : vhids) {
    std::string addresses;
    for (const auto& a : v.value("addresses", nlohmann::json::array()))
      addresses += (addresses.empty() ? "" : ",") + a.get<std::string>();
    if (addresses.empty()) addresses = "-";
    // Names and addresses may be long: only the numeric columns go through the fixed buffer.
    out +=
        line("%-4u ", v.value("vhid", 0u)) + pad(v.value("interface", ""), 8) +
        pad(v.value("state", "?"), 7) +
        line("%-7u %-7u %-6d ", v.value("advbase", 0u), v.value("advskew", 0u),
             v.value("demotion", 0)) +
        pad(addresses, 18) +
        last_transition(v.contains("last_transition") ? v["last_transition"] : nlohmann::json()) +
        "\n";
    if (verbose) out += carp_details(v);
  }
  if (verbose) out += carp_frames(carp);
  return out;
}

// The blocks of -s info keep print_status's columns (status_header, status_counter_line); the
// rates are per whole second of the node's uptime, as pfctl's are per second since pf started.
std::string render_state_table(const nlohmann::json& pf, double uptime) {
  const uint64_t runtime = uptime > 0 ? static_cast<uint64_t>(uptime) : 0;
  const auto& c = pf["counters"];
  std::string out = status_header("State Table");
  out +=
      line("  %-25s %14" PRIu64 " %14s\n", "current entries", pf.value("states", uint64_t{0}), "");
  for (const char* key : {"searches", "inserts", "removals"})
    out += status_counter_line(key, c.value(key, uint64_t{0}), runtime);
  return out;
}

std::string render_info(const nlohmann::json& status, const nlohmann::json& stats) {
  const double up = status.value("uptime", 0.0);
  const uint64_t runtime = up > 0 ? static_cast<uint64_t>(up) : 0;
  std::string out =
      line("Status: Enabled for %-24s Node: %s (hostid 0x%s)\n\n", format_uptime(up).c_str(),
           status.value("node", "?").c_str(), status.value("hostid", "?").c_str());
  out += status_header("Packets");
  for (const char* key : {"rx_packets", "forwarded", "punted", "tx_packets"})
    out += status_counter_line(key, stats["node"].value(key, uint64_t{0}), runtime);
  out += "Counters\n";  // print_status's heading, without columns
  for (const auto& [reason, n] : stats["drops"].items())
    out += status_counter_line(reason, n.get<uint64_t>(), runtime);
  return out;
}

std::string render_interfaces(const nlohmann::json& status) {
  std::string out = line("%-8s %-5s %-19s %-17s %12s %14s %12s %14s\n", "IF", "LINK", "ADDRESS",
                         "MAC", "RX-PKTS", "RX-BYTES", "TX-PKTS", "TX-BYTES");
  for (const auto& i : status["interfaces"]) {
    const auto& c = i["counters"];
    out += line("%-8s %-5s %-19s %-17s %12" PRIu64 " %14" PRIu64 " %12" PRIu64 " %14" PRIu64 "\n",
                i.value("name", "").c_str(), i["link"].value("up", false) ? "up" : "down",
                i.value("address", "").c_str(), i.value("mac", "").c_str(),
                c.value("rx_packets", uint64_t{0}), c.value("rx_bytes", uint64_t{0}),
                c.value("tx_packets", uint64_t{0}), c.value("tx_bytes", uint64_t{0}));
  }
  return out;
}

std::string render_neighbors(const nlohmann::json& neighbors) {
  std::string out;
  for (const auto& n : neighbors["neighbors"]) {
    out += line("? (%s) at %s on %s [%s]%s\n", n.value("address", "").c_str(),
                n.value("state", "") == "incomplete" ? "(incomplete)" : n.value("mac", "").c_str(),
                n.value("interface", "").c_str(), n.value("state", "").c_str(),
                n.value("held", 0) ? line(" %d held", n.value("held", 0)).c_str() : "");
  }
  return out;
}

namespace {

constexpr int kConnectTimeoutS = 3;

constexpr const char* kReachHint =
    "is dpf running? its API listens on the node's own loopback by default: run dpfctl in the "
    "node's network namespace, or give the node's API with --api URL or --config FILE --node NAME";

constexpr const char* kTokenHint =
    "give the node's token with --token-file FILE or $DPF_TOKEN_FILE, or use --config FILE "
    "--node NAME to read the node's api.token_file";

std::string timed_out() {
  return "connection timed out (no answer within " + std::to_string(kConnectTimeoutS) + " s)";
}

// Why a connection to base failed, found again by resolving and connecting once more: httplib
// reports both a refused connection and an unknown host as Error::Connection.
std::string connection_failure(const std::string& base) {
  std::string host, port;
  split_base(base, host, port);
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &res); rc != 0)
    return unresolved_error(base, host, gai_strerror(rc));
  int err = 0;
  for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    const int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      err = errno;
      continue;
    }
    timeval tv{kConnectTimeoutS, 0};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    const int rc = connect(fd, ai->ai_addr, ai->ai_addrlen);
    err = rc == 0 ? 0 : errno;
    close(fd);
    if (rc == 0) break;
  }
  freeaddrinfo(res);
  if (err == 0) return unreachable_error(base, "the connection failed");
  if (err == EINPROGRESS || err == EAGAIN || err == ETIMEDOUT)
    return unreachable_error(base, timed_out());
  std::string cause = std::strerror(err);
  if (!cause.empty()) cause[0] = static_cast<char>(std::tolower(cause[0]));
  return unreachable_error(base, cause);
}

std::string transport_error(const std::string& base, const std::string& path, httplib::Error e) {
  switch (e) {
    case httplib::Error::Connection:
      return connection_failure(base);
    case httplib::Error::ConnectionTimeout:
      return unreachable_error(base, timed_out());
    case httplib::Error::Read:
      return base + path + ": the node closed the connection or did not answer in time";
    default:
      return base + path + ": " + httplib::to_string(e);
  }
}

}  // namespace

bool parse_api_url(const std::string& url, std::string& base, std::string& error) {
  std::string rest = url;
  if (const auto scheme = rest.find("://"); scheme != std::string::npos) {
    const std::string name = rest.substr(0, scheme);
    if (name != "http" && name != "https")
      return error = "unknown scheme '" + name + "' (http or https)", false;
    rest = rest.substr(scheme + 3);
  }
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  size_t port_at = std::string::npos;  // where ":PORT" starts
  if (!rest.empty() && rest[0] == '[') {
    const auto close = rest.find(']');
    if (close == std::string::npos || close == 1 ||
        rest.find_first_not_of("0123456789abcdefABCDEF:.", 1) != close)
      return error = "a bracketed host must be an IPv6 address ([::1])", false;
    if (close + 1 < rest.size() && rest[close + 1] != ':')
      return error = "a path or anything after HOST:PORT is not taken", false;
    port_at = close + 1 < rest.size() ? close + 1 : std::string::npos;
  } else {
    const auto bad = rest.find_first_of(":/?#[]@ ");
    if (bad == 0 || rest.empty()) return error = "no host", false;
    if (bad != std::string::npos && rest[bad] != ':') {
      if (std::strchr("/?#", rest[bad]) != nullptr)
        return error = "a path or anything after HOST:PORT is not taken", false;
      return error = std::string("the host may not contain '") + rest[bad] + "'", false;
    }
    port_at = bad;
  }
  if (port_at != std::string::npos) {
    const std::string port = rest.substr(port_at + 1);
    if (port.find_first_of("/?#") != std::string::npos)
      return error = "a path or anything after HOST:PORT is not taken", false;
    const bool digits = !port.empty() && port.size() <= 5 &&
                        port.find_first_not_of("0123456789") == std::string::npos;
    if (!digits || std::stoul(port) == 0 || std::stoul(port) > 65535)
      return error = "the port must be a number in 1..65535", false;
  }
  base = url.substr(0, url.size() - (url.back() == '/' ? 1 : 0));
  return true;
}

void split_base(const std::string& base, std::string& host, std::string& port) {
  std::string rest = base;
  if (const auto scheme = rest.find("://"); scheme != std::string::npos)
    rest = rest.substr(scheme + 3);
  rest = rest.substr(0, rest.find('/'));
  port = "80";
  if (!rest.empty() && rest[0] == '[') {
    const auto close = rest.find(']');
    host = rest.substr(1, close == std::string::npos ? std::string::npos : close - 1);
    if (close != std::string::npos && close + 1 < rest.size() && rest[close + 1] == ':')
      port = rest.substr(close + 2);
    return;
  }
  const auto colon = rest.rfind(':');
  host = rest.substr(0, colon);
  if (colon != std::string::npos) port = rest.substr(colon + 1);
}

std::string unreachable_error(const std::string& base, const std::string& cause) {
  return "cannot reach the node at " + base + ": " + cause + " (" + kReachHint + ")";
}

std::string unresolved_error(const std::string& base, const std::string& host,
                             const std::string& gai_error) {
  return "cannot resolve " + host + ", the host of " + base + ": " + gai_error +
         " (check --api and $DPF_API, or use --config FILE --node NAME for the node's "
         "api.listen)";
}

std::string status_error(const std::string& base, const std::string& path, int status,
                         const std::string& body, bool sent_token) {
  const auto reply = nlohmann::json::parse(body, nullptr, false);
  std::string why;
  if (reply.is_object() && reply.contains("error") && reply["error"].is_string())
    why = reply["error"].get<std::string>();
  else
    why = body.substr(0, body.find_last_not_of(" \r\n\t") + 1);
  const std::string head = base + path + ": HTTP " + std::to_string(status);
  if (status == 401 || status == 403) {
    return head + (why.empty() ? "" : ": " + why) + " (" +
           (sent_token ? "the token was refused; " : "no token was sent; ") + kTokenHint + ")";
  }
  return head + (why.empty() ? "" : ": " + why);
}

bool http_send(const Endpoint& ep, const std::string& method, const std::string& path,
               const std::string& body, std::string& reply, std::string& error) {
  httplib::Client cli(ep.base);
  cli.set_connection_timeout(kConnectTimeoutS, 0);
  cli.set_read_timeout(30, 0);
  if (!ep.token.empty()) cli.set_bearer_token_auth(ep.token.c_str());
  auto res = method == "DELETE" ? cli.Delete(path.c_str())
                                : cli.Post(path.c_str(), body, "application/json");
  if (!res) {
    error = transport_error(ep.base, path, res.error());
    return false;
  }
  reply = res->body;
  if (res->status != 200) {
    error = status_error(ep.base, path, res->status, res->body, !ep.token.empty());
    return false;
  }
  return true;
}

bool http_get(const Endpoint& ep, const std::string& path, std::string& body, std::string& error) {
  httplib::Client cli(ep.base);
  cli.set_connection_timeout(kConnectTimeoutS, 0);
  cli.set_read_timeout(10, 0);
  if (!ep.token.empty()) cli.set_bearer_token_auth(ep.token.c_str());
  auto res = cli.Get(path.c_str());
  if (!res) {
    error = transport_error(ep.base, path, res.error());
    return false;
  }
  if (res->status != 200) {
    error = status_error(ep.base, path, res->status, res->body, !ep.token.empty());
    return false;
  }
  body = res->body;
  return true;
}

}  // namespace dpf::cli
