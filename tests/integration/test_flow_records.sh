#!/usr/bin/env bash
# Flow mode (the default) with short intervals: one "new" line per flow,
# "update" lines whose packets add up, an "end" line (reason "idle") after
# silence with the flow's totals, one first_ts on every line of a flow, one
# flow per UDP destination port, "end" with reason "stopped" for flows still
# active at SIGINT, and a final stats line that counts the flows.
source "$(dirname "$0")/lib.sh"
require_root
setup_pair

N=8          # echo requests in the first ICMP flow, spread over ~2 s
N_LATER=3    # echo requests in the second one, still running at SIGINT
ECHO_BYTES=98  # ping's default 56-byte payload: 14 + 20 + 8 + 56

prime_neighbour 192.0.2.2
start_egresswatch run veth0 --flow-interval 0.5 --idle-timeout 1.5 --include 192.0.2.0/24
wait_attached run

in_a ping -q -c "$N" -i 0.25 -W 1 192.0.2.2 >/dev/null || true
udp_a 192.0.2.2 5001
udp_a 192.0.2.2 5002
udp_a 192.0.2.2 5002  # another socket, so another source port: another flow
# Silence: every flow so far ends as idle.
wait_for_line run 'select(.type == "flow" and .event == "end" and .proto == "icmp")' 5
wait_for_line run 'select(.type == "flow" and .event == "end" and .dport == 5002)' 5
sleep 0.5  # the scan that ended ICMP may come before the one ending UDP

# Flows still active when egresswatch stops.
in_a ping -q -c "$N_LATER" -i 0.1 -W 1 192.0.2.2 >/dev/null || true
udp_a 192.0.2.2 5003
stop_egresswatch INT

lines() { jq -c "select(.type == \"flow\") | $1" "$WORK/run.jsonl"; }
bad=$(jq -c 'select(.type != "flow" and .type != "stats" and .type != "loss")' "$WORK/run.jsonl")
[ -z "$bad" ] || fail "unexpected lines in flow mode: $bad"
expect_eq "$(count_lines run 'select(.type == "packet")')" 0 "packet lines in flow mode"

# --- The first ICMP flow: everything up to and including its idle end.
icmp='select(.proto == "icmp" and .src == "192.0.2.1" and .dst == "192.0.2.2")'
first_ts=$(lines "$icmp | select(.event == \"new\") | .first_ts" | head -1 | jq -r .)
[ -n "$first_ts" ] || fail "no new line for the ICMP flow"
flow1=$(lines "$icmp | select(.first_ts == \"$first_ts\")")
other_ts=$(lines "$icmp" | jq -r 'select(.event != "new") | .first_ts' | sort -u |
  grep -vxF "$first_ts" | head -1 || true)

expect_eq "$(jq -c 'select(.event == "new")' <<<"$flow1" | wc -l)" 1 "new lines of the first ICMP flow"
expect_eq "$(head -1 <<<"$flow1" | jq -r .event)" new "first line of the first ICMP flow"
expect_eq "$(head -1 <<<"$flow1" | jq -c '[.icmp_type, .icmp_code, .packets, .total_packets, .bytes]')" \
  "[8,0,1,1,$ECHO_BYTES]" "the new line of the ICMP flow"
expect_eq "$(head -1 <<<"$flow1" | jq -r .ts)" "$first_ts" "ts of the new line against its first_ts"
[ "$(jq -c 'select(.event == "update")' <<<"$flow1" | wc -l)" -ge 2 ] ||
  fail "expected at least two update lines over ~2 s with --flow-interval 0.5: $flow1"
expect_eq "$(jq -c 'select(.event == "end")' <<<"$flow1" | wc -l)" 1 "end lines of the first ICMP flow"
end1=$(jq -c 'select(.event == "end")' <<<"$flow1")
expect_eq "$(tail -1 <<<"$flow1")" "$end1" "the end line is the flow's last line"
expect_eq "$(jq -r .reason <<<"$end1")" idle "reason of the first ICMP flow's end"
expect_eq "$(jq .total_packets <<<"$end1")" "$N" "total_packets at the end"
expect_eq "$(jq .total_bytes <<<"$end1")" $((N * ECHO_BYTES)) "total_bytes at the end"
expect_eq "$(jq -s 'map(.packets) | add' <<<"$flow1")" "$N" "packets of all lines of the flow added up"
expect_eq "$(jq -s 'map(.bytes) | add' <<<"$flow1")" $((N * ECHO_BYTES)) "bytes of all lines added up"
# Every line's total is the running sum of the packets so far.
running=$(jq -s '[foreach .[] as $l (0; . + $l.packets; . == $l.total_packets)] | all' <<<"$flow1")
expect_eq "$running" true "total_packets as the running sum of packets: $flow1"
# Updates are written only for flows that moved.
expect_eq "$(jq -c 'select(.event == "update" and .packets == 0)' <<<"$flow1" | wc -l)" 0 \
  "update lines without new packets"
# One first_ts on every line of the flow, and no line of another flow in between.
expect_eq "$(jq -r .first_ts <<<"$flow1" | sort -u)" "$first_ts" "first_ts on every line of the flow"
expect_eq "$(lines "$icmp" | head -"$(wc -l <<<"$flow1")")" "$flow1" \
  "the first ICMP flow's lines come before any line of the second"
# The second ICMP flow (after the idle end) is a different flow that ended at SIGINT.
[ -n "$other_ts" ] || fail "no second ICMP flow after the first ended: $(lines "$icmp")"
flow2=$(lines "$icmp | select(.first_ts == \"$other_ts\")")
expect_eq "$(jq -c 'select(.event == "new")' <<<"$flow2" | wc -l)" 1 "new lines of the second ICMP flow"
end2=$(jq -c 'select(.event == "end")' <<<"$flow2")
expect_eq "$(jq -r .reason <<<"$end2")" stopped "reason of the ICMP flow active at SIGINT"
expect_eq "$(jq .total_packets <<<"$end2")" "$N_LATER" "total_packets of the flow active at SIGINT"
expect_eq "$(jq -s 'map(.packets) | add' <<<"$flow2")" "$N_LATER" "packets of the second flow added up"
[[ "$other_ts" > "$(jq -r .ts <<<"$end1")" ]] || fail "second ICMP flow started before the first ended"

# --- UDP: one flow per (source port, destination port).
udp='select(.proto == "udp" and .src == "192.0.2.1" and .dst == "192.0.2.2")'
expect_eq "$(lines "$udp | select(.event == \"new\") | .dport" | sort -n | tr '\n' ' ')" \
  "5001 5002 5002 5003 " "destination ports of the UDP new lines"
expect_eq "$(lines "$udp | select(.event == \"new\" and .dport == 5002) | .sport" | sort -u | wc -l)" 2 \
  "distinct source ports of the two flows to port 5002"
for port in 5001 5002; do
  expect_eq "$(lines "$udp | select(.dport == $port and .event == \"end\") | [.reason, .total_packets]" |
    sort -u)" '["idle",1]' "end lines of the flows to UDP port $port"
done
expect_eq "$(lines "$udp | select(.dport == 5003 and .event == \"end\") | [.reason, .total_packets]")" \
  '["stopped",1]' "end line of the UDP flow active at SIGINT"
# Every flow has exactly one end line, and nothing was evicted.
expect_eq "$(lines 'select(.event == "new")' | wc -l)" "$(lines 'select(.event == "end")' | wc -l)" \
  "new lines against end lines"
expect_eq "$(lines 'select(.reason == "evicted" or .reason == "late")' | wc -l)" 0 \
  "evicted or late lines"
expect_eq "$(count_lines run 'select(.type == "loss")')" 0 "loss lines"

# --- The final stats line counts the flows.
stats=$(final_stats run)
[ -n "$stats" ] || fail "no final stats line"
news=$(lines 'select(.event == "new")' | wc -l)
expect_eq "$news" $((2 + 4)) "new lines (two ICMP flows, four UDP flows)"
expect_eq "$(jq .flows_created <<<"$stats")" "$news" "stats.flows_created against new lines: $stats"
expect_eq "$(jq .records <<<"$stats")" "$news" "stats.records against flows_created: $stats"
expect_eq "$(jq '[.lost, .flows_active, .flows_evicted, .malformed]' -c <<<"$stats")" "[0,0,0,0]" \
  "lost, active, evicted and malformed at exit: $stats"
# Both hooks: every echo request is answered, every datagram to a closed port
# too (a port unreachable, which counts in the ICMP conversation).
expect_eq "$(jq .matched <<<"$stats")" $((2 * (N + N_LATER + 4))) \
  "stats.matched: every public packet, out and in"
log "ok: $news flows, $stats"
