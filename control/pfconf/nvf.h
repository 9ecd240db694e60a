// What `pfctl -o none -nvf FILE` writes (stdout and stderr merged) for a parse result: the
// printed ruleset, or every error followed by pfctl's "rules not loaded" line. Shared by
// `dpfctl -nvf` and the conformance driver. Pure; any thread; allocates the returned string.
#pragma once

#include <string>

#include "control/pfconf/parser.h"
#include "control/pfconf/print.h"

namespace dpf::pfconf {

struct NvfOutput {
  std::string text;
  int exit_status = 0;  // 0 when the ruleset parsed, 1 otherwise (as pfctl)
};

NvfOutput render_nvf(const Result& result, const PrintOptions& options = {});

}  // namespace dpf::pfconf
