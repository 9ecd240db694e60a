// What start-up refuses before EAL (control/config/preflight.h), as `dpf --check` prints it.
#include "control/config/preflight.h"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>

#include "tests/unit/config/load_helpers.h"

using dpf::config::check_node_start;
using dpf::config::test::at;
using dpf::config::test::load;

namespace {

std::vector<std::string> problems(const std::string& yaml,
                                  const std::vector<std::string>* eal = nullptr,
                                  bool on_this_host = true) {
  auto loaded = load(yaml);
  REQUIRE(loaded.cluster);
  std::vector<std::string> out;
  for (const auto& e :
       check_node_start(*loaded.cluster, loaded.cluster->nodes.front(), eal, on_this_host))
    out.push_back(e.str());
  return out;
}

}  // namespace

TEST_CASE("preflight: more workers than the EAL arguments give lcores is refused at workers") {
  const std::string yaml =
      "nodes:\n"
      "  fw:\n"
      "    eal: [-l, \"0-1\", --no-huge]\n"
      "    lcores: { workers: 4 }\n"
      "    interfaces: { sis0: { device: net_null0, address: 10.0.0.1/24 } }\n";
  CHECK(problems(yaml) ==
        std::vector<std::string>{at(4, 24) +
                                 "nodes.fw.lcores.workers: node fw wants 4 worker lcore(s) plus "
                                 "the main lcore, its EAL arguments (nodes.fw.eal) give 2 (-l "
                                 "0-1); give more with -l"});
  const std::vector<std::string> cmdline{"-l", "0-4"};
  CHECK(problems(yaml, &cmdline).empty());
  const std::vector<std::string> fewer{"-c", "0x1"};
  CHECK(problems(yaml, &fewer) ==
        std::vector<std::string>{at(4, 24) +
                                 "nodes.fw.lcores.workers: node fw wants 4 worker lcore(s) plus "
                                 "the main lcore, the EAL arguments on the command line give 1 "
                                 "(-c 0x1); give more with -l"});
}

TEST_CASE("preflight: a malformed lcore list is reported at eal") {
  CHECK(problems("nodes:\n"
                 "  fw:\n"
                 "    eal: [-l, \"0-x\"]\n"
                 "    interfaces: { sis0: { device: net_null0, address: 10.0.0.1/24 } }\n") ==
        std::vector<std::string>{at(3, 10) + "nodes.fw.eal: node fw: -l 0-x: unexpected 'x'"});
}

TEST_CASE("preflight: a token file that is missing or others may read is refused at token_file") {
  char path[] = "/tmp/dpf-preflight-token-XXXXXX";
  const int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  REQUIRE(write(fd, "s3cret\n", 7) == 7);
  close(fd);
  const std::string token = path;
  const std::string yaml =
      "nodes:\n"
      "  fw:\n"
      "    eal: [-l, \"0-1\"]\n"
      "    interfaces: { sis0: { device: net_null0, address: 10.0.0.1/24 } }\n"
      "    api: { token_file: " +
      token + " }\n";
  CHECK(problems(yaml).empty());  // mkstemp makes it 0600
  chmod(path, 0644);
  CHECK(problems(yaml) ==
        std::vector<std::string>{
            at(5, 24) + "nodes.fw.api.token_file: node fw: token file " + token +
            ": group or others may access it (mode 0644); run chmod 600 " + token});
  CHECK(problems(yaml, nullptr, false).empty());  // another machine's file
  std::remove(path);
  CHECK(problems(yaml) ==
        std::vector<std::string>{at(5, 24) + "nodes.fw.api.token_file: node fw: token file " +
                                 token + ": cannot read: No such file or directory"});
}

TEST_CASE("preflight: a device that cannot probe names the node, the key and the cause") {
  CHECK(problems("nodes:\n"
                 "  fw:\n"
                 "    eal: [-l, \"0-1\"]\n"
                 "    interfaces:\n"
                 "      sis0: { device: \"net_af_packet0,iface=dpf-nosuchif\", address: "
                 "10.0.0.1/24 }\n"
                 "      sis1: { device: net_bogus0, address: 10.0.1.1/24 }\n") ==
        std::vector<std::string>{
            at(5, 23) + "nodes.fw.interfaces.sis0.device: node fw: interface sis0 (device "
                        "\"net_af_packet0,iface=dpf-nosuchif\"): no such interface dpf-nosuchif",
            at(6, 23) +
                "nodes.fw.interfaces.sis1.device: node fw: interface sis1 (device \"net_bogus0\"): "
                "DPDK has no driver for net_bogus0 (the virtual device drivers dpf knows: "
                "net_af_packet, net_af_xdp, net_bonding, net_failsafe, net_memif, net_null, "
                "net_pcap, net_ring, net_softnic, net_tap, net_tun, net_vhost, net_virtio_user, "
                "net_vdev_netvsc)"});
}
