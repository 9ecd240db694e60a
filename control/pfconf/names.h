// Name tables pf.conf uses: service names (FreeBSD's /etc/services, embedded so that output does
// not depend on the host), IP protocol names (FreeBSD's /etc/protocols), ICMP/ICMPv6 type and
// code names and timeout names (pfctl's tables). Pure lookups over static data; any thread;
// no allocation.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "control/pfconf/ruleset.h"

namespace dpf::pfconf {

// Port of a service name (or alias), trying tcp first then udp, as pfctl's getservice() does.
std::optional<uint16_t> service_port(std::string_view name);
// The service name FreeBSD prints for a port of tcp (tcp = true) or udp; empty if none.
std::string_view service_name(uint16_t port, bool tcp);

std::optional<uint8_t> protocol_number(std::string_view name);
std::string_view protocol_name(uint8_t proto);  // empty if the protocol has no name

// ICMP (inet6 = false) or ICMPv6 type and code names.
std::optional<uint8_t> icmp_type_number(std::string_view name, bool inet6);
std::string_view icmp_type_name(uint8_t type, bool inet6);
std::optional<uint8_t> icmp_code_number(uint8_t type, std::string_view name, bool inet6);
std::string_view icmp_code_name(uint8_t type, uint8_t code, bool inet6);

std::optional<Timeout> timeout_by_name(std::string_view name);
std::string_view timeout_name(Timeout t);

// TCP flag letters FSRPAUEW, bit i = letter i.
inline constexpr std::string_view kTcpFlagLetters = "FSRPAUEW";

}  // namespace dpf::pfconf
