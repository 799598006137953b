#!/usr/bin/env bash
# With no IFACE, egresswatch watches the default route's interface; without a
# default route it says so and attaches nothing.
source "$(dirname "$0")/lib.sh"
require_root
setup_pair

before=$(tc_state)
status=0
in_a "$EGRESSWATCH" --duration 0.2 >"$WORK/noroute.out" 2>"$WORK/noroute.err" || status=$?
expect_eq "$status" 1 "exit status without a default route"
grep -q "no default route" "$WORK/noroute.err" || fail "without a default route it said: $(cat "$WORK/noroute.err")"

# The default route points at the peer namespace, which has no way out.
ip -n "$NS_A" link add spare0 type veth peer name spare1
ip -n "$NS_A" link set spare0 up
ip -n "$NS_A" link set spare1 up
ip -n "$NS_A" route add default via 192.0.2.2 dev veth0
start_egresswatch auto --mode packet --include 192.0.2.0/24
wait_attached auto
grep -q "watching veth0 " "$WORK/auto.err" || fail "it chose: $(cat "$WORK/auto.err")"
ping_a 192.0.2.2 1
sleep 0.1
stop_egresswatch TERM
expect_eq "$(count_records auto 'select(.iface == "veth0" and .dst == "192.0.2.2")')" 1 "records on veth0"
expect_eq "$(tc_state)" "$before" "tc state after the default-route run"
log "ok"
