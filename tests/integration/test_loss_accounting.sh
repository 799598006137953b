#!/usr/bin/env bash
# Every public packet is accounted for: written as a record, or counted in a
# loss line by reason. A ring buffer that fills while egresswatch is stopped
# (SIGSTOP) gives ring_full losses; --sample and --rate-limit give sampled
# and rate_limited ones. Loss lines add up to the final stats line, and
# records + losses == matched exactly. In flow mode, flows whose record was
# lost are announced late, and flows the full flow table evicted end as such.
source "$(dirname "$0")/lib.sh"
require_root
setup_pair
prime_neighbour 192.0.2.2

loss_sum() { jq -s "map(select(.type == \"loss\") | .$2) | add // 0" "$WORK/$1.jsonl"; }
last_loss_total() { jq -c 'select(.type == "loss") | .total' "$WORK/$1.jsonl" | tail -1; }
records_of() { count_records "$1" 'select(.dst == "192.0.2.2")'; }

# check_accounting NAME: the loss lines against the final stats line.
check_accounting() {
  local name=$1 stats
  stats=$(final_stats "$name")
  [ -n "$stats" ] || fail "$name: no final stats line"
  expect_eq "$(loss_sum "$name" ring_full)" "$(jq .lost <<<"$stats")" "$name: loss lines' ring_full against stats.lost"
  expect_eq "$(loss_sum "$name" sampled)" "$(jq .sampled_out <<<"$stats")" \
    "$name: loss lines' sampled against stats.sampled_out"
  expect_eq "$(loss_sum "$name" rate_limited)" "$(jq .rate_limited <<<"$stats")" \
    "$name: loss lines' rate_limited against stats.rate_limited"
  expect_eq "$(loss_sum "$name" evicted)" "$(jq .flows_evicted <<<"$stats")" \
    "$name: loss lines' evicted against stats.flows_evicted"
  if [ "$(count_lines "$name" 'select(.type == "loss")')" -gt 0 ]; then
    expect_eq "$(last_loss_total "$name")" \
      "$(jq -c '{ring_full: .lost, evicted: .flows_evicted, sampled: .sampled_out, rate_limited}' <<<"$stats")" \
      "$name: the last loss line's total against the final stats"
  fi
  # Each loss line's total is the running sum of what the lines reported.
  local running
  running=$(jq -s 'map(select(.type == "loss")) |
    [foreach .[] as $l ({ring_full: 0, evicted: 0, sampled: 0, rate_limited: 0};
       with_entries(.value += $l[.key]); . == $l.total)] | all' "$WORK/$name.jsonl")
  expect_eq "$running" true "$name: loss totals as running sums"
  local records
  # Records from the kernel: one per packet, or one per new flow (sampling
  # comes before the flow table, so sampled packets make no flow).
  records=$(count_lines "$name" 'select(.type == "packet" or (.type == "flow" and .event == "new" and .reason == null))')
  expect_eq "$(jq .records <<<"$stats")" "$records" "$name: stats.records against record lines"
  if [ "$(count_lines "$name" 'select(.type == "flow")')" -gt 0 ]; then
    expect_eq "$(jq '.flows_created - .lost - .rate_limited' <<<"$stats")" "$records" \
      "$name: flows_created - losses against record lines: $stats"
  else
    expect_eq "$(jq '.matched - .lost - .sampled_out - .rate_limited' <<<"$stats")" "$records" \
      "$name: matched - losses against record lines: $stats"
  fi
}

# --- A full ring: 4096 bytes hold 56 records of 64 bytes plus an 8-byte header.
SENT=300
start_egresswatch ring veth0 --mode packet --ring-size 4096 --include 192.0.2.0/24
wait_attached ring
kill -STOP "$EW_PID"
udp_a 192.0.2.2 6000 "$SENT"
kill -CONT "$EW_PID"
wait_for_line ring 'select(.type == "loss")' 5
sleep 0.3
stop_egresswatch INT
check_accounting ring
stats=$(final_stats ring)
expect_eq "$(jq .matched <<<"$stats")" "$SENT" "ring: matched"
lost=$(jq .lost <<<"$stats")
[ "$lost" -gt 0 ] || fail "ring: nothing lost with a 4 KiB ring and $SENT packets while stopped: $stats"
records=$(records_of ring)
[ "$records" -ge 1 ] && [ "$records" -le 56 ] || fail "ring: $records records from a 4 KiB ring"
expect_eq "$((records + lost))" "$SENT" "ring: records + lost"
# The loss was reported once egresswatch ran again, not only at exit.
first_loss=$(jq -c 'select(.type == "loss")' "$WORK/ring.jsonl" | head -1)
expect_eq "$(jq .ring_full <<<"$first_loss")" "$lost" "ring: the first loss line reports the whole loss"
[ "$(jq -r .ts <<<"$first_loss")" \< "$(jq -r .ts <<<"$stats")" ] || fail "ring: loss line after the final stats"
log "ring: $records records, $lost lost"

# --- --sample 3: one in three public packets per CPU; the sender is pinned to
# one CPU, so exactly the 1st, 4th, 7th... are kept.
SENT=30
start_egresswatch sample veth0 --mode packet --sample 3 --include 192.0.2.0/24
wait_attached sample
in_a taskset -c 0 bash -c 'for ((i = 0; i < 30; i++)); do echo x >/dev/udp/192.0.2.2/6001; done' 2>/dev/null
wait_for_line sample 'select(.type == "loss" and .sampled > 0)' 3
stop_egresswatch INT
check_accounting sample
stats=$(final_stats sample)
expect_eq "$(jq .matched <<<"$stats")" "$SENT" "sample: matched"
expect_eq "$(records_of sample)" 10 "sample: records with --sample 3"
expect_eq "$(jq .sampled_out <<<"$stats")" 20 "sample: sampled_out"
expect_eq "$(jq '[.lost, .rate_limited]' -c <<<"$stats")" "[0,0]" "sample: other losses"
log "sample: $(records_of sample) records, $stats"

# --- --rate-limit 5: two bursts of 40 packets, more than a second apart, in
# one-second windows: five records from each.
start_egresswatch rate veth0 --mode packet --rate-limit 5 --include 192.0.2.0/24
wait_attached rate
udp_a 192.0.2.2 6002 40
wait_for_line rate 'select(.type == "loss" and .rate_limited > 0)' 3
sleep 1.1
udp_a 192.0.2.2 6002 40
sleep 0.2
stop_egresswatch INT
check_accounting rate
stats=$(final_stats rate)
expect_eq "$(jq .matched <<<"$stats")" 80 "rate: matched"
expect_eq "$(records_of rate)" 10 "rate: records with --rate-limit 5 over two bursts"
expect_eq "$(jq .rate_limited <<<"$stats")" 70 "rate: rate_limited"
expect_eq "$(jq '[.lost, .sampled_out]' -c <<<"$stats")" "[0,0]" "rate: other losses"
[ "$(count_lines rate 'select(.type == "loss" and .rate_limited > 0)')" -ge 2 ] ||
  fail "rate: expected a loss line after each burst"
log "rate: $stats"

# Flow mode watches both hooks: ns B answers each datagram to a closed port
# with an ICMP port unreachable (as many as its limiters let out; the first
# always), and those are one more conversation, remote-initiated (an error
# answers what the receiver sent: local). No per-destination limit in ns B, so
# most get out; the counts below hold for however many did.
in_b sysctl -qw net.ipv4.icmp_ratelimit=0
# The ICMP conversation's packets in, from its end lines: icmp_in NAME
icmp_in() {
  jq -s '[.[] | select(.type == "flow" and .event == "end" and .proto == "icmp") |
    .total_in_packets] | add // 0' "$WORK/$1.jsonl"
}

# --- Flow mode with a full ring: every conversation is still announced, the
# ones whose record was lost by a scan of the flow table ("new" with reason
# "late").
SENT=300
start_egresswatch flowring veth0 --ring-size 4096 --flow-interval 0.3 --include 192.0.2.0/24
wait_attached flowring
kill -STOP "$EW_PID"
udp_ports_a 192.0.2.2 7000 "$SENT"  # 300 conversations, and the unreachables' one
kill -CONT "$EW_PID"
wait_for_line flowring 'select(.type == "loss")' 5
sleep 0.5
stop_egresswatch INT
check_accounting flowring
stats=$(final_stats flowring)
lost=$(jq .lost <<<"$stats")
[ "$lost" -gt 0 ] || fail "flowring: nothing lost: $stats"
expect_eq "$(jq -c '[.flows_created, .records + .lost]' <<<"$stats")" "[$((SENT + 1)),$((SENT + 1))]" \
  "flowring: flows_created, records + lost"
unreachable=$(icmp_in flowring)
[ "$unreachable" -ge 1 ] || fail "flowring: no port unreachable came back: $stats"
expect_eq "$(jq .matched <<<"$stats")" $((SENT + unreachable)) \
  "flowring: matched: the datagrams out and the unreachables in"
expect_eq "$(count_lines flowring 'select(.type == "flow" and .event == "new" and .reason == null)')" \
  "$(jq .records <<<"$stats")" "flowring: new lines from the ring"
expect_eq "$(count_lines flowring 'select(.type == "flow" and .event == "new" and .reason == "late")')" "$lost" \
  "flowring: new lines announced late"
expect_eq "$(jq -c 'select(.type == "flow" and .event == "end" and .proto == "udp") | [.reason, .total_packets]' \
  "$WORK/flowring.jsonl" | sort | uniq -c | sed 's/^ *//')" "$SENT [\"stopped\",1]" \
  "flowring: end lines at SIGINT"
expect_eq "$(jq -c 'select(.type == "flow" and .event == "end" and .proto == "icmp") | [.initiator, .total_packets]' \
  "$WORK/flowring.jsonl")" '["local",0]' "flowring: the unreachables' conversation"
expect_eq "$(jq -r 'select(.type == "flow" and .event == "new" and .proto == "udp") | .dport' "$WORK/flowring.jsonl" |
  sort -u | tr '\n' ' ' | awk '{ print $1, $NF, NF }')" "7000 7299 $SENT" "flowring: the flows announced, by port"

# --- Flow mode with --rate-limit: new-conversation records held back are
# counted as rate_limited, and their conversations announced late.
SENT=20
start_egresswatch flowrate veth0 --rate-limit 5 --flow-interval 0.3 --include 192.0.2.0/24
wait_attached flowrate
udp_ports_a 192.0.2.2 7300 "$SENT"
wait_for_line flowrate 'select(.type == "loss" and .rate_limited > 0)' 3
sleep 0.4
stop_egresswatch INT
check_accounting flowrate
stats=$(final_stats flowrate)
expect_eq "$(jq -c '[.flows_created, .records, .rate_limited, .lost]' <<<"$stats")" "[$((SENT + 1)),5,$((SENT + 1 - 5)),0]" \
  "flowrate: flows_created, records, rate_limited, lost"
expect_eq "$(jq .matched <<<"$stats")" $((SENT + $(icmp_in flowrate))) "flowrate: matched"
expect_eq "$(count_lines flowrate 'select(.type == "flow" and .event == "new" and .reason == "late")')" $((SENT + 1 - 5)) \
  "flowrate: new lines announced late"
expect_eq "$(count_lines flowrate 'select(.type == "flow" and .event == "end" and .reason == "stopped")')" "$((SENT + 1))" \
  "flowrate: end lines"

# --- Flow mode with a small flow table: the kernel evicts the least recently
# used flows; each gets an "end" line with reason "evicted", counted in loss lines.
# --direction egress: an evicted conversation's last counts are unknown, so
# the unreachables coming back would make the counts below inexact.
SENT=40
start_egresswatch evict veth0 --direction egress --flow-table-size 16 --flow-interval 0.3 --include 192.0.2.0/24
wait_attached evict
udp_ports_a 192.0.2.2 7400 "$SENT"
wait_for_line evict 'select(.type == "loss" and .evicted > 0)' 3
stop_egresswatch INT
check_accounting evict
stats=$(final_stats evict)
evicted=$(jq .flows_evicted <<<"$stats")
[ "$evicted" -ge $((SENT - 16)) ] && [ "$evicted" -lt "$SENT" ] ||
  fail "evict: $evicted flows evicted from a table of 16 after $SENT flows: $stats"
expect_eq "$(jq -c '[.matched, .flows_created, .records, .lost, .flows_active]' <<<"$stats")" "[$SENT,$SENT,$SENT,0,0]" \
  "evict: matched, flows_created, records, lost, active"
expect_eq "$(count_lines evict 'select(.type == "flow" and .event == "end" and .reason == "evicted")')" "$evicted" \
  "evict: end lines with reason evicted"
expect_eq "$(count_lines evict 'select(.type == "flow" and .event == "end" and .reason == "stopped")')" \
  "$((SENT - evicted))" "evict: end lines with reason stopped"
expect_eq "$(jq -r 'select(.type == "flow" and .event == "end") | .dport' "$WORK/evict.jsonl" | sort -u | wc -l)" \
  "$SENT" "evict: one end line per flow"
log "ok: evict: $stats"
