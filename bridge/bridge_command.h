// The bridge's session: check the ports, open them, optionally watch them,
// forward until a signal, write the final stats, restore everything.
#pragma once

#include "bridge/bridge_options.h"

namespace ew::bridge {

// Returns the exit code; throws ew::Error for failures to report.
int run_bridge(const BridgeOptions& options);

}  // namespace ew::bridge
