#!/usr/bin/env bash
# Every bad input to egresswatch-bridge: one clear line on stderr, nothing on
# stdout, the documented exit code, and every interface in the bridge
# namespace exactly as it was (links, promiscuity, qdiscs, filters).
source "$(dirname "$0")/bridge_lib.sh"
require_bridge_root
bridge_setup

# Spare interfaces in ns X: one down, one a port of a kernel bridge.
ip -n "$NS_X" link add sdown type veth peer name sdown1
ip -n "$NS_X" link add sport type veth peer name sport1
ip -n "$NS_X" link add kbr0 type bridge
ip -n "$NS_X" link set sport master kbr0
ip -n "$NS_X" link set sport up
ip -n "$NS_X" link set sport1 up
ip -n "$NS_X" link set kbr0 up
wait_carrier "$NS_X" kbr0
wait_carrier "$NS_X" sport

# Everything in ns X that the bridge could change.
x_state() {
  # Without the kernel bridge's running timers.
  ip -n "$NS_X" -d link show | sed -E 's/^[0-9]+: //; s/[a-z_]+_timer +[0-9.]+//g'
  local dev
  for dev in $(ip -n "$NS_X" -o link show | awk -F': ' '{print $2}' | cut -d@ -f1); do
    tc -n "$NS_X" qdisc show dev "$dev"
    tc -n "$NS_X" filter show dev "$dev" ingress 2>/dev/null || true
    tc -n "$NS_X" filter show dev "$dev" egress 2>/dev/null || true
  done
}
before=$(x_state)

n=0
# expect_refusal EXIT_CODE TEXT [--as-nobody | --without-sys-nice] ARGS...
expect_refusal() {
  local code=$1 text=$2 status=0 prefix=()
  shift 2
  if [ "${1:-}" = --as-nobody ]; then
    prefix=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all)
    shift
  elif [ "${1:-}" = --without-sys-nice ]; then
    prefix=(setpriv --inh-caps=-all --bounding-set=-sys_nice)
    shift
  fi
  n=$((n + 1))
  in_x timeout 10 "${prefix[@]}" "$EGRESSWATCH_BRIDGE" "$@" >"$WORK/bad$n.out" 2>"$WORK/bad$n.err" || status=$?
  expect_eq "$status" "$code" "exit status of egresswatch-bridge $* ($(cat "$WORK/bad$n.err"))"
  expect_eq "$(wc -l <"$WORK/bad$n.err")" 1 "stderr lines of egresswatch-bridge $*: $(cat "$WORK/bad$n.err")"
  grep -q "^egresswatch-bridge: " "$WORK/bad$n.err" && grep -qF -- "$text" "$WORK/bad$n.err" ||
    fail "egresswatch-bridge $* said: $(cat "$WORK/bad$n.err"), expected: $text"
  [ ! -s "$WORK/bad$n.out" ] || fail "egresswatch-bridge $* wrote to stdout: $(cat "$WORK/bad$n.out")"
  expect_eq "$(x_state)" "$before" "ns X after egresswatch-bridge $*"
}

expect_refusal 2 "pa: named twice; a bridge needs two different interfaces" pa pa
expect_refusal 1 "nosuch0: no such interface" pa nosuch0
expect_refusal 1 "nosuch0: no such interface" nosuch0 pb
expect_refusal 1 "sdown: interface is down; bring it up first" pa sdown
expect_refusal 1 "lo: a loopback interface; a bridge needs two Ethernet ports" pa lo
expect_refusal 1 "lo: a loopback interface; a bridge needs two Ethernet ports" lo pb
expect_refusal 1 "sport: already a port of a kernel bridge; take it out first" sport pb
expect_refusal 2 "--watch: 'pc' is not a classifier option; the bridge watches its own two ports" \
  pa pb --watch pc
expect_refusal 2 "--format must be auto, json or text (got 'bogus')" pa pb --format bogus
expect_refusal 2 "--watch: --format is the bridge's option: give it before --watch" \
  pa pb --watch --format text
expect_refusal 2 "'192.0.2.1/24' is not a valid prefix" pa pb --watch --include 192.0.2.1/24
# The bridge watches its ports' egress only, in either mode: --direction, on
# either side of --watch or in the classifier's --config file, is refused.
direction_refusal="--direction does not apply to the bridge: both directions of the traffic it forwards leave through the egress hook of one of its two ports, which is all it watches"
expect_refusal 2 "egresswatch-bridge: --watch: $direction_refusal (see --help)" pa pb --watch --direction both
expect_refusal 2 "egresswatch-bridge: --watch: $direction_refusal (see --help)" pa pb --watch --mode packet --direction egress
expect_refusal 2 "egresswatch-bridge: $direction_refusal (see --help)" pa pb --direction both --watch
echo '{"direction": "both"}' >"$WORK/direction.json"
expect_refusal 2 "egresswatch-bridge: --watch: $direction_refusal (see --help)" pa pb --watch --config "$WORK/direction.json"
expect_refusal 2 "egresswatch-bridge: --mode is a classifier option: put it after --watch (see --help)" \
  pa pb --mode packet
expect_refusal 2 "egresswatch-bridge: unknown option --duraton; did you mean --duration? (see --help)" \
  pa pb --duraton 5
expect_refusal 2 "egresswatch-bridge: --watch: --mode must be flow or packet (got 'packets') (see --help)" \
  pa pb --watch --mode packets
expect_refusal 2 "--stats-interval" pa pb --stats-interval 0
expect_refusal 2 "pb2" pa pb pb2
expect_refusal 1 "egresswatch-bridge needs CAP_NET_RAW and CAP_NET_ADMIN (missing: CAP_NET_ADMIN, CAP_NET_RAW)" \
  --as-nobody pa pb
expect_refusal 1 "egresswatch-bridge --watch needs CAP_NET_RAW, CAP_NET_ADMIN, CAP_BPF and CAP_PERFMON" \
  --as-nobody pa pb --watch --include 192.0.2.0/24
expect_refusal 1 "egresswatch-bridge needs CAP_NET_RAW and CAP_NET_ADMIN, and CAP_SYS_NICE for --realtime (missing: CAP_SYS_NICE)" \
  --without-sys-nice pa pb --realtime
log "ok: $n refusals"
