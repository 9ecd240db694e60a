// Text form of Ethernet addresses (see mac.h).
#include "dataplane/net/wire/mac.h"

#include <cstdio>

namespace dpf::wire {

std::string format_mac(const MacAddr& m) {
  char b[18];
  std::snprintf(b, sizeof b, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
  return b;
}

}  // namespace dpf::wire
