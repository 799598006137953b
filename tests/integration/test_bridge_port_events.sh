#!/usr/bin/env bash
# A port going down (set down, or its carrier gone) and coming back, and a
# port deleted: each change is one line in the output stream,
# {"type":"port","event":"down"|"up"|"removed","ts":...,"iface":...}, in
# order, and one line on stderr; forwarding resumes when the port is up.
source "$(dirname "$0")/bridge_lib.sh"
require_bridge_root
bridge_setup noipv6

port_events() { jq -c 'select(.type == "port") | [.event, .iface]' "$WORK/$1.jsonl" | paste -sd' '; }
# Waits for N port lines: wait_port_events NAME N
wait_port_events() {
  local i
  for i in $(seq 1 100); do
    [ "$(count_lines "$1" 'select(.type == "port")')" -ge "$2" ] && return 0
    sleep 0.05
  done
  fail "fewer than $2 port lines within 5 s: $(port_events "$1")"
}

start_bridge run
wait_bridging run
in_a ping -q -c 1 -W 2 192.0.2.2 >/dev/null || fail "ping A -> B at start"
ip -n "$NS_X" link set pb down
wait_port_events run 1
ip -n "$NS_X" link set pb up
wait_port_events run 2
wait_carrier "$NS_X" pb
in_a ping -q -c 2 -i 0.05 -W 2 192.0.2.2 >/dev/null || fail "ping A -> B after pb came back"
# The carrier: b0 on the other end goes down and comes back.
ip -n "$NS_B" link set b0 down
wait_port_events run 3
ip -n "$NS_B" link set b0 up
wait_port_events run 4
wait_carrier "$NS_X" pb
in_a ping -q -c 2 -i 0.05 -W 2 192.0.2.2 >/dev/null || fail "ping A -> B after b0 came back"
stop_bridge INT
expect_eq "$(port_events run)" '["down","pb"] ["up","pb"] ["down","pb"] ["up","pb"]' "port lines"
expect_eq "$(jq -s -c '[.[] | select(.type == "port") | keys_unsorted]| unique' "$WORK/run.jsonl")" \
  '[["type","event","ts","iface"]]' "port line fields"
expect_eq "$(jq -s '[.[].ts] | . == sort' "$WORK/run.jsonl")" true "timestamps in order"
expect_eq "$(grep -c "pb: interface went down; forwarding resumes when it is up again" "$WORK/run.err")" 2 \
  "'went down' on stderr: $(cat "$WORK/run.err")"
expect_eq "$(grep -c "pb: interface is up again; forwarding resumes" "$WORK/run.err")" 2 \
  "'up again' on stderr: $(cat "$WORK/run.err")"

# Deleted: a "removed" line (after a "down" when it was up: the kernel takes
# it down first), then the final stats; exit 1.
start_bridge removed
wait_bridging removed
ip -n "$NS_X" link del pb
status=0
timeout 5 tail --pid="$EW_PID" -f /dev/null || fail "bridge still running after pb was deleted"
wait "$EW_PID" || status=$?
expect_eq "$status" 1 "exit status after pb was deleted"
events=$(port_events removed)
[ "$events" = '["removed","pb"]' ] || [ "$events" = '["down","pb"] ["removed","pb"]' ] ||
  fail "port lines when pb was deleted: $events"
expect_eq "$(tail -n 1 "$WORK/removed.jsonl" | jq '.final')" true "the final stats line comes last"
log "ok"
