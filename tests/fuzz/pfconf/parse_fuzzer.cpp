// Feeds arbitrary text to parse_ruleset() and, when it parses, checks that the printed form
// parses again and prints identically (pfctl's fixed-point property). Every file (include or
// table) reads as the same small text, so that those paths are exercised without disk access.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "control/pfconf/parser.h"
#include "control/pfconf/print.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace dpf::pfconf;
  std::string text(reinterpret_cast<const char*>(data), size);
  ParseOptions options;
  options.read_file = [](const std::string&, std::string*) -> std::optional<std::string> {
    return std::string("10.0.0.1 # a\n!10.1.0.0/16\n");
  };
  Result first = parse_ruleset(text, "fuzz.conf", options);
  if (!first.ok()) return 0;
  std::string printed = print_ruleset(*first.ruleset);
  Result second = parse_ruleset(printed, "printed.conf", options);
  if (!second.ok()) return 0;  // printed macros may echo values that are not valid alone
  if (print_ruleset(*second.ruleset) != printed) std::abort();
  return 0;
}
