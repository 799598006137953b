#!/usr/bin/env bash
# egresswatch-bridge --format text: the bridge's stats and port lines and,
# with --watch, the classifier's lines as egresswatch --format text writes
# them, none of them JSON. --format json and auto on a pipe are JSON; auto on
# a terminal is text.
source "$(dirname "$0")/bridge_lib.sh"
require_bridge_root
bridge_setup noipv6

# Local time with the date and the zone's offset, as egresswatch's text lines.
export TZ=XST-2
TIME='[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}\+02:00'
has_line() {  # has_line NAME REGEX DESCRIPTION
  grep -qE "$2" "$WORK/$1.jsonl" || fail "$1: no line for $3 (/$2/) in:
$(cat "$WORK/$1.jsonl")"
}
not_json() {
  local line
  [ -s "$WORK/$1.jsonl" ] || fail "$1: no output"
  while IFS= read -r line; do
    [[ "$line" != "{"* ]] || fail "$1: a JSON line in text output: $line"
  done <"$WORK/$1.jsonl"
}
PORT_COUNTS='received [0-9]+  sent [0-9]+  dropped 0  send failed 0  not forwarded: same side [0-9]+, link-local [0-9]+, truncated 0, runt 0'

start_bridge text --format text --watch --mode packet --include 192.0.2.0/24
wait_bridging text
in_a ping -q -c 2 -i 0.05 -W 2 192.0.2.2 >/dev/null || fail "ping A -> B"
kill -USR1 "$EW_PID"
sleep 0.2
ip -n "$NS_X" link set pb down
for i in $(seq 1 100); do grep -q " port pb down$" "$WORK/text.jsonl" && break; sleep 0.05; done
ip -n "$NS_X" link set pb up
for i in $(seq 1 100); do grep -q " port pb up$" "$WORK/text.jsonl" && break; sleep 0.05; done
stop_bridge INT
not_json text
has_line text "^$TIME packet +pb +icmp +192\.0\.2\.1 +-> 192\.0\.2\.2 +98 B  out  type 8 code 0$" \
  "an echo request out of pb"
has_line text "^$TIME packet +pa +icmp +192\.0\.2\.2 +-> 192\.0\.2\.1 +98 B  out  type 0 code 0$" \
  "an echo reply out of pa"
has_line text "^$TIME bridge stats:  pa: $PORT_COUNTS  pb: $PORT_COUNTS  mac table [0-9]+$" "stats on SIGUSR1"
has_line text "^$TIME bridge stats \(final\):  pa: received [0-9]+  sent [0-9]+ .*  mac table 2$" \
  "the final bridge stats"
has_line text "^$TIME stats \(final\): seen [0-9]+  matched [0-9]+  records [0-9]+  lost 0 " "the classifier's final stats"
expect_eq "$(grep -oE "port pb (down|up)$" "$WORK/text.jsonl" | paste -sd,)" "port pb down,port pb up" \
  "port lines in order"
expect_eq "$(tail -n 1 "$WORK/text.jsonl" | grep -cE "^$TIME bridge stats \(final\):")" 1 \
  "the final bridge stats line is the last"

# JSON: --format json, and auto on a pipe.
for format in json auto; do
  start_bridge "$format" --format "$format" --duration 0.5
  wait "$EW_PID" || fail "--format $format: exit $?"
  expect_eq "$(jq -c 'select(.type == "bridge_stats" and .final)' "$WORK/$format.jsonl" | wc -l)" 1 \
    "--format $format: the final JSON stats line"
done

# auto on a terminal: text.
if command -v script >/dev/null; then
  in_x timeout 10 script -qfec "$EGRESSWATCH_BRIDGE pa pb --duration 0.5" /dev/null >"$WORK/tty.raw" 2>&1 ||
    fail "on a terminal: $(cat "$WORK/tty.raw")"
  tr -d '\r' <"$WORK/tty.raw" | grep -v '^egresswatch-bridge: ' >"$WORK/tty.jsonl"
  not_json tty
  has_line tty "^$TIME bridge stats \(final\):  pa: " "the final stats on a terminal"
else
  log "script(1) is missing: not checking the default on a terminal"
fi
log "ok"
