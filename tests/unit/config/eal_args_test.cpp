// EAL lcore arguments counted as rte_eal_init counts them (control/config/eal_args.h).
#include "control/config/eal_args.h"

#include <catch2/catch.hpp>

using dpf::config::eal_lcores;
using dpf::config::parse_lcore_list;
using dpf::config::parse_lcore_map;
using dpf::config::parse_lcore_mask;

TEST_CASE("eal args: an -l list counts ids and ranges, each id once") {
  std::string error;
  CHECK(parse_lcore_list("0", error) == 1u);
  CHECK(parse_lcore_list("0-1", error) == 2u);
  CHECK(parse_lcore_list("0-3,8,10-11", error) == 7u);
  CHECK(parse_lcore_list("0-2,1-3", error) == 4u);
}

TEST_CASE("eal args: a malformed -l list says what is wrong") {
  std::string error;
  CHECK_FALSE(parse_lcore_list("0-x", error));
  CHECK(error == "unexpected 'x'");
  CHECK_FALSE(parse_lcore_list("3-1", error));
  CHECK(error == "range 3-1 runs backwards");
  CHECK_FALSE(parse_lcore_list("", error));
  CHECK(error == "missing lcore");
  CHECK_FALSE(parse_lcore_list("0,200", error));
  CHECK(error == "lcore 200 is beyond the 128 lcores EAL has");
  CHECK_FALSE(parse_lcore_list("0;1", error));
  CHECK(error == "unexpected ';'");
}

TEST_CASE("eal args: a -c mask counts its bits") {
  std::string error;
  CHECK(parse_lcore_mask("0x3", error) == 2u);
  CHECK(parse_lcore_mask("f", error) == 4u);
  CHECK(parse_lcore_mask("0X101", error) == 2u);
  CHECK_FALSE(parse_lcore_mask("0x3g", error));
  CHECK(error == "'g' is not a hex digit");
}

TEST_CASE("eal args: an --lcores map counts lcores, not the CPUs they run on") {
  std::string error;
  CHECK(parse_lcore_map("0,1,2", error) == 3u);
  CHECK(parse_lcore_map("(0-1)@0,2@(1,3)", error) == 3u);
  CHECK(parse_lcore_map("0-3@0", error) == 4u);
  CHECK_FALSE(parse_lcore_map("(0,1@0", error));
  CHECK(error == "missing ')'");
}

TEST_CASE("eal args: the lcore option is found among other EAL arguments, in every spelling") {
  std::string error;
  auto count = [&](std::vector<std::string> args) {
    auto r = eal_lcores(args, error);
    return r ? r->count : 0u;
  };
  CHECK(count({"-l", "0-1", "--no-huge", "-m", "128"}) == 2u);
  CHECK(count({"--no-huge", "-l0-2"}) == 3u);
  CHECK(count({"-c", "0x7"}) == 3u);
  CHECK(count({"--lcores", "0,1"}) == 2u);
  CHECK(count({"--lcores=(0-3)@0"}) == 4u);
  auto r = eal_lcores({"-m", "128", "-l", "0-1"}, error);
  REQUIRE(r);
  CHECK(r->given == "-l 0-1");
}

TEST_CASE("eal args: without an lcore option every CPU the process may use counts") {
  std::string error;
  auto r = eal_lcores({"--no-huge"}, error);
  REQUIRE(r);
  CHECK(r->count >= 1u);
  CHECK(r->given.empty());
}

TEST_CASE("eal args: two lcore options, or one without its value, are errors") {
  std::string error;
  CHECK_FALSE(eal_lcores({"-l", "0-1", "-c", "3"}, error));
  CHECK(error == "-l 0-1 and -c 3 both choose the lcores: EAL takes one of them");
  CHECK_FALSE(eal_lcores({"--no-huge", "-l"}, error));
  CHECK(error == "-l needs a value");
  CHECK_FALSE(eal_lcores({"-l", "0-"}, error));
  CHECK(error == "-l 0-: missing lcore");
}
