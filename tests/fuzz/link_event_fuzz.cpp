// Outside input: a datagram of rtnetlink link notifications (RTMGRP_LINK),
// as LinkMonitor reads them to notice a watched interface going away, and
// the bridge to follow its ports' flags. Which indexes still exist is made up
// here (the even ones).
#include <cstddef>
#include <cstdint>
#include <vector>

#include "net/link_monitor.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<char> datagram(data, data + size);
  std::vector<int> removed;
  ew::read_link_removals(
      datagram, [](int ifindex) { return ifindex % 2 == 0; },
      [&](int ifindex) { removed.push_back(ifindex); });
  for (int ifindex : removed) {
    if (ifindex % 2 == 0) __builtin_trap();
  }
  // What matters is what ASan sees while the messages are walked.
  ew::read_link_flags(datagram, [](int, unsigned) {});
  return 0;
}
