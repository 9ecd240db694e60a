// See nvf.h.
#include "control/pfconf/nvf.h"

namespace dpf::pfconf {

NvfOutput render_nvf(const Result& result, const PrintOptions& options) {
  NvfOutput out;
  if (result.ok()) {
    out.text = print_ruleset(*result.ruleset, options);
    return out;
  }
  for (const ParseError& e : result.errors) out.text += e.to_string() + "\n";
  out.text += "pfctl: Syntax error in config file: pf rules not loaded\n";
  out.exit_status = 1;
  return out;
}

}  // namespace dpf::pfconf
