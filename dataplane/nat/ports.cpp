#include "dataplane/nat/ports.h"

namespace dpf::nat {

bool port_share(PortRange range, WorkerPartition part, PortShare* out) noexcept {
  if (range.low > range.high || part.count == 0 || part.index >= part.count) [[unlikely]]
    return false;
  const uint32_t n = part.count;
  // The smallest port >= low that is index modulo n.
  const uint32_t first = range.low + (part.index + n - range.low % n) % n;
  PortShare s;
  s.stride = part.count;
  if (first <= range.high) {
    s.first = static_cast<uint16_t>(first);
    s.size = (range.high - first) / n + 1;
  }
  *out = s;
  return true;
}

}  // namespace dpf::nat
