#include "dataplane/node/ports.h"
#include "control/config/cluster.h"

#include <rte_dev.h>
#include <rte_ethdev.h>

#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>

namespace dpf {
namespace {

// net_af_packet reports its link up from start to stop whatever the kernel interface does; the
// carrier of the interface it is bound to (IFF_UP and IFF_RUNNING) is the real state.
std::optional<bool> af_packet_carrier(const std::string& device) {
  if (device.rfind("net_af_packet", 0) != 0) return std::nullopt;
  const size_t at = device.find("iface=");
  if (at == std::string::npos) return std::nullopt;
  const size_t end = device.find(',', at);
  const std::string name = device.substr(at + 6, end == std::string::npos ? end : end - at - 6);
  ifreq ifr{};
  if (name.empty() || name.size() >= sizeof(ifr.ifr_name)) return std::nullopt;
  std::memcpy(ifr.ifr_name, name.data(), name.size());
  const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::nullopt;
  const int rc = ioctl(fd, SIOCGIFFLAGS, &ifr);
  close(fd);
  if (rc != 0) return std::nullopt;
  return (ifr.ifr_flags & IFF_UP) && (ifr.ifr_flags & IFF_RUNNING);
}

constexpr uint16_t kRxDesc = 1024;
constexpr uint16_t kTxDesc = 1024;

std::string dev_error(const config::Interface& ifc, const std::string& what, int rc) {
  return "interface " + ifc.name + " (device \"" + ifc.device + "\"): " + what + ": " +
         std::strerror(rc < 0 ? -rc : rc);
}

// Probes the device named by a devargs string (vdev or PCI) unless EAL already did, and returns
// its port id.
bool probe(const config::Interface& ifc, uint16_t& port_id, std::string& error) {
  int rc = rte_dev_probe(ifc.device.c_str());
  if (rc < 0 && rc != -EEXIST) {
    error = dev_error(ifc, "DPDK rejected the device", rc);
    return false;
  }
  rte_dev_iterator it;
  if (rte_eth_iterator_init(&it, ifc.device.c_str()) != 0) {
    error = dev_error(ifc, "cannot iterate the device's ports", EINVAL);
    return false;
  }
  uint16_t id = rte_eth_iterator_next(&it);
  if (id == RTE_MAX_ETHPORTS) {
    error = "interface " + ifc.name + " (device \"" + ifc.device + "\"): no ethernet port found";
    return false;
  }
  rte_eth_iterator_cleanup(&it);
  port_id = id;
  return true;
}

bool configure(Node& node, const config::Interface& ifc, Port& p, std::string& error) {
  rte_eth_dev_info info{};
  int rc = rte_eth_dev_info_get(p.port_id, &info);
  if (rc != 0) {
    error = dev_error(ifc, "cannot read device info", rc);
    return false;
  }
  const unsigned want_tx = node.n_workers + 1;
  p.n_rxq = static_cast<uint16_t>(std::min<unsigned>(node.n_workers, info.max_rx_queues));
  // net_af_packet opens all its `qpairs` sockets in one fanout group at probe time, and the
  // kernel spreads frames over all of them: every one must be polled, so all are configured and
  // the workers share them round-robin.
  if (std::strcmp(info.driver_name, "net_af_packet") == 0) {
    p.n_rxq = info.max_rx_queues;
    p.csum_check = true;
    p.csum_fix = ifc.fix_offloaded_checksums;
  }
  if (info.max_tx_queues >= want_tx) {
    p.n_txq = static_cast<uint16_t>(want_tx);
  } else {
    p.n_txq = 1;
    p.tx_lock = std::make_unique<rte_spinlock_t>();
    rte_spinlock_init(p.tx_lock.get());
  }
  rte_eth_conf conf{};
  if (p.n_rxq > 1) {
    conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
    conf.rx_adv_conf.rss_conf.rss_hf =
        (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP) & info.flow_type_rss_offloads;
  }
  rc = rte_eth_dev_configure(p.port_id, p.n_rxq, p.n_txq, &conf);
  if (rc != 0) {
    error = dev_error(ifc, "cannot configure queues", rc);
    return false;
  }
  uint16_t nb_rx = kRxDesc, nb_tx = kTxDesc;
  rte_eth_dev_adjust_nb_rx_tx_desc(p.port_id, &nb_rx, &nb_tx);
  const int socket = rte_eth_dev_socket_id(p.port_id);
  for (uint16_t q = 0; q < p.n_rxq; ++q) {
    rc = rte_eth_rx_queue_setup(p.port_id, q, nb_rx, socket < 0 ? 0 : socket, nullptr, node.pool);
    if (rc != 0) {
      error = dev_error(ifc, "cannot set up RX queue " + std::to_string(q), rc);
      return false;
    }
  }
  for (uint16_t q = 0; q < p.n_txq; ++q) {
    rc = rte_eth_tx_queue_setup(p.port_id, q, nb_tx, socket < 0 ? 0 : socket, nullptr);
    if (rc != 0) {
      error = dev_error(ifc, "cannot set up TX queue " + std::to_string(q), rc);
      return false;
    }
  }
  // Not every virtual device lets us set the MTU (net_af_packet follows the kernel's); the
  // configured MTU is what the node enforces either way.
  (void)rte_eth_dev_set_mtu(p.port_id, p.mtu);
  rc = rte_eth_dev_start(p.port_id);
  if (rc != 0) {
    error = dev_error(ifc, "cannot start the port", rc);
    return false;
  }
  (void)rte_eth_promiscuous_enable(p.port_id);
  rte_ether_addr mac{};
  rte_eth_macaddr_get(p.port_id, &mac);
  std::memcpy(p.mac.data(), mac.addr_bytes, 6);
  return true;
}

}  // namespace

bool ports_start(Node& node, std::string& error) {
  if (node.cfg->interfaces.size() > kMaxPorts) {
    error = "node " + node.cfg->name + ": at most " + std::to_string(kMaxPorts) + " interfaces";
    return false;
  }
  for (const config::Interface& ifc : node.cfg->interfaces) {
    auto p = std::make_unique<Port>();
    p->name = ifc.name;
    p->device = ifc.device;
    p->addr = ifc.address.addr;
    p->prefix_len = ifc.address.len;
    p->broadcast = ifc.address.network() | ~ifc.address.mask();
    p->mtu = ifc.mtu;
    if (!probe(ifc, p->port_id, error)) return false;
    for (const auto& other : node.ports) {
      if (other->port_id == p->port_id) {
        error = "interface " + ifc.name + ": device \"" + ifc.device +
                "\" is the same port as interface " + other->name;
        return false;
      }
    }
    if (!configure(node, ifc, *p, error)) return false;
    node.ports.push_back(std::move(p));
  }
  ports_poll_link(node);
  return true;
}

unsigned ports_poll_link(Node& node) {
  unsigned changed = 0;
  for (auto& p : node.ports) {
    rte_eth_link link{};
    if (rte_eth_link_get_nowait(p->port_id, &link) != 0) continue;
    const bool up =
        link.link_status == RTE_ETH_LINK_UP && af_packet_carrier(p->device).value_or(true);
    if (up != p->link_up.load()) {
      p->link_up.store(up);
      p->link_changes.fetch_add(1);
      ++changed;
    }
    p->link_speed.store(link.link_speed);
  }
  return changed;
}

int ports_start_mirror(Node& node, const std::string& iface, std::string& error) {
  config::Interface ifc;
  ifc.name = iface;
  ifc.device = "net_tap_" + iface + ",iface=" + iface;
  uint16_t port_id = 0;
  if (!probe(ifc, port_id, error)) return -1;
  rte_eth_conf conf{};
  int rc = rte_eth_dev_configure(port_id, 1, 1, &conf);
  if (rc == 0) rc = rte_eth_rx_queue_setup(port_id, 0, 64, SOCKET_ID_ANY, nullptr, node.pool);
  if (rc == 0) rc = rte_eth_tx_queue_setup(port_id, 0, 256, SOCKET_ID_ANY, nullptr);
  if (rc == 0) rc = rte_eth_dev_start(port_id);
  if (rc != 0) {
    error = "pfsync mirror " + dev_error(ifc, "cannot configure and start the TAP", rc);
    (void)rte_eth_dev_close(port_id);
    return -1;
  }
  return port_id;
}

void ports_stop(Node& node) {
  for (auto& p : node.ports) {
    (void)rte_eth_dev_stop(p->port_id);
    (void)rte_eth_dev_close(p->port_id);
  }
  uint16_t id;
  RTE_ETH_FOREACH_DEV(id) {
    (void)rte_eth_dev_stop(id);
    (void)rte_eth_dev_close(id);
  }
}

}  // namespace dpf
