#!/usr/bin/env bash
# --direction (issue 12): in flow mode the classifier also hangs from the
# ingress hook, under the same rules as on egress:
# - while it runs, `tc filter show dev veth0 ingress` shows our filter; after
#   exit nothing is left on either hook, and the qdisc is removed only if we
#   created it;
# - another tool's filter at our slot on ingress is refused with a message
#   that names the hook, and the egress hook and the qdisc stay as they were
#   (also for an interface attached before the one that failed);
# - after kill -9, `egresswatch detach` clears both hooks, a leftover on
#   either hook vouches for the qdisc we created, and a start that does not
#   want ingress removes the leftover there;
# - packet mode without --direction, and --direction egress, attach egress
#   only; --direction both in packet mode attaches both; the config file's
#   "direction" counts, and a change on SIGHUP needs a restart.
# What the records say about ingress packets is the classifier's business
# (tests/bpf); here only the attachment and its cleanup are checked.
source "$(dirname "$0")/lib.sh"
require_root
setup_pair

ours_on() { tc -n "$NS_A" filter show dev "${2:-veth0}" "$1" 2>/dev/null | grep -c egresswatch || true; }
expect_hooks() { # expect_hooks EGRESS INGRESS WHAT: egresswatch filters on each hook
  expect_eq "$(ours_on egress) $(ours_on ingress)" "$1 $2" "$3: egresswatch filters on egress, ingress"
}

clean=$(tc_state)

# --- Flow mode: both hooks while running, nothing after; our qdisc goes.
start_egresswatch flow veth0 --include 192.0.2.0/24
wait_attached flow
grep -q "watching veth0 on egress and ingress" "$WORK/flow.err" || fail "start line: $(cat "$WORK/flow.err")"
expect_hooks 1 1 "flow mode"
tc -n "$NS_A" filter show dev veth0 ingress | grep -q "pref 10000 bpf chain 0 handle 0x1 egresswatch direct-action" ||
  fail "the ingress filter's slot: $(tc -n "$NS_A" filter show dev veth0 ingress)"
expect_eq "$(filter_prog_id)" "$(tc -n "$NS_A" filter show dev veth0 ingress | sed -nE '/egresswatch/ s/.* id ([0-9]+).*/\1/p')" \
  "the same program on both hooks"
ping_a 192.0.2.2 2
stop_egresswatch INT
expect_eq "$(tc_state)" "$clean" "tc state after a flow-mode run (qdisc ours)"

# --- The same with another tool's clsact qdisc and egress filter: both stay.
tc -n "$NS_A" qdisc add dev veth0 clsact
tc -n "$NS_A" filter add dev veth0 egress prio 20000 protocol all u32 match u32 0 0 classid 1:1
theirs=$(tc_state)
start_egresswatch flow2 veth0 --include 192.0.2.0/24
wait_attached flow2
expect_hooks 1 1 "flow mode beside another tool"
stop_egresswatch INT
expect_eq "$(tc_state)" "$theirs" "the other tool's qdisc and filter after a flow-mode run"

# --- A foreign filter at our slot on ingress: refused, naming the hook; the
# egress hook and the qdisc as they were.
tc -n "$NS_A" filter add dev veth0 ingress prio 10000 protocol all u32 match u32 0 0 classid 1:2
theirs=$(tc_state)
status=0
in_a "$EGRESSWATCH" veth0 --include 192.0.2.0/24 >"$WORK/slot.out" 2>"$WORK/slot.err" || status=$?
expect_eq "$status" 1 "exit status with our ingress slot taken"
grep -qF "veth0: ingress hook: priority 10000 is taken by a 'u32' filter; egresswatch needs it" "$WORK/slot.err" ||
  fail "slot taken said: $(cat "$WORK/slot.err")"
expect_eq "$(tc_state)" "$theirs" "tc state after the refusal"
# Egress only: the ingress hook is not ours to need.
start_egresswatch egress_beside veth0 --direction egress --include 192.0.2.0/24
wait_attached egress_beside
expect_hooks 1 0 "--direction egress beside a foreign ingress filter"
stop_egresswatch INT
expect_eq "$(tc_state)" "$theirs" "tc state after --direction egress beside it"

# An interface attached before the one refused is rolled back, both hooks
# and the qdisc we made there.
setup_second_pair
tc -n "$NS_A" qdisc del dev veth0 clsact
tc -n "$NS_A" qdisc add dev veth2 clsact
tc -n "$NS_A" filter add dev veth2 ingress prio 10000 protocol all u32 match u32 0 0 classid 1:2
theirs2=$(tc_state veth2)
status=0
in_a "$EGRESSWATCH" veth0 veth2 --include 192.0.2.0/24 >"$WORK/second.out" 2>"$WORK/second.err" || status=$?
expect_eq "$status" 1 "exit status with veth2's ingress slot taken"
grep -qF "veth2: ingress hook: priority 10000 is taken by a 'u32' filter" "$WORK/second.err" ||
  fail "veth2 refusal said: $(cat "$WORK/second.err")"
expect_eq "$(tc_state)" "$clean" "veth0 after veth2 was refused"
expect_eq "$(tc_state veth2)" "$theirs2" "veth2 after its refusal"
ip -n "$NS_A" link del veth2

# --- kill -9 leaves both filters; detach clears both hooks and our qdisc.
start_egresswatch killed veth0 --include 192.0.2.0/24
wait_attached killed
kill -9 "$EW_PID"
wait "$EW_PID" 2>/dev/null || true
expect_hooks 1 1 "after kill -9"
in_a "$EGRESSWATCH" detach veth0 2>"$WORK/detach.err" || fail "detach failed: $(cat "$WORK/detach.err")"
grep -q "veth0: removed 2 egresswatch filters (egress, ingress)" "$WORK/detach.err" ||
  fail "detach said: $(cat "$WORK/detach.err")"
expect_eq "$(tc_state)" "$clean" "tc state after kill -9 and detach"

# The record of the qdisc we created is trusted while a filter of ours hangs
# from either hook: after a kill -9 and the egress leftover deleted by hand,
# the ingress one still vouches for it, and the next run removes it at exit.
start_egresswatch killed3 veth0 --include 192.0.2.0/24
wait_attached killed3
kill -9 "$EW_PID"
wait "$EW_PID" 2>/dev/null || true
tc -n "$NS_A" filter del dev veth0 egress pref 10000
expect_hooks 0 1 "after kill -9 and deleting the egress leftover"
start_egresswatch after_hand veth0 --include 192.0.2.0/24
wait_attached after_hand
stop_egresswatch INT
expect_eq "$(tc_state)" "$clean" "tc state after a run that found only the ingress leftover"

# kill -9 of a flow-mode run, then a packet-mode start: the leftover on
# ingress is removed (it would outlive the new run), the egress one replaced.
start_egresswatch killed2 veth0 --include 192.0.2.0/24
wait_attached killed2
kill -9 "$EW_PID"
wait "$EW_PID" 2>/dev/null || true
start_egresswatch packet_after veth0 --mode packet --include 192.0.2.0/24
wait_attached packet_after
grep -q "veth0: ingress hook: removed the filter an earlier egresswatch left behind" "$WORK/packet_after.err" ||
  fail "packet run after kill -9 said: $(cat "$WORK/packet_after.err")"
expect_hooks 1 0 "packet mode after a killed flow-mode run"
stop_egresswatch INT
expect_eq "$(tc_state)" "$clean" "tc state after the packet run that followed kill -9"

# --- Which hooks each way of asking attaches.
attached_hooks() { # attached_hooks NAME EGRESS INGRESS ARGS...: starts, checks, stops
  local name=$1 egress=$2 ingress=$3
  shift 3
  start_egresswatch "$name" veth0 "$@"
  wait_attached "$name"
  expect_hooks "$egress" "$ingress" "$name ($*)"
  stop_egresswatch INT
  expect_eq "$(tc_state)" "$clean" "tc state after $name"
}
attached_hooks packet 1 0 --mode packet --include 192.0.2.0/24
grep -q "watching veth0 on egress (Ctrl-C" "$WORK/packet.err" || fail "packet start line: $(cat "$WORK/packet.err")"
attached_hooks flow_egress 1 0 --mode flow --direction egress
attached_hooks packet_both 1 1 --mode packet --direction both
printf '{"direction": "egress"}\n' >"$WORK/egress.json"
attached_hooks config_egress 1 0 --config "$WORK/egress.json"
attached_hooks config_overridden 1 1 --config "$WORK/egress.json" --direction both

# SIGHUP with another direction in the file: named as needing a restart,
# and the hooks stay as they were.
start_egresswatch reload veth0 --config "$WORK/egress.json"
wait_attached reload
printf '{"direction": "both"}\n' >"$WORK/egress.json"
kill -HUP "$EW_PID"
wait_for_stderr reload "changed, but applied only by a restart: --direction" 1 3
expect_hooks 1 0 "after a SIGHUP asking for both"
stop_egresswatch INT
expect_eq "$(tc_state)" "$clean" "tc state after the reload run"
log "ok"
