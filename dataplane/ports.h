// Port bring-up: probes each interface's DPDK device, configures RX queues (one per worker)
// and TX queues (one per worker plus one for the control thread, or a shared locked queue when
// the device offers fewer), starts it in promiscuous mode, and tracks link state.
// Called on the EAL main lcore at start-up and shutdown only; allocates (heap and DPDK memory).
#pragma once

#include <string>

#include "dataplane/node.h"

namespace dpf {

// Probes, configures and starts every interface of node.cfg. On failure returns false with a
// message naming the interface and device.
bool ports_start(Node& node, std::string& error);

// Reads link state of every port into Port::link_up/link_speed; returns how many changed.
unsigned ports_poll_link(Node& node);

// Stops and closes every port.
void ports_stop(Node& node);

}  // namespace dpf
