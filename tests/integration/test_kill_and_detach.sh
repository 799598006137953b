#!/usr/bin/env bash
# After kill -9 the filter (and the qdisc we created) stay behind:
# `egresswatch detach` removes exactly those, and a new start replaces the
# leftover filter instead of failing with "File exists".
source "$(dirname "$0")/lib.sh"
require_root
setup_pair

before=$(tc_state)

# kill -9, then detach.
start_egresswatch first veth0 --mode packet --include 192.0.2.0/24
wait_attached first
kill -9 "$EW_PID"
wait "$EW_PID" 2>/dev/null || true
tc -n "$NS_A" filter show dev veth0 egress | grep -q egresswatch ||
  fail "expected the filter to survive kill -9"
in_a "$EGRESSWATCH" detach veth0 2>"$WORK/detach.err" || fail "detach failed: $(cat "$WORK/detach.err")"
grep -q "removed 1 egresswatch filter" "$WORK/detach.err" || fail "detach said: $(cat "$WORK/detach.err")"
expect_eq "$(tc_state)" "$before" "tc state after kill -9 and detach"

# Nothing left: detach again is a no-op that says so.
in_a "$EGRESSWATCH" detach veth0 2>"$WORK/detach2.err" || fail "second detach failed"
grep -q "no egresswatch filter" "$WORK/detach2.err" || fail "second detach said: $(cat "$WORK/detach2.err")"

# kill -9, then start again: the leftover is replaced, and records still flow.
start_egresswatch second veth0 --mode packet --include 192.0.2.0/24
wait_attached second
kill -9 "$EW_PID"
wait "$EW_PID" 2>/dev/null || true
start_egresswatch third veth0 --mode packet --include 192.0.2.0/24
wait_attached third
grep -q "replacing the filter an earlier egresswatch left behind" "$WORK/third.err" ||
  fail "restart did not say it replaced the leftover: $(cat "$WORK/third.err")"
expect_eq "$(tc -n "$NS_A" filter show dev veth0 egress | grep -c 'egresswatch')" 1 \
  "egresswatch filters after a restart"
ping_a 192.0.2.2 2
sleep 0.1
stop_egresswatch INT
expect_eq "$(count_records third 'select(.dst == "192.0.2.2" and .icmp_type == 8)')" 2 \
  "records after replacing the leftover"
# The qdisc the killed run created is recognised as ours and removed too.
expect_eq "$(tc_state)" "$before" "tc state after restart and Ctrl-C"

# detach of an interface that does not exist.
if in_a "$EGRESSWATCH" detach nosuch0 2>"$WORK/detach3.err"; then fail "detach nosuch0 succeeded"; fi
grep -q "nosuch0: no such interface" "$WORK/detach3.err" || fail "detach nosuch0 said: $(cat "$WORK/detach3.err")"
log "ok"
