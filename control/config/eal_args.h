// How many lcores an EAL argument list gives, counted as rte_eal_init counts them, so that a
// node asking for more workers than its EAL arguments give is refused before EAL starts
// (`dpf --check`, start-up). Pure: no DPDK. Any thread; allocates only error texts.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dpf::config {

// `-l` CORELIST: ids and ranges separated by commas ("0-1,3"); an id counts once.
std::optional<unsigned> parse_lcore_list(std::string_view text, std::string& error);
// `-c` COREMASK: hexadecimal, with or without 0x ("0x3" is two lcores).
std::optional<unsigned> parse_lcore_mask(std::string_view text, std::string& error);
// `--lcores` MAP: lcore sets (an id, a range, or a parenthesised list of both) each optionally
// followed by @CPUS, separated by commas ("(0-1)@0,2@(1,3)" is three lcores).
std::optional<unsigned> parse_lcore_map(std::string_view text, std::string& error);

struct EalLcores {
  unsigned count = 0;
  std::string given;  // the option as written ("-l 0-1"); empty: none, so every CPU counts
};

// The lcores `args` give. With none of -l, -c, --lcores, EAL takes every CPU this process may
// run on. Errors: a malformed value, an option without its value, or two of them (EAL refuses).
std::optional<EalLcores> eal_lcores(const std::vector<std::string>& args, std::string& error);

}  // namespace dpf::config
