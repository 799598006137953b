#!/usr/bin/env bash
# The bridge with --lan: ns A is the LAN (port pa), ns B the outside (port
# pb). A scan from outside reads as remote-initiated conversations of the
# LAN host, ended by its resets; a connection the LAN host opens reads as
# local-initiated, both directions in one conversation named after the
# uplink port. Without --lan the bridge keeps today's one-way reading. A bad
# --lan is a usage error that touches nothing.
source "$(dirname "$0")/bridge_lib.sh"
require_bridge_root
bridge_setup noipv6
before=$(port_state)

A=192.0.2.1
B=192.0.2.2
for bad in "--lan pc --watch" "--lan pa"; do
  status=0
  # shellcheck disable=SC2086
  in_x "$EGRESSWATCH_BRIDGE" pa pb $bad >"$WORK/bad.out" 2>"$WORK/bad.err" || status=$?
  expect_eq "$status" 2 "exit status of: egresswatch-bridge pa pb $bad"
  grep -q -- "--lan" "$WORK/bad.err" || fail "no word of --lan for '$bad': $(cat "$WORK/bad.err")"
  expect_eq "$(port_state)" "$before" "pa and pb after '$bad'"
done

start_bridge lan --lan pa --watch --include 192.0.2.0/24 --flow-interval 0.5 --idle-timeout 60
wait_bridging lan
in_a ping -q -c 1 -W 2 "$B" >/dev/null || fail "ping A -> B"  # ARP out of the way
# From outside: SYNs to two closed ports of the LAN host, answered by resets.
in_b nc -z -w 1 "$A" 22 23 || true
# From the LAN: a connection to the outside, closed by both.
in_b timeout 5 nc -l 8080 >/dev/null &
server=$!
sleep 0.3
echo hello | in_a timeout 5 nc -N "$B" 8080 || fail "the TCP connection A -> B failed"
wait "$server" || true
wait_for_line lan 'select(.type == "flow" and .event == "end" and .dport == 8080)' 8
wait_for_line lan 'select(.type == "flow" and .event == "end" and .sport == 23)' 8
stop_bridge INT

flow() { jq -c "select(.type == \"flow\") | $1" "$WORK/lan.jsonl"; }
for port in 22 23; do
  scan=$(flow "select(.proto == \"tcp\" and .sport == $port and .event == \"end\")" | tail -1)
  expect_eq "$(jq -c '[.iface, .src, .dst, .initiator, .reason, .in_tcp_flags]' <<<"$scan")" \
    "[\"pb\",\"$A\",\"$B\",\"remote\",\"rst\",\"S\"]" "the scan of the LAN host's port $port: $scan"
done
out=$(flow 'select(.proto == "tcp" and .dport == 8080 and .event == "end")' | tail -1)
expect_eq "$(jq -c '[.iface, .src, .dst, .initiator, .reason]' <<<"$out")" \
  "[\"pb\",\"$A\",\"$B\",\"local\",\"fin\"]" "the LAN host's connection: $out"
[ "$(jq '.total_packets >= 3 and .total_in_packets >= 2' <<<"$out")" = true ] ||
  fail "packets each way of the LAN host's connection: $out"
icmp=$(flow 'select(.proto == "icmp" and .event == "end")')
expect_eq "$(jq -c '[.iface, .src, .initiator, .total_packets, .total_in_packets]' <<<"$icmp")" \
  "[\"pb\",\"$A\",\"local\",1,1]" "the ping, both ways in one conversation: $icmp"
expect_eq "$(flow 'select(.iface == "pa")' | wc -l)" 0 "conversation lines named after the LAN port"
expect_eq "$(port_state)" "$before" "pa and pb after the --lan run"

# Without --lan, each port's egress reads as outbound: the replies towards
# the LAN are not public-bound, the scan's SYNs (leaving through pa towards
# 192.0.2.1, included as public) are conversations of B.
start_bridge plain --watch --include 192.0.2.0/24 --idle-timeout 60
wait_bridging plain
in_b nc -z -w 1 "$A" 22 || true
sleep 0.3
stop_bridge INT
syn=$(jq -c 'select(.type == "flow" and .event == "new" and .dport == 22)' "$WORK/plain.jsonl")
expect_eq "$(jq -c '[.iface, .src, .dst]' <<<"$syn")" "[\"pa\",\"$B\",\"$A\"]" \
  "without --lan: the SYN as it left through pa: $syn"
log "ok"
