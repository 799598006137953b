#!/usr/bin/env bash
# One egresswatch on two interfaces: one stream with the right "iface" on
# each record. An interface deleted while watched gives an "interface
# removed" line and egresswatch goes on with the other; SIGINT then leaves
# the other exactly as it was. Deleting the last one ends egresswatch by
# itself: exit 0 with a final stats line. In flow mode, the flows on a
# removed interface end with it.
source "$(dirname "$0")/lib.sh"
require_root
setup_pair
setup_second_pair
prime_neighbour 192.0.2.2
prime_neighbour 203.0.113.2

before_veth0=$(tc_state veth0)
INCLUDES=(--include 192.0.2.0/24 --include 203.0.113.0/24)

# --- Both watched, then veth2 deleted, then SIGINT.
start_egresswatch run veth0 veth2 --mode packet "${INCLUDES[@]}"
wait_attached run
grep -q "watching veth0, veth2" "$WORK/run.err" || fail "the watching line names both: $(cat "$WORK/run.err")"
[ -n "$(filter_prog_id veth0)" ] && [ "$(filter_prog_id veth0)" = "$(filter_prog_id veth2)" ] ||
  fail "expected one program on both interfaces: '$(filter_prog_id veth0)' '$(filter_prog_id veth2)'"
ping_a 192.0.2.2 3
ping_a 203.0.113.2 2
udp_a 203.0.113.2 7000
wait_for_line run 'select(.dport == 7000)' 3
in_a ip link del veth2
wait_for_line run 'select(.type == "interface")' 3
kill -0 "$EW_PID" 2>/dev/null || fail "egresswatch exited when one of two interfaces went away"
ping_a 192.0.2.2 2
wait_for_stderr run "veth2: interface removed"
sleep 0.1
kill -0 "$EW_PID" 2>/dev/null || fail "egresswatch exited after the removal"
stop_egresswatch INT

expect_eq "$(count_records run 'select(.iface == "veth0" and .dst == "192.0.2.2" and .icmp_type == 8)')" 5 \
  "echo requests out of veth0"
expect_eq "$(count_records run 'select(.iface == "veth2" and .dst == "203.0.113.2" and .icmp_type == 8)')" 2 \
  "echo requests out of veth2"
expect_eq "$(count_records run 'select(.iface == "veth2" and .dst == "203.0.113.2" and .dport == 7000)')" 1 \
  "UDP out of veth2"
expect_eq "$(count_records run 'select((.iface == "veth0" and .dst == "192.0.2.2" and .src == "192.0.2.1") or
  (.iface == "veth2" and .dst == "203.0.113.2" and .src == "203.0.113.1") | not)')" 0 \
  "records with the wrong iface for their addresses"
removed=$(jq -c 'select(.type == "interface")' "$WORK/run.jsonl")
expect_eq "$(jq -c '[.event, .iface]' <<<"$removed")" '["removed","veth2"]' "the interface line"
jq -e '.ts | test("^[0-9-]{10}T[0-9:.]{18}Z$")' <<<"$removed" >/dev/null || fail "interface line ts: $removed"
# veth0 records after the removal line: still watching it.
expect_eq "$(jq -c 'select(.type == "interface" or (.type == "packet" and .iface == "veth0")) | .type' \
  "$WORK/run.jsonl" | tr '\n' ' ')" \
  '"packet" "packet" "packet" "interface" "packet" "packet" ' "veth0 records around the removal"
stats=$(final_stats run)
[ -n "$stats" ] || fail "no final stats line"
expect_eq "$(jq -c '[.records, .lost]' <<<"$stats")" "[8,0]" "records and lost in $stats"
expect_eq "$(count_lines run 'select(.type == "stats")')" 1 "stats lines (only the final one)"
expect_eq "$(tc_state veth0)" "$before_veth0" "veth0's tc state after SIGINT"
# Neither qdisc we created is still remembered as ours.
expect_eq "$(ls "$EGRESSWATCH_STATE_DIR" | grep -c '^clsact-' || true)" 0 "qdisc markers left behind"

# --- Flow mode: the conversations on a removed interface end then, with
# their counts (reason "removed", before the interface line), not at exit.
setup_second_pair
prime_neighbour 203.0.113.2
start_egresswatch flows veth0 veth2 --mode flow "${INCLUDES[@]}"
wait_attached flows
ping_a 203.0.113.2 3
ping_a 192.0.2.2 2
wait_for_line flows 'select(.type == "flow" and .event == "new" and .dst == "203.0.113.2")' 3
in_a ip link del veth2
wait_for_line flows 'select(.type == "interface")' 3
# Still running: the end came with the removal.
kill -0 "$EW_PID" 2>/dev/null || fail "egresswatch exited when one of two interfaces went away"
ended=$(jq -c 'select(.type == "flow" and .event == "end" and .iface == "veth2")' "$WORK/flows.jsonl")
expect_eq "$(jq -c '[.reason, .dst, .total_packets]' <<<"$ended")" '["removed","203.0.113.2",3]' \
  "the veth2 flow's end while egresswatch still runs"
stop_egresswatch INT
expect_eq "$(jq -c 'select(.type == "interface" or (.type == "flow" and .event == "end")) |
  [.type, .iface, .reason]' "$WORK/flows.jsonl" | tr '\n' ' ')" \
  '["flow","veth2","removed"] ["interface","veth2",null] ["flow","veth0","stopped"] ' \
  "ends and the interface line, in order"
expect_eq "$(count_lines flows 'select(.type == "flow" and .iface == "veth2" and .event == "end")')" 1 \
  "end lines for the veth2 flow"

# --- Deleting the last interface ends it.
setup_second_pair
prime_neighbour 203.0.113.2
start_egresswatch last veth0 veth2 --mode packet "${INCLUDES[@]}"
wait_attached last
ping_a 203.0.113.2 1
ping_a 192.0.2.2 1
wait_for_line last 'select(.dst == "192.0.2.2")' 3
in_a ip link del veth2
wait_for_stderr last "veth2: interface removed"
kill -0 "$EW_PID" 2>/dev/null || fail "egresswatch exited with one interface left"
in_a ip link del veth0
status=0
for i in $(seq 1 60); do
  kill -0 "$EW_PID" 2>/dev/null || break
  sleep 0.05
done
kill -0 "$EW_PID" 2>/dev/null && fail "egresswatch kept running with no interface left"
wait "$EW_PID" || status=$?
expect_eq "$status" 0 "exit status when the last interface went away"
expect_eq "$(jq -c 'select(.type == "interface") | .iface' "$WORK/last.jsonl" | tr '\n' ' ')" \
  '"veth2" "veth0" ' "interface lines"
stats=$(final_stats last)
[ -n "$stats" ] || fail "no final stats line after the last interface went away"
expect_eq "$(tail -1 "$WORK/last.jsonl")" "$stats" "the final stats line is the last line"
expect_eq "$(jq -c '[.records, .lost]' <<<"$stats")" "[2,0]" "records and lost in $stats"
expect_eq "$(count_records last 'select(.iface == "veth2")')" 1 "records out of veth2"
expect_eq "$(ls "$EGRESSWATCH_STATE_DIR" | grep -c '^clsact-' || true)" 0 \
  "qdisc markers left after the last interface went away"
! grep -qi "error" "$WORK/last.err" || fail "errors on stderr: $(cat "$WORK/last.err")"
log "ok"
