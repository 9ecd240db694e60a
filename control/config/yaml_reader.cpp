#include "control/config/yaml_reader.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <sstream>

#include <yaml-cpp/eventhandler.h>

namespace dpf::config::detail {

namespace {

const char* kind_name(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Null:
      return "nothing";
    case YAML::NodeType::Scalar:
      return "a scalar";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a map";
    default:
      return "an undefined value";
  }
}

// yaml-cpp tags a plain scalar "?" and a quoted one "!".
bool is_plain_scalar(const YAML::Node& n) {
  return n.IsScalar() && n.Tag() == "?";
}

std::string quoted(std::string_view s) {
  constexpr std::size_t kMax = 40;
  std::string out = "'";
  out += s.substr(0, kMax);
  if (s.size() > kMax) out += "...";
  return out + "'";
}

// Reports a value that is not a scalar; true when it is one.
bool expect_scalar(Diagnostics& diag, const Value& v, std::string_view expected) {
  if (v.node.IsScalar()) return true;
  diag.error(v.at, v.path + ": expected " + std::string(expected) + ", got " + kind_name(v.node));
  return false;
}

std::string where(const std::string& path) {
  return path.empty() ? "top level" : path;
}

std::string known_list(std::initializer_list<std::string_view> known) {
  std::string out;
  for (auto k : known) {
    if (!out.empty()) out += ", ";
    out += k;
  }
  return out;
}

}  // namespace

void Diagnostics::error(Mark at, std::string message) {
  // Messages quote what the file says; control bytes would garble a terminal, so escape them.
  std::string clean;
  clean.reserve(message.size());
  for (char c : message) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", u);
      clean += buf;
    } else {
      clean += c;
    }
  }
  // A value shared by several nodes, or repeated through an alias, fails the same way each
  // time: one report is enough.
  for (const auto& e : errors_) {
    if (e.at.line == at.line && e.at.col == at.col && e.message == clean) return;
  }
  if (errors_.size() >= kMaxErrors) {
    ++dropped_;
    return;
  }
  errors_.push_back(ConfigError{file_, at, std::move(clean)});
}

Mark to_mark(const YAML::Mark& m) {
  if (m.is_null() || m.line < 0 || m.column < 0) return Mark{};
  return Mark{m.line + 1, m.column + 1};
}

namespace {

// Counts documents and remembers where the last one started; ignores their content.
class DocumentCounter : public YAML::EventHandler {
 public:
  Mark last_start;
  void OnDocumentStart(const YAML::Mark& mark) override { last_start = to_mark(mark); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

}  // namespace

std::optional<Mark> second_document(const std::string& text) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentCounter counter;
  if (!parser.HandleNextDocument(counter)) return std::nullopt;
  if (!parser.HandleNextDocument(counter)) return std::nullopt;
  return counter.last_start;
}

MapReader::MapReader(Diagnostics& diag, const Value& map,
                     std::initializer_list<std::string_view> known, std::size_t max_entries) {
  if (map.node.IsNull()) {
    is_map_ = true;
    return;
  }
  if (!map.node.IsMap()) {
    diag.error(map.at, where(map.path) + ": expected a map, got " + kind_name(map.node));
    return;
  }
  is_map_ = true;
  const std::string prefix = map.path.empty() ? "" : map.path + ".";
  for (const auto& kv : map.node) {
    Mark key_at = to_mark(kv.first.Mark());
    if (!kv.first.IsScalar()) {
      diag.error(key_at, where(map.path) + ": a key must be a scalar, got " + kind_name(kv.first));
      continue;
    }
    const std::string& key = kv.first.Scalar();
    if (known.size() != 0 && std::find(known.begin(), known.end(), key) == known.end()) {
      diag.error(key_at, "unknown key " + quoted(key) + " in " + where(map.path) +
                             " (expected one of: " + known_list(known) + ")");
      continue;
    }
    if (entries_.size() == max_entries) {
      diag.error(key_at, where(map.path) + ": more than " + std::to_string(max_entries) +
                             " entries; the rest is ignored");
      break;
    }
    if (find(key) != nullptr) {
      diag.error(key_at, "duplicate key " + quoted(key) + " in " + where(map.path));
      continue;
    }
    Mark value_at = kv.second.IsNull() ? key_at : to_mark(kv.second.Mark());
    entries_.push_back(Entry{key, Value{kv.second, value_at, prefix + key, key_at}});
  }
}

const Value* MapReader::find(std::string_view key) const {
  for (const auto& e : entries_) {
    if (e.key == key) return &e.value;
  }
  return nullptr;
}

std::optional<std::vector<Value>> read_sequence(Diagnostics& diag, const Value& v,
                                                std::size_t max_items) {
  std::vector<Value> out;
  if (v.node.IsNull()) return out;
  if (!v.node.IsSequence()) {
    diag.error(v.at, v.path + ": expected a list, got " + kind_name(v.node));
    return std::nullopt;
  }
  std::size_t i = 0;
  for (const auto& item : v.node) {
    Mark at = item.IsNull() ? v.at : to_mark(item.Mark());
    if (out.size() == max_items) {
      diag.error(
          at, v.path + ": more than " + std::to_string(max_items) + " items; the rest is ignored");
      break;
    }
    out.push_back(Value{item, at, v.path + "[" + std::to_string(i++) + "]", at});
  }
  return out;
}

std::optional<uint64_t> parse_uint(std::string_view text) {
  int base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    base = 16;
    text.remove_prefix(2);
  }
  if (text.empty()) return std::nullopt;
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<uint64_t> read_uint(Diagnostics& diag, const Value& v, uint64_t min, uint64_t max) {
  auto num = [&](uint64_t n) {
    if (n <= 0xffff) return std::to_string(n);
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(n));
    return std::string(buf);
  };
  const std::string range = num(min) + ".." + num(max);
  if (!expect_scalar(diag, v, "an integer " + range)) return std::nullopt;
  std::optional<uint64_t> n;
  // Quoted scalars are strings in YAML, so "5" is not accepted where a number is expected.
  if (is_plain_scalar(v.node)) n = parse_uint(v.node.Scalar());
  if (!n) {
    diag.error(v.at,
               v.path + ": expected an integer " + range + ", got " + quoted(v.node.Scalar()));
    return std::nullopt;
  }
  if (*n < min || *n > max) {
    diag.error(v.at, v.path + ": " + v.node.Scalar() + " is out of range " + range);
    return std::nullopt;
  }
  return n;
}

std::optional<bool> read_bool(Diagnostics& diag, const Value& v) {
  if (!expect_scalar(diag, v, "true or false")) return std::nullopt;
  const std::string& s = v.node.Scalar();
  if (is_plain_scalar(v.node)) {
    if (s == "true" || s == "True" || s == "TRUE") return true;
    if (s == "false" || s == "False" || s == "FALSE") return false;
  }
  diag.error(v.at, v.path + ": expected true or false, got " + quoted(s));
  return std::nullopt;
}

std::optional<std::string> read_string(Diagnostics& diag, const Value& v, bool allow_empty) {
  if (!expect_scalar(diag, v, "a string")) return std::nullopt;
  if (!allow_empty && v.node.Scalar().empty()) {
    diag.error(v.at, v.path + ": must not be empty");
    return std::nullopt;
  }
  return v.node.Scalar();
}

std::optional<uint32_t> read_ipv4(Diagnostics& diag, const Value& v) {
  if (!expect_scalar(diag, v, "an IPv4 address")) return std::nullopt;
  auto a = parse_ipv4(v.node.Scalar());
  if (!a) diag.error(v.at, v.path + ": " + quoted(v.node.Scalar()) + " is not an IPv4 address");
  return a;
}

std::optional<Ipv4Prefix> read_prefix(Diagnostics& diag, const Value& v) {
  if (!expect_scalar(diag, v, "A.B.C.D/LEN")) return std::nullopt;
  auto p = parse_ipv4_prefix(v.node.Scalar());
  if (!p) {
    diag.error(v.at, v.path + ": " + quoted(v.node.Scalar()) +
                         " is not an IPv4 prefix A.B.C.D/LEN (LEN 0..32)");
  }
  return p;
}

std::optional<std::vector<std::string>> read_string_list(Diagnostics& diag, const Value& v) {
  auto items = read_sequence(diag, v);
  if (!items) return std::nullopt;
  std::vector<std::string> out;
  bool ok = true;
  for (const auto& item : *items) {
    auto s = read_string(diag, item, true);
    if (s) {
      out.push_back(std::move(*s));
    } else {
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return out;
}

}  // namespace dpf::config::detail
