#!/usr/bin/env bash
# --format text: aligned lines for people (time, event, iface, protocol,
# source -> destination, counts), not JSON, for flows, packets, losses and
# stats. --format json, and the default (auto) on a file or a pipe, are JSON;
# auto on a terminal is text.
source "$(dirname "$0")/lib.sh"
require_root
# Text lines are in local time with the zone's offset: a zone two hours east.
export TZ=XST-2
setup_pair
prime_neighbour 192.0.2.2
in_a ping -6 -q -c 1 -W 1 2001:db8::2 >/dev/null || true

INCLUDES=(--include 192.0.2.0/24 --include 2001:db8::/32)
traffic() {
  ping_a 192.0.2.2 3
  udp_a 192.0.2.2 5353
  in_a ping -6 -q -c 2 -i 0.05 -W 1 2001:db8::2 >/dev/null || true
  in_a timeout 2 bash -c 'exec 3<>/dev/tcp/2001:db8::2/8080' 2>/dev/null || true
}
not_json() {
  local file=$WORK/$1.jsonl line
  [ -s "$file" ] || fail "$1: no output"
  while IFS= read -r line; do
    [[ "$line" != "{"* ]] || fail "$1: a JSON line in text output: $line"
  done <"$file"
}
all_json() {
  local file=$WORK/$1.jsonl
  [ -s "$file" ] || fail "$1: no output"
  expect_eq "$(jq -c 'select(type == "object" and (.type | type) == "string")' "$file" | wc -l)" \
    "$(wc -l <"$file")" "$1: JSON objects with a type among all lines"
}
# The column where "->" starts, over all lines that have one: one value.
arrow_columns() { awk '{ i = index($0, "->"); if (i) print i }' "$WORK/$1.jsonl" | sort -u; }

TIME='[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}\+02:00'
has_line() {  # has_line NAME REGEX DESCRIPTION
  grep -qE "$2" "$WORK/$1.jsonl" || fail "$1: no line for $3 (/$2/) in:
$(cat "$WORK/$1.jsonl")"
}

# --- Flow mode as text.
# --direction egress: fixed counts of what leaves veth0; what comes back in is
# tested in test_conversations.sh (JSON) and the unit tests (text).
start_egresswatch flows veth0 --direction egress --format text "${INCLUDES[@]}" --flow-interval 0.3
wait_attached flows
traffic
sleep 0.4
stop_egresswatch INT
not_json flows
has_line flows "^$TIME new +veth0 +icmp +192\.0\.2\.1 +-> 192\.0\.2\.2 +by local  out 1 pkt 98 B  in 0 pkt 0 B  \(total out 1 pkt 98 B, in 0 pkt 0 B\)  type 8 code 0$" \
  "the new ICMP flow"
has_line flows "^$TIME new +veth0 +udp +192\.0\.2\.1:[0-9]+ +-> 192\.0\.2\.2:5353 +by local  out 1 pkt 44 B  in 0 pkt 0 B" "the new UDP flow"
has_line flows "^$TIME new +veth0 +icmpv6 +2001:db8::1 +-> 2001:db8::2 +by local  out 1 pkt" "the new ICMPv6 flow"
has_line flows "^$TIME new +veth0 +tcp +\[2001:db8::1\]:[0-9]+ +-> \[2001:db8::2\]:8080 +by local  out 1 pkt [0-9]+ B  in 0 pkt 0 B  \(total out 1 pkt [0-9]+ B, in 0 pkt 0 B\)  tcp S/-$" "the new TCP flow"
has_line flows "^$TIME update +veth0 +icmp +192\.0\.2\.1 +-> 192\.0\.2\.2 +by local  out 2 pkt 196 B  in 0 pkt 0 B  \(total out 3 pkt 294 B, in 0 pkt 0 B\)$" \
  "the ICMP flow's update"
has_line flows "^$TIME end +veth0 +icmp +192\.0\.2\.1 +-> 192\.0\.2\.2 +by local  out 0 pkt 0 B  in 0 pkt 0 B  \(total out 3 pkt 294 B, in 0 pkt 0 B\)  stopped$" \
  "the ICMP flow's end"
expect_eq "$(grep -cE "^$TIME end .* stopped$" "$WORK/flows.jsonl")" 4 "end lines"
has_line flows "^$TIME stats \(final\): seen [0-9]+  matched [0-9]+  records 4  lost 0 " "the final stats"
# Today's date in that zone (or the day before, for a run across midnight).
first_date=$(head -1 "$WORK/flows.jsonl" | cut -c1-10)
[ "$first_date" = "$(date +%F)" ] || [ "$first_date" = "$(date -d '1 minute ago' +%F)" ] ||
  fail "the first line's date '$first_date' is not today's in TZ=$TZ ($(date +%F))"
expect_eq "$(arrow_columns flows)" "$(arrow_columns flows | head -1)" "one column for '->'"
expect_eq "$(arrow_columns flows | wc -l)" 1 "columns of '->': $(arrow_columns flows | tr '\n' ' ')"
# Event, iface and protocol columns line up too.
expect_eq "$(grep -E -- '->' "$WORK/flows.jsonl" | awk '{ print index($0, "veth0") }' | sort -u)" 38 \
  "the iface column"

# --- Packet mode as text, to a file with -o, with a loss line and stats lines.
start_egresswatch packets veth0 --format text --mode packet "${INCLUDES[@]}" -o "$WORK/packets.txt" \
  --ring-size 4096 --stats-interval 0.3
wait_attached packets
ping_a 192.0.2.2 2
kill -STOP "$EW_PID"
udp_a 192.0.2.2 6000 100
kill -CONT "$EW_PID"
sleep 0.5
stop_egresswatch INT
[ ! -s "$WORK/packets.jsonl" ] || fail "packets: stdout used with -o: $(cat "$WORK/packets.jsonl")"
mv "$WORK/packets.txt" "$WORK/packets.jsonl"
not_json packets
has_line packets "^$TIME packet +veth0 +icmp +192\.0\.2\.1 +-> 192\.0\.2\.2 +98 B  out  type 8 code 0$" "an echo request"
expect_eq "$(grep -cE "^$TIME packet +veth0 +icmp .* type 8 code 0$" "$WORK/packets.jsonl")" 2 "echo request lines"
has_line packets "^$TIME packet +veth0 +udp +192\.0\.2\.1:[0-9]+ +-> 192\.0\.2\.2:6000 +44 B  out$" "a UDP datagram"
has_line packets "^$TIME LOSS: ring full [1-9][0-9]*  evicted 0  sampled 0  rate-limited 0  \(total: ring full [1-9][0-9]*  evicted 0  sampled 0  rate-limited 0\)$" "the loss"
has_line packets "^$TIME stats: seen " "a periodic stats line"
has_line packets "^$TIME stats \(final\): seen [0-9]+  matched 102  records [0-9]+  lost [1-9]" "the final stats"
expect_eq "$(arrow_columns packets | wc -l)" 1 "packets: columns of '->': $(arrow_columns packets | tr '\n' ' ')"

# --- JSON: --format json, and the default on a file, a pipe and -o.
start_egresswatch json veth0 --direction egress --format json "${INCLUDES[@]}"
wait_attached json
traffic
stop_egresswatch INT
all_json json
expect_eq "$(count_lines json 'select(.type == "flow" and .event == "new")')" 4 "json: new flows"

start_egresswatch default_file veth0 --direction egress "${INCLUDES[@]}"
wait_attached default_file
traffic
stop_egresswatch INT
all_json default_file
expect_eq "$(count_lines default_file 'select(.type == "flow" and .event == "new")')" 4 "default to a file: new flows"

start_egresswatch default_o veth0 --mode packet "${INCLUDES[@]}" -o "$WORK/default_o.out"
wait_attached default_o
ping_a 192.0.2.2 1
stop_egresswatch INT
mv "$WORK/default_o.out" "$WORK/default_o.jsonl"
all_json default_o
expect_eq "$(count_records default_o 'select(.dst == "192.0.2.2")')" 1 "default with -o: records"

# A pipe: --duration ends it, since the pipeline's pid is not egresswatch's.
ip netns exec "$NS_A" "$EGRESSWATCH" veth0 --mode packet "${INCLUDES[@]}" --duration 1.5 \
  2>"$WORK/pipe.err" | cat >"$WORK/pipe.jsonl" &
pipeline=$!
for i in $(seq 1 100); do
  grep -q watching "$WORK/pipe.err" 2>/dev/null && break
  sleep 0.05
done
ping_a 192.0.2.2 1
wait "$pipeline" || fail "pipe: the pipeline failed: $(cat "$WORK/pipe.err")"
all_json pipe
expect_eq "$(count_records pipe 'select(.dst == "192.0.2.2")')" 1 "default to a pipe: records"

# --- The default on a terminal is text; --format json there is JSON.
if command -v script >/dev/null; then
  for format in auto json; do
    # script(1) gives egresswatch a pseudo-terminal for stdout (and stderr).
    in_a timeout 10 script -qfec "$EGRESSWATCH veth0 --mode packet --format $format \
      --include 192.0.2.0/24 --duration 1.5" /dev/null >"$WORK/tty_$format.raw" 2>&1 &
    tty_pid=$!
    for i in $(seq 1 100); do
      grep -q watching "$WORK/tty_$format.raw" 2>/dev/null && break
      sleep 0.05
    done
    ping_a 192.0.2.2 1
    wait "$tty_pid" || fail "tty ($format): exited with $?: $(cat "$WORK/tty_$format.raw")"
    tr -d '\r' <"$WORK/tty_$format.raw" | grep -v '^egresswatch: ' >"$WORK/tty_$format.jsonl"
  done
  not_json tty_auto
  has_line tty_auto "^$TIME packet +veth0 +icmp +192\.0\.2\.1 +-> 192\.0\.2\.2 +98 B  out  type 8 code 0$" \
    "an echo request on a terminal"
  all_json tty_json
  expect_eq "$(count_records tty_json 'select(.dst == "192.0.2.2")')" 1 "--format json on a terminal: records"
else
  log "script(1) is missing: not checking the default on a terminal"
fi
log "ok"
