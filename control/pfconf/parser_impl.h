// Internal to the parser: the token cursor, the per-statement error unwinding and the rule
// specification (a rule with its lists still unexpanded). Control thread only.
#pragma once

#include <deque>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "control/pfconf/lexer.h"
#include "control/pfconf/parser.h"

namespace dpf::pfconf::detail {

// Thrown inside the parser after an error was recorded; caught at the statement boundary,
// which then skips to the next line. Never leaves parse_ruleset().
struct StatementAbort {};

// The largest file `include`, `table … file` or the main file may be (bytes).
constexpr size_t kMaxFileSize = size_t{16} << 20;

// The whole file at `path`, or nullopt with the reason in *error: a file that cannot be opened,
// is not a regular file (a FIFO, /dev/zero, a directory) or is larger than kMaxFileSize. With
// private_file set, tells whether others may not read the file (then its text must not be
// quoted in errors: the node may read files its REST client could not).
std::optional<std::string> read_file_from_disk(const std::string& path, std::string* error,
                                               bool* private_file = nullptr);

struct InterfaceItem {
  std::string name;
  bool negated = false;
};

struct IcmpItem {
  uint16_t type = 0;  // type + 1
  uint16_t code = 0;  // code + 1, 0 = any
};

// A filter rule as written: scalar options in `base`, lists to be expanded beside it.
struct RuleSpec {
  Rule base;
  int col = 0;
  int file = 0;  // index into Parser::files_
  std::vector<InterfaceItem> interfaces;
  std::vector<uint8_t> protos;
  std::vector<Address> src_hosts;
  std::vector<PortSpec> src_ports;
  std::vector<Address> dst_hosts;
  std::vector<PortSpec> dst_ports;
  std::vector<IcmpItem> icmp;
  bool icmp6 = false;  // icmp6-type rather than icmp-type
  bool block_explicit = false;
  bool flags_given = false;
  bool state_given = false;
  bool statelock_given = false;
  bool source_track_given = false;
  bool adaptive_given = false;
  SourceTrack source_track = SourceTrack::kNone;
  // Per address of nat_to/rdr_to: written as an IP literal (a wrong family is an error, where
  // an interface's other-family addresses are dropped).
  std::vector<bool> nat_literal;
  std::vector<bool> rdr_literal;
  bool rdr_star = false;  // rdr `port p:*`: the end follows the rule's destination range
};

class Parser {
 public:
  Parser(std::string_view text, const std::string& file, const ParseOptions& options);
  Result run();

 private:
  // Token cursor.
  const Token& peek(size_t ahead = 0);
  Token take();
  bool at_end_of_statement();
  bool accept_word(std::string_view word);
  bool accept_punct(std::string_view p);
  void expect_punct(std::string_view p);
  Token expect_string(std::string_view what);
  uint32_t expect_number(std::string_view what, uint64_t max);
  [[noreturn]] void fail(const Token& at, std::string message);
  [[noreturn]] void fail_unexpected(const Token& at);
  void record(int file, int line, int col, std::string message);
  // Reads an include or table file through options_.read_file or from disk; private_file says
  // whether errors may quote its text.
  std::optional<std::string> read_file(const std::string& path, std::string* why,
                                       bool& private_file);
  void drain_lexer_error();
  void skip_statement();

  // Statements (parser.cpp).
  void statement();
  void macro_definition();
  void include_file();
  // `set` options (options.cpp).
  void set_option();
  void set_skip();
  void set_optimization();
  void set_hostid();
  void set_limit_item();
  void set_timeout_item();
  void emit_set_line(std::string text);
  template <typename Fn>
  void set_list(Fn item);
  Token set_value(std::string_view what, std::initializer_list<std::string_view> allowed);
  void table_definition();
  void table_entry(const Token& tok, bool negated, std::vector<TableEntry>& out);
  void load_table_file(const Token& at, const std::string& path, std::vector<TableEntry>& out);

  // Addresses and ports (address_grammar.cpp).
  void host_list(std::vector<Address>& out);
  void host_item(std::vector<Address>& out);
  Address dynamic_address(bool negated);
  void resolve_host(const Token& tok, int prefix, bool negated, std::vector<Address>& out);
  bool resolve_interface(const std::string& text, int prefix, bool negated,
                         std::vector<Address>& out);
  void port_list(std::vector<PortSpec>& out);
  PortSpec port_item();
  uint16_t port_value(const Token& tok);

  // Filter rules (rule_grammar.cpp).
  void filter_rule();
  void block_spec(RuleSpec& spec);
  uint8_t icmp_return_code(bool inet6);
  void log_spec(RuleSpec& spec);
  void interface_spec(RuleSpec& spec);
  void af_spec(RuleSpec& spec);
  void proto_spec(RuleSpec& spec);
  void fromto(RuleSpec& spec);
  // `[on IF] [inet|inet6] [proto P] from … to …`: what filter and translation rules share.
  void criteria(RuleSpec& spec);
  void filter_option(RuleSpec& spec);
  uint32_t probability(const Token& p);
  void flags_spec(RuleSpec& spec);
  void icmp_spec(RuleSpec& spec, bool inet6);
  IcmpItem icmp_item(bool inet6);
  void state_spec(RuleSpec& spec, StateMode mode);
  void state_option(RuleSpec& spec);
  void finish_rule(RuleSpec& spec);
  void antispoof();
  void antispoof_interface(const RuleSpec& proto, const InterfaceItem& ifc, bool dynamic);

  // Translation rules and pools (translation_grammar.cpp).
  void translation_rule();
  void translation_anchor();
  void anchor_name(const Token& name);
  void translation_option(RuleSpec& spec, const Token& kw);
  void pool_spec(RuleSpec& spec, Pool& pool, TranslationKind kind);
  void pool_port(RuleSpec& spec, Pool& pool, TranslationKind kind);
  void pool_option(Pool& pool, TranslationKind kind, bool port_given, bool& type_given);
  void source_hash_key(Pool& pool);
  void finish_pool(const RuleSpec& spec, Rule& r, Pool& pool, TranslationKind kind);
  void rdr_port_range(const Token& here, const Rule& r, Pool& pool);

  // Expansion (expand.cpp).
  void expand_rule(const RuleSpec& spec);
  bool expand_one(const RuleSpec& spec, Rule& r);
  std::string expand_label(const std::string& text, const Rule& r) const;

  Lexer lexer_;
  std::vector<std::string> files_;  // [0] is the main file, then included files in order
  std::vector<bool> private_;       // per files_: others may not read it, errors do not quote it
  std::string quoting_private_;     // a private table file being loaded: errors do not quote it
  const ParseOptions& options_;
  std::deque<Token> lookahead_;
  Ruleset ruleset_;
  std::vector<ParseError> errors_;
};

}  // namespace dpf::pfconf::detail
