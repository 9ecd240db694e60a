// What can be known about a port's device string without starting EAL: whether a virtual
// device's driver exists in DPDK, and whether the Linux interfaces and capture files its
// arguments name exist. `dpf --check` and start-up report these instead of the errno a failed
// probe leaves ("Operation not permitted" for a missing af_packet interface). Pure: no DPDK.
// Any thread; reads the host's interfaces (if_nametoindex) and files (access, stat).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace dpf::config {

// The ethernet vdev drivers of DPDK 22.11 as Debian builds it, with their eth_ aliases
// (RTE_PMD_REGISTER_VDEV and RTE_PMD_REGISTER_ALIAS in drivers/net).
const std::vector<std::string_view>& known_vdev_drivers();

// Why the device cannot work, or "" when nothing is known to be wrong. Only virtual devices
// (names starting net_ or eth_) are checked; PCI addresses and other buses are left to EAL.
//   net_af_packet, net_af_xdp: iface= names an existing interface
//   net_pcap: rx_pcap= is a readable file, tx_pcap='s directory exists, iface=, rx_iface=,
//             rx_iface_in= and tx_iface= name existing interfaces
//   any other vdev: its driver is one of known_vdev_drivers()
// With on_this_host false, only the driver is checked (the device is meant for another machine).
std::string device_problem(const std::string& device, bool on_this_host = true);

}  // namespace dpf::config
