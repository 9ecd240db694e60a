// Feeds arbitrary bytes to load_cluster_string: it must never crash or throw, and its result
// must keep its contract (a cluster exactly when there is no error, every error with a message).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "control/config/cluster.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  dpf::config::LoadResult r = dpf::config::load_cluster_string(text, "fuzz.yaml");
  if (r.cluster.has_value() == !r.errors.empty()) __builtin_trap();
  for (const auto& e : r.errors) {
    if (e.message.empty() || e.at.line < 0 || e.at.col < 0) __builtin_trap();
    if (e.str().empty()) __builtin_trap();
  }
  if (r.cluster) {
    std::string error;
    dpf::config::select_node(*r.cluster, "", error);
  }
  return 0;
}
