// The cluster file's log: maps, cluster.log and each node's own (each key of the node wins):
// `log: { level: error | warning | notice | info | debug, format: text | json }`. Control thread
// only; used by schema.cpp.
#pragma once

#include <optional>

#include "control/config/cluster.h"
#include "control/config/yaml_reader.h"

namespace dpf::config::detail {

// A log: map as written; an invalid value is reported and left unset.
struct LogDraft {
  std::optional<log::Level> level;
  std::optional<log::Format> format;
};

LogDraft read_log(Diagnostics& diag, const Value& v);
// The node's effective settings: its own keys over the cluster's, defaults (info, text) for
// the rest.
Log merge_log(const LogDraft& cluster, const LogDraft& node);

}  // namespace dpf::config::detail
