// Typed reading of a yaml-cpp tree with every problem reported at its FILE:LINE:COL, for the
// cluster file loader (cluster.h). Control thread only, at start-up and on --check; allocates
// the copied strings and the error list. yaml-cpp exceptions never leave the loader; these
// readers report instead of throwing.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "control/config/cluster.h"

namespace dpf::config::detail {

// Bounds that keep a broken or hostile file (whose YAML aliases can repeat a subtree many times
// over) from costing unbounded memory and time; a real cluster file is far below them.
inline constexpr std::size_t kMaxEntries = 256;  // default for any map or list
inline constexpr std::size_t kMaxErrors = 100;   // errors kept; the rest are only counted

// Collects every error of one load; the file name prefixes each.
class Diagnostics {
 public:
  explicit Diagnostics(std::string file) : file_(std::move(file)) {}
  void error(Mark at, std::string message);
  const std::string& file() const { return file_; }
  std::vector<ConfigError>& errors() { return errors_; }
  std::size_t dropped() const { return dropped_; }  // errors beyond kMaxErrors
  bool any() const { return !errors_.empty(); }
  void clear() {
    errors_.clear();
    dropped_ = 0;
  }

 private:
  std::string file_;
  std::vector<ConfigError> errors_;
  std::size_t dropped_ = 0;
};

// yaml-cpp marks are 0-based; ours are 1-based, 0 when unknown.
Mark to_mark(const YAML::Mark& m);

// Where a second YAML document starts in text, if it has one. YAML::LoadAll is not used: on some
// malformed input (",\v") yaml-cpp 0.7 yields empty documents forever, so this stops at two.
// Throws YAML::Exception on a syntax error, as YAML::Load does.
std::optional<Mark> second_document(const std::string& text);

// A value in the tree with where it was written and its dotted path for messages
// ("nodes.fw-a.lcores.workers"). A null value is marked at its key: yaml-cpp places an implicit
// null at the next token, which is not where the user looks.
struct Value {
  YAML::Node node;
  Mark at;
  std::string path;
  Mark key_at;  // the key that introduced it (equal to at for sequence items and the root)
};

// The entries of a mapping, checked once: non-map values, non-scalar keys, duplicate keys and
// keys outside `known` are reported. A null value reads as an empty map.
class MapReader {
 public:
  struct Entry {
    std::string key;
    Value value;
  };
  // known empty = any key is accepted (maps keyed by user-chosen names). Entries past
  // max_entries are reported once and ignored.
  MapReader(Diagnostics& diag, const Value& map, std::initializer_list<std::string_view> known,
            std::size_t max_entries = kMaxEntries);

  bool is_map() const { return is_map_; }  // false after a type error was reported
  bool empty() const { return entries_.empty(); }
  const std::vector<Entry>& entries() const { return entries_; }
  const Value* find(std::string_view key) const;

 private:
  std::vector<Entry> entries_;
  bool is_map_ = false;
};

// The items of a sequence; a null value reads as empty; anything else is reported, and so are
// items past max_items (which are ignored).
std::optional<std::vector<Value>> read_sequence(Diagnostics& diag, const Value& v,
                                                std::size_t max_items = kMaxEntries);

// Scalars. Each returns nullopt after reporting why the value does not fit.
// Integers are plain (unquoted) decimal or 0x-hex, without sign.
std::optional<uint64_t> read_uint(Diagnostics& diag, const Value& v, uint64_t min, uint64_t max);
std::optional<bool> read_bool(Diagnostics& diag, const Value& v);  // true | false
// Any scalar; non-empty unless allow_empty.
std::optional<std::string> read_string(Diagnostics& diag, const Value& v, bool allow_empty = false);
std::optional<uint32_t> read_ipv4(Diagnostics& diag, const Value& v);
std::optional<Ipv4Prefix> read_prefix(Diagnostics& diag, const Value& v);
std::optional<std::vector<std::string>> read_string_list(Diagnostics& diag, const Value& v);

// Parses a plain unsigned integer (decimal or 0x-hex); nullopt on junk or overflow.
std::optional<uint64_t> parse_uint(std::string_view text);

}  // namespace dpf::config::detail
