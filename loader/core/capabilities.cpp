#include "core/capabilities.h"

#include <cap-ng.h>
#include <linux/capability.h>

#include "core/error.h"

namespace ew {
namespace {

bool have(int capability) {
  return capng_have_capability(CAPNG_EFFECTIVE, static_cast<unsigned>(capability)) != 0;
}

}  // namespace

std::vector<std::string> missing_watch_capabilities() {
  capng_clear(CAPNG_SELECT_BOTH);
  capng_get_caps_process();
  std::vector<std::string> missing;
  // CAP_SYS_ADMIN stands in for CAP_BPF on kernels before 5.8.
  if (!have(CAP_BPF) && !have(CAP_SYS_ADMIN)) missing.push_back("CAP_BPF");
  // Without CAP_PERFMON the verifier refuses pointer comparisons, and the
  // parser's bounds checks compile to some (a NULL test on a packet pointer).
  if (!have(CAP_PERFMON) && !have(CAP_SYS_ADMIN)) missing.push_back("CAP_PERFMON");
  if (!have(CAP_NET_ADMIN)) missing.push_back("CAP_NET_ADMIN");
  return missing;
}

std::vector<std::string> missing_detach_capabilities() {
  capng_clear(CAPNG_SELECT_BOTH);
  capng_get_caps_process();
  std::vector<std::string> missing;
  if (!have(CAP_NET_ADMIN)) missing.push_back("CAP_NET_ADMIN");
  return missing;
}

std::vector<std::string> missing_bridge_capabilities(bool watch, bool realtime) {
  std::vector<std::string> missing =
      watch ? missing_watch_capabilities() : missing_detach_capabilities();  // CAP_NET_ADMIN
  // AF_PACKET sockets; CAP_NET_ADMIN above covers the forced buffer sizes.
  if (!have(CAP_NET_RAW)) missing.push_back("CAP_NET_RAW");
  if (realtime && !have(CAP_SYS_NICE)) missing.push_back("CAP_SYS_NICE");  // SCHED_FIFO
  return missing;
}

void require_capabilities(const std::vector<std::string>& missing, const std::string& what) {
  if (missing.empty()) return;
  std::string list;
  for (const auto& name : missing)
    list += (list.empty() ? "" : ", ") + name;
  throw Error(what + " (missing: " + list + "); run it as root, e.g. with sudo");
}

}  // namespace ew
