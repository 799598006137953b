#!/usr/bin/env bash
# Kernel state that changes behind egresswatch's back:
# - after kill -9, somebody deletes the leftovers by hand and another tool
#   adds its own clsact qdisc: egresswatch must not take that qdisc for the
#   one it once created, and must leave it in place on exit;
# - a kill -9 between creating the qdisc and attaching the filter: the empty
#   qdisc it leaves is taken as ours by the next start, and removed;
# - a watched port leaves a bridge (RTM_DELLINK with family AF_BRIDGE): the
#   interface lives on, and so must the watch;
# - lock files do not pile up: a run removes its own, a start sweeps away
#   those nobody holds (a kill -9's, a gone namespace's), never a held one;
# - an interface that is down is watched, with a warning (and an up one gets none).
source "$(dirname "$0")/lib.sh"
require_root
setup_pair

start_egresswatch first veth0 --mode packet --include 192.0.2.0/24
wait_attached first
kill -9 "$EW_PID"
wait "$EW_PID" 2>/dev/null || true
tc -n "$NS_A" qdisc del dev veth0 clsact
tc -n "$NS_A" qdisc add dev veth0 clsact  # another tool's, filterless
before=$(tc_state)
start_egresswatch second veth0 --mode packet --include 192.0.2.0/24
wait_attached second
stop_egresswatch INT
expect_eq "$(tc_state)" "$before" "another tool's clsact after a stale marker"
tc -n "$NS_A" qdisc del dev veth0 clsact

# A kill -9 between creating the qdisc and attaching the filter leaves an
# empty clsact and a marker saying "attaching" (made here by hand: the window
# is too short to hit): the next egresswatch takes the qdisc as its own and
# removes it on exit.
clean=$(tc_state)
start_egresswatch probe veth0 --mode packet --include 192.0.2.0/24
wait_attached probe
marker=$(ls "$EGRESSWATCH_STATE_DIR"/clsact-*)
expect_eq "$(sed -n 2p "$marker")" attached "marker phase while attached"
kill -9 "$EW_PID"
wait "$EW_PID" 2>/dev/null || true
in_a "$EGRESSWATCH" detach veth0 2>/dev/null
tc -n "$NS_A" qdisc add dev veth0 clsact
printf 'veth0\nattaching\n' >"$marker"
start_egresswatch third veth0 --mode packet --include 192.0.2.0/24
wait_attached third
stop_egresswatch INT
expect_eq "$(tc_state)" "$clean" "an empty clsact left mid-set-up is removed"
[ ! -e "$marker" ] || fail "the marker outlived the qdisc"

# A bridge port leaving its bridge.
ip -n "$NS_A" link add br0 type bridge
ip -n "$NS_A" link set br0 up
ip -n "$NS_A" link set veth0 master br0
start_egresswatch bridged veth0 --mode packet --include 192.0.2.0/24
wait_attached bridged
ip -n "$NS_A" link set veth0 nomaster
sleep 0.3
kill -0 "$EW_PID" 2>/dev/null || fail "egresswatch stopped when veth0 left the bridge"
expect_eq "$(count_lines bridged 'select(.type == "interface")')" 0 "interface lines for a port leaving a bridge"
ping_a 192.0.2.2 2
sleep 0.1
stop_egresswatch INT
expect_eq "$(count_records bridged 'select(.dst == "192.0.2.2" and .icmp_type == 8)')" 2 \
  "records after veth0 left the bridge"

# --- Lock files.
STATE=$EGRESSWATCH_STATE_DIR
locks() { find "$STATE" -maxdepth 1 -name 'lock-*' -printf '%f\n' | sort; }
expect_eq "$(locks)" "" "lock files after clean exits"
: >"$STATE/lock-c999999999-7"  # a namespace long gone, nobody holds it
start_egresswatch locked veth0 --mode packet --include 192.0.2.0/24
wait_attached locked
held=$(locks)
[ "$(wc -l <<<"$held")" = 1 ] || fail "lock files while one egresswatch runs: $held"
[ ! -e "$STATE/lock-c999999999-7" ] || fail "the unheld lock file of a gone namespace was not swept"
first_pid=$EW_PID
# A second start on another interface sweeps too, and must leave the held one.
setup_second_pair
start_egresswatch second veth2 --mode packet --include 203.0.113.0/24
wait_attached second
[ -e "$STATE/$held" ] || fail "a start swept the lock file of a running egresswatch"
stop_egresswatch INT
EW_PID=$first_pid
stop_egresswatch INT
expect_eq "$(locks)" "" "lock files after both stopped"

# --- An interface that is down.
grep -q "is down" "$WORK/locked.err" && fail "warned about veth0, which is up: $(cat "$WORK/locked.err")"
ip -n "$NS_A" link add idle0 type veth peer name idle1
start_egresswatch down idle0 --mode packet --include 192.0.2.0/24
wait_attached down
grep -q "idle0: interface is down" "$WORK/down.err" || fail "no warning for a down interface: $(cat "$WORK/down.err")"
stop_egresswatch INT
log "ok"
