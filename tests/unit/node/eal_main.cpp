// Runner of the pf node tests: EAL without hugepages, PCI devices or shared files, on lcores
// 0-1 with a per-process file prefix, then the Catch2 session. Fails, saying why, if EAL does
// not start.
#define CATCH_CONFIG_RUNNER
#include <rte_eal.h>
#include <rte_errno.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  std::vector<std::string> args = {
      argv[0], "--no-huge", "--no-pci",      "--no-shconf",
      "-m",    "256",       "--file-prefix", "dpf-pf-test-" + std::to_string(getpid()),
      "-l",    "0-1",       "--log-level",   "*:error"};
  std::vector<char*> eal_args;
  for (std::string& a : args) eal_args.push_back(a.data());
  if (rte_eal_init(static_cast<int>(eal_args.size()), eal_args.data()) < 0) {
    std::fprintf(stderr, "pf_node_test: EAL init failed: %s\n", rte_strerror(rte_errno));
    return 1;
  }
  const int rc = Catch::Session().run(argc, argv);
  rte_eal_cleanup();
  return rc;
}
