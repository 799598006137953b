#!/usr/bin/env bash
# MAC learning: two hosts on the same side (behind a hub in ns A) talk, and
# once the bridge has seen where they are, none of their unicast frames
# crosses to B; their broadcasts still do, and B still reaches them.
# 802.1D link-local frames (01:80:C2:00:00:0X) stay on their side, unless
# --forward-link-local.
source "$(dirname "$0")/bridge_lib.sh"
require_bridge_root
bridge_setup noipv6
bridge_add_side_a_hosts

# --- Learning.
start_bridge learn
wait_bridging learn
start_sniffer learn "$NS_B" b0 3
in_a1 ping -q -c 5 -i 0.05 -W 2 192.0.2.12 >/dev/null || fail "ping A1 -> A2 through the hub"
in_a1 ping -q -c 3 -i 0.05 -W 2 192.0.2.2 >/dev/null || fail "ping A1 -> B across the bridge"
wait "$SNIFFER_PID"
kill -USR1 "$EW_PID"
wait_for_line learn 'select(.type == "bridge_stats" and .final == false)'
h1=$(hexmac $MAC_H1) h2=$(hexmac $MAC_H2)
# A1's ARP request for A2 is a broadcast: it crosses (and shows the sniffer works).
[ "$(grep -c "^ffffffffffff${h1}0806" "$WORK/learn.frames")" -ge 1 ] ||
  fail "A1's ARP broadcast did not reach B"
# A2's reply and the echo requests and replies between A1 and A2 do not.
expect_eq "$(grep -c "^${h2}${h1}\|^${h1}${h2}" "$WORK/learn.frames")" 0 \
  "unicast frames between A1 and A2 seen in B"
same_side=$(port_counter learn pa not_forwarded.same_side)
# At least: A2's ARP reply, 5 echo requests, 5 echo replies.
[ "$same_side" -ge 11 ] || fail "same_side on pa is $same_side, expected at least 11"
expect_eq "$(port_counter learn pb not_forwarded.same_side)" 0 "same_side on pb"
# a0 (the hub's uplink), h1, h2 behind pa; b0 behind pb. a0 itself sends
# nothing with IPv6 off and no address, so 3 or 4 entries.
mac_table=$(jq -s '[.[] | select(.type == "bridge_stats")] | last | .mac_table' "$WORK/learn.jsonl")
[ "$mac_table" -ge 3 ] && [ "$mac_table" -le 4 ] || fail "mac_table is $mac_table, expected 3 (h1, h2, b0) or 4 (and br0)"
stop_bridge INT

# --- Link-local frames: kept by default, forwarded with --forward-link-local.
ll_frames=(
  "0180c200000e$(hexmac $MAC_A)88cc$(filler 46 71)"  # LLDP
  "0180c2000000$(hexmac $MAC_A)0026$(filler 38 72)"  # STP (802.3 length)
  "0180c2000003$(hexmac $MAC_A)888e$(filler 46 73)"  # 802.1X
)
control="ffffffffffff$(hexmac $MAC_A)88b5$(filler 46 74)"

# link_local NAME EXPECTED [BRIDGE OPTIONS]: how often each link-local frame
# arrives in B (the broadcast control frame always does, once).
link_local() {
  local name=$1 want=$2 frame
  shift 2
  start_bridge "$name" "$@"
  wait_bridging "$name"
  start_sniffer "$name" "$NS_B" b0 1
  for frame in "${ll_frames[@]}" "$control"; do send_frame "$NS_A" a0 "$frame"; done
  wait "$SNIFFER_PID"
  stop_bridge INT
  expect_eq "$(grep -cx "$control" "$WORK/$name.frames")" 1 "$name: broadcast control frame in B"
  for frame in "${ll_frames[@]}"; do
    expect_eq "$(grep -cx "$frame" "$WORK/$name.frames")" "$want" "$name: ${frame:0:12} frame in B"
  done
}
link_local kept 0
expect_eq "$(port_counter kept pa not_forwarded.link_local)" 3 "link_local on pa"
link_local forwarded 1 --forward-link-local
expect_eq "$(port_counter forwarded pa not_forwarded.link_local)" 0 "link_local on pa with --forward-link-local"
log "ok: same_side $same_side, mac_table $mac_table"
