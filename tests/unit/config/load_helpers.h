// Test helpers for the cluster file loader: load a YAML text under a fixed file name and look at
// the errors as the user sees them ("FILE:LINE:COL: message").
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "control/config/cluster.h"

namespace dpf::config::test {

inline constexpr const char* kFile = "/etc/dpf/c.yaml";

inline LoadResult load(std::string_view yaml) {
  return load_cluster_string(yaml, kFile);
}

inline std::vector<std::string> errors_of(std::string_view yaml) {
  std::vector<std::string> out;
  for (const auto& e : load(yaml).errors) out.push_back(e.str());
  return out;
}

// "/etc/dpf/c.yaml:LINE:COL: " — the exact prefix an error at that place carries.
inline std::string at(int line, int col) {
  return std::string(kFile) + ":" + std::to_string(line) + ":" + std::to_string(col) + ": ";
}

}  // namespace dpf::config::test
