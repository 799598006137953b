#!/usr/bin/env bash
# However egresswatch is stopped (SIGINT, SIGTERM, --duration, a
# closed output pipe), it exits 0, writes a final stats line, and leaves the
# interface's qdiscs and filters exactly as they were.
source "$(dirname "$0")/lib.sh"
require_root
setup_pair

before=$(tc_state)

for signal in INT TERM; do
  start_egresswatch "sig$signal" veth0 --mode packet --include 192.0.2.0/24
  wait_attached "sig$signal"
  tc -n "$NS_A" filter show dev veth0 egress | grep -q "egresswatch" ||
    fail "no egresswatch filter while running"
  tc -n "$NS_A" qdisc show dev veth0 | grep -q clsact || fail "no clsact qdisc while running"
  ping_a 192.0.2.2 1
  stop_egresswatch "$signal"
  expect_eq "$(tc_state)" "$before" "tc state after SIG$signal"
  [ -n "$(final_stats "sig$signal")" ] || fail "no final stats after SIG$signal"
  expect_eq "$(count_records "sig$signal" 'select(.dst == "192.0.2.2")')" 1 "records before SIG$signal"
done

# --duration stops by itself.
start_egresswatch duration veth0 --duration 0.5
wait "$EW_PID" || fail "--duration run exited with $?"
expect_eq "$(tc_state)" "$before" "tc state after --duration"
[ -n "$(final_stats duration)" ] || fail "no final stats after --duration"

# `egresswatch | head -1`: the reader leaves after one line.
(
  set +e
  ip netns exec "$NS_A" "$EGRESSWATCH" veth0 --mode packet --include 192.0.2.0/24 2>"$WORK/pipe.err" |
    head -1 >"$WORK/pipe.jsonl"
  echo "${PIPESTATUS[0]}" >"$WORK/pipe.status"
) &
reader=$!
for i in $(seq 1 100); do
  grep -q watching "$WORK/pipe.err" 2>/dev/null && break
  sleep 0.05
done
ping_a 192.0.2.2 2
for i in $(seq 1 100); do
  kill -0 "$reader" 2>/dev/null || break
  sleep 0.05
done
kill -0 "$reader" 2>/dev/null && fail "egresswatch kept running after its reader left"
expect_eq "$(cat "$WORK/pipe.status")" 0 "exit status with a closed pipe"
expect_eq "$(jq -r .type "$WORK/pipe.jsonl")" packet "the one line head read"
grep -q '"final":true' "$WORK/pipe.err" || fail "final stats should go to stderr once stdout is gone"
expect_eq "$(tc_state)" "$before" "tc state after a closed pipe"
log "ok"
