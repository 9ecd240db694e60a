// Resolvers backed by the local host, for tools that must print what pfctl prints on this
// machine (`dpfctl -nvf`): interface addresses from getifaddrs(), host names from
// getaddrinfo(). The node itself resolves through its own port configuration instead.
// Control thread only; the resolvers allocate their result vectors.
#pragma once

#include "control/pfconf/parser.h"

namespace dpf::pfconf {

// ParseOptions with `interfaces` and `hosts` set to the host's view; files read from disk.
ParseOptions system_parse_options();

}  // namespace dpf::pfconf
