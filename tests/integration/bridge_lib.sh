# shellcheck shell=bash
# Shared by the bridge's integration tests (on top of lib.sh's helpers):
#
#   ns A (host)           ns X (egresswatch-bridge pa pb)        ns B (host)
#   a0 ------------------- pa                 pb ------------------- b0
#   02:00:00:00:0a:01                                   02:00:00:00:0b:01
#   192.0.2.1/24, 2001:db8::1/64         192.0.2.2/24, 2001:db8::2/64
#
# bridge_add_side_a_hosts turns ns A into a hub (a kernel bridge br0 that
# does not learn, so it floods every frame to a0 too) with two hosts behind it:
#   ns A1 h1 02:00:00:00:a1:01 192.0.2.11/24
#   ns A2 h2 02:00:00:00:a2:01 192.0.2.12/24
#
# Nothing leaves these namespaces: none of them has another link. ew_rawframe
# (EW_RAWFRAME) writes and reads whole frames where ping and nc cannot.

source "$(dirname "$0")/lib.sh"

EGRESSWATCH_BRIDGE=${EGRESSWATCH_BRIDGE:?set EGRESSWATCH_BRIDGE to the egresswatch-bridge binary}
EW_RAWFRAME=${EW_RAWFRAME:?set EW_RAWFRAME to the ew_rawframe test helper}

NS_A="ebA$$"
NS_B="ebB$$"
NS_X="ebX$$"
NS_A1="ebA1$$"
NS_A2="ebA2$$"
MAC_A=02:00:00:00:0a:01
MAC_B=02:00:00:00:0b:01
MAC_H1=02:00:00:00:a1:01
MAC_H2=02:00:00:00:a2:01
HELPER_PIDS=()

bridge_cleanup() {
  local pid ns
  for pid in "${EW_PIDS[@]}" "${HELPER_PIDS[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  for ns in "$NS_A" "$NS_B" "$NS_X" "$NS_A1" "$NS_A2"; do ip netns del "$ns" 2>/dev/null || true; done
  rm -rf "$WORK"
}

in_x() { ip netns exec "$NS_X" "$@"; }
in_a1() { ip netns exec "$NS_A1" "$@"; }

require_bridge_root() {
  if [ "$(id -u)" != 0 ]; then
    echo "[$TEST_NAME] SKIP: needs root for network namespaces, packet sockets and promiscuous mode" \
         "(CI runs as root)"
    exit $SKIP
  fi
}

# bridge_setup [noipv6]: the picture above. noipv6 turns IPv6 off in all
# three namespaces, so that no neighbour discovery or MLD frame disturbs
# exact frame counts.
bridge_setup() {
  trap bridge_cleanup EXIT
  local ns
  for ns in "$NS_A" "$NS_X" "$NS_B"; do
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    if [ "${1:-}" = noipv6 ]; then
      ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    fi
  done
  ip -n "$NS_A" link add a0 address $MAC_A type veth peer name pa netns "$NS_X"
  ip -n "$NS_B" link add b0 address $MAC_B type veth peer name pb netns "$NS_X"
  ip -n "$NS_A" link set a0 up
  ip -n "$NS_B" link set b0 up
  ip -n "$NS_X" link set pa up
  ip -n "$NS_X" link set pb up
  ip -n "$NS_A" addr add 192.0.2.1/24 dev a0
  ip -n "$NS_B" addr add 192.0.2.2/24 dev b0
  if [ "${1:-}" != noipv6 ]; then
    ip -n "$NS_A" addr add 2001:db8::1/64 dev a0 nodad
    ip -n "$NS_B" addr add 2001:db8::2/64 dev b0 nodad
  fi
  wait_carrier "$NS_A" a0
  wait_carrier "$NS_X" pa
  wait_carrier "$NS_X" pb
  wait_carrier "$NS_B" b0
}

# Waits until DEV in NS has its carrier (the kernel reports it with a delay):
# wait_carrier NS DEV
wait_carrier() {
  local i
  for i in $(seq 1 100); do
    ip -n "$1" link show dev "$2" | grep -q "state UP" && return 0
    sleep 0.05
  done
  fail "$2 in $1 has no carrier after 5 s"
}

bridge_add_side_a_hosts() {
  ip -n "$NS_A" addr flush dev a0
  ip -n "$NS_A" link add br0 type bridge stp_state 0
  ip -n "$NS_A" link set br0 up
  local n ns mac
  for n in 1 2; do
    if [ $n = 1 ]; then ns=$NS_A1 mac=$MAC_H1; else ns=$NS_A2 mac=$MAC_H2; fi
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    ip -n "$NS_A" link add s$n type veth peer name h$n netns "$ns"
    ip -n "$ns" link set h$n address $mac up
    ip -n "$ns" addr add 192.0.2.1$n/24 dev h$n
    ip -n "$NS_A" link set s$n master br0 up
  done
  ip -n "$NS_A" link set a0 master br0
  for dev in a0 s1 s2; do ip -n "$NS_A" link set $dev type bridge_slave learning off; done
  wait_carrier "$NS_A1" h1
  wait_carrier "$NS_A2" h2
  wait_carrier "$NS_A" br0
}

# Starts the bridge between pa and pb in ns X: start_bridge NAME [OPTIONS...]
# Output goes to $WORK/NAME.jsonl and $WORK/NAME.err; the pid is in EW_PID.
start_bridge() {
  local name=$1
  shift
  ip netns exec "$NS_X" "$EGRESSWATCH_BRIDGE" pa pb "$@" >"$WORK/$name.jsonl" 2>"$WORK/$name.err" &
  EW_PID=$!
  EW_PIDS+=("$EW_PID")
}

# Waits until the bridge says it is forwarding.
wait_bridging() {
  local name=$1 i
  for i in $(seq 1 100); do
    grep -q "bridging" "$WORK/$name.err" 2>/dev/null && return 0
    kill -0 "$EW_PID" 2>/dev/null || fail "egresswatch-bridge exited before bridging"
    sleep 0.05
  done
  fail "egresswatch-bridge did not start bridging within 5 s"
}

# Sends a signal and waits for a clean exit: stop_bridge [SIGNAL]
stop_bridge() {
  local signal=${1:-INT} status=0
  kill "-$signal" "$EW_PID"
  wait "$EW_PID" || status=$?
  [ "$status" = 0 ] || fail "egresswatch-bridge exited with $status after SIG$signal"
}

# Everything the bridge may change on its ports, to compare before and after.
port_state() {
  local dev
  for dev in pa pb; do
    ip -n "$NS_X" -d link show dev $dev | sed -E 's/^[0-9]+: //'
    tc -n "$NS_X" qdisc show dev $dev
    tc -n "$NS_X" filter show dev $dev ingress 2>/dev/null || true
    tc -n "$NS_X" filter show dev $dev egress 2>/dev/null || true
  done
}

promiscuity() {
  ip -n "$NS_X" -d link show dev "$1" | grep -o 'promiscuity [0-9]*' | cut -d' ' -f2
}

# Port PORT's counter FIELD in the last stats line (final or not) of NAME:
# port_counter NAME pa received | port_counter NAME pa not_forwarded.same_side
port_counter() {
  jq -s "[.[] | select(.type == \"bridge_stats\")] | last | .ports[]
         | select(.name == \"$2\") | .$3" "$WORK/$1.jsonl"
}

# Starts ew_rawframe recv in NS on IFACE for SECONDS, frames as hex lines in
# $WORK/NAME.frames: start_sniffer NAME NS IFACE SECONDS. The pid is in SNIFFER_PID.
start_sniffer() {
  local name=$1 ns=$2 dev=$3 seconds=$4 i
  ip netns exec "$ns" "$EW_RAWFRAME" recv "$dev" "$seconds" >"$WORK/$name.frames" 2>"$WORK/$name.sniff" &
  SNIFFER_PID=$!
  HELPER_PIDS+=("$SNIFFER_PID")
  for i in $(seq 1 100); do
    grep -q ready "$WORK/$name.sniff" 2>/dev/null && return 0
    sleep 0.05
  done
  fail "ew_rawframe recv on $dev did not get ready"
}

# Writes a frame given in hex: send_frame NS IFACE HEX [COUNT]
send_frame() {
  ip netns exec "$1" "$EW_RAWFRAME" send "$2" "$3" "${4:-1}" || fail "ew_rawframe send on $2 failed"
}

# Hex of COUNT bytes of a repeated marker byte: filler COUNT [BYTE]
filler() { printf "%0$(( $1 * 2 ))d" 0 | sed "s/00/${2:-5a}/g"; }

hexmac() { echo "${1//:/}"; }
