// IP address text conversions for pf.conf: parsing (with pfctl's `10/8` network shorthand),
// masking to a prefix, and printing the way pfctl does (inet_ntop forms, `/N` only when the
// prefix is shorter than the address). Pure; any thread; allocates only the returned strings.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "control/pfconf/ruleset.h"

namespace dpf::pfconf {

// A dotted quad; with allow_short (used when a `/N` follows) 1 to 4 parts are accepted, the
// missing ones being zero, as inet_net_pton does.
std::optional<IpAddr> parse_ipv4(std::string_view text, bool allow_short);
std::optional<IpAddr> parse_ipv6(std::string_view text);

uint8_t max_prefix(Af af);
// Clears the bits of `a` beyond `prefix`.
IpAddr mask_address(const IpAddr& a, uint8_t prefix);
std::string format_ip(const IpAddr& a);
// `addr[/prefix]`, the prefix omitted when it is the full length.
std::string format_prefix(const IpAddr& a, uint8_t prefix);
// Host, range, table, dynamic and keyword addresses as pfctl prints them (no negation sign).
std::string format_address(const Address& a);

}  // namespace dpf::pfconf
