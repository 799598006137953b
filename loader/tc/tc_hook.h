// The two hooks of a clsact qdisc a filter can hang from: egress (packets
// leaving the interface) and ingress (packets arriving on it).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "netlink/tc_messages.h"

namespace ew {

enum class TcHook { kEgress, kIngress };

inline constexpr TcHook kClsactHooks[] = {TcHook::kEgress, TcHook::kIngress};

// The filter parent of the hook: TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_EGRESS or _INGRESS).
inline constexpr uint32_t hook_parent(TcHook hook) {
  return hook == TcHook::kIngress ? netlink::kIngressParent : netlink::kEgressParent;
}

// "egress" or "ingress": as `tc filter show dev eth0 egress` names it.
inline constexpr std::string_view hook_name(TcHook hook) {
  return hook == TcHook::kIngress ? "ingress" : "egress";
}

// "eth0: ingress hook": how every message about a filter on that hook begins.
inline std::string hook_label(const std::string& iface, TcHook hook) {
  return iface + ": " + std::string(hook_name(hook)) + " hook";
}

}  // namespace ew
