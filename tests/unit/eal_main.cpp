// Runner of the unit tests that need EAL (dpf_eal_test in cmake/dpf.cmake): initialises EAL once
// (no hugepages, no PCI, no shared config files, three lcores, a file prefix of its own), then
// runs the Catch2 session. Runs as root (as in CI); if EAL cannot start, the run fails and says
// why. DPDK 22.11 refuses --in-memory together with --no-huge, so --no-shconf keeps the run free
// of shared files.
#define CATCH_CONFIG_RUNNER
#include <rte_eal.h>
#include <rte_errno.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  const std::string name = std::filesystem::path(argv[0]).filename().string();
  const std::string prefix = "dpf-" + name + "-" + std::to_string(getpid());
  // Three lcores (main + two workers for the concurrency tests); on a machine with fewer than
  // three CPUs they share the CPUs there are.
  const long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  const std::string lcores =
      cpus >= 3 ? "-l0-2" : "--lcores=(0-2)@(0-" + std::to_string(cpus > 1 ? cpus - 1 : 0) + ")";
  std::vector<std::string> args = {argv[0], "--no-huge",   "--no-pci",      "-m",
                                   "256",   "--no-shconf", "--file-prefix", prefix,
                                   lcores,  "--log-level", "*:error"};
  std::vector<char*> eal_argv;
  for (std::string& a : args) eal_argv.push_back(a.data());
  if (rte_eal_init(static_cast<int>(eal_argv.size()), eal_argv.data()) < 0) {
    std::fprintf(stderr, "%s: EAL init failed: %s\n", name.c_str(), rte_strerror(rte_errno));
    return 1;
  }
  const int rc = Catch::Session().run(argc, argv);
  rte_eal_cleanup();
  return rc;
}
