// Port bring-up: probes each interface's DPDK device, configures RX queues (one per worker)
// and TX queues (one per worker plus one for the control thread, or a shared locked queue when
// the device offers fewer), starts it in promiscuous mode, and tracks link state; also creates
// pfsync's mirror TAP.
// Called on the EAL main lcore at start-up and shutdown only; allocates (heap and DPDK memory).
#pragma once

#include <string>

#include "dataplane/node/node.h"

namespace dpf {

// Probes, configures and starts every interface of node.cfg. On failure returns false with a
// message naming the interface and device.
bool ports_start(Node& node, std::string& error);

// Reads link state of every port into Port::link_up/link_speed; returns how many changed.
unsigned ports_poll_link(Node& node);

// pfsync's `mirror`: a net_tap port whose kernel interface is named `iface`, with one RX and one
// TX queue, started (the kernel interface is up). Returns its port id, or -1 with `error` naming
// the device.
int ports_start_mirror(Node& node, const std::string& iface, std::string& error);

// Stops and closes every port (the node's, then any other, such as the mirror).
void ports_stop(Node& node);

}  // namespace dpf
