#include "control/config/cluster.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "control/config/schema.h"
#include "control/config/validate.h"
#include "control/config/yaml_reader.h"

namespace dpf::config {

std::string ConfigError::str() const {
  // Appended piece by piece: GCC 12 at -O3 warns (-Wrestrict, falsely) on the chained operator+.
  std::string out = file;
  if (at.line > 0) {
    out += ':';
    out += std::to_string(at.line);
    out += ':';
    out += std::to_string(at.col);
  }
  out += ": ";
  out += message;
  return out;
}

const Interface* Node::interface(std::string_view n) const {
  for (const auto& i : interfaces) {
    if (i.name == n) return &i;
  }
  return nullptr;
}

std::optional<uint8_t> Node::advskew(uint8_t vhid, std::string_view iface) const {
  for (const auto& s : carp) {
    if (s.vhid == vhid && s.interface == iface) return s.advskew;
  }
  return std::nullopt;
}

const Node* Cluster::node(std::string_view n) const {
  for (const auto& node : nodes) {
    if (node.name == n) return &node;
  }
  return nullptr;
}

std::string format_ipv4(uint32_t addr) {
  return std::to_string(addr >> 24) + "." + std::to_string((addr >> 16) & 0xff) + "." +
         std::to_string((addr >> 8) & 0xff) + "." + std::to_string(addr & 0xff);
}

std::optional<uint32_t> parse_ipv4(std::string_view text) {
  uint32_t addr = 0;
  for (int part = 0; part < 4; ++part) {
    if (part > 0) {
      if (text.empty() || text.front() != '.') return std::nullopt;
      text.remove_prefix(1);
    }
    std::size_t digits = 0;
    unsigned value = 0;
    while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9' && digits < 4) {
      value = value * 10 + unsigned(text[digits] - '0');
      ++digits;
    }
    // No leading zeros: inet_aton would read 010 as octal, so refuse the ambiguity.
    if (digits == 0 || digits > 3 || value > 255 || (digits > 1 && text[0] == '0')) {
      return std::nullopt;
    }
    addr = addr << 8 | value;
    text.remove_prefix(digits);
  }
  if (!text.empty()) return std::nullopt;
  return addr;
}

std::optional<Ipv4Prefix> parse_ipv4_prefix(std::string_view text) {
  auto slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto addr = parse_ipv4(text.substr(0, slash));
  std::string_view len = text.substr(slash + 1);
  if (!addr || len.empty() || len.size() > 2) return std::nullopt;
  if (len.size() == 2 && len[0] == '0') return std::nullopt;
  unsigned n = 0;
  for (char c : len) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + unsigned(c - '0');
  }
  if (n > 32) return std::nullopt;
  return Ipv4Prefix{*addr, uint8_t(n)};
}

std::string format_ipv4_prefix(const Ipv4Prefix& prefix) {
  return format_ipv4(prefix.addr) + "/" + std::to_string(prefix.len);
}

namespace {

void parse_and_check(detail::Diagnostics& diag, const std::string& yaml, LoadResult& result) {
  YAML::Node root = YAML::Load(yaml);
  if (auto second = detail::second_document(yaml)) {
    diag.error(*second, "only one YAML document is allowed");
  }
  std::vector<detail::NodeRead> reads;
  Cluster cluster = detail::read_cluster(diag, root, diag.file(), reads);
  detail::validate_cluster(diag, cluster, reads);
  if (!diag.any()) result.cluster = std::move(cluster);
}

}  // namespace

LoadResult load_cluster_string(std::string_view yaml, const std::string& file_name) {
  LoadResult result;
  detail::Diagnostics diag(file_name);
  try {
    parse_and_check(diag, std::string(yaml), result);
  } catch (const YAML::Exception& e) {
    // Syntax errors; the tree is unusable, so only this error stands.
    diag.clear();
    diag.error(detail::to_mark(e.mark), e.msg);
    result.cluster.reset();
  } catch (const std::exception& e) {
    diag.clear();
    diag.error(Mark{}, std::string("cannot load the cluster file: ") + e.what());
    result.cluster.reset();
  }
  result.errors = std::move(diag.errors());
  std::stable_sort(result.errors.begin(), result.errors.end(),
                   [](const ConfigError& a, const ConfigError& b) {
                     return a.at.line != b.at.line ? a.at.line < b.at.line : a.at.col < b.at.col;
                   });
  if (diag.dropped() > 0) {
    result.errors.push_back(
        ConfigError{file_name, Mark{},
                    "too many errors; " + std::to_string(diag.dropped()) + " more not shown"});
  }
  return result;
}

LoadResult load_cluster_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    LoadResult result;
    result.errors.push_back(
        ConfigError{path, Mark{}, std::string("cannot open: ") + std::strerror(errno)});
    return result;
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    LoadResult result;
    result.errors.push_back(ConfigError{path, Mark{}, "read error"});
    return result;
  }
  return load_cluster_string(text.str(), path);
}

const Node* select_node(const Cluster& cluster, std::string_view name, std::string& error) {
  if (!name.empty()) {
    if (const Node* n = cluster.node(name)) return n;
    error = "no node '" + std::string(name) + "' in " + cluster.file + " (nodes:";
    for (const auto& n : cluster.nodes) error += " " + n.name;
    error += ")";
    return nullptr;
  }
  if (cluster.nodes.size() == 1) return &cluster.nodes.front();
  error = cluster.file + " has " + std::to_string(cluster.nodes.size()) +
          " nodes; choose one with --node NAME";
  return nullptr;
}

}  // namespace dpf::config
