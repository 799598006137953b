// Capability checks up front, so a missing privilege is named before any
// work is done instead of surfacing as EPERM halfway through attaching.
#pragma once

#include <string>
#include <vector>

namespace ew {

// Capabilities the watch command needs and the process lacks ("CAP_BPF", ...).
std::vector<std::string> missing_watch_capabilities();
// Likewise for `detach`, which only talks to rtnetlink.
std::vector<std::string> missing_detach_capabilities();

// egresswatch-bridge: CAP_NET_RAW and CAP_NET_ADMIN, with --watch also what
// the watch command needs, with --realtime also CAP_SYS_NICE.
std::vector<std::string> missing_bridge_capabilities(bool watch, bool realtime);

// Throws ew::Error: "needs CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN (missing: ...)".
void require_capabilities(const std::vector<std::string>& missing, const std::string& what);

}  // namespace ew
