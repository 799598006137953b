#!/usr/bin/env bash
# A reader that stops reading blocks egresswatch's output. SIGHUP then must
# neither stop the session nor throw a line away: once the reader reads again,
# every record arrives, the reload happens, and the final stats add up. Only a
# stop signal (SIGINT, SIGTERM) may cut such a write short.
source "$(dirname "$0")/lib.sh"
require_root
setup_pair
prime_neighbour 192.0.2.2

FIFO=$WORK/out.fifo
mkfifo "$FIFO"
# The reader: started first (egresswatch's open of the FIFO waits for it),
# then paused so the pipe fills.
cat "$FIFO" >"$WORK/blocked.jsonl" &
READER=$!
EW_PIDS+=("$READER")
ip netns exec "$NS_A" "$EGRESSWATCH" veth0 --mode packet --include 192.0.2.0/24 \
  --output "$FIFO" 2>"$WORK/blocked.err" &
EW_PID=$!
EW_PIDS+=("$EW_PID")
wait_attached blocked
kill -STOP "$READER"

# About 3,000 records of ~250 bytes: far more than a pipe (64 KiB) and the
# sink's buffer hold, so egresswatch ends up waiting to write.
in_a ping -q -c 3000 -i 0 -W 1 192.0.2.2 >/dev/null || true
sleep 0.5
for _ in 1 2 3; do
  kill -HUP "$EW_PID" 2>/dev/null || fail "a SIGHUP while the output was blocked stopped egresswatch"
  sleep 0.2
done
kill -0 "$EW_PID" 2>/dev/null || fail "SIGHUP while the output was blocked stopped egresswatch"
kill -CONT "$READER"
wait_for_stderr blocked "reloaded" 1 10
kill -0 "$EW_PID" 2>/dev/null || fail "egresswatch ended after the reader resumed"
stop_egresswatch INT
wait "$READER" || true

stats=$(jq -c 'select(.type == "stats" and .final)' "$WORK/blocked.jsonl")
[ -n "$stats" ] || fail "no final stats line: $(tail -c 300 "$WORK/blocked.jsonl")"
records=$(jq -r '.records' <<<"$stats")
matched=$(jq -r '.matched' <<<"$stats")
lost=$(jq -r '.lost' <<<"$stats")
written=$(count_lines blocked 'select(.type == "packet")')
[ "$records" -ge 3000 ] || fail "only $records records for 3000 pings"
expect_eq "$written" "$records" "packet lines written against the records counted"
expect_eq "$((records + lost))" "$matched" "records + lost against matched"
grep -q "not written" "$WORK/blocked.err" && fail "lines were given up: $(cat "$WORK/blocked.err")"
log "ok: $written lines, none lost, through three SIGHUPs on a blocked output"
