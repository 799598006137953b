#!/usr/bin/env bash
# Faults (issue 6): kill -9 of egresswatch and of the bridge at random
# moments, set-up included, then `detach` or a fresh start leaves nothing
# behind and nothing attached twice; a port deleted under the bridge, up or
# already down, stops it with exit 1 and a clean classifier detach; a full
# disk under --output stops egresswatch with the error, the count of bytes
# not written and the final stats on stderr, detached.
source "$(dirname "$0")/bridge_lib.sh"
require_bridge_root
bridge_setup
before=$(port_state)
RANDOM=$$  # reproducible from the pid in the log
log "seed $$"

filters_on() { tc -n "$NS_X" filter show dev "$1" egress 2>/dev/null | grep -c "egresswatch" || true; }

# --- The bridge with --watch, killed at random moments from exec on.
for round in 1 2 3 4 5 6; do
  start_bridge kill$round --watch --mode packet --include 192.0.2.0/24
  sleep "0.$(printf '%03d' $((RANDOM % 400)))"
  kill -9 "$EW_PID" 2>/dev/null || true
  wait "$EW_PID" 2>/dev/null || true
  expect_eq "$(promiscuity pa) $(promiscuity pb)" "0 0" "round $round: promiscuity after kill -9"
  # At most one filter per port, never two.
  [ "$(filters_on pa)" -le 1 ] && [ "$(filters_on pb)" -le 1 ] ||
    fail "round $round: more than one egresswatch filter: $(tc -n "$NS_X" filter show dev pa egress)"
  if [ $((round % 2)) = 0 ]; then
    in_x "$EGRESSWATCH" detach pa pb 2>"$WORK/detach$round.err" ||
      fail "round $round: detach failed: $(cat "$WORK/detach$round.err")"
  else
    # A fresh start replaces what the killed one left, then stops cleanly.
    start_bridge again$round --watch --mode packet --include 192.0.2.0/24
    wait_bridging again$round
    expect_eq "$(filters_on pa) $(filters_on pb)" "1 1" "round $round: one filter each after restart"
    stop_bridge INT
  fi
  expect_eq "$(port_state)" "$before" "round $round: ports after kill -9 and cleanup"
done

# --- egresswatch on a host interface, killed at random moments.
for round in 1 2 3 4; do
  ip netns exec "$NS_A" "$EGRESSWATCH" a0 --include 192.0.2.0/24 >/dev/null 2>&1 &
  pid=$!
  EW_PIDS+=("$pid")
  sleep "0.$(printf '%03d' $((RANDOM % 300)))"
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  [ "$(tc -n "$NS_A" filter show dev a0 egress | grep -c egresswatch || true)" -le 1 ] ||
    fail "egresswatch round $round: two filters"
  in_a "$EGRESSWATCH" detach a0 2>/dev/null || fail "egresswatch round $round: detach failed"
  expect_eq "$(tc -n "$NS_A" qdisc show dev a0)" "qdisc noqueue 0: root refcnt 2 " \
    "egresswatch round $round: a0 after kill -9 and detach"
done

# --- A port deleted while up, then one deleted while already down.
# expect_stopped_by_removal NAME WHAT: the bridge stops within 5 s, exit 1,
# saying why.
expect_stopped_by_removal() {
  local status=0
  timeout 5 tail --pid="$EW_PID" -f /dev/null || fail "$2: bridge still running"
  wait "$EW_PID" || status=$?
  expect_eq "$status" 1 "$2: exit code"
  grep -q "pb: interface removed; the bridge stops" "$WORK/$1.err" ||
    fail "$2: no line saying so: $(cat "$WORK/$1.err")"
}
start_bridge removed --watch --mode packet --include 192.0.2.0/24
wait_bridging removed
ip -n "$NS_X" link del pb
expect_stopped_by_removal removed "port deleted"
expect_eq "$(promiscuity pa) $(filters_on pa)" "0 0" "port deleted: pa restored"

ip -n "$NS_X" link add pb type veth peer name b1 netns "$NS_B"
ip -n "$NS_X" link set pb up
ip -n "$NS_B" link set b1 up
start_bridge removed_down
wait_bridging removed_down
ip -n "$NS_X" link set pb down
sleep 0.3
ip -n "$NS_X" link del pb
expect_stopped_by_removal removed_down "down port deleted"

# --- A full disk under --output: a 16 KiB tmpfs fills after a few dozen
# packet lines.
mkdir "$WORK/small"
mount -t tmpfs -o size=16k tmpfs "$WORK/small"
trap 'umount "$WORK/small" 2>/dev/null || true; bridge_cleanup' EXIT
ip netns exec "$NS_A" "$EGRESSWATCH" a0 --mode packet --include 192.0.2.0/24 \
  -o "$WORK/small/out.jsonl" >/dev/null 2>"$WORK/full.err" &
EW_PID=$!
EW_PIDS+=("$EW_PID")
wait_attached full
# No bridge runs now: datagrams to a static neighbour leave a0 all the same.
ip -n "$NS_A" neigh replace 192.0.2.99 lladdr 02:00:00:00:00:99 dev a0
udp_ports_a 192.0.2.99 7000 400
status=0
timeout 5 tail --pid="$EW_PID" -f /dev/null || fail "egresswatch still running with a full disk"
wait "$EW_PID" || status=$?
expect_eq "$status" 1 "full disk: exit code"
grep -q "writing to $WORK/small/out.jsonl: No space left on device; stopped and detached" \
  "$WORK/full.err" || fail "full disk: no error line: $(cat "$WORK/full.err")"
grep -q "bytes of lines were not written" "$WORK/full.err" || fail "full disk: no count"
grep -q '"final":true' "$WORK/full.err" || fail "full disk: no final stats on stderr"
expect_eq "$(tc -n "$NS_A" qdisc show dev a0)" "qdisc noqueue 0: root refcnt 2 " \
  "full disk: a0 detached"
log "ok"
