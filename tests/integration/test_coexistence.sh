#!/usr/bin/env bash
# Another tool's clsact qdisc and egress filter: ours runs beside it, theirs
# keeps working (it comes after ours, so our TC_ACT_UNSPEC must pass packets
# on), and on exit both are exactly as they were. A second egresswatch on the
# same interface is refused, and so is `detach` while one runs.
source "$(dirname "$0")/lib.sh"
require_root
setup_pair

# The other tool: a u32 match-all filter that mirrors egress to mirror0.
ip -n "$NS_A" link add mirror0 type veth peer name mirror1
ip -n "$NS_A" link set mirror0 up
ip -n "$NS_A" link set mirror1 up
tc -n "$NS_A" qdisc add dev veth0 clsact
tc -n "$NS_A" filter add dev veth0 egress prio 20000 protocol all \
  u32 match u32 0 0 action mirred egress mirror dev mirror0
before=$(tc_state)
mirrored() { in_a cat /sys/class/net/mirror1/statistics/rx_packets; }

start_egresswatch run veth0 --mode packet --include 192.0.2.0/24
wait_attached run
expect_eq "$(tc -n "$NS_A" filter show dev veth0 egress | grep -c 'u32 chain 0 fh 800::800')" 1 \
  "the other filter while we run"

start_before=$(mirrored)
ping_a 192.0.2.2 4
sleep 0.1
[ $(( $(mirrored) - start_before )) -ge 4 ] ||
  fail "the other filter stopped seeing packets: $start_before -> $(mirrored)"

# A second egresswatch on the same interface is refused and changes nothing.
first_pid=$EW_PID
start_egresswatch second veth0
if wait "$EW_PID"; then fail "a second egresswatch on veth0 started"; fi
grep -q "veth0: already watched by another egresswatch (pid $first_pid)" "$WORK/second.err" ||
  fail "second instance said: $(cat "$WORK/second.err")"
if in_a "$EGRESSWATCH" detach veth0 2>"$WORK/detach.err"; then fail "detach while running succeeded"; fi
grep -q "running egresswatch (pid $first_pid)" "$WORK/detach.err" ||
  fail "detach while running said: $(cat "$WORK/detach.err")"

EW_PID=$first_pid
ping_a 192.0.2.2 1
sleep 0.1
stop_egresswatch INT
expect_eq "$(count_records run 'select(.dst == "192.0.2.2" and .icmp_type == 8)')" 5 \
  "records beside the other filter"
expect_eq "$(tc_state)" "$before" "the other tool's qdisc and filter after we stop"

# Its filter still works after we are gone.
start_after=$(mirrored)
ping_a 192.0.2.2 2
[ $(( $(mirrored) - start_after )) -ge 2 ] || fail "the other filter broke after we left"
log "ok"
