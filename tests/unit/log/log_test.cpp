// dpf's log lines: the text and JSON formats, levels, and lines written from several threads.
// Time is passed in (a fixed clock), so every line is compared whole.
#include "control/log/log.h"

#include <catch2/catch.hpp>

#include <thread>
#include <vector>

using namespace dpf::log;

namespace {

// 2026-12-05T11:40:02.123Z
Clock::time_point at_11_40_02_123() {
  using namespace std::chrono;
  return Clock::time_point{sys_days{year{2026} / December / 5}} + hours{11} + minutes{40} +
         seconds{2} + milliseconds{123} + microseconds{999};
}

// A logger writing into `lines`, stamped by `now`.
struct Captured {
  std::vector<std::string> lines;
  Clock::time_point now = at_11_40_02_123();
  Logger logger{[this](std::string_view l) { lines.emplace_back(l); }, [this] { return now; }};
};

}  // namespace

TEST_CASE("log: the time is ISO-8601 UTC with milliseconds, truncated") {
  CHECK(format_time(at_11_40_02_123()) == "2026-12-05T11:40:02.123Z");
  CHECK(format_time(Clock::time_point{}) == "1970-01-01T00:00:00.000Z");
}

TEST_CASE("log: a text line is the time, dpf[node], the level and the message") {
  CHECK(format_line(Format::kText, at_11_40_02_123(), Level::kNotice, "fw-a",
                    "ruleset /etc/dpf/pf.conf reloaded (SIGHUP)", {{"source", "SIGHUP"}}) ==
        "2026-12-05T11:40:02.123Z dpf[fw-a] notice: ruleset /etc/dpf/pf.conf reloaded "
        "(SIGHUP)\n");
  // Before the node is known: dpf alone.
  CHECK(format_line(Format::kText, at_11_40_02_123(), Level::kError, "", "no node", {}) ==
        "2026-12-05T11:40:02.123Z dpf error: no node\n");
}

TEST_CASE("log: a text message with control characters stays one line") {
  CHECK(format_line(Format::kText, at_11_40_02_123(), Level::kWarning, "fw", "a\nb\rc\x01", {}) ==
        "2026-12-05T11:40:02.123Z dpf[fw] warning: a\\nb\\rc\\x01\n");
}

TEST_CASE("log: a JSON line is one object: ts, level, node, msg, then the event's fields") {
  const std::string line =
      format_line(Format::kJson, at_11_40_02_123(), Level::kNotice, "fw-a",
                  "killed 2 state(s) matching host=10.0.0.2 over REST from 127.0.0.1 (token)",
                  {{"source", "rest"}, {"client", "127.0.0.1"}, {"token", true}, {"killed", 2}});
  CHECK(line ==
        R"x({"ts":"2026-12-05T11:40:02.123Z","level":"notice","node":"fw-a","msg":"killed 2 )x"
        R"x(state(s) matching host=10.0.0.2 over REST from 127.0.0.1 (token)","source":"rest",)x"
        R"x("client":"127.0.0.1","token":true,"killed":2})x"
        "\n");
  const auto j = nlohmann::json::parse(line);
  CHECK(j["client"] == "127.0.0.1");
}

TEST_CASE("log: a JSON field cannot replace ts, level, node or msg; bad UTF-8 is replaced") {
  const std::string line = format_line(Format::kJson, at_11_40_02_123(), Level::kInfo, "fw",
                                       "x\xff", {{"msg", "forged"}, {"level", "error"}});
  const auto j = nlohmann::json::parse(line);
  CHECK(j["level"] == "info");
  CHECK(j["msg"] == "x\xef\xbf\xbd");
  CHECK(j.size() == 4);
  CHECK(line.find('\n') == line.size() - 1);
}

TEST_CASE("log: a level shows the lines at it and above, not below") {
  Captured c;
  c.logger.set_node("fw");
  c.logger.write(Level::kDebug, "hidden");
  c.logger.write(Level::kInfo, "shown");
  c.logger.configure({Level::kWarning, Format::kText});
  c.logger.write(Level::kNotice, "hidden");
  c.logger.write(Level::kWarning, "warned");
  c.logger.write(Level::kError, "failed");
  CHECK(c.lines == std::vector<std::string>{"2026-12-05T11:40:02.123Z dpf[fw] info: shown\n",
                                            "2026-12-05T11:40:02.123Z dpf[fw] warning: warned\n",
                                            "2026-12-05T11:40:02.123Z dpf[fw] error: failed\n"});
  CHECK(c.logger.enabled(Level::kError));
  CHECK_FALSE(c.logger.enabled(Level::kNotice));
}

TEST_CASE("log: the clock is read for each line; the format can change while running") {
  Captured c;
  c.logger.set_node("fw");
  c.logger.write(Level::kNotice, "one");
  c.now += std::chrono::milliseconds(1500);
  c.logger.configure({Level::kInfo, Format::kJson});
  c.logger.write(Level::kNotice, "two");
  REQUIRE(c.lines.size() == 2);
  CHECK(c.lines[0] == "2026-12-05T11:40:02.123Z dpf[fw] notice: one\n");
  CHECK(c.lines[1] ==
        R"({"ts":"2026-12-05T11:40:03.623Z","level":"notice","node":"fw","msg":"two"})"
        "\n");
}

TEST_CASE("log: lines written by several threads at once are whole and none is lost") {
  Captured c;
  c.logger.set_node("fw");
  constexpr int kThreads = 4, kLines = 500;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&c, t] {
      for (int i = 0; i < kLines; ++i)
        c.logger.write(Level::kInfo, "thread " + std::to_string(t) + " line " + std::to_string(i));
    });
  for (auto& t : threads) t.join();
  REQUIRE(c.lines.size() == size_t{kThreads * kLines});
  for (const auto& l : c.lines) {
    CHECK(l.rfind("2026-12-05T11:40:02.123Z dpf[fw] info: thread ", 0) == 0);
    CHECK(l.find('\n') == l.size() - 1);
  }
}

TEST_CASE("log: level and format names are those of the cluster file") {
  CHECK(level_by_name("warning") == Level::kWarning);
  CHECK(level_by_name("debug") == Level::kDebug);
  CHECK_FALSE(level_by_name("verbose"));
  CHECK_FALSE(level_by_name("Info"));
  CHECK(format_by_name("json") == Format::kJson);
  CHECK_FALSE(format_by_name("xml"));
  CHECK(level_name(Level::kNotice) == "notice");
}
