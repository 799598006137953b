#!/usr/bin/env bash
# --transport perf (for kernels without a BPF ring buffer) gives the same
# records as the ring buffer: packet mode end to end, flow mode, and exact
# accounting when its per-CPU buffers overflow.
source "$(dirname "$0")/lib.sh"
require_root
setup_pair
prime_neighbour 192.0.2.2

# --- Packet mode: the basic expectations of test_records.sh.
start_egresswatch packet veth0 --transport perf --mode packet \
  --include 192.0.2.0/24 --include 2001:db8::/32
wait_attached packet
ping_a 192.0.2.2 3
ping_a 198.51.100.2 3
ping_a 10.99.0.2 3
in_a ping -6 -q -c 3 -i 0.05 -W 1 2001:db8::2 >/dev/null || true
in_a ping -6 -q -c 3 -i 0.05 -W 1 fd00:e9::2 >/dev/null || true
udp_a 192.0.2.2 5353
in_a timeout 2 bash -c 'exec 3<>/dev/tcp/192.0.2.2/8080' 2>/dev/null || true
udp_a 198.51.100.2 5353
udp_a 10.99.0.2 5353
sleep 0.2
stop_egresswatch INT
expect_eq "$(count_records packet 'select(.dst == "192.0.2.2" and .proto == "icmp" and .icmp_type == 8)')" 3 \
  "perf: ICMP echo requests to 192.0.2.2"
expect_eq "$(count_records packet 'select(.dst == "2001:db8::2" and .proto == "icmpv6" and .icmp_type == 128)')" 3 \
  "perf: ICMPv6 echo requests to 2001:db8::2"
expect_eq "$(count_records packet 'select(.dst == "192.0.2.2" and .proto == "udp" and .dport == 5353 and .sport > 0 and .src == "192.0.2.1")')" 1 \
  "perf: UDP datagrams to 192.0.2.2:5353"
expect_eq "$(count_records packet 'select(.dst == "192.0.2.2" and .proto == "tcp" and .dport == 8080)')" 1 \
  "perf: TCP SYNs to 192.0.2.2:8080"
expect_eq "$(count_records packet 'select((.dst | startswith("192.0.2.") or startswith("2001:db8:")) | not)')" 0 \
  "perf: records for destinations that were not included"
bad=$(jq -c 'select(.type == "packet") | select(
  (.ts | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{9}Z$") | not)
  or .iface != "veth0" or (.family != "ipv4" and .family != "ipv6") or .len < 28)' "$WORK/packet.jsonl")
[ -z "$bad" ] || fail "perf: malformed records: $bad"
stats=$(final_stats packet)
records=$(count_records packet '.')
expect_eq "$records" 8 "perf: record lines"
expect_eq "$(jq -c '[.records, .matched, .lost, .malformed]' <<<"$stats")" "[$records,$records,0,0]" \
  "perf: records, matched, lost and malformed in $stats"

# --- Flow mode on perf.
start_egresswatch flow veth0 --transport perf --include 192.0.2.0/24 --flow-interval 0.3
wait_attached flow
ping_a 192.0.2.2 4
udp_a 192.0.2.2 5001
udp_a 192.0.2.2 5002
wait_for_line flow 'select(.type == "flow" and .event == "update")' 3
stop_egresswatch INT
flows='select(.type == "flow" and .src == "192.0.2.1" and .dst == "192.0.2.2")'
expect_eq "$(count_lines flow "$flows | select(.event == \"new\" and .proto == \"icmp\" and .icmp_type == 8)")" 1 \
  "perf flow: new lines of the ICMP flow"
expect_eq "$(count_lines flow "$flows | select(.event == \"new\" and .proto == \"udp\")")" 2 \
  "perf flow: new UDP flows"
expect_eq "$(jq -c "$flows | select(.event == \"new\" and .proto == \"udp\") | .dport" "$WORK/flow.jsonl" |
  sort -n | tr '\n' ' ')" "5001 5002 " "perf flow: UDP destination ports"
expect_eq "$(jq -c "$flows | select(.event == \"end\") | [.proto, .reason, .total_packets]" "$WORK/flow.jsonl" |
  sort | tr '\n' ' ')" '["icmp","stopped",4] ["udp","stopped",1] ["udp","stopped",1] ' \
  "perf flow: end lines at SIGINT"
expect_eq "$(jq -s "map($flows | select(.proto == \"icmp\") | .packets) | add" "$WORK/flow.jsonl")" 4 \
  "perf flow: ICMP packets added up over the flow's lines"
stats=$(final_stats flow)
expect_eq "$(jq -c '[.flows_created, .records, .lost, .flows_active]' <<<"$stats")" "[3,3,0,0]" \
  "perf flow: flows_created, records, lost, active at exit in $stats"

# --- A full perf buffer: the smallest size gives one page per CPU.
SENT=300
start_egresswatch full veth0 --transport perf --mode packet --ring-size 4096 --include 192.0.2.0/24
wait_attached full
kill -STOP "$EW_PID"
udp_a 192.0.2.2 6000 "$SENT"
kill -CONT "$EW_PID"
wait_for_line full 'select(.type == "loss")' 5
sleep 0.2
stop_egresswatch INT
stats=$(final_stats full)
records=$(count_records full '.')
lost=$(jq .lost <<<"$stats")
[ "$lost" -gt 0 ] || fail "perf full: nothing lost with one page per CPU: $stats"
expect_eq "$(jq .matched <<<"$stats")" "$SENT" "perf full: matched"
expect_eq "$((records + lost))" "$SENT" "perf full: records + lost"
expect_eq "$(jq .records <<<"$stats")" "$records" "perf full: stats.records against record lines"
expect_eq "$(jq -s 'map(select(.type == "loss") | .ring_full) | add' "$WORK/full.jsonl")" "$lost" \
  "perf full: loss lines' ring_full against stats.lost"
log "ok: perf full: $records records, $lost lost"
