#include "bridge/forwarding_policy.h"

#include "bridge/frame_batch.h"

namespace ew::bridge {

bool is_link_local_group(const uint8_t* mac) {
  return mac[0] == 0x01 && mac[1] == 0x80 && mac[2] == 0xC2 && mac[3] == 0x00 && mac[4] == 0x00 &&
         (mac[5] & 0xF0) == 0x00;
}

ForwardingPolicy::ForwardingPolicy(const PolicySettings& settings)
    : forward_link_local_(settings.forward_link_local),
      table_(settings.mac_table_capacity, settings.mac_ageing_ns) {}

Decision ForwardingPolicy::decide(const uint8_t* frame, size_t length, int in_port,
                                  uint64_t now_ns) {
  if (length < kEthernetHeaderBytes) return Decision::kRunt;
  const uint8_t* destination = frame;
  const uint8_t* source = frame + 6;
  if (!is_group_address(source)) table_.learn(source, in_port, now_ns);
  if (is_group_address(destination)) {
    if (!forward_link_local_ && is_link_local_group(destination)) return Decision::kLinkLocal;
    return Decision::kForward;  // broadcast and multicast: flooded
  }
  if (table_.lookup(destination, now_ns) == in_port) return Decision::kSameSide;
  return Decision::kForward;  // on the other side, or unknown: flooded
}

}  // namespace ew::bridge
