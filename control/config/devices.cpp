// See devices.h.
#include "control/config/devices.h"

#include <net/if.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace dpf::config {

namespace {

bool starts_with(std::string_view s, std::string_view p) {
  return s.substr(0, p.size()) == p;
}

// The driver whose name (or alias) the device name starts with, as the vdev bus matches them;
// empty if none.
std::string_view driver_of(std::string_view name) {
  std::string_view best;
  for (std::string_view d : known_vdev_drivers()) {
    if (starts_with(name, d) && d.size() > best.size()) best = d;
  }
  return best;
}

std::string interface_problem(const std::string& name) {
  if (name.empty()) return "an empty interface name";
  if (if_nametoindex(name.c_str()) == 0) return "no such interface " + name;
  return "";
}

std::string readable_file_problem(const std::string& key, const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return key + " " + path + ": " + std::strerror(errno);
  if (!S_ISREG(st.st_mode)) return key + " " + path + ": not a regular file";
  if (access(path.c_str(), R_OK) != 0) return key + " " + path + ": " + std::strerror(errno);
  return "";
}

std::string directory_problem(const std::string& key, const std::string& path) {
  const auto slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "."
                          : slash == 0               ? "/"
                                                     : path.substr(0, slash);
  struct stat st {};
  if (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return key + " " + path + ": no directory " + dir;
  return "";
}

// The key=value arguments after the device name.
std::vector<std::pair<std::string, std::string>> arguments(std::string_view args) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!args.empty()) {
    const auto comma = args.find(',');
    std::string_view kv = args.substr(0, comma);
    const auto eq = kv.find('=');
    out.emplace_back(std::string(kv.substr(0, eq)),
                     eq == std::string_view::npos ? "" : std::string(kv.substr(eq + 1)));
    if (comma == std::string_view::npos) break;
    args.remove_prefix(comma + 1);
  }
  return out;
}

std::string canonical(std::string_view driver) {
  if (starts_with(driver, "eth_")) {
    if (driver == "eth_bond") return "net_bonding";
    return "net_" + std::string(driver.substr(4));
  }
  return std::string(driver);
}

}  // namespace

const std::vector<std::string_view>& known_vdev_drivers() {
  static const std::vector<std::string_view> kDrivers = {
      "net_af_packet",  "eth_af_packet", "net_af_xdp", "net_bonding",     "eth_bond",
      "net_failsafe",   "net_memif",     "net_null",   "eth_null",        "net_pcap",
      "eth_pcap",       "net_ring",      "eth_ring",   "net_softnic",     "net_tap",
      "net_tun",        "net_vhost",     "eth_vhost",  "net_virtio_user", "net_vdev_netvsc",
      "eth_vdev_netvsc"};
  return kDrivers;
}

std::string device_problem(const std::string& device, bool on_this_host) {
  const auto comma = device.find(',');
  const std::string_view name = std::string_view(device).substr(0, comma);
  if (!starts_with(name, "net_") && !starts_with(name, "eth_")) return "";
  const std::string_view driver = driver_of(name);
  if (driver.empty()) {
    std::string known;
    for (std::string_view d : known_vdev_drivers()) {
      if (starts_with(d, "net_")) known += (known.empty() ? "" : ", ") + std::string(d);
    }
    return "DPDK has no driver for " + std::string(name) +
           " (the virtual device drivers dpf knows: " + known + ")";
  }
  if (!on_this_host) return "";
  const auto args = arguments(
      comma == std::string::npos ? std::string_view{} : std::string_view(device).substr(comma + 1));
  const std::string drv = canonical(driver);
  if (drv == "net_af_packet" || drv == "net_af_xdp") {
    for (const auto& [k, v] : args) {
      if (k == "iface") return interface_problem(v);
    }
    return drv + " needs iface=NAME, the Linux interface it attaches to";
  }
  if (drv == "net_pcap") {
    for (const auto& [k, v] : args) {
      std::string why;
      if (k == "rx_pcap") why = readable_file_problem(k, v);
      if (k == "tx_pcap") why = directory_problem(k, v);
      if (k == "iface" || k == "rx_iface" || k == "rx_iface_in" || k == "tx_iface")
        why = interface_problem(v);
      if (!why.empty()) return why;
    }
  }
  return "";
}

}  // namespace dpf::config
