// pf.conf parser: text → Ruleset, with pfctl's grammar for the filter subset (options, macros,
// tables, pass/block/match rules) and its list expansion. Errors are collected pfctl-style as
// `FILE:LINE:COL: message`; a ruleset with any error is rejected whole.
// Control thread only; allocates the Ruleset. Reads `table … file "…"` through ParseOptions.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "control/pfconf/ruleset.h"

namespace dpf::pfconf {

// One address of an interface or a host name, with the prefix length of its network.
struct ResolvedAddress {
  IpAddr addr;
  uint8_t prefix = 0;
  bool loopback = false;  // the address belongs to a loopback interface (for antispoof)
};

// Returns the addresses of an interface (or, for "self", of all interfaces), or nullopt if no
// such interface exists.
using InterfaceResolver =
    std::function<std::optional<std::vector<ResolvedAddress>>(const std::string& name)>;
// Returns the addresses of a host name, or nullopt if the name does not resolve.
using HostResolver =
    std::function<std::optional<std::vector<ResolvedAddress>>(const std::string& name)>;
// Returns the port of a service name, or nullopt if unknown.
using ServiceResolver = std::function<std::optional<uint16_t>(const std::string& name)>;
// Returns the contents of a file, or nullopt with a reason in *error.
using FileReader =
    std::function<std::optional<std::string>(const std::string& path, std::string* error)>;

struct ParseOptions {
  InterfaceResolver interfaces;  // unset: `self` and `if:network` stay symbolic
  HostResolver hosts;            // unset: host names are errors
  FileReader read_file;          // unset: files are read from the filesystem
  ServiceResolver services;      // unset: the built-in FreeBSD service table (names.h)
  // The error for an interface `antispoof for` names that `interfaces` does not know; unset:
  // "interface NAME does not exist".
  std::function<std::string(const std::string& name)> no_such_interface;
};

struct ParseError {
  std::string file;
  int line = 0;
  int col = 0;
  std::string message;
  std::string to_string() const;  // FILE:LINE:COL: message; FILE: message when line is 0
};

struct Result {
  std::optional<Ruleset> ruleset;  // set only when errors is empty
  std::vector<ParseError> errors;
  bool ok() const { return errors.empty() && ruleset.has_value(); }
};

Result parse_ruleset(std::string_view text, const std::string& file_name,
                     const ParseOptions& options);

// Reads `path` (through options.read_file when set) and parses it; relative `include` and
// `table … file` paths are resolved against the directory of `path`.
Result parse_ruleset_file(const std::string& path, const ParseOptions& options);

// The text of the ruleset file at `path`, read as `include` reads files: a regular file of at
// most 16 MiB. nullopt with the reason (errno's text, "not a regular file", "larger than 16
// MiB") in *error otherwise.
std::optional<std::string> read_ruleset_text(const std::string& path, std::string* error);

}  // namespace dpf::pfconf
