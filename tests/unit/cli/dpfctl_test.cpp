// dpfctl run as a process against a REST server on loopback whose carp hooks are fakes: the
// command line, the token and the exit status are what these tests observe.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "control/rest/server.h"

namespace {

struct Run {
  int status = -1;
  std::string out;  // stdout and stderr
};

Run dpfctl(const std::string& args) {
  Run r;
  const std::string cmd = std::string(DPFCTL) + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  char buf[512];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int st = pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

// A node with one master vhid; carp_demote records N and reports it as the operator demotion.
struct FakeNode {
  std::vector<int> demotes;
  int operator_demotion = 0;
  std::string token_file = "/tmp/dpfctl_test_token." + std::to_string(getpid());
  dpf::rest::Server server;

  FakeNode() : server([] { return dpf::rest::NodeStats{}; }, "s3cret", hooks()) {
    std::ofstream(token_file) << "s3cret\n";
  }
  ~FakeNode() { std::remove(token_file.c_str()); }

  nlohmann::json view() const {
    return {{"preempt", true},
            {"demotion", operator_demotion},
            {"demotion_sources", {{"operator", operator_demotion}}},
            {"vhids",
             {{{"vhid", 1},
               {"interface", "sis0"},
               {"state", "MASTER"},
               {"advbase", 1},
               {"advskew", 0},
               {"demotion", operator_demotion},
               {"addresses", {"10.0.0.1/24"}},
               {"last_transition", nullptr}}}}};
  }
  dpf::rest::Hooks hooks() {
    dpf::rest::Hooks h;
    h.carp = [this] { return view(); };
    h.carp_demote = [this](const nlohmann::json& body) {
      demotes.push_back(body["demotion"].get<int>());
      operator_demotion = demotes.back();
      return view();
    };
    return h;
  }
  std::string api() const { return "--api http://127.0.0.1:" + std::to_string(server.port()); }
};

}  // namespace

TEST_CASE("dpfctl: -s carp prints the node's carp view") {
  FakeNode node;
  std::string error;
  REQUIRE(node.server.start("127.0.0.1:0", error));
  const Run r = dpfctl(node.api() + " -s carp");
  CHECK(r.status == 0);
  CHECK(r.out.find("carp: preempt on, demotion 0 (operator 0)\n") == 0);
  CHECK(r.out.find("\n1    sis0     MASTER  1       0       0      10.0.0.1/24        -\n") !=
        std::string::npos);
}

TEST_CASE("dpfctl: carp demote N posts N with the token and prints the view after the change") {
  FakeNode node;
  std::string error;
  REQUIRE(node.server.start("127.0.0.1:0", error));
  const Run r = dpfctl(node.api() + " --token-file " + node.token_file + " carp demote -20");
  CHECK(r.status == 0);
  REQUIRE(node.demotes == std::vector<int>{-20});
  CHECK(r.out.find("carp: preempt on, demotion -20 (operator -20)\n") == 0);
}

TEST_CASE("dpfctl: a token file with CRLF line ends is read as the node reads it") {
  FakeNode node;
  std::string error;
  REQUIRE(node.server.start("127.0.0.1:0", error));
  std::ofstream(node.token_file, std::ios::binary | std::ios::trunc) << "s3cret\r\n";
  const Run r = dpfctl(node.api() + " --token-file " + node.token_file + " carp demote 5");
  CHECK(r.status == 0);
  CHECK(node.demotes == std::vector<int>{5});
}

TEST_CASE("dpfctl: an unreadable or empty token file fails naming the file, exit 1") {
  FakeNode node;
  std::string error;
  REQUIRE(node.server.start("127.0.0.1:0", error));
  std::ofstream(node.token_file, std::ios::trunc) << "\n";
  Run r = dpfctl(node.api() + " --token-file " + node.token_file + " carp demote 5");
  CHECK(r.status == 1);
  CHECK(r.out == "dpfctl: token file " + node.token_file + ": empty\n");
  r = dpfctl(node.api() + " --token-file /nonexistent/token carp demote 5");
  CHECK(r.status == 1);
  CHECK(r.out == "dpfctl: token file /nonexistent/token: cannot read\n");
  CHECK(node.demotes.empty());
}

TEST_CASE("dpfctl: carp demote without the token fails with the node's error and exit 1") {
  FakeNode node;
  std::string error;
  REQUIRE(node.server.start("127.0.0.1:0", error));
  const Run r = dpfctl(node.api() + " carp demote 10");
  CHECK(r.status == 1);
  CHECK(r.out.find("HTTP 401") != std::string::npos);
  CHECK(node.demotes.empty());
}

TEST_CASE("dpfctl: carp demote with a missing or invalid N is a usage error, exit 2") {
  // No node is contacted: the port is closed, so only a usage error can explain exit 2.
  for (const char* args : {"carp demote", "carp demote 241", "carp demote -241", "carp demote x",
                           "carp demote 1.5", "carp demote 10 11", "carp", "carp promote 1"}) {
    INFO(args);
    const Run r = dpfctl(std::string("--api http://127.0.0.1:1 ") + args);
    CHECK(r.status == 2);
    CHECK(r.out.find("usage: dpfctl") != std::string::npos);
  }
}
