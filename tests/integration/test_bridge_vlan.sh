#!/usr/bin/env bash
# VLAN-tagged frames cross the bridge with their tags: the kernel takes the
# outer tag out of every received frame (into PACKET_AUXDATA) and the bridge
# must put it back. 802.1Q, 802.1ad + 802.1Q, a priority tag (TCI 0), a
# full-size tagged frame, and an untagged one that must stay untagged; in
# both directions, with the qdisc bypassed and with --watch (through it).
source "$(dirname "$0")/bridge_lib.sh"
require_bridge_root
bridge_setup noipv6

ab="$(hexmac $MAC_B)$(hexmac $MAC_A)"  # A -> B: destination, source
ba="$(hexmac $MAC_A)$(hexmac $MAC_B)"
FRAMES_AB=(
  "${ab}81002064""88b5$(filler 46 51)"                # 802.1Q, priority 1, VLAN 100
  "${ab}88a800c8""81000065""88b5$(filler 46 52)"      # 802.1ad VLAN 200 around 802.1Q VLAN 101
  "${ab}81000000""88b5$(filler 46 53)"                # priority tag: TCI 0
  "${ab}81000123""88b5$(filler 1500 54)"              # 1518 bytes: full-size payload plus a tag
  "${ab}88b5$(filler 46 55)"                          # untagged
)
FRAMES_BA=(
  "${ba}88a8e00a""81000fff""88b5$(filler 46 61)"      # 802.1ad priority 7 VLAN 10 around VLAN 4095
  "${ba}8100a064""88b5$(filler 46 62)"                # 802.1Q, priority 5, VLAN 100
  "${ba}88b5$(filler 46 63)"
)

# round NAME [BRIDGE OPTIONS]: every frame written on one side arrives
# exactly once, unchanged, on the other.
round() {
  local name=$1 frame pid_a pid_b
  shift
  start_bridge "$name" "$@"
  wait_bridging "$name"
  start_sniffer "$name-b" "$NS_B" b0 2
  pid_b=$SNIFFER_PID
  start_sniffer "$name-a" "$NS_A" a0 2
  pid_a=$SNIFFER_PID
  for frame in "${FRAMES_AB[@]}"; do send_frame "$NS_A" a0 "$frame"; done
  for frame in "${FRAMES_BA[@]}"; do send_frame "$NS_B" b0 "$frame"; done
  wait "$pid_a" "$pid_b"
  stop_bridge INT
  for frame in "${FRAMES_AB[@]}"; do
    expect_eq "$(grep -cx "$frame" "$WORK/$name-b.frames")" 1 \
      "$name: A -> B frame ${frame:24:24}... on b0 (got: $(cut -c 25-48 "$WORK/$name-b.frames" | tr '\n' ' '))"
  done
  for frame in "${FRAMES_BA[@]}"; do
    expect_eq "$(grep -cx "$frame" "$WORK/$name-a.frames")" 1 \
      "$name: B -> A frame ${frame:24:24}... on a0 (got: $(cut -c 25-48 "$WORK/$name-a.frames" | tr '\n' ' '))"
  done
  expect_eq "$(port_counter "$name" pb send_failed)" 0 "$name: send_failed on pb"
}

round bypass
round watched --watch --include 192.0.2.0/24
log "ok"
