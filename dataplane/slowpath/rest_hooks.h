// What the REST API's requests run: each hook hands its work to the control thread through the
// command queue (SlowPath::call), except the states listing, which reads the table on the REST
// thread itself with a reader id of its own (it builds up to 100 000 objects).
#pragma once

#include "control/rest/server.h"
#include "dataplane/node/node.h"
#include "dataplane/slowpath/pf_view.h"
#include "dataplane/slowpath/slowpath.h"

namespace dpf {

// node, slow and lister outlive the REST server that calls the hooks.
rest::Hooks rest_hooks(Node& node, SlowPath& slow, StateListReader& lister);

}  // namespace dpf
