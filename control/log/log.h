// dpf's log: one line per event on stderr (journald takes it from there), as text
//   2026-12-05T11:40:02.123Z dpf[fw-a] notice: ruleset /etc/dpf/pf.conf reloaded (SIGHUP)
// or as one JSON object per line with ts, level, node, msg and the event's fields
// ({"source": "rest", "client": "127.0.0.1", ...}). Any thread may log: a line is formatted and
// written under one mutex. Workers never log from the packet path (they count). Pure: no DPDK;
// allocates per line.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "control/log/level.h"

namespace dpf::log {

using Clock = std::chrono::system_clock;
// An event's structured fields: a JSON object (null: none), in the order written. The text
// format leaves them out, so a text message says what matters on its own.
using Fields = nlohmann::ordered_json;

struct Settings {
  Level level = Level::kInfo;
  Format format = Format::kText;
};

// "2026-12-05T11:40:02.123Z": UTC, milliseconds (truncated).
std::string format_time(Clock::time_point t);

// One log line, '\n' included. Text: control characters of msg are escaped so that one event
// stays one line; JSON: fields follow ts, level, node and msg (a field of one of those names is
// dropped), invalid UTF-8 is replaced. node "" writes "dpf" alone.
std::string format_line(Format format, Clock::time_point at, Level level, std::string_view node,
                        std::string_view msg, const Fields& fields);

class Logger {
 public:
  using Sink = std::function<void(std::string_view line)>;
  using Now = std::function<Clock::time_point()>;

  Logger();  // stderr, the system clock
  Logger(Sink sink, Now now);

  // Where lines go and what clock stamps them (tests capture the process's logger this way).
  void redirect(Sink sink, Now now);
  void set_node(std::string node);
  void configure(Settings s);
  Settings settings() const;
  bool enabled(Level l) const;
  void write(Level l, std::string_view msg, const Fields& fields = {});

 private:
  mutable std::mutex mu_;
  Sink sink_;
  Now now_;
  std::string node_;
  Settings settings_;
};

// The process's logger.
Logger& logger();

inline void error(std::string_view msg, const Fields& f = {}) {
  logger().write(Level::kError, msg, f);
}
inline void warning(std::string_view msg, const Fields& f = {}) {
  logger().write(Level::kWarning, msg, f);
}
inline void notice(std::string_view msg, const Fields& f = {}) {
  logger().write(Level::kNotice, msg, f);
}
inline void info(std::string_view msg, const Fields& f = {}) {
  logger().write(Level::kInfo, msg, f);
}
inline void debug(std::string_view msg, const Fields& f = {}) {
  logger().write(Level::kDebug, msg, f);
}

}  // namespace dpf::log
