#!/usr/bin/env bash
# Traffic to public-looking test hosts gives exactly the expected records;
# traffic to private ones gives none; the stats line accounts for all.
source "$(dirname "$0")/lib.sh"
require_root
setup_pair

start_egresswatch run veth0 --mode packet --include 192.0.2.0/24 --include 2001:db8::/32
wait_attached run

ping_a 192.0.2.2 3
ping_a 198.51.100.2 3
ping_a 10.99.0.2 3
in_a ping -6 -q -c 3 -i 0.05 -W 1 2001:db8::2 >/dev/null || true
in_a ping -6 -q -c 3 -i 0.05 -W 1 fd00:e9::2 >/dev/null || true
in_a timeout 2 bash -c 'echo hello > /dev/udp/192.0.2.2/5353' || true
in_a timeout 2 bash -c 'exec 3<>/dev/tcp/192.0.2.2/8080' 2>/dev/null || true
in_a timeout 2 bash -c 'echo hello > /dev/udp/198.51.100.2/5353' || true
in_a timeout 2 bash -c 'echo hello > /dev/udp/10.99.0.2/5353' || true
sleep 0.2
stop_egresswatch INT

expect_eq "$(count_records run 'select(.dst == "192.0.2.2" and .proto == "icmp" and .icmp_type == 8)')" 3 \
  "ICMP echo requests to 192.0.2.2"
expect_eq "$(count_records run 'select(.dst == "2001:db8::2" and .proto == "icmpv6" and .icmp_type == 128)')" 3 \
  "ICMPv6 echo requests to 2001:db8::2"
expect_eq "$(count_records run 'select(.dst == "192.0.2.2" and .proto == "udp" and .dport == 5353)')" 1 \
  "UDP datagrams to 192.0.2.2:5353"
expect_eq "$(count_records run 'select(.dst == "192.0.2.2" and .proto == "tcp" and .dport == 8080)')" 1 \
  "TCP SYNs to 192.0.2.2:8080"
expect_eq "$(count_records run 'select((.dst | startswith("192.0.2.") or startswith("2001:db8:")) | not)')" 0 \
  "records for destinations that were not included"

# Every record has the documented fields with the right types.
bad=$(jq -c 'select(.type == "packet") | select(
  (.ts | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{9}Z$") | not)
  or .iface != "veth0" or (.family != "ipv4" and .family != "ipv6")
  or (.src | type) != "string" or (.len | type) != "number" or .len < 28)' "$WORK/run.jsonl")
[ -z "$bad" ] || fail "malformed records: $bad"
expect_eq "$(count_records run 'select(.proto == "udp" and .sport > 0 and .family == "ipv4" and .src == "192.0.2.1")')" 1 \
  "UDP record with source address and port"

stats=$(final_stats run)
[ -n "$stats" ] || fail "no final stats line"
records=$(count_records run '.')
expect_eq "$(jq '.records' <<<"$stats")" "$records" "stats.records against record lines"
expect_eq "$(jq '.matched - .lost' <<<"$stats")" "$records" "matched - lost against record lines"
expect_eq "$(jq '.lost' <<<"$stats")" 0 "lost records"
[ "$(jq '.seen' <<<"$stats")" -gt "$records" ] || fail "seen should count the private traffic too: $stats"
log "ok: $records records, $stats"
