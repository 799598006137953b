#!/usr/bin/env bash
# A 64 MiB TCP transfer through the bridge arrives byte for byte, with the
# default offloads (GSO frames far larger than the MTU cross the bridge) and
# again with every offload off on all four ends (MTU-sized frames only).
source "$(dirname "$0")/bridge_lib.sh"
require_bridge_root
command -v nc >/dev/null || fail "nc (netcat-openbsd) is missing"
command -v ethtool >/dev/null || fail "ethtool is missing"
bridge_setup

SIZE=$((64 << 20))
head -c $SIZE /dev/urandom >"$WORK/data"
want=$(sha256sum <"$WORK/data" | cut -d' ' -f1)

# transfer NAME PORT: A sends $WORK/data to B through a fresh bridge.
transfer() {
  local name=$1 port=$2 got server status=0
  start_bridge "$name"
  wait_bridging "$name"
  in_b timeout 40 nc -l "$port" >"$WORK/$name.received" </dev/null &
  server=$!
  HELPER_PIDS+=("$server")
  local i
  for i in $(seq 1 100); do
    in_b ss -Hltn "sport = :$port" | grep -q LISTEN && break
    sleep 0.05
  done
  in_a timeout 40 nc -N 192.0.2.2 "$port" <"$WORK/data" || fail "$name: sending failed"
  wait "$server" || status=$?
  [ "$status" = 0 ] || fail "$name: receiving nc exited with $status"
  stop_bridge INT
  expect_eq "$(stat -c %s "$WORK/$name.received")" $SIZE "$name: bytes received"
  got=$(sha256sum <"$WORK/$name.received" | cut -d' ' -f1)
  expect_eq "$got" "$want" "$name: sha256 of the received bytes"
  expect_eq "$(port_counter "$name" pb send_failed)" 0 "$name: send_failed on pb"
  rm -f "$WORK/$name.received"
}

# With offloads the bridge carries GSO frames: far fewer frames than segments.
transfer offloads 5001
segments=$((SIZE / 1448))
received=$(port_counter offloads pa received)
[ "$received" -lt $((segments / 2)) ] ||
  fail "offloads on: pa received $received frames for $segments segments; no GSO frames?"
log "offloads on: $received frames from A"

for dev in "$NS_A a0" "$NS_X pa" "$NS_X pb" "$NS_B b0"; do
  set -- $dev
  ip netns exec "$1" ethtool -K "$2" tso off gso off gro off tx off >/dev/null 2>&1 ||
    fail "ethtool -K $2 failed"
  ip netns exec "$1" ethtool -k "$2" | grep -q "^tcp-segmentation-offload: off" ||
    fail "TSO still on for $2"
done
transfer no_offloads 5002
received=$(port_counter no_offloads pa received)
[ "$received" -ge $segments ] ||
  fail "offloads off: pa received only $received frames for $segments segments"
log "ok: offloads off: $received frames from A"
