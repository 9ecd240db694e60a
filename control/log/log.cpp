#include "control/log/log.h"

#include <cstdio>
#include <ctime>

namespace dpf::log {

std::string format_time(Clock::time_point t) {
  using namespace std::chrono;
  const auto ms = floor<milliseconds>(t.time_since_epoch());
  const auto secs = floor<seconds>(ms);
  const std::time_t tt = static_cast<std::time_t>(secs.count());
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[96];  // room for any int the compiler assumes
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>((ms - secs).count()));
  return buf;
}

namespace {

void append_escaped(std::string& out, std::string_view msg) {
  for (char c : msg) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += ' ';
    } else if (u < 0x20 || u == 0x7f) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", u);
      out += hex;
    } else {
      out += c;
    }
  }
}

}  // namespace

std::string format_line(Format format, Clock::time_point at, Level level, std::string_view node,
                        std::string_view msg, const Fields& fields) {
  if (format == Format::kJson) {
    Fields j = Fields::object();
    j["ts"] = format_time(at);
    j["level"] = std::string(level_name(level));
    j["node"] = std::string(node);
    j["msg"] = std::string(msg);
    if (fields.is_object()) {
      for (const auto& [k, v] : fields.items())
        if (!j.contains(k)) j[k] = v;
    }
    return j.dump(-1, ' ', false, nlohmann::detail::error_handler_t::replace) + "\n";
  }
  std::string out = format_time(at);
  out += node.empty() ? " dpf " : " dpf[";
  if (!node.empty()) {
    append_escaped(out, node);
    out += "] ";
  }
  out += level_name(level);
  out += ": ";
  append_escaped(out, msg);
  out += '\n';
  return out;
}

Logger::Logger()
    : Logger([](std::string_view line) { std::fwrite(line.data(), 1, line.size(), stderr); },
             [] { return Clock::now(); }) {}

Logger::Logger(Sink sink, Now now) : sink_(std::move(sink)), now_(std::move(now)) {}

void Logger::redirect(Sink sink, Now now) {
  std::lock_guard lock(mu_);
  sink_ = std::move(sink);
  now_ = std::move(now);
}

void Logger::set_node(std::string node) {
  std::lock_guard lock(mu_);
  node_ = std::move(node);
}

void Logger::configure(Settings s) {
  std::lock_guard lock(mu_);
  settings_ = s;
}

Settings Logger::settings() const {
  std::lock_guard lock(mu_);
  return settings_;
}

bool Logger::enabled(Level l) const {
  std::lock_guard lock(mu_);
  return l <= settings_.level;
}

void Logger::write(Level l, std::string_view msg, const Fields& fields) {
  // The line is written whole under the lock: lines of two threads never interleave.
  std::lock_guard lock(mu_);
  if (l > settings_.level) return;
  sink_(format_line(settings_.format, now_(), l, node_, msg, fields));
}

Logger& logger() {
  static Logger instance;
  return instance;
}

}  // namespace dpf::log
