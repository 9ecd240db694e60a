#include "control/config/diff.h"

#include <algorithm>
#include <cstdio>

namespace dpf::config {

namespace {

std::string str(bool b) {
  return b ? "true" : "false";
}
std::string str(unsigned long long n) {
  return std::to_string(n);
}
std::string str(const std::string& s) {
  return s.empty() ? "(none)" : s;
}
std::string str(const Ipv4Prefix& p) {
  return format_ipv4_prefix(p);
}

std::string join(const std::vector<std::string>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + v[i];
  return out + "]";
}

std::string hostid(const std::optional<uint32_t>& h) {
  if (!h) return "(random)";
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", *h);
  return buf;
}

std::string route(const Route& r) {
  return str(r.to) + " via " + format_ipv4(r.via);
}

std::string syncpeer(const Pfsync& p) {
  switch (p.syncpeer_mode) {
    case SyncPeerMode::multicast:
      return "(multicast)";
    case SyncPeerMode::peer:
      return "peer (" + format_ipv4(p.syncpeer) + ")";
    default:
      return format_ipv4(p.syncpeer);
  }
}

std::string addresses(const std::vector<Ipv4Prefix>& v) {
  std::vector<std::string> s;
  for (const auto& p : v) s.push_back(str(p));
  return join(s);
}

class Differ {
 public:
  std::vector<Change> out;

  template <class T>
  void field(const std::string& path, const T& a, const T& b, bool applied = false) {
    if (!(a == b)) out.push_back({path, str(a) + " -> " + str(b), applied});
  }
  void text(const std::string& path, const std::string& a, const std::string& b,
            bool applied = false) {
    if (a != b) out.push_back({path, a + " -> " + b, applied});
  }
  void note(const std::string& path, std::string detail) {
    out.push_back({path, std::move(detail), false});
  }
};

void diff_interfaces(Differ& d, const std::string& at, const Node& a, const Node& b) {
  for (const Interface& x : a.interfaces) {
    const Interface* y = b.interface(x.name);
    const std::string p = at + ".interfaces." + x.name;
    if (y == nullptr) {
      d.note(p, "removed");
      continue;
    }
    d.field(p + ".device", x.device, y->device);
    d.text(p + ".address", str(x.address), str(y->address));
    d.field(p + ".mtu", (unsigned long long)x.mtu, (unsigned long long)y->mtu);
    d.field(p + ".fix_offloaded_checksums", x.fix_offloaded_checksums, y->fix_offloaded_checksums);
  }
  for (const Interface& y : b.interfaces)
    if (a.interface(y.name) == nullptr)
      d.note(at + ".interfaces." + y.name, "added (" + y.device + ", " + str(y.address) + ")");
}

void diff_routes(Differ& d, const std::string& at, const Node& a, const Node& b) {
  auto same = [](const Route& x, const Route& y) {
    return x.to.addr == y.to.addr && x.to.len == y.to.len && x.via == y.via;
  };
  auto has = [&](const std::vector<Route>& v, const Route& r) {
    return std::any_of(v.begin(), v.end(), [&](const Route& x) { return same(x, r); });
  };
  for (const Route& r : a.routes)
    if (!has(b.routes, r)) d.note(at + ".routes", "removed " + route(r));
  for (const Route& r : b.routes)
    if (!has(a.routes, r)) d.note(at + ".routes", "added " + route(r));
}

void diff_pfsync(Differ& d, const std::string& at, const Node& a, const Node& b) {
  const std::string p = at + ".pfsync";
  if (!a.pfsync && !b.pfsync) return;
  if (!a.pfsync || !b.pfsync) {
    d.note(p, a.pfsync ? "removed" : "added");
    return;
  }
  const Pfsync& x = *a.pfsync;
  const Pfsync& y = *b.pfsync;
  d.field(p + ".syncdev", x.syncdev, y.syncdev);
  d.field(p + ".maxupd", (unsigned long long)x.maxupd, (unsigned long long)y.maxupd);
  d.field(p + ".defer", x.defer, y.defer);
  d.field(p + ".version", (unsigned long long)x.version, (unsigned long long)y.version);
  d.field(p + ".mirror", x.mirror, y.mirror);
  d.text(p + ".syncpeer", syncpeer(x), syncpeer(y));
}

const CarpVhid* find_vhid(const Carp& c, const CarpVhid& v) {
  for (const auto& x : c.vhids)
    if (x.vhid == v.vhid && x.interface == v.interface) return &x;
  return nullptr;
}

void diff_carp(Differ& d, const Cluster& a, const Cluster& b) {
  if (!a.carp && !b.carp) return;
  if (!a.carp || !b.carp) {
    d.note("cluster.carp", a.carp ? "removed" : "added");
    return;
  }
  d.field("cluster.carp.preempt", a.carp->preempt, b.carp->preempt);
  for (const CarpVhid& x : a.carp->vhids) {
    const std::string p = "cluster.carp.vhids." + std::to_string(x.vhid);
    const CarpVhid* y = find_vhid(*b.carp, x);
    if (y == nullptr) {
      d.note(p, "removed (" + x.interface + ")");
      continue;
    }
    d.field(p + ".advbase", (unsigned long long)x.advbase, (unsigned long long)y->advbase);
    if (x.pass != y->pass) d.note(p + ".pass", "changed");
    d.text(p + ".addresses", addresses(x.addresses), addresses(y->addresses));
  }
  for (const CarpVhid& y : b.carp->vhids)
    if (find_vhid(*a.carp, y) == nullptr)
      d.note("cluster.carp.vhids." + std::to_string(y.vhid), "added (" + y.interface + ")");
}

void diff_skews(Differ& d, const std::string& at, const Node& a, const Node& b) {
  for (const CarpSkew& x : a.carp) {
    for (const CarpSkew& y : b.carp) {
      if (x.vhid != y.vhid || x.interface != y.interface) continue;
      d.field(at + ".carp.advskew (vhid " + std::to_string(x.vhid) + ")",
              (unsigned long long)x.advskew, (unsigned long long)y.advskew);
    }
  }
}

}  // namespace

std::vector<Change> diff_node(const Cluster& was_c, const Node& was, const Cluster& now_c,
                              const Node& now) {
  Differ d;
  const std::string at = "nodes." + now.name;
  d.field("cluster.name", was_c.name, now_c.name);
  d.field("cluster.rules", was_c.rules_path, now_c.rules_path, true);
  d.text(at + ".log.level", std::string(log::level_name(was.log.level)),
         std::string(log::level_name(now.log.level)), true);
  d.text(at + ".log.format", std::string(log::format_name(was.log.format)),
         std::string(log::format_name(now.log.format)), true);
  d.text(at + ".hostid", hostid(was.hostid), hostid(now.hostid));
  d.text(at + ".eal", join(was.eal), join(now.eal));
  d.field(at + ".lcores.workers", (unsigned long long)was.lcores.workers,
          (unsigned long long)now.lcores.workers);
  d.text(at + ".lcores.idle", was.lcores.idle == IdleMode::poll ? "poll" : "adaptive",
         now.lcores.idle == IdleMode::poll ? "poll" : "adaptive");
  d.field(at + ".lcores.idle_sleep_max_us", (unsigned long long)was.lcores.idle_sleep_max_us,
          (unsigned long long)now.lcores.idle_sleep_max_us);
  diff_interfaces(d, at, was, now);
  diff_routes(d, at, was, now);
  d.field(at + ".api.listen", was.api.listen, now.api.listen);
  d.field(at + ".api.token_file", was.api.token_path, now.api.token_path);
  d.field(at + ".api.max_body", (unsigned long long)was.api.max_body,
          (unsigned long long)now.api.max_body);
  diff_pfsync(d, at, was, now);
  diff_carp(d, was_c, now_c);
  diff_skews(d, at, was, now);
  return std::move(d.out);
}

}  // namespace dpf::config
