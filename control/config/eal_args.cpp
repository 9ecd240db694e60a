// See eal_args.h. The grammar follows DPDK 22.11's eal_parse_corelist, eal_parse_coremask and
// eal_parse_lcores (lib/eal/common/eal_common_options.c).
#include "control/config/eal_args.h"

#include <sched.h>

#include <bitset>
#include <cctype>

namespace dpf::config {

namespace {

constexpr unsigned kMaxLcore = 128;  // RTE_MAX_LCORE of Debian's DPDK build
using LcoreSet = std::bitset<kMaxLcore>;

// An id at `pos`; advances past it.
std::optional<unsigned> read_id(std::string_view text, size_t& pos, std::string& error) {
  size_t start = pos;
  unsigned v = 0;
  while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
    v = v * 10 + static_cast<unsigned>(text[pos] - '0');
    if (v >= kMaxLcore) {
      error = "lcore " + std::string(text.substr(start)) + " is beyond the " +
              std::to_string(kMaxLcore) + " lcores EAL has";
      return std::nullopt;
    }
    ++pos;
  }
  if (pos == start) {
    error = pos < text.size() ? "unexpected '" + std::string(1, text[pos]) + "'" : "missing lcore";
    return std::nullopt;
  }
  return v;
}

// ID or ID-ID at `pos` into `set`; advances past it.
bool read_range(std::string_view text, size_t& pos, LcoreSet& set, std::string& error) {
  auto lo = read_id(text, pos, error);
  if (!lo) return false;
  unsigned hi = *lo;
  if (pos < text.size() && text[pos] == '-') {
    ++pos;
    auto h = read_id(text, pos, error);
    if (!h) return false;
    hi = *h;
  }
  if (hi < *lo) {
    error = "range " + std::to_string(*lo) + "-" + std::to_string(hi) + " runs backwards";
    return false;
  }
  for (unsigned i = *lo; i <= hi; ++i) set.set(i);
  return true;
}

// A list of ranges up to `end` (end of text, or ')').
bool read_list(std::string_view text, size_t& pos, char end, LcoreSet& set, std::string& error) {
  while (true) {
    if (!read_range(text, pos, set, error)) return false;
    if (pos < text.size() && text[pos] == ',' && end == ')') {
      ++pos;
      continue;
    }
    return true;
  }
}

unsigned cpus_allowed() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return 1;
  return static_cast<unsigned>(CPU_COUNT(&set));
}

}  // namespace

std::optional<unsigned> parse_lcore_list(std::string_view text, std::string& error) {
  LcoreSet set;
  size_t pos = 0;
  while (true) {
    if (!read_range(text, pos, set, error)) return std::nullopt;
    if (pos == text.size()) break;
    if (text[pos] != ',') {
      error = "unexpected '" + std::string(1, text[pos]) + "'";
      return std::nullopt;
    }
    ++pos;
  }
  return static_cast<unsigned>(set.count());
}

std::optional<unsigned> parse_lcore_mask(std::string_view text, std::string& error) {
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
    text.remove_prefix(2);
  if (text.empty()) return error = "empty mask", std::nullopt;
  unsigned n = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = static_cast<char>(std::tolower(static_cast<unsigned char>(text[i])));
    const int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (v < 0) return error = "'" + std::string(1, text[i]) + "' is not a hex digit", std::nullopt;
    // Digit i from the right holds lcores 4i..4i+3.
    if (v != 0 && (text.size() - 1 - i) * 4 >= kMaxLcore)
      return error = "the mask names lcores beyond the " + std::to_string(kMaxLcore) + " EAL has",
             std::nullopt;
    n += static_cast<unsigned>(std::bitset<4>(static_cast<unsigned>(v)).count());
  }
  return n;
}

std::optional<unsigned> parse_lcore_map(std::string_view text, std::string& error) {
  LcoreSet lcores;
  size_t pos = 0;
  while (true) {
    // The lcore set.
    if (pos < text.size() && text[pos] == '(') {
      ++pos;
      if (!read_list(text, pos, ')', lcores, error)) return std::nullopt;
      if (pos >= text.size() || text[pos] != ')') return error = "missing ')'", std::nullopt;
      ++pos;
    } else if (!read_range(text, pos, lcores, error)) {
      return std::nullopt;
    }
    // The CPUs it runs on: only their syntax matters here.
    if (pos < text.size() && text[pos] == '@') {
      ++pos;
      LcoreSet cpus;
      if (pos < text.size() && text[pos] == '(') {
        ++pos;
        if (!read_list(text, pos, ')', cpus, error)) return std::nullopt;
        if (pos >= text.size() || text[pos] != ')') return error = "missing ')'", std::nullopt;
        ++pos;
      } else if (!read_range(text, pos, cpus, error)) {
        return std::nullopt;
      }
    }
    if (pos == text.size()) break;
    if (text[pos] != ',')
      return error = "unexpected '" + std::string(1, text[pos]) + "'", std::nullopt;
    ++pos;
  }
  return static_cast<unsigned>(lcores.count());
}

std::optional<EalLcores> eal_lcores(const std::vector<std::string>& args, std::string& error) {
  std::optional<EalLcores> found;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    std::string option, value;
    bool has_value = false;
    for (const char* o : {"-l", "-c", "--lcores"}) {
      const std::string name = o;
      if (a == name) {
        option = name;
        if (i + 1 < args.size()) {
          value = args[++i];
          has_value = true;
        }
      } else if (name == "--lcores" ? a.rfind("--lcores=", 0) == 0 : a.rfind(name, 0) == 0) {
        option = name;
        value = a.substr(name.size() + (name == "--lcores" ? 1 : 0));
        has_value = true;
      }
      if (!option.empty()) break;
    }
    if (option.empty()) continue;
    if (!has_value) return error = option + " needs a value", std::nullopt;
    if (found)
      return error = found->given + " and " + option + " " + value +
                     " both choose the lcores: EAL takes one of them",
             std::nullopt;
    std::string why;
    const auto n = option == "-l"   ? parse_lcore_list(value, why)
                   : option == "-c" ? parse_lcore_mask(value, why)
                                    : parse_lcore_map(value, why);
    if (!n) return error = option + " " + value + ": " + why, std::nullopt;
    found = EalLcores{*n, option + " " + value};
  }
  if (!found) found = EalLcores{cpus_allowed(), ""};
  return found;
}

}  // namespace dpf::config
