// Device strings checked without EAL (control/config/devices.h). The loopback interface `lo`
// exists in every network namespace; `dpf-nosuchif` in none.
#include "control/config/devices.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <string>

using dpf::config::device_problem;

TEST_CASE("devices: af_packet needs an existing interface") {
  CHECK(device_problem("net_af_packet0,iface=lo") == "");
  CHECK(device_problem("net_af_packet0,iface=lo,qpairs=2") == "");
  CHECK(device_problem("net_af_packet0,iface=dpf-nosuchif") == "no such interface dpf-nosuchif");
  CHECK(device_problem("eth_af_packet1,qpairs=2,iface=dpf-nosuchif") ==
        "no such interface dpf-nosuchif");
  CHECK(device_problem("net_af_packet0") ==
        "net_af_packet needs iface=NAME, the Linux interface it attaches to");
}

TEST_CASE("devices: pcap capture files and interfaces must exist") {
  char path[] = "/tmp/dpf-devices-test-XXXXXX";
  const int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  close(fd);
  const std::string in = path;
  CHECK(device_problem("net_pcap0,rx_pcap=" + in + ",tx_pcap=/tmp/out.pcap") == "");
  CHECK(device_problem("net_pcap0,rx_pcap=/nonexistent/in.pcap") ==
        "rx_pcap /nonexistent/in.pcap: No such file or directory");
  CHECK(device_problem("net_pcap0,rx_pcap=/tmp") == "rx_pcap /tmp: not a regular file");
  CHECK(device_problem("net_pcap0,rx_pcap=" + in + ",tx_pcap=/nonexistent/out.pcap") ==
        "tx_pcap /nonexistent/out.pcap: no directory /nonexistent");
  CHECK(device_problem("net_pcap0,rx_iface=dpf-nosuchif,tx_iface=lo") ==
        "no such interface dpf-nosuchif");
  CHECK(device_problem("net_pcap0,iface=lo") == "");
  std::remove(path);
}

TEST_CASE("devices: a vdev DPDK has no driver for is named with the drivers dpf knows") {
  CHECK(device_problem("net_bogus0") ==
        "DPDK has no driver for net_bogus0 (the virtual device drivers dpf knows: "
        "net_af_packet, net_af_xdp, net_bonding, net_failsafe, net_memif, net_null, net_pcap, "
        "net_ring, net_softnic, net_tap, net_tun, net_vhost, net_virtio_user, net_vdev_netvsc)");
  CHECK(device_problem("net_null0") == "");
  CHECK(device_problem("eth_ring3") == "");
  CHECK(device_problem("net_tap0,iface=dtap0") == "");  // the node creates it
  CHECK(device_problem("net_memif0,role=server") == "");
}

TEST_CASE("devices: PCI addresses and other buses are left to EAL") {
  CHECK(device_problem("0000:03:00.0") == "");
  CHECK(device_problem("03:00.0") == "");
}

TEST_CASE("devices: for another machine only the driver is checked") {
  CHECK(device_problem("net_af_packet0,iface=dpf-nosuchif", false) == "");
  CHECK(device_problem("net_bogus0", false).rfind("DPDK has no driver for net_bogus0", 0) == 0);
}
