#include "control/config/validate.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <string_view>

namespace dpf::config::detail {

namespace {

std::string path_of(const Node& n) {
  return "nodes." + n.name;
}

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

bool overlap(const Ipv4Prefix& a, const Ipv4Prefix& b) {
  const Ipv4Prefix& wider = a.len <= b.len ? a : b;
  const Ipv4Prefix& other = a.len <= b.len ? b : a;
  return wider.contains(other.addr);
}

const Interface* owner_of(const Node& node, uint32_t addr) {
  for (const auto& i : node.interfaces) {
    if (i.address.addr == addr) return &i;
  }
  return nullptr;
}

void check_interfaces(Diagnostics& diag, const Node& node) {
  const auto& ifs = node.interfaces;
  for (std::size_t k = 0; k < ifs.size(); ++k) {
    const std::string path = path_of(node) + ".interfaces." + ifs[k].name;
    for (std::size_t j = 0; j < k; ++j) {
      if (ifs[j].device == ifs[k].device) {
        diag.error(ifs[k].device_at, path + ".device: '" + ifs[k].device +
                                         "' is already the device of " + ifs[j].name);
      }
      if (overlap(ifs[j].address, ifs[k].address)) {
        diag.error(ifs[k].address_at,
                   path + ".address: " + format_ipv4_prefix(ifs[k].address) + " overlaps " +
                       ifs[j].name + "'s network " +
                       format_ipv4_prefix({ifs[j].address.network(), ifs[j].address.len}));
      }
    }
  }
}

void check_routes(Diagnostics& diag, const Node& node, const NodeRead& read) {
  const std::string path = path_of(node) + ".routes: ";
  std::map<std::pair<uint32_t, uint8_t>, int> first_line;  // destination → line of first route
  for (const Route& r : node.routes) {
    const std::string to = format_ipv4_prefix(r.to);
    auto [it, fresh] = first_line.try_emplace({r.to.addr, r.to.len}, r.to_at.line);
    if (!fresh) {
      diag.error(r.to_at, path + "duplicate route to " + to + " (first on line " +
                              std::to_string(it->second) + ")");
    }
    if (const Interface* own = owner_of(node, r.via)) {
      diag.error(r.via_at, path + "next hop " + format_ipv4(r.via) + " of the route to " + to +
                               " is " + node.name + "'s own address on " + own->name);
      continue;
    }
    bool connected = std::any_of(node.interfaces.begin(), node.interfaces.end(),
                                 [&](const Interface& i) { return i.address.contains(r.via); });
    if (!connected && read.interfaces_complete) {
      diag.error(r.via_at, path + "next hop " + format_ipv4(r.via) + " of the route to " + to +
                               " is not on a connected network of " + node.name);
    }
  }
}

void check_pfsync(Diagnostics& diag, const Node& node, const NodeRead& read) {
  if (!node.pfsync) return;
  const Pfsync& p = *node.pfsync;
  const Interface* sync = node.interface(p.syncdev);
  if (sync == nullptr && !read.is_broken(p.syncdev)) {
    diag.error(p.syncdev_at,
               "pfsync syncdev " + p.syncdev + ": " + node.name + " has no interface " + p.syncdev);
  }
  if (!p.mirror.empty() && node.interface(p.mirror) != nullptr) {
    diag.error(p.mirror_at, "pfsync mirror " + p.mirror + ": " + node.name +
                                " already has a data interface of that name");
  }
  if (p.syncpeer_mode != SyncPeerMode::address || sync == nullptr) return;
  if (p.syncpeer == sync->address.addr) {
    diag.error(p.syncpeer_at, "pfsync syncpeer " + format_ipv4(p.syncpeer) + " is " + node.name +
                                  "'s own address on " + sync->name);
  } else if (!sync->address.contains(p.syncpeer)) {
    diag.error(p.syncpeer_at, "pfsync syncpeer " + format_ipv4(p.syncpeer) + " is not on " +
                                  node.name + "'s sync network " +
                                  format_ipv4_prefix({sync->address.network(), sync->address.len}));
  }
}

void check_carp(Diagnostics& diag, const Cluster& cluster, const Node& node, const NodeRead& read) {
  if (!cluster.carp) return;
  std::map<uint32_t, const Interface*> own_addresses;
  for (const Interface& i : node.interfaces) own_addresses.emplace(i.address.addr, &i);
  for (const CarpVhid& v : cluster.carp->vhids) {
    const std::string what = "carp vhid " + std::to_string(v.vhid);
    const Interface* i = node.interface(v.interface);
    if (i == nullptr) {
      if (!read.is_broken(v.interface)) {
        diag.error(v.interface_at, what + ": " + node.name + " has no interface " + v.interface);
      }
      continue;
    }
    for (std::size_t k = 0; k < v.addresses.size(); ++k) {
      const uint32_t a = v.addresses[k].addr;
      if (auto own = own_addresses.find(a); own != own_addresses.end()) {
        diag.error(v.address_at[k], what + ": " + format_ipv4(a) + " is " + node.name +
                                        "'s own address on " + own->second->name);
      } else if (!i->address.contains(a)) {
        diag.error(v.address_at[k], what + ": " + format_ipv4(a) + " is not inside " + node.name +
                                        "'s " + i->name + " network " +
                                        format_ipv4_prefix({i->address.network(), i->address.len}));
      }
    }
  }
}

void check_hostids(Diagnostics& diag, const Cluster& cluster) {
  for (std::size_t k = 0; k < cluster.nodes.size(); ++k) {
    const Node& n = cluster.nodes[k];
    if (!n.hostid) continue;
    for (std::size_t j = 0; j < k; ++j) {
      if (cluster.nodes[j].hostid == n.hostid) {
        diag.error(n.hostid_at, path_of(n) + ".hostid: " + hex32(*n.hostid) + " is also " +
                                    cluster.nodes[j].name + "'s hostid");
      }
    }
  }
}

const Interface* sync_interface(const Node& n) {
  return n.pfsync ? n.interface(n.pfsync->syncdev) : nullptr;
}

void check_sync_subnet(Diagnostics& diag, const Cluster& cluster) {
  const Node* first = nullptr;
  for (const Node& n : cluster.nodes) {
    const Interface* s = sync_interface(n);
    if (s == nullptr) continue;
    if (first == nullptr) {
      first = &n;
      continue;
    }
    const Interface* f = sync_interface(*first);
    const Ipv4Prefix net{f->address.network(), f->address.len};
    if (s->address.len != f->address.len || s->address.network() != net.addr) {
      diag.error(s->address_at, "pfsync: " + n.name + "'s sync interface " + s->name + " (" +
                                    format_ipv4_prefix(s->address) + ") is not on " + first->name +
                                    "'s sync network " + format_ipv4_prefix(net));
    } else if (s->address.addr == f->address.addr) {
      diag.error(s->address_at, "pfsync: " + n.name + "'s sync address " +
                                    format_ipv4(s->address.addr) + " is also " + first->name +
                                    "'s");
    }
  }
}

void resolve_syncpeer(Diagnostics& diag, Cluster& cluster, const std::vector<NodeRead>& reads) {
  for (Node& n : cluster.nodes) {
    if (!n.pfsync || n.pfsync->syncpeer_mode != SyncPeerMode::peer) continue;
    if (cluster.nodes.size() != 2) {
      diag.error(n.pfsync->syncpeer_at,
                 "pfsync syncpeer 'peer' needs a cluster of exactly two nodes; this one has " +
                     std::to_string(cluster.nodes.size()));
      continue;
    }
    const std::size_t other_index = &n == &cluster.nodes[0] ? 1 : 0;
    const Node& other = cluster.nodes[other_index];
    const Interface* s = sync_interface(other);
    const bool other_broken = other_index >= reads.size() ||
                              !reads[other_index].interfaces_complete ||
                              reads[other_index].pfsync_broken;
    if (s == nullptr && !other_broken) {
      diag.error(n.pfsync->syncpeer_at,
                 "pfsync syncpeer 'peer': " + other.name + " has no sync interface");
      continue;
    }
    if (s != nullptr) n.pfsync->syncpeer = s->address.addr;
  }
}

void check_vhids(Diagnostics& diag, const Cluster& cluster) {
  if (!cluster.carp) return;
  std::set<std::pair<uint8_t, std::string_view>> used;  // (vhid, interface)
  std::map<uint32_t, uint8_t> owner;                    // virtual address → first vhid
  for (const CarpVhid& v : cluster.carp->vhids) {
    const std::string what = "carp vhid " + std::to_string(v.vhid);
    if (!used.emplace(v.vhid, v.interface).second) {
      diag.error(v.at, what + " is already used on " + v.interface);
    }
    // A virtual address belongs to one group, once.
    for (std::size_t a = 0; a < v.addresses.size(); ++a) {
      auto [it, fresh] = owner.try_emplace(v.addresses[a].addr, v.vhid);
      if (fresh) continue;
      diag.error(v.address_at[a], what + ": " + format_ipv4(v.addresses[a].addr) +
                                      " is already an address of vhid " +
                                      std::to_string(it->second));
    }
  }
}

}  // namespace

void validate_node(Diagnostics& diag, const Cluster& cluster, const Node& node,
                   const NodeRead& read) {
  check_interfaces(diag, node);
  check_routes(diag, node, read);
  check_pfsync(diag, node, read);
  check_carp(diag, cluster, node, read);
}

void validate_cluster(Diagnostics& diag, Cluster& cluster, const std::vector<NodeRead>& reads) {
  for (std::size_t k = 0; k < cluster.nodes.size() && k < reads.size(); ++k) {
    validate_node(diag, cluster, cluster.nodes[k], reads[k]);
  }
  check_hostids(diag, cluster);
  check_sync_subnet(diag, cluster);
  resolve_syncpeer(diag, cluster, reads);
  check_vhids(diag, cluster);
}

}  // namespace dpf::config::detail
