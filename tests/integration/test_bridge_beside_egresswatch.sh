#!/usr/bin/env bash
# A bridge without --watch beside a separate egresswatch on one of its ports.
# Bridge second: it sees that egresswatch, sends out of that port through the
# qdisc layer (no PACKET_QDISC_BYPASS) and says so, and egresswatch records
# the bridged frames. Egresswatch second: the bridge already bypasses, so
# egresswatch warns that what the bridge forwards out of the port is not seen.
source "$(dirname "$0")/bridge_lib.sh"
require_bridge_root
bridge_setup noipv6

# Starts egresswatch in ns X: start_watcher NAME ARGS... (pid in WATCHER_PID)
start_watcher() {
  local name=$1 i
  shift
  ip netns exec "$NS_X" "$EGRESSWATCH" "$@" >"$WORK/$name.jsonl" 2>"$WORK/$name.err" &
  WATCHER_PID=$!
  EW_PIDS+=("$WATCHER_PID")
  for i in $(seq 1 100); do
    grep -q "watching" "$WORK/$name.err" 2>/dev/null && return 0
    kill -0 "$WATCHER_PID" 2>/dev/null || fail "egresswatch exited before attaching: $(cat "$WORK/$name.err")"
    sleep 0.05
  done
  fail "egresswatch did not attach within 5 s"
}
stop_watcher() {
  local status=0
  kill -INT "$WATCHER_PID"
  wait "$WATCHER_PID" || status=$?
  [ "$status" = 0 ] || fail "egresswatch exited with $status"
}
requests_on_pb() {
  count_records "$1" 'select(.iface == "pb" and .src == "192.0.2.1" and .dst == "192.0.2.2" and .icmp_type == 8)'
}

# --- egresswatch first, then the bridge.
start_watcher first pb --mode packet --include 192.0.2.0/24
start_bridge after
wait_bridging after
expect_eq "$(grep -c "watched by egresswatch" "$WORK/after.err")" 1 "lines about egresswatch: $(cat "$WORK/after.err")"
grep -q "^egresswatch-bridge: pb: watched by egresswatch (pid $WATCHER_PID), so frames go out through the qdisc layer" \
  "$WORK/after.err" || fail "no line about egresswatch on pb: $(cat "$WORK/after.err")"
in_a ping -q -c 3 -i 0.05 -W 2 192.0.2.2 >/dev/null || fail "ping A -> B"
sleep 0.2
expect_eq "$(requests_on_pb first)" 3 "echo requests the bridge sent out of pb, seen by egresswatch"
stop_bridge INT
grep -q "not seen" "$WORK/first.err" && fail "egresswatch warned though it started first: $(cat "$WORK/first.err")"
stop_watcher

# --- the bridge first, then egresswatch: the bridge bypasses, egresswatch warns.
start_bridge before
wait_bridging before
grep -q "watched by egresswatch" "$WORK/before.err" && fail "bridge saw an egresswatch that is gone"
bridge_pid=$EW_PID
start_watcher late pb --mode packet --include 192.0.2.0/24
expect_eq "$(grep -c "not seen" "$WORK/late.err")" 1 "warnings: $(cat "$WORK/late.err")"
grep -q "^egresswatch: warning: pb: egresswatch-bridge (pid $bridge_pid) forwards through it past the egress hook, so the frames it bridges out of pb are not seen; restart that bridge" \
  "$WORK/late.err" || fail "no warning about the bridge on pb: $(cat "$WORK/late.err")"
in_a ping -q -c 3 -i 0.05 -W 2 192.0.2.2 >/dev/null || fail "ping A -> B"
sleep 0.2
expect_eq "$(requests_on_pb late)" 0 "echo requests seen past a bypassing bridge (the warning is right)"
# The fix the warning gives: restarting the bridge.
stop_bridge INT
start_bridge restarted
wait_bridging restarted
in_a ping -q -c 2 -i 0.05 -W 2 192.0.2.2 >/dev/null || fail "ping A -> B after the restart"
sleep 0.2
expect_eq "$(requests_on_pb late)" 2 "echo requests seen after restarting the bridge"
stop_bridge INT
stop_watcher

# A bridge with --watch takes the watch lock itself: a separate egresswatch is
# refused as on any watched interface, without the warning.
start_bridge watching --watch --include 192.0.2.0/24
wait_bridging watching
if ip netns exec "$NS_X" "$EGRESSWATCH" pb >/dev/null 2>"$WORK/refused.err"; then fail "egresswatch on a watched port started"; fi
grep -q "pb: already watched by another egresswatch (pid $EW_PID)" "$WORK/refused.err" ||
  fail "egresswatch beside a --watch bridge said: $(cat "$WORK/refused.err")"
grep -q "not seen" "$WORK/refused.err" && fail "warned beside a --watch bridge: $(cat "$WORK/refused.err")"
stop_bridge INT
log "ok"
