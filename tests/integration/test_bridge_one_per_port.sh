#!/usr/bin/env bash
# One egresswatch-bridge per port: a second bridge on the same ports, or on
# one of them with another second port, would forward every frame again (a
# ping gets duplicates). It is refused with exit 1, one line naming the port
# and the first bridge's pid, before it touches anything; the first bridge
# keeps forwarding, once.
source "$(dirname "$0")/bridge_lib.sh"
require_bridge_root
bridge_setup noipv6
# A third port for the second bridge, its peer in the same namespace.
ip -n "$NS_X" link add pc type veth peer name pcpeer
ip -n "$NS_X" link set pc up
ip -n "$NS_X" link set pcpeer up
wait_carrier "$NS_X" pc

start_bridge first
wait_bridging first
first_pid=$EW_PID

# Starts a second bridge on PORT_A PORT_B: second_bridge NAME PORT_A PORT_B.
# Its exit status is in SECOND_STATUS ("running" if it did not exit in 3 s).
second_bridge() {
  local name=$1 pid i
  ip netns exec "$NS_X" "$EGRESSWATCH_BRIDGE" "$2" "$3" >"$WORK/$name.jsonl" 2>"$WORK/$name.err" &
  pid=$!
  EW_PIDS+=("$pid")
  SECOND_STATUS=running
  for i in $(seq 1 60); do
    if ! kill -0 "$pid" 2>/dev/null; then
      SECOND_STATUS=0
      wait "$pid" || SECOND_STATUS=$?
      return 0
    fi
    sleep 0.05
  done
}

# No duplicate echo replies: each frame crossed once.
no_duplicates() {
  local out
  out=$(in_a ping -c 3 -i 0.1 -W 2 192.0.2.2 2>&1) || fail "ping A -> B ($1): $out"
  if grep -q 'DUP!' <<<"$out"; then fail "duplicate replies ($1): $out"; fi
}

# PORTS:the port named in the refusal (the first of them it tries to take).
for case in "pa pb:pa" "pb pa:pb" "pc pa:pa" "pb pc:pb"; do
  ports=${case%:*} shared=${case#*:}
  name="second_${ports// /_}"
  # shellcheck disable=SC2086
  second_bridge "$name" $ports
  no_duplicates "beside a second bridge on $ports"
  expect_eq "$SECOND_STATUS" 1 "exit status of a second bridge on $ports"
  expect_eq "$(cat "$WORK/$name.err")" \
    "egresswatch-bridge: $shared: already a port of another egresswatch-bridge (pid $first_pid)" \
    "the refusal of a second bridge on $ports"
  [ ! -s "$WORK/$name.jsonl" ] || fail "a refused bridge wrote output: $(cat "$WORK/$name.jsonl")"
done
# The refused ones touched nothing: pc is not promiscuous, pa and pb once.
expect_eq "$(promiscuity pa) $(promiscuity pb) $(promiscuity pc)" "1 1 0" "promiscuity after the refusals"
kill -0 "$first_pid" 2>/dev/null || fail "the first bridge is gone"
no_duplicates "after the refusals"

# Once the first bridge has stopped, its ports are free again.
EW_PID=$first_pid
stop_bridge INT
start_bridge again
wait_bridging again
no_duplicates "a new bridge after the first stopped"
stop_bridge INT
log "ok"
