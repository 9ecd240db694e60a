// Runs FreeBSD's pfctl parser regression corpus (shared/conformance/pfctl, see its README.md)
// against dpf's pf.conf parser and printer, the way FreeBSD's pfctl_test.c does:
//   pfNNNN.in  must print pfNNNN.ok byte for byte, and pfNNNN.ok fed back must print itself;
//   pfNNNN.in with pfNNNN.fail must be rejected with output matching the .fail regex.
// Output is what `pfctl -o none -nvf FILE` writes with stdout and stderr merged. The host
// environment of the corpus (FreeBSD's lo0 and localhost) is reproduced by the resolvers below.
// Usage: pfconf_conformance CORPUS_DIR SKIP_FILE [CASE]   or   pfconf_conformance -nvf FILE
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "control/pfconf/address.h"
#include "control/pfconf/nvf.h"

namespace fs = std::filesystem;
using namespace dpf::pfconf;

namespace {

constexpr int kSkipReturnCode = 77;

std::optional<std::string> slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

ResolvedAddress v4(const char* text, uint8_t prefix, bool loopback = false) {
  return ResolvedAddress{*parse_ipv4(text, false), prefix, loopback};
}
ResolvedAddress v6(const char* text, uint8_t prefix, bool loopback = false) {
  return ResolvedAddress{*parse_ipv6(text), prefix, loopback};
}

// The FreeBSD host the corpus was generated on: lo0 (127.0.0.1, ::1, fe80::1) is the only
// interface with addresses, plus the vlanNNNN interface of the IFACE cases.
ParseOptions corpus_environment() {
  ParseOptions o;
  o.interfaces = [](const std::string& name) -> std::optional<std::vector<ResolvedAddress>> {
    if (name == "lo0" || name == "self") {
      return std::vector<ResolvedAddress>{v4("127.0.0.1", 8, true), v6("::1", 128, true),
                                          v6("fe80::1", 64, true)};
    }
    // PFCTL_TEST_IFACE cases: the runner gives vlanNNNN these two addresses (README.md).
    if (name.size() == 8 && name.starts_with("vlan") &&
        name.find_first_not_of("0123456789", 4) == std::string::npos) {
      return std::vector<ResolvedAddress>{v4("203.0.113.5", 30), v6("2001:db8::cb00:7105", 126)};
    }
    return std::nullopt;
  };
  o.hosts = [](const std::string& name) -> std::optional<std::vector<ResolvedAddress>> {
    if (name == "localhost") {
      return std::vector<ResolvedAddress>{v4("127.0.0.1", 32), v6("::1", 128)};
    }
    return std::nullopt;
  };
  return o;
}

NvfOutput run_nvf(const fs::path& file) {
  return render_nvf(parse_ruleset_file(file.string(), corpus_environment()));
}

std::map<std::string, std::string> read_skip_file(const fs::path& p) {
  std::map<std::string, std::string> skip;
  std::ifstream in(p);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    size_t tab = line.find('\t');
    skip[line.substr(0, tab)] = tab == std::string::npos ? "" : line.substr(tab + 1);
  }
  return skip;
}

struct Outcome {
  bool passed = true;
  std::string detail;
};

Outcome run_case(const fs::path& dir, const std::string& name) {
  Outcome o;
  fs::path in = dir / (name + ".in");
  if (auto fail_re = slurp(dir / (name + ".fail"))) {
    NvfOutput got = run_nvf(in);
    bool matches = false;
    try {
      matches = std::regex_search(got.text, std::regex(*fail_re, std::regex::extended));
    } catch (const std::regex_error&) {
      matches = got.text.find(*fail_re) != std::string::npos;
    }
    if (got.exit_status == 0 || !matches) {
      o.passed = false;
      o.detail = "expected rejection matching: " + *fail_re + "got:\n" + got.text;
    }
    return o;
  }
  auto ok = slurp(dir / (name + ".ok"));
  if (!ok) return Outcome{false, "missing " + name + ".ok"};
  for (const fs::path& input : {in, dir / (name + ".ok")}) {
    NvfOutput got = run_nvf(input);
    if (got.text != *ok) {
      o.passed = false;
      o.detail +=
          "input " + input.filename().string() + "\n--- expected\n" + *ok + "--- got\n" + got.text;
    }
  }
  return o;
}

std::vector<std::string> case_names(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) {
    fs::path p = e.path();
    if (p.extension() != ".in") continue;
    std::string stem = p.stem().string();
    if (fs::exists(dir / (stem + ".ok")) || fs::exists(dir / (stem + ".fail"))) {
      names.push_back(stem);
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::string(argv[1]) == "-nvf") {
    NvfOutput out = run_nvf(argv[2]);
    std::fputs(out.text.c_str(), stdout);
    return out.exit_status;
  }
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR SKIP_FILE [CASE] | -nvf FILE\n", argv[0]);
    return 2;
  }
  fs::path corpus = argv[1];
  fs::path files = corpus / "files";
  if (!fs::is_directory(files)) {
    std::printf("pfctl conformance: skipped, corpus not found at %s\n", files.c_str());
    return kSkipReturnCode;
  }
  auto skip = read_skip_file(argv[2]);
  std::vector<std::string> names = case_names(files);
  if (argc > 3) names = {argv[3]};
  int passed = 0;
  int skipped = 0;
  int failed = 0;
  for (const std::string& name : names) {
    Outcome o = run_case(files, name);
    bool listed = skip.count(name) != 0;
    if (listed && o.passed) {
      std::printf("FAIL %s: listed in the skip file (%s) but passes; remove it\n", name.c_str(),
                  skip[name].c_str());
      ++failed;
    } else if (listed) {
      ++skipped;
    } else if (o.passed) {
      ++passed;
    } else {
      std::printf("FAIL %s\n%s\n", name.c_str(), o.detail.c_str());
      ++failed;
    }
  }
  for (const auto& [name, reason] : skip) {
    if (std::find(names.begin(), names.end(), name) == names.end() && argc <= 3) {
      std::printf("note: skip entry %s names no case in the corpus\n", name.c_str());
    }
  }
  std::printf("pfctl conformance: %d passed, %d skipped, %d failed\n", passed, skipped, failed);
  return failed == 0 ? 0 : 1;
}
