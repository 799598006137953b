// What is checked about the two interfaces before the bridge touches them,
// so that bad input gets one clear line and changes nothing.
#pragma once

#include <string>
#include <vector>

#include "net/interface.h"
#include "netlink/link_messages.h"

namespace ew::bridge {

struct CheckedPorts {
  Interface a;
  Interface b;
  // Things worth knowing that do not stop the bridge: different MTUs, ports
  // with addresses the host answers on.
  std::vector<std::string> warnings;
};

// Refuses (ew::Error) the same interface twice, a missing, down or
// non-Ethernet interface, and one that is already a port of a kernel bridge
// or a bond.
CheckedPorts check_ports(const std::string& name_a, const std::string& name_b);

// The same rules on facts already read (unit-testable): throws ew::Error for
// the first refusal, returns the warnings. `a_addresses` and `b_addresses`
// are the host's addresses on each port ("192.0.2.1/24").
std::vector<std::string> judge_ports(const netlink::LinkFacts& a, const netlink::LinkFacts& b,
                                     const std::string& master_a_kind,
                                     const std::string& master_b_kind,
                                     const std::vector<std::string>& a_addresses,
                                     const std::vector<std::string>& b_addresses);

}  // namespace ew::bridge
