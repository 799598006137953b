#!/usr/bin/env bash
# Host A and host B talk through the bridge as through a wire: ping both ways
# over IPv4 and IPv6, ARP and neighbour discovery from empty caches,
# broadcast, and jumbo frames up to the MTU; different MTUs on the two ports
# are reported at start and oversized frames are counted, not sent.
source "$(dirname "$0")/bridge_lib.sh"
require_bridge_root
bridge_setup
in_b sysctl -qw net.ipv4.icmp_echo_ignore_broadcasts=0

# Nothing crosses without the bridge.
if in_a ping -q -c 1 -W 1 192.0.2.2 >/dev/null 2>&1; then fail "192.0.2.2 answers without the bridge"; fi

start_bridge run
wait_bridging run

# ARP and neighbour discovery: empty caches, then a ping each way.
ip -n "$NS_A" neigh flush all
ip -n "$NS_B" neigh flush all
in_a ping -q -c 3 -i 0.05 -W 2 192.0.2.2 >/dev/null || fail "IPv4 ping A -> B"
in_b ping -q -c 3 -i 0.05 -W 2 192.0.2.1 >/dev/null || fail "IPv4 ping B -> A"
in_a ping -6 -q -c 3 -i 0.05 -W 2 2001:db8::2 >/dev/null || fail "IPv6 ping A -> B"
in_b ping -6 -q -c 3 -i 0.05 -W 2 2001:db8::1 >/dev/null || fail "IPv6 ping B -> A"
ip -n "$NS_A" neigh show 192.0.2.2 | grep -q "lladdr $MAC_B" ||
  fail "ARP in A did not resolve 192.0.2.2 to $MAC_B: $(ip -n "$NS_A" neigh show)"
ip -n "$NS_B" neigh show 192.0.2.1 | grep -q "lladdr $MAC_A" ||
  fail "ARP in B did not resolve 192.0.2.1 to $MAC_A: $(ip -n "$NS_B" neigh show)"
ip -n "$NS_A" -6 neigh show 2001:db8::2 | grep -q "lladdr $MAC_B" ||
  fail "neighbour discovery in A did not resolve 2001:db8::2: $(ip -n "$NS_A" -6 neigh show)"
ip -n "$NS_B" -6 neigh show 2001:db8::1 | grep -q "lladdr $MAC_A" ||
  fail "neighbour discovery in B did not resolve 2001:db8::1: $(ip -n "$NS_B" -6 neigh show)"

# Broadcast: an echo request to 192.0.2.255 reaches B, whose reply comes back.
in_a ping -b -q -c 2 -i 0.1 -W 2 192.0.2.255 >"$WORK/broadcast.out" 2>&1 ||
  fail "broadcast ping: $(cat "$WORK/broadcast.out")"
grep -q " 2 received" "$WORK/broadcast.out" || fail "broadcast ping: $(cat "$WORK/broadcast.out")"
stop_bridge INT
grep -q "warning: the ports' MTUs differ" "$WORK/run.err" && fail "MTU warning with equal MTUs"

# Different MTUs: said at start; a frame too large for pb is counted, not sent.
ip -n "$NS_A" link set a0 mtu 9000
ip -n "$NS_X" link set pa mtu 9000
start_bridge mtu
wait_bridging mtu
grep -q "egresswatch-bridge: warning: the ports' MTUs differ (pa 9000, pb 1500)" "$WORK/mtu.err" ||
  fail "no warning about different MTUs: $(cat "$WORK/mtu.err")"
if in_a ping -q -c 2 -i 0.1 -W 1 -s 8900 -Mdo 192.0.2.2 >/dev/null 2>&1; then
  fail "an 8928-byte frame crossed to a port with MTU 1500"
fi
in_a ping -q -c 2 -i 0.1 -W 1 192.0.2.2 >/dev/null || fail "small ping with different MTUs"
stop_bridge INT
expect_eq "$(port_counter mtu pb send_failed)" 2 "send_failed on pb for two 8928-byte frames"
grep -q "pb: frames not sent (a frame is larger than its MTU)" "$WORK/mtu.err" ||
  fail "no warning about frames too large for pb: $(cat "$WORK/mtu.err")"

# Jumbo frames: MTU 9000 on all four ends, 8928-byte frames both ways.
ip -n "$NS_X" link set pb mtu 9000
ip -n "$NS_B" link set b0 mtu 9000
start_bridge jumbo
wait_bridging jumbo
grep -q "MTUs differ" "$WORK/jumbo.err" && fail "MTU warning with equal MTUs: $(cat "$WORK/jumbo.err")"
in_a ping -q -c 3 -i 0.05 -W 2 -s 8900 -Mdo 192.0.2.2 >/dev/null || fail "jumbo ping A -> B"
in_b ping -q -c 3 -i 0.05 -W 2 -s 8900 -Mdo 192.0.2.1 >/dev/null || fail "jumbo ping B -> A"
in_a ping -6 -q -c 3 -i 0.05 -W 2 -s 8900 -Mdo 2001:db8::2 >/dev/null || fail "IPv6 jumbo ping A -> B"
stop_bridge INT
expect_eq "$(port_counter jumbo pb send_failed)" 0 "send_failed on pb with jumbo frames"
expect_eq "$(port_counter jumbo pa send_failed)" 0 "send_failed on pa with jumbo frames"
log "ok"
