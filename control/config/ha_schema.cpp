#include "control/config/ha_schema.h"

#include "control/config/schema.h"

namespace dpf::config::detail {

namespace {

// shared/specs/pfsync.md §1: 1301 is the FreeBSD 9.x..13 state format, 1400 FreeBSD 14's.
constexpr unsigned kPfsyncVersions[] = {1301, 1400};
constexpr uint64_t kMaxUpdMin = 1, kMaxUpdMax = 255;
constexpr uint64_t kVhidMax = 255, kAdvbaseMax = 255, kAdvskewMax = 254;
constexpr std::size_t kMaxVhids = 256;         // groups in one cluster
constexpr std::size_t kMaxVhidAddresses = 64;  // virtual addresses of one group

std::optional<std::string> read_ifname(Diagnostics& diag, const Value& v) {
  auto s = read_string(diag, v);
  if (s && !valid_ifname(*s)) {
    diag.error(v.at, v.path + ": '" + *s +
                         "' is not an interface name (1..15 letters, digits, '_', '.', '-', "
                         "starting with a letter)");
    return std::nullopt;
  }
  return s;
}

void read_syncpeer(Diagnostics& diag, const Value& v, PfsyncDraft& d) {
  d.syncpeer_at = v.at;
  if (v.node.IsScalar() && v.node.Scalar() == "peer") {
    d.syncpeer_mode = SyncPeerMode::peer;
    return;
  }
  auto a = read_ipv4(diag, v);
  if (!a) return;
  if (const char* why = unicast_problem(*a)) {
    diag.error(v.at, v.path + ": " + format_ipv4(*a) + " " + why + "; syncpeer is a unicast " +
                         "address or 'peer' (leave it out for multicast)");
    return;
  }
  d.syncpeer_mode = SyncPeerMode::address;
  d.syncpeer = *a;
}

}  // namespace

PfsyncDraft read_pfsync(Diagnostics& diag, const Value& v) {
  PfsyncDraft d;
  MapReader m(diag, v, {"syncdev", "maxupd", "defer", "version", "mirror", "syncpeer"});
  if (!m.is_map()) return d;
  d.present = true;
  d.at = v.key_at;
  if (const Value* x = m.find("syncdev")) {
    d.syncdev_written = true;
    d.syncdev = read_ifname(diag, *x);
    d.syncdev_at = x->at;
  }
  if (const Value* x = m.find("maxupd")) {
    if (auto n = read_uint(diag, *x, kMaxUpdMin, kMaxUpdMax)) d.maxupd = unsigned(*n);
  }
  if (const Value* x = m.find("defer")) d.defer = read_bool(diag, *x);
  if (const Value* x = m.find("version")) {
    if (auto n = read_uint(diag, *x, 0, UINT32_MAX)) {
      if (*n == kPfsyncVersions[0] || *n == kPfsyncVersions[1]) {
        d.version = unsigned(*n);
      } else {
        diag.error(x->at,
                   x->path + ": pfsync version must be 1301 or 1400, got " + x->node.Scalar());
      }
    }
  }
  if (const Value* x = m.find("mirror")) {
    d.mirror = read_ifname(diag, *x);
    d.mirror_at = x->at;
  }
  if (const Value* x = m.find("syncpeer")) read_syncpeer(diag, *x, d);
  return d;
}

std::optional<Pfsync> merge_pfsync(Diagnostics& diag, const PfsyncDraft& cluster,
                                   const PfsyncDraft& node, const std::string& node_path) {
  if (!cluster.present && !node.present) return std::nullopt;
  Pfsync p;
  p.at = node.present ? node.at : cluster.at;
  const PfsyncDraft* layers[] = {&cluster, &node};
  for (const PfsyncDraft* d : layers) {
    if (!d->present) continue;
    if (d->syncdev) {
      p.syncdev = *d->syncdev;
      p.syncdev_at = d->syncdev_at;
    }
    if (d->maxupd) p.maxupd = *d->maxupd;
    if (d->defer) p.defer = *d->defer;
    if (d->version) p.version = *d->version;
    if (d->mirror) {
      p.mirror = *d->mirror;
      p.mirror_at = d->mirror_at;
    }
    if (d->syncpeer_mode) {
      p.syncpeer_mode = *d->syncpeer_mode;
      p.syncpeer = d->syncpeer;
      p.syncpeer_at = d->syncpeer_at;
    }
  }
  if (p.syncdev.empty()) {
    if (!cluster.syncdev_written && !node.syncdev_written) {
      diag.error(p.at, node_path + ": pfsync needs a syncdev (in cluster.pfsync or the node's " +
                           "pfsync)");
    }
    return std::nullopt;
  }
  return p;
}

namespace {

// Keeps the valid addresses (the others are reported); false when there is no list at all.
bool read_vhid_addresses(Diagnostics& diag, const Value& addrs, CarpVhid& c) {
  auto items = read_sequence(diag, addrs, kMaxVhidAddresses);
  if (!items) return false;
  if (items->empty()) {
    diag.error(addrs.at, addrs.path + ": a vhid needs at least one address");
    return false;
  }
  for (const Value& item : *items) {
    auto p = read_prefix(diag, item);
    const char* why = p ? host_prefix_problem(*p) : nullptr;
    if (why) diag.error(item.at, item.path + ": " + format_ipv4_prefix(*p) + " " + why);
    if (!p || why) continue;
    c.addresses.push_back(*p);
    c.address_at.push_back(item.at);
  }
  return true;
}

std::optional<CarpVhid> read_vhid(Diagnostics& diag, const Value& v) {
  MapReader m(diag, v, {"vhid", "interface", "pass", "advbase", "addresses"});
  if (!m.is_map()) return std::nullopt;
  CarpVhid c;
  c.at = v.at;
  bool ok = true;
  const Value* vhid = m.find("vhid");
  const Value* iface = m.find("interface");
  const Value* addrs = m.find("addresses");
  const std::pair<const char*, const Value*> required[] = {
      {"vhid", vhid}, {"interface", iface}, {"addresses", addrs}};
  for (auto [key, x] : required) {
    if (x == nullptr) {
      diag.error(v.at, v.path + ": missing key '" + key + "'");
      ok = false;
    }
  }
  if (vhid) {
    auto n = read_uint(diag, *vhid, 1, kVhidMax);
    ok = ok && n;
    c.vhid = uint8_t(n.value_or(0));
  }
  if (iface) {
    auto s = read_ifname(diag, *iface);
    ok = ok && s;
    c.interface = s.value_or("");
    c.interface_at = iface->at;
  }
  // An invalid pass or advbase is reported; the vhid stays for the cross checks.
  if (const Value* x = m.find("pass")) {
    c.pass_at = x->at;
    c.pass = read_string(diag, *x, true).value_or("");
    if (c.pass.size() > kCarpMaxPass) {
      diag.error(x->at, x->path + ": the password is " + std::to_string(c.pass.size()) +
                            " bytes; CARP uses at most " + std::to_string(kCarpMaxPass));
    }
  }
  if (const Value* x = m.find("advbase")) {
    c.advbase = uint8_t(read_uint(diag, *x, 1, kAdvbaseMax).value_or(1));
  }
  if (addrs) ok = read_vhid_addresses(diag, *addrs, c) && ok;
  if (!ok) return std::nullopt;
  return c;
}

}  // namespace

std::optional<Carp> read_carp(Diagnostics& diag, const Value& v) {
  MapReader m(diag, v, {"preempt", "vhids"});
  if (!m.is_map()) return std::nullopt;
  Carp carp;
  carp.at = v.key_at;
  if (const Value* x = m.find("preempt")) carp.preempt = read_bool(diag, *x).value_or(false);
  if (const Value* x = m.find("vhids")) {
    auto items = read_sequence(diag, *x, kMaxVhids);
    for (const Value& item : items.value_or(std::vector<Value>{})) {
      if (auto c = read_vhid(diag, item)) carp.vhids.push_back(std::move(*c));
    }
  }
  return carp;
}

SkewDraft read_node_carp(Diagnostics& diag, const Value& v) {
  SkewDraft d;
  MapReader m(diag, v, {"advskew"});
  if (!m.is_map()) return d;
  d.present = true;
  d.at = v.key_at;
  const Value* x = m.find("advskew");
  if (x == nullptr) return d;
  if (!x->node.IsMap()) {
    if (auto n = read_uint(diag, *x, 0, kAdvskewMax)) d.all = unsigned(*n);
    return d;
  }
  MapReader per(diag, *x, {});
  for (const auto& e : per.entries()) {
    std::optional<uint64_t> vhid = parse_uint(e.key);
    if (!vhid || *vhid < 1 || *vhid > kVhidMax) {
      diag.error(e.value.key_at, x->path + ": key '" + e.key + "' is not a vhid 1..255");
      continue;
    }
    if (auto n = read_uint(diag, e.value, 0, kAdvskewMax)) {
      d.per_vhid.push_back({unsigned(*vhid), unsigned(*n), e.value.key_at});
    }
  }
  return d;
}

std::vector<CarpSkew> resolve_skew(Diagnostics& diag, const std::optional<Carp>& carp,
                                   const SkewDraft& draft, const std::string& node_path) {
  std::vector<CarpSkew> out;
  if (!carp) {
    if (draft.present) {
      diag.error(draft.at, node_path + ".carp: the cluster has no carp section");
    }
    return out;
  }
  for (const auto& pv : draft.per_vhid) {
    bool known = false;
    for (const auto& c : carp->vhids) known = known || c.vhid == pv.vhid;
    if (!known) {
      diag.error(pv.at,
                 node_path + ".carp.advskew: cluster.carp has no vhid " + std::to_string(pv.vhid));
    }
  }
  for (const auto& c : carp->vhids) {
    CarpSkew s{c.vhid, c.interface, uint8_t(draft.all.value_or(0))};
    for (const auto& pv : draft.per_vhid) {
      if (pv.vhid == c.vhid) s.advskew = uint8_t(pv.advskew);
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace dpf::config::detail
