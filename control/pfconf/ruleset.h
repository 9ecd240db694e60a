// The parsed form of a pf.conf ruleset: options, macros, tables and fully expanded filter and
// translation rules (one Rule per combination of the lists in the source, as pfctl expands them).
// Plain value types for the control thread; the fast path compiles them into its own tables.
// Allocates through std::string/std::vector only. Spec: shared/specs/pf-semantics.md §3.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace dpf::pfconf {

// Address family of a rule or an address; kAny means "not restricted".
enum class Af : uint8_t { kAny = 0, kInet = 4, kInet6 = 6 };

// An IPv4 (first 4 bytes used) or IPv6 address in network byte order.
struct IpAddr {
  Af af = Af::kAny;
  std::array<uint8_t, 16> bytes{};
  bool operator==(const IpAddr&) const = default;
};

enum class AddrKind : uint8_t {
  kAny,         // `any`
  kHost,        // address + prefix (a host has the full prefix)
  kRange,       // `a - b`, both ends inclusive
  kTable,       // `<name>`
  kDynamic,     // `(ifname[:mod])[/prefix]`, follows the interface's addresses at run time
  kSelf,        // `self` when no address resolver was given (otherwise expanded to hosts)
  kIfNetwork,   // `ifname:network` when no address resolver was given
  kNoRoute,     // `no-route`
  kUrpfFailed,  // `urpf-failed`
};

// Modifiers of a dynamic `(if:mod)` address, as pf's PFI_AFLAG_* bits.
enum DynFlag : uint8_t { kDynNetwork = 1, kDynBroadcast = 2, kDynPeer = 4, kDynNoAlias = 8 };

struct Address {
  AddrKind kind = AddrKind::kAny;
  bool negated = false;
  IpAddr addr;              // host: network address, already masked; range: first address
  IpAddr addr_end;          // range: last address
  uint8_t prefix = 0;       // host: prefix length; dynamic: prefix when has_prefix
  bool has_prefix = false;  // dynamic only
  uint8_t dyn_flags = 0;    // dynamic only, DynFlag bits
  std::string name;         // table name, interface name (dynamic, if_network)
  Af af() const { return kind == AddrKind::kHost || kind == AddrKind::kRange ? addr.af : Af::kAny; }
  bool operator==(const Address&) const = default;
};

// Port comparison as in pf's PF_OP_*: `lo` is the operand, `hi` the second end of ranges;
// both in host byte order.
enum class PortOp : uint8_t {
  kNone,
  kEq,              // = p
  kNe,              // != p
  kLt,              // < p
  kLe,              // <= p
  kGt,              // > p
  kGe,              // >= p
  kRangeInclusive,  // lo:hi
  kRangeExclusive,  // lo >< hi
  kRangeOutside,    // lo <> hi
};

struct PortSpec {
  PortOp op = PortOp::kNone;
  uint16_t lo = 0;
  uint16_t hi = 0;
  bool operator==(const PortSpec&) const = default;
};

struct Endpoint {
  Address addr;
  PortSpec port;
  bool operator==(const Endpoint&) const = default;
};

enum class Action : uint8_t { kPass, kBlock, kMatch };
enum class Direction : uint8_t { kAny, kIn, kOut };

// How a block rule answers: drop silently, `return` (RST for TCP, ICMP otherwise),
// `return-rst`, or `return-icmp`/`return-icmp6` with their unreachable codes.
enum class BlockReturn : uint8_t { kDrop, kRet, kRst, kIcmp };

struct ReturnSpec {
  BlockReturn mode = BlockReturn::kDrop;
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

enum class StateMode : uint8_t { kNone, kKeep, kModulate, kSynproxy };
enum class SourceTrack : uint8_t { kNone, kRule, kGlobal };
// kUnset behaves as kFloating: `set state-policy if-bound` has already been applied to rules.
enum class StateLock : uint8_t { kUnset, kIfBound, kFloating };

// pf's timeout slots (PFTM_*), in pf's numbering; the printer walks them in this order.
enum class Timeout : uint8_t {
  kTcpFirst,
  kTcpOpening,
  kTcpEstablished,
  kTcpClosing,
  kTcpFinwait,
  kTcpClosed,
  kUdpFirst,
  kUdpSingle,
  kUdpMultiple,
  kIcmpFirst,
  kIcmpError,
  kOtherFirst,
  kOtherSingle,
  kOtherMultiple,
  kFrag,
  kInterval,
  kAdaptiveStart,
  kAdaptiveEnd,
  kSrcTrack,
  kTcpTsdiff,
  kCount
};
inline constexpr size_t kTimeoutCount = static_cast<size_t>(Timeout::kCount);

struct StateOptions {
  uint32_t max_states = 0;  // max N; 0 = unlimited
  bool no_sync = false;
  SourceTrack source_track = SourceTrack::kNone;
  uint32_t max_src_states = 0;
  uint32_t max_src_conn = 0;
  uint32_t max_src_conn_rate_limit = 0;  // max-src-conn-rate N/S
  uint32_t max_src_conn_rate_seconds = 0;
  uint32_t max_src_nodes = 0;
  std::string overload_table;  // overload <t>
  bool flush = false;          // overload <t> flush
  bool flush_global = false;   // overload <t> flush global
  StateLock lock = StateLock::kUnset;
  bool sloppy = false;
  bool pflow = false;
  std::array<uint32_t, kTimeoutCount> timeouts{};  // per-rule timeouts in seconds, 0 = default
  bool operator==(const StateOptions&) const = default;
};

// pf's translation rulesets. A translation rule (nat, rdr, binat statements and the
// nat-anchor, rdr-anchor, binat-anchor calls) lives in Ruleset::translations; kNone marks a
// filter rule, which may still carry nat-to/rdr-to pools.
enum class TranslationKind : uint8_t { kNone, kNat, kRdr, kBinat };

// How a pool picks its address (PF_POOL_*). kNone: the single address or prefix as written.
enum class PoolType : uint8_t { kNone, kBitmask, kRandom, kSourceHash, kRoundRobin };

// pfctl's default source port range of nat rules (PF_NAT_PROXY_PORT_LOW/HIGH).
inline constexpr uint16_t kNatProxyPortLow = 50001;
inline constexpr uint16_t kNatProxyPortHigh = 65535;

// The addresses and options a translation picks from: the `-> …` of nat/rdr/binat, or the
// target of nat-to/rdr-to/binat-to. Empty `addrs` means no translation of that kind.
struct Pool {
  std::vector<Address> addrs;  // hosts/prefixes, tables and `(if)`, already of the rule's af
  // nat: the source port range (lo..hi; 0/0 = static-port); rdr: the destination port lo, or
  // the range lo..hi mapped onto the rule's destination range; 0 = ports unchanged.
  uint16_t proxy_port_lo = 0;
  uint16_t proxy_port_hi = 0;
  PoolType type = PoolType::kNone;
  bool has_key = false;           // source-hash with a key
  std::array<uint8_t, 16> key{};  // source-hash key, as the 32 hex digits read
  bool sticky = false;            // sticky-address
  bool endpoint_independent = false;
  uint8_t mape_offset = 0;  // map-e-portset offset/psid-len/psid; offset 0 = none
  uint8_t mape_psidlen = 0;
  uint16_t mape_psid = 0;
  bool operator==(const Pool&) const = default;
};

struct Rule {
  Action action = Action::kPass;
  ReturnSpec ret;
  Direction dir = Direction::kAny;
  LogSpec log;
  bool quick = false;
  std::string ifname;  // empty = any interface
  bool ifnot = false;  // on ! ifname
  Af af = Af::kAny;
  uint8_t proto = 0;  // IP protocol number, 0 = any
  Endpoint src;
  Endpoint dst;
  uint8_t flags = 0;  // TCP flags that must be set, within flagset; 0/0 = any
  uint8_t flagset = 0;
  uint16_t icmp_type = 0;  // type + 1, 0 = not given (pf's convention)
  uint16_t icmp_code = 0;  // code + 1, 0 = not given
  StateMode state = StateMode::kNone;
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
  // Translation. For nat/binat statements and nat-to/binat-to the pool is nat_to (source
  // translation); for rdr statements and rdr-to it is rdr_to (destination translation).
  TranslationKind translation = TranslationKind::kNone;
  bool no_translation = false;  // `no nat`, `no rdr`, `no binat`: matching stops, no rewrite
  bool natpass = false;         // `nat pass`: the translated packet skips the filter rules
  bool binat_to = false;        // nat_to was written as binat-to (a filter rule's option)
  Af af_to = Af::kAny;          // af-to: translate to this family, from nat_to [to rdr_to]
  Pool nat_to;
  Pool rdr_to;
  // nat-anchor, rdr-anchor, binat-anchor: a call of this anchor (its path as written, e.g.
  // `ftp-proxy/*`) from the translation ruleset `translation`, with no pool; empty otherwise.
  std::string anchor;
  int line = 0;               // source line of the rule
  int col = 0;                // column of its first word (pass, block, match, antispoof)
  std::string file;           // the file it was written in: the ruleset's, or an included one
  bool file_private = false;  // others may not read `file`: errors name the place, not the text
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

enum class BlockPolicy : uint8_t { kDrop, kRet };
enum class StatePolicy : uint8_t { kFloating, kIfBound };

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
  BlockPolicy block_policy = BlockPolicy::kDrop;
  StatePolicy state_policy = StatePolicy::kFloating;
  uint32_t hostid = 0;  // set hostid; 0 = not set
  std::string loginterface;
  std::string debug;           // set debug none|urgent|misc|loud
  bool keep_counters = false;  // set keepcounters
};

// Lines that pfctl -v prints while it parses (before the rules), in source order.
enum class DefinitionKind : uint8_t { kMacro, kSetLine, kTable };
struct Definition {
  DefinitionKind kind = DefinitionKind::kMacro;
  std::string name;   // macro name
  std::string value;  // macro value, or the text after `set ` for set_line
  size_t table = 0;   // index into Ruleset::tables
};

struct Ruleset {
  Options options;
  std::vector<Definition> definitions;
  std::vector<Table> tables;
  std::vector<Rule> rules;
  // nat, rdr and binat statements and anchor calls in source order. pf keeps one first-match
  // list per kind (nat for outbound, rdr for inbound, binat both ways), evaluated before the
  // filter rules; a rule's number (pfctl's @N) is its index among the rules of its kind.
  std::vector<Rule> translations;
};

}  // namespace dpf::pfconf
