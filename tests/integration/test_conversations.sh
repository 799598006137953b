#!/usr/bin/env bash
# Conversations (flow mode, both hooks): a TCP connection this host opened
# and one it accepted, a port scan from outside, a UDP exchange, UDP from
# outside and ICMP each pair their
# two directions in one conversation, local end first, with who started it,
# each direction's counts and TCP flags, and a Community ID; closed TCP
# conversations end with reason "fin" / "rst" within a few seconds, not at
# the idle timeout. Packet mode stays egress-only unless --direction both.
source "$(dirname "$0")/lib.sh"
require_root
setup_pair

A=192.0.2.1
B=192.0.2.2
prime_neighbour "$B"
start_egresswatch conv veth0 --flow-interval 0.5 --idle-timeout 60 --include 192.0.2.0/24
wait_attached conv
[ -n "$(tc -n "$NS_A" filter show dev veth0 ingress | grep egresswatch)" ] ||
  fail "flow mode: no egresswatch filter on the ingress hook"

# Opened here: a to b's port 8080, a line each way, closed by both.
in_b timeout 5 nc -l 8080 >/dev/null &
server=$!
sleep 0.3
echo hello | in_a timeout 5 nc -N "$B" 8080 || fail "the TCP connection a -> b failed"
wait "$server" || true
# Accepted here: b to a's port 9090.
in_a timeout 5 nc -l 9090 >/dev/null &
server=$!
sleep 0.3
echo hello | in_b timeout 5 nc -N "$A" 9090 || fail "the TCP connection b -> a failed"
wait "$server" || true
# A scan from outside: SYNs to two closed ports, answered by resets.
in_b nc -z -w 1 "$A" 22 23 || true
# A UDP exchange opened here: "ping\n" to b's port 5353, "pong\n" back.
in_b timeout 3 sh -c 'echo pong | nc -u -l 5353' >"$WORK/udp.server" &
server=$!
sleep 0.3
echo ping | in_a timeout 3 nc -u -w 1 "$B" 5353 >"$WORK/udp.client" || true
wait "$server" || true
expect_eq "$(cat "$WORK/udp.client")" pong "the UDP answer"
# UDP from outside to a closed port (answered by an ICMP port unreachable).
in_b bash -c "echo x >/dev/udp/$A/7777" || true
closed_at=$(date +%s.%N)

wait_for_line conv 'select(.type == "flow" and .event == "end" and .dport == 8080)' 8
wait_for_line conv 'select(.type == "flow" and .event == "end" and .sport == 9090)' 8
wait_for_line conv 'select(.type == "flow" and .event == "end" and .sport == 23)' 8
ended_at=$(date +%s.%N)
stop_egresswatch INT

flow() { jq -c "select(.type == \"flow\") | $1" "$WORK/conv.jsonl"; }
one() { flow "$1" | tail -1; }

out=$(one 'select(.proto == "tcp" and .dport == 8080 and .event == "end")')
expect_eq "$(jq -c '[.src, .dst, .initiator, .reason]' <<<"$out")" "[\"$A\",\"$B\",\"local\",\"fin\"]" \
  "the connection a opened: $out"
[ "$(jq '.total_packets >= 3 and .total_in_packets >= 2' <<<"$out")" = true ] ||
  fail "packets each way of the connection a opened: $out"
[ "$(jq '.total_bytes > 0 and .total_in_bytes > 0' <<<"$out")" = true ] ||
  fail "bytes each way of the connection a opened: $out"
for key in tcp_flags in_tcp_flags; do
  flags=$(jq -r ".$key" <<<"$out")
  for letter in S A F; do
    [[ $flags == *$letter* ]] || fail "$key of the connection a opened lacks $letter: $out"
  done
done
# Per line: deltas add up to the totals, each way.
sums=$(flow 'select(.proto == "tcp" and .dport == 8080)' |
  jq -s '[(map(.packets) | add), (map(.in_packets) | add), (map(.in_bytes) | add)]' -c)
expect_eq "$sums" "$(jq -c '[.total_packets, .total_in_packets, .total_in_bytes]' <<<"$out")" \
  "deltas of the connection a opened, added up"
[[ $(jq -r .community_id <<<"$out") =~ ^1:[A-Za-z0-9+/]{27}=$ ]] ||
  fail "community_id of the connection a opened: $out"
expect_eq "$(flow 'select(.proto == "tcp" and .dport == 8080) | .community_id' | sort -u | wc -l)" 1 \
  "one community_id on every line of a conversation"

in=$(one 'select(.proto == "tcp" and .sport == 9090 and .event == "end")')
expect_eq "$(jq -c '[.src, .dst, .initiator, .reason]' <<<"$in")" "[\"$A\",\"$B\",\"remote\",\"fin\"]" \
  "the connection a accepted (src is the local end, a): $in"
expect_eq "$(flow 'select(.proto == "tcp" and (.dport == 9090 or .sport == 9090) and .event == "new")' |
  wc -l)" 1 "new lines of the connection a accepted (one conversation, not one per direction)"

for port in 22 23; do
  scan=$(one "select(.proto == \"tcp\" and .sport == $port and .event == \"end\")")
  expect_eq "$(jq -c '[.src, .initiator, .reason, .in_tcp_flags, .total_in_packets]' <<<"$scan")" \
    "[\"$A\",\"remote\",\"rst\",\"S\",1]" "the scan of port $port: $scan"
  [[ $(jq -r .tcp_flags <<<"$scan") == *R* ]] || fail "no reset sent in the scan of $port: $scan"
done

# 14 + 20 + 8 + 5 bytes each way: Ethernet, IPv4, UDP, "ping\n" / "pong\n".
exchange=$(one 'select(.proto == "udp" and .dport == 5353 and .event == "end")')
expect_eq "$(jq -c '[.src, .initiator, .total_packets, .total_bytes, .total_in_packets, .total_in_bytes]' \
  <<<"$exchange")" "[\"$A\",\"local\",1,47,1,47]" "the UDP exchange: $exchange"

udp=$(one 'select(.proto == "udp" and .sport == 7777)')
expect_eq "$(jq -c '[.src, .initiator, .total_packets, .total_in_packets]' <<<"$udp")" \
  "[\"$A\",\"remote\",0,1]" "UDP from outside: $udp"
[ "$(jq 'has("tcp_flags")' <<<"$udp")" = false ] || fail "tcp_flags on a UDP conversation: $udp"

# Closed conversations end within a few seconds of closing, whatever the
# 60 s idle timeout says.
waited=$(awk -v a="$closed_at" -v b="$ended_at" 'BEGIN { printf "%.1f", b - a }')
awk -v w="$waited" 'BEGIN { exit !(w < 6) }' || fail "closed TCP conversations took $waited s to end"
expect_eq "$(flow 'select(.event == "end" and .reason == "idle")' | wc -l)" 0 "idle ends"

# Every conversation has one new and one end line; nothing lost, late or evicted.
expect_eq "$(flow 'select(.event == "new")' | wc -l)" "$(flow 'select(.event == "end")' | wc -l)" \
  "new lines against end lines"
expect_eq "$(flow 'select(.reason == "late" or .reason == "evicted")' | wc -l)" 0 "late or evicted"
stats=$(final_stats conv)
expect_eq "$(jq .flows_created <<<"$stats")" "$(flow 'select(.event == "new")' | wc -l)" \
  "flows_created against new lines: $stats"
expect_eq "$(jq '[.lost, .flows_active]' -c <<<"$stats")" "[0,0]" "lost and active at exit: $stats"

# With scans 15 s apart (a quarter of the idle timeout, --flow-interval
# longer), only the kernel's close record can end a closed connection within
# seconds: the loader ends it 2 s after its last packet without a scan.
start_egresswatch closes veth0 --flow-interval 60 --idle-timeout 60 --include 192.0.2.0/24
wait_attached closes
in_b timeout 5 nc -l 8081 >/dev/null &
server=$!
sleep 0.3
echo hello | in_a timeout 5 nc -N "$B" 8081 || fail "the TCP connection a -> b:8081 failed"
wait "$server" || true
closed_at=$(date +%s.%N)
wait_for_line closes 'select(.type == "flow" and .event == "end" and .dport == 8081)' 8
ended_at=$(date +%s.%N)
stop_egresswatch INT
waited=$(awk -v a="$closed_at" -v b="$ended_at" 'BEGIN { printf "%.1f", b - a }')
awk -v w="$waited" 'BEGIN { exit !(w < 6) }' ||
  fail "without scans, the closed connection took $waited s to end"
expect_eq "$(jq -r 'select(.type == "flow" and .event == "end" and .dport == 8081) | .reason' \
  "$WORK/closes.jsonl")" fin "the end of the connection closed between scans"

# ICMP: requests out and replies in are one conversation.
start_egresswatch icmp veth0 --idle-timeout 60 --include 192.0.2.0/24
wait_attached icmp
ping_a "$B" 4
stop_egresswatch INT
icmp=$(jq -c 'select(.type == "flow" and .proto == "icmp" and .event == "end")' "$WORK/icmp.jsonl")
# ping's default 56-byte payload: 14 + 20 + 8 + 56 bytes each way.
expect_eq "$(jq -c '[.initiator, .total_packets, .total_bytes, .total_in_packets, .total_in_bytes, .reason]' \
  <<<"$icmp")" '["local",4,392,4,392,"stopped"]' "the ping's conversation: $icmp"
[[ $(jq -r .community_id <<<"$icmp") =~ ^1: ]] || fail "no community_id on the ping: $icmp"

# Packet mode: egress only by default, both hooks with --direction both.
start_egresswatch pkt veth0 --mode packet --include 192.0.2.0/24
wait_attached pkt
[ -z "$(tc -n "$NS_A" filter show dev veth0 ingress | grep egresswatch)" ] ||
  fail "packet mode attached to the ingress hook without --direction both"
ping_a "$B" 3
stop_egresswatch INT
expect_eq "$(count_records pkt '.')" 3 "packet lines without --direction"
expect_eq "$(jq -r 'select(.type == "packet") | .direction' "$WORK/pkt.jsonl" | sort -u)" out \
  "directions of packet lines without --direction"

start_egresswatch both veth0 --mode packet --direction both --include 192.0.2.0/24
wait_attached both
ping_a "$B" 3
stop_egresswatch INT
expect_eq "$(jq -r 'select(.type == "packet") | .direction' "$WORK/both.jsonl" | sort | uniq -c |
  awk '{print $2 "=" $1}' | tr '\n' ' ')" "in=3 out=3 " "packet lines with --direction both"
inbound=$(jq -c 'select(.type == "packet" and .direction == "in")' "$WORK/both.jsonl" | head -1)
expect_eq "$(jq -c '[.src, .dst]' <<<"$inbound")" "[\"$B\",\"$A\"]" \
  "an inbound packet line shows the packet as it went: $inbound"
stats=$(final_stats both)
expect_eq "$(jq .matched <<<"$stats")" 6 "matched with --direction both: $stats"
expect_eq "$(jq .records <<<"$stats")" 6 "records with --direction both: $stats"
log "ok"
