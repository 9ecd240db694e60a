#include "control/config/log_schema.h"

#include <string>

namespace dpf::config::detail {

namespace {

template <size_t N>
std::string one_of(const std::array<std::string_view, N>& names) {
  std::string out;
  for (size_t i = 0; i < N; ++i) {
    if (i) out += i + 1 == N ? " or " : ", ";
    out += names[i];
  }
  return out;
}

}  // namespace

LogDraft read_log(Diagnostics& diag, const Value& v) {
  LogDraft d;
  MapReader m(diag, v, {"level", "format"});
  if (const Value* x = m.find("level")) {
    if (auto s = read_string(diag, *x)) {
      d.level = log::level_by_name(*s);
      if (!d.level)
        diag.error(x->at,
                   x->path + ": expected " + one_of(log::kLevelNames) + ", got '" + *s + "'");
    }
  }
  if (const Value* x = m.find("format")) {
    if (auto s = read_string(diag, *x)) {
      d.format = log::format_by_name(*s);
      if (!d.format)
        diag.error(x->at,
                   x->path + ": expected " + one_of(log::kFormatNames) + ", got '" + *s + "'");
    }
  }
  return d;
}

Log merge_log(const LogDraft& cluster, const LogDraft& node) {
  Log out;
  out.level = node.level.value_or(cluster.level.value_or(out.level));
  out.format = node.format.value_or(cluster.format.value_or(out.format));
  return out;
}

}  // namespace dpf::config::detail
