// The parsed form of a pf.conf ruleset: options, macros, tables and fully expanded filter rules
// (one Rule per combination of the lists in the source, as pfctl expands them).
// Plain value types for the control thread; the fast path compiles them into its own tables.
// Allocates through std::string/std::vector only. Spec: shared/specs/pf-semantics.md §3.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace dpf::pfconf {

// Address family of a rule or an address; `any` means "not restricted".
enum class Af : uint8_t { any = 0, inet = 4, inet6 = 6 };

// An IPv4 (first 4 bytes used) or IPv6 address in network byte order.
struct IpAddr {
  Af af = Af::any;
  std::array<uint8_t, 16> bytes{};
  bool operator==(const IpAddr&) const = default;
};

enum class AddrKind : uint8_t {
  any,          // `any`
  host,         // address + prefix (a host has the full prefix)
  range,        // `a - b`, both ends inclusive
  table,        // `<name>`
  dynamic,      // `(ifname[:mod])[/prefix]`, follows the interface's addresses at run time
  self,         // `self` when no address resolver was given (otherwise expanded to hosts)
  if_network,   // `ifname:network` when no address resolver was given
  no_route,     // `no-route`
  urpf_failed,  // `urpf-failed`
};

// Modifiers of a dynamic `(if:mod)` address, as pf's PFI_AFLAG_* bits.
enum DynFlag : uint8_t { kDynNetwork = 1, kDynBroadcast = 2, kDynPeer = 4, kDynNoAlias = 8 };

struct Address {
  AddrKind kind = AddrKind::any;
  bool negated = false;
  IpAddr addr;              // host: network address, already masked; range: first address
  IpAddr addr_end;          // range: last address
  uint8_t prefix = 0;       // host: prefix length; dynamic: prefix when has_prefix
  bool has_prefix = false;  // dynamic only
  uint8_t dyn_flags = 0;    // dynamic only, DynFlag bits
  std::string name;         // table name, interface name (dynamic, if_network)
  Af af() const { return kind == AddrKind::host || kind == AddrKind::range ? addr.af : Af::any; }
  bool operator==(const Address&) const = default;
};

// Port comparison as in pf's PF_OP_*: `lo` is the operand, `hi` the second end of ranges;
// both in host byte order.
enum class PortOp : uint8_t {
  none,
  eq,               // = p
  ne,               // != p
  lt,               // < p
  le,               // <= p
  gt,               // > p
  ge,               // >= p
  range_inclusive,  // lo:hi
  range_exclusive,  // lo >< hi
  range_outside,    // lo <> hi
};

struct PortSpec {
  PortOp op = PortOp::none;
  uint16_t lo = 0;
  uint16_t hi = 0;
  bool operator==(const PortSpec&) const = default;
};

struct Endpoint {
  Address addr;
  PortSpec port;
  bool operator==(const Endpoint&) const = default;
};

enum class Action : uint8_t { pass, block, match };
enum class Direction : uint8_t { any, in, out };

// How a block rule answers: drop silently, `return` (RST for TCP, ICMP otherwise),
// `return-rst`, or `return-icmp`/`return-icmp6` with their unreachable codes.
enum class BlockReturn : uint8_t { drop, ret, rst, icmp };

struct ReturnSpec {
  BlockReturn mode = BlockReturn::drop;
  uint8_t rst_ttl = 0;     // return-rst (ttl N); 0 = default
  uint8_t icmp_code = 3;   // ICMP unreachable code, default port-unr
  uint8_t icmp6_code = 4;  // ICMPv6 unreachable code, default port-unr
  bool operator==(const ReturnSpec&) const = default;
};

struct LogSpec {
  bool enabled = false;
  bool all = false;      // log (all)
  bool matches = false;  // log (matches)
  bool user = false;     // log (user)
  uint8_t logif = 0;     // log (to pflogN); 0 = pflog0
  bool operator==(const LogSpec&) const = default;
};

enum class StateMode : uint8_t { none, keep, modulate, synproxy };
enum class SourceTrack : uint8_t { none, rule, global };
// `unset` behaves as floating: `set state-policy if-bound` has already been applied to rules.
enum class StateLock : uint8_t { unset, if_bound, floating };

// pf's timeout slots (PFTM_*), in pf's numbering; the printer walks them in this order.
enum class Timeout : uint8_t {
  tcp_first,
  tcp_opening,
  tcp_established,
  tcp_closing,
  tcp_finwait,
  tcp_closed,
  udp_first,
  udp_single,
  udp_multiple,
  icmp_first,
  icmp_error,
  other_first,
  other_single,
  other_multiple,
  frag,
  interval,
  adaptive_start,
  adaptive_end,
  src_track,
  tcp_tsdiff,
  count
};
inline constexpr size_t kTimeoutCount = static_cast<size_t>(Timeout::count);

struct StateOptions {
  uint32_t max_states = 0;  // max N; 0 = unlimited
  bool no_sync = false;
  SourceTrack source_track = SourceTrack::none;
  uint32_t max_src_states = 0;
  uint32_t max_src_conn = 0;
  uint32_t max_src_conn_rate_limit = 0;  // max-src-conn-rate N/S
  uint32_t max_src_conn_rate_seconds = 0;
  uint32_t max_src_nodes = 0;
  std::string overload_table;  // overload <t>
  bool flush = false;          // overload <t> flush
  bool flush_global = false;   // overload <t> flush global
  StateLock lock = StateLock::unset;
  bool sloppy = false;
  bool pflow = false;
  std::array<uint32_t, kTimeoutCount> timeouts{};  // per-rule timeouts in seconds, 0 = default
  bool operator==(const StateOptions&) const = default;
};

struct Rule {
  Action action = Action::pass;
  ReturnSpec ret;
  Direction dir = Direction::any;
  LogSpec log;
  bool quick = false;
  std::string ifname;  // empty = any interface
  bool ifnot = false;  // on ! ifname
  Af af = Af::any;
  uint8_t proto = 0;  // IP protocol number, 0 = any
  Endpoint src;
  Endpoint dst;
  uint8_t flags = 0;  // TCP flags that must be set, within flagset; 0/0 = any
  uint8_t flagset = 0;
  uint16_t icmp_type = 0;  // type + 1, 0 = not given (pf's convention)
  uint16_t icmp_code = 0;  // code + 1, 0 = not given
  StateMode state = StateMode::none;
  StateOptions state_opts;
  bool fragment = false;
  bool allow_opts = false;
  std::vector<std::string> labels;
  uint32_t ridentifier = 0;
  std::string tag;
  std::string tagged;
  bool tagged_not = false;
  uint32_t probability = 0;  // pf's scale: p * UINT32_MAX; 0 = always
  std::string received_on;
  uint32_t max_pkt_rate_limit = 0;
  uint32_t max_pkt_rate_seconds = 0;
  uint16_t max_pkt_size = 0;
  bool once = false;
  int line = 0;  // source line of the rule
  bool operator==(const Rule&) const = default;
};

struct TableEntry {
  Address addr;  // kind host (possibly negated)
  bool operator==(const TableEntry&) const = default;
};

// One `{ … }` group or one `file "…"` of a table definition, kept in source order for printing.
struct TableSource {
  bool is_file = false;
  std::string file;                 // as written in the ruleset
  std::vector<TableEntry> entries;  // the inline entries, or the file's entries
};

struct Table {
  std::string name;
  bool persist = false;
  bool constant = false;
  bool counters = false;
  std::vector<TableSource> sources;
  std::vector<TableEntry> entries;  // every entry of every source
  int line = 0;
};

enum class BlockPolicy : uint8_t { drop, ret };
enum class StatePolicy : uint8_t { floating, if_bound };

struct Limit {
  std::string name;  // states, src-nodes, frags, tables, table-entries
  uint32_t value = 0;
};

struct Options {
  std::vector<std::string> skip;                   // set skip on …
  std::vector<Limit> limits;                       // set limit …, in source order
  std::array<uint32_t, kTimeoutCount> timeouts{};  // set timeout … and optimization profiles
  std::array<bool, kTimeoutCount> timeout_set{};
  std::string optimization;  // set optimization …; empty = not set
  BlockPolicy block_policy = BlockPolicy::drop;
  StatePolicy state_policy = StatePolicy::floating;
  uint32_t hostid = 0;  // set hostid; 0 = not set
  std::string loginterface;
  std::string debug;           // set debug none|urgent|misc|loud
  bool keep_counters = false;  // set keepcounters
};

// Lines that pfctl -v prints while it parses (before the rules), in source order.
enum class DefinitionKind : uint8_t { macro, set_line, table };
struct Definition {
  DefinitionKind kind = DefinitionKind::macro;
  std::string name;   // macro name
  std::string value;  // macro value, or the text after `set ` for set_line
  size_t table = 0;   // index into Ruleset::tables
};

struct Ruleset {
  Options options;
  std::vector<Definition> definitions;
  std::vector<Table> tables;
  std::vector<Rule> rules;
};

}  // namespace dpf::pfconf
