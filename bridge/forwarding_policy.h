// The bridge's decision for one received frame: learn its source, then
// forward it to the other port or keep it on its own side. Pure logic, so the
// unit tests cover every rule without sockets.
#pragma once

#include <cstddef>
#include <cstdint>

#include "bridge/mac_table.h"

namespace ew::bridge {

enum class Decision {
  kForward,
  kSameSide,   // the destination was learned on the port the frame came from
  kLinkLocal,  // 01:80:C2:00:00:0X (STP, pause, LLDP, 802.1X): never bridged by 802.1D
  kRunt,       // shorter than an Ethernet header
};

struct PolicySettings {
  bool forward_link_local = false;
  size_t mac_table_capacity = 4096;
  uint64_t mac_ageing_ns = 300'000'000'000;  // 802.1D's default of 300 s
};

class ForwardingPolicy {
 public:
  explicit ForwardingPolicy(const PolicySettings& settings);

  Decision decide(const uint8_t* frame, size_t length, int in_port, uint64_t now_ns);
  size_t mac_table_size(uint64_t now_ns) const { return table_.size(now_ns); }

 private:
  bool forward_link_local_;
  MacTable table_;
};

// The IEEE 802.1D reserved group addresses a bridge must not forward.
bool is_link_local_group(const uint8_t* mac);

}  // namespace ew::bridge
