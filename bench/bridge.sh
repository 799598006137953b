#!/usr/bin/env bash
# Bridge benchmark (bench/README.md, section 3): the Linux kernel bridge,
# egresswatch-bridge (without and with --watch) and the old tool's scapy
# bridge (bench/baselines/scapy_bridge.py), one after the other in one run:
# TCP Mbit/s with offloads on and off, 64-byte UDP frames delivered per
# second, ping round trip p50/p99.
#
#   sudo make bench-deps && sudo bench/bridge.sh [BUILD_DIR]    # default: build
#
# Environment: REPEAT (runs per figure, 3), TCP_SECONDS (5), UDP_SECONDS (3),
# PINGS (1000, at -i 0.002), BRIDGES ("kernel ew ew-watch scapy"), PROFILE
# (1: afterwards, perf record -g egresswatch-bridge during the TCP tests),
# PIN (1: traffic sources on CPU 0, userspace bridges on CPU 1), RT (1: the
# userspace bridges run under chrt -f 10, a side experiment on wake-up latency).
#
# Everything runs in namespaces made here and torn down; nothing leaves them:
#   ns A a0 192.0.2.1/24 ---- pa [ns X: the bridge] pb ---- b0 192.0.2.2/24 ns B
# Bridges:
#   kernel    ip link add br0 type bridge in ns X, pa and pb its ports
#   ew        egresswatch-bridge pa pb
#   ew-watch  egresswatch-bridge pa pb --watch --mode flow --include 192.0.2.0/24
#   scapy     bench/baselines/scapy_bridge.py pa pb (the baseline)
# Measurements, each REPEAT times, the bridges interleaved (the order turns
# every repeat) so that load from elsewhere hits them alike; medians:
#   tcp-on    iperf3 A -> B for TCP_SECONDS, default offloads
#   tcp-off   the same with tso, gso, gro, tx checksum and sg off on all four
#             veth ends (put back afterwards)
#   udp       bench/udpgen flat out (64-byte frames) A -> B for UDP_SECONDS;
#             delivered = rx packets on b0 (ip -s -j link), a bound UDP socket
#             in B that never reads keeps B from answering with ICMP
#   ping      PINGS pings A -> B at -i 0.002, per-packet times, p50 and p99
# For egresswatch-bridge a SIGUSR1 after every measurement gives a stats line:
# its dropped (kernel drops on the packet sockets) and send_failed counts of
# that measurement go into the results.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=$(cd "${1:-$HERE/../build}" && pwd)
BR=$BUILD/egresswatch-bridge
GEN=$BUILD/bench/egresswatch_bench_udpgen
SCAPY=$HERE/baselines/scapy_bridge.py
PY=/usr/bin/python3
REPEAT=${REPEAT:-3}
TCP_SECONDS=${TCP_SECONDS:-5}
UDP_SECONDS=${UDP_SECONDS:-3}
PINGS=${PINGS:-1000}
BRIDGES=${BRIDGES:-"kernel ew ew-watch scapy"}
PROFILE=${PROFILE:-1}
PIN=${PIN:-1}
RT=${RT:-0}

[ "$(id -u)" = 0 ] || { echo "bridge.sh: needs root (namespaces, packet sockets)" >&2; exit 1; }
for f in "$BR" "$GEN"; do
  [ -x "$f" ] || { echo "bridge.sh: $f missing: build first (make build)" >&2; exit 1; }
done
for tool in iperf3 ethtool ping jq; do
  command -v $tool >/dev/null || { echo "bridge.sh: $tool missing (make bench-deps)" >&2; exit 1; }
done
if [[ " $BRIDGES " == *" scapy "* ]] && ! "$PY" -c 'import scapy' 2>/dev/null; then
  echo "bridge.sh: baseline cannot run: python3-scapy missing (make bench-deps)" >&2
  exit 1
fi

NS_A="ewrA$$"
NS_X="ewrX$$"
NS_B="ewrB$$"
WORK=$(mktemp -d /tmp/egresswatch-bench-bridge.XXXXXX)
RESULTS=$WORK/results.tsv
export EGRESSWATCH_STATE_DIR=$WORK/state
BRIDGE_TOP="" # the bridge's timeout wrapper, when a userspace bridge runs
SINK_PID=""
SRC_CPU=() BR_CPU=()
if [ "$PIN" = 1 ]; then SRC_CPU=(taskset -c 0) BR_CPU=(taskset -c 1); fi
if [ "$RT" = 1 ]; then BR_CPU+=(chrt -f 10); fi

cleanup() {
  local pid
  for pid in $BRIDGE_TOP $SINK_PID; do kill -INT "$pid" 2>/dev/null || true; done
  ip netns del "$NS_A" 2>/dev/null || true
  ip netns del "$NS_X" 2>/dev/null || true
  ip netns del "$NS_B" 2>/dev/null || true
  echo "bridge.sh: raw results kept in $WORK"
}
trap cleanup EXIT

in_a() { ip netns exec "$NS_A" "$@"; }
in_b() { ip netns exec "$NS_B" "$@"; }
in_x() { ip netns exec "$NS_X" "$@"; }
children() { tr -d " " <"/proc/$1/task/$1/children" 2>/dev/null || true; }

# The topology; IPv6 off everywhere, so that no neighbour discovery or MLD
# frame is in the counts and the bridge ports have no address the host of
# ns X could answer from.
for ns in "$NS_A" "$NS_X" "$NS_B"; do
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
ip -n "$NS_A" link add a0 address 02:00:00:00:0a:01 type veth peer name pa netns "$NS_X"
ip -n "$NS_B" link add b0 address 02:00:00:00:0b:01 type veth peer name pb netns "$NS_X"
ip -n "$NS_A" addr add 192.0.2.1/24 dev a0
ip -n "$NS_B" addr add 192.0.2.2/24 dev b0
ip -n "$NS_A" link set a0 up
ip -n "$NS_B" link set b0 up
ip -n "$NS_X" link set pa up
ip -n "$NS_X" link set pb up
ENDS=("$NS_A a0" "$NS_X pa" "$NS_X pb" "$NS_B b0")

# start_bridge KIND: sets BRIDGE_PID (the bridge process itself) for the
# userspace ones; returns once a ping goes through.
start_bridge() {
  local kind=$1 cmd=()
  BRIDGE_PID=""
  case $kind in
    kernel)
      ip -n "$NS_X" link add br0 type bridge stp_state 0 forward_delay 0
      ip -n "$NS_X" link set pa master br0
      ip -n "$NS_X" link set pb master br0
      ip -n "$NS_X" link set br0 up
      ;;
    ew) cmd=("$BR" pa pb) ;;
    ew-watch) cmd=("$BR" pa pb --watch --mode flow --include 192.0.2.0/24) ;;
    scapy) cmd=("$PY" "$SCAPY" pa pb) ;;
  esac
  if [ ${#cmd[@]} -gt 0 ]; then
    # ip netns exec, not in_x: $! must be timeout itself (a function would
    # put a subshell between), whose child is the bridge.
    ip netns exec "$NS_X" "${BR_CPU[@]}" timeout 1200 "${cmd[@]}" \
      >>"$WORK/$kind.jsonl" 2>>"$WORK/$kind.err.all" &
    BRIDGE_TOP=$!
    for _ in $(seq 1 200); do # STARTS: this start's "bridging" line, not an earlier one's
      [ "$(grep -c bridging "$WORK/$kind.err.all" 2>/dev/null || true)" -ge "$STARTS" ] && break
      kill -0 "$BRIDGE_TOP" 2>/dev/null || { cat "$WORK/$kind.err.all" >&2; exit 1; }
      sleep 0.05
    done
    BRIDGE_PID=$(children "$BRIDGE_TOP")
  fi
  for _ in $(seq 1 100); do
    in_a ping -q -c 1 -W 1 192.0.2.2 >/dev/null 2>&1 && return 0
  done
  echo "bridge.sh: no ping through the $kind bridge" >&2
  exit 1
}

stop_bridge() {
  local kind=$1
  if [ "$kind" = kernel ]; then
    ip -n "$NS_X" link del br0
  else
    kill -INT "$BRIDGE_TOP"
    wait "$BRIDGE_TOP" || echo "bridge.sh: $kind exited with $?" >&2
    BRIDGE_TOP=""
  fi
}

# Stats of egresswatch-bridge since the previous call: sets DROP_FAIL to
# "dropped send_failed" (sums over both ports), "- -" for the other bridges.
PREV_DROP=0 PREV_FAIL=0
ew_counts() {
  DROP_FAIL="- -"
  [[ $1 == ew* ]] || return 0
  local before d f
  before=$(grep -c '"type":"bridge_stats"' "$WORK/$1.jsonl" || true)
  kill -USR1 "$BRIDGE_PID"
  for _ in $(seq 1 40); do
    [ "$(grep -c '"type":"bridge_stats"' "$WORK/$1.jsonl" || true)" -gt "$before" ] && break
    sleep 0.05
  done
  read -r d f < <(grep '"type":"bridge_stats"' "$WORK/$1.jsonl" | tail -1 |
    jq -r '[([.ports[].dropped] | add), ([.ports[].send_failed] | add)] | @tsv')
  DROP_FAIL="$((d - PREV_DROP)) $((f - PREV_FAIL))"
  PREV_DROP=$d PREV_FAIL=$f
}

# offloads on|off on all four veth ends; "on" puts back what was there.
offloads() {
  local end ns dev
  for end in "${ENDS[@]}"; do
    read -r ns dev <<<"$end"
    if [ "$1" = off ]; then
      ip netns exec "$ns" ethtool -k "$dev" >"$WORK/features.$dev"
      ip netns exec "$ns" ethtool -K "$dev" tso off gso off gro off tx off sg off >/dev/null 2>&1
    else
      local f=$WORK/features.$dev
      ip netns exec "$ns" ethtool -K "$dev" \
        tx "$(feature "$f" tx-checksumming)" sg "$(feature "$f" scatter-gather)" \
        tso "$(feature "$f" tcp-segmentation-offload)" gso "$(feature "$f" generic-segmentation-offload)" \
        gro "$(feature "$f" generic-receive-offload)" >/dev/null 2>&1
    fi
  done
}
feature() { sed -n "s/^$2: \(on\|off\).*/\1/p" "$1"; }

# tcp NAME: sets M to "mbit_s retransmits"; iperf3's JSON in $WORK/iperf3.NAME.json
tcp() {
  local out
  ip netns exec "$NS_B" timeout $((TCP_SECONDS + 30)) iperf3 -s -1 -p 5201 >/dev/null 2>&1 &
  local server=$! _
  for _ in $(seq 1 100); do
    in_b ss -Hltn 'sport = :5201' | grep -q 5201 && break
    sleep 0.02
  done
  out=$(in_a "${SRC_CPU[@]}" timeout $((TCP_SECONDS + 20)) iperf3 -c 192.0.2.2 -p 5201 \
    -t "$TCP_SECONDS" --connect-timeout 3000 -J 2>/dev/null || true)
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  printf '%s\n' "$out" >"$WORK/iperf3.$1.json" # the error, where there is one
  M=$(jq -r 'if .end.sum_received then
      "\(.end.sum_received.bits_per_second / 1e6) \(.end.sum_sent.retransmits)" else "0 -" end' \
    <<<"${out:-{\}}" 2>/dev/null || echo "0 -")
}

b0_rx() { ip -n "$NS_B" -s -j link show b0 | jq '.[0].stats64.rx.packets'; }

# udp: sets M to "delivered_pps sent_pps"
udp() {
  local rx0 rx1 g
  ip netns exec "$NS_B" "$PY" -c 'import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("192.0.2.2", 10000))
time.sleep(3600)' &
  SINK_PID=$!
  sleep 0.2
  rx0=$(b0_rx)
  g=$(in_a "${SRC_CPU[@]}" "$GEN" --dst 192.0.2.2 --duration "$UDP_SECONDS")
  sleep 0.5 # what the bridge still holds arrives now or never
  rx1=$(b0_rx)
  kill "$SINK_PID"
  wait "$SINK_PID" 2>/dev/null || true
  SINK_PID=""
  M=$(jq -r --argjson d $((rx1 - rx0)) '"\($d / .seconds) \(.pps)"' <<<"$g")
}

# ping: sets M to "p50_us p99_us lost"
ping_rtt() {
  in_a "${SRC_CPU[@]}" ping -n -c "$PINGS" -i 0.002 -W 1 192.0.2.2 2>/dev/null |
    sed -n 's/.* time=\([0-9.]*\) ms/\1/p' >"$WORK/ping.times" || true
  M=$(sort -g "$WORK/ping.times" | awk -v n="$PINGS" '{t[NR] = $1 * 1000}
    END {
      if (NR == 0) { print "- - " n; exit }
      i50 = int(NR * 0.50 + 0.5); if (i50 < 1) i50 = 1
      i99 = int(NR * 0.99 + 0.5); if (i99 < 1) i99 = 1
      printf "%.0f %.0f %d\n", t[i50], t[i99], n - NR
    }')
}

record() { # record BRIDGE TEST REP: one line of results.tsv from M and DROP_FAIL
  local a b c
  read -r a b c <<<"$M"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$a" "$b" "${c:--}" \
    "$(tr ' ' '\t' <<<"$DROP_FAIL")" "$(cut -d' ' -f1 /proc/loadavg)" | tee -a "$RESULTS"
}

echo "machine: $(nproc) CPUs, $(lscpu | sed -n 's/^Model name: *//p'), kernel $(uname -r)"
echo "commit: $(git -C "$HERE" rev-parse --short HEAD 2>/dev/null || echo unknown)"
echo "start: $(uptime)"
printf 'bridge\ttest\trep\tvalue\taux\taux2\tdropped\tsend_failed\tload1\n' | tee "$RESULTS"

read -ra order <<<"$BRIDGES"
STARTS=0
declare -A started
for rep in $(seq 1 "$REPEAT"); do
  for kind in "${order[@]}"; do
    started[$kind]=$((${started[$kind]:-0} + 1))
    STARTS=${started[$kind]}
    start_bridge "$kind"
    PREV_DROP=0 PREV_FAIL=0
    ew_counts "$kind"
    tcp "$kind-on-$rep"
    ew_counts "$kind"
    record "$kind" tcp-on "$rep"
    offloads off
    tcp "$kind-off-$rep"
    ew_counts "$kind"
    record "$kind" tcp-off "$rep"
    offloads on
    udp
    ew_counts "$kind"
    record "$kind" udp "$rep"
    ping_rtt
    ew_counts "$kind"
    record "$kind" ping "$rep"
    stop_bridge "$kind"
  done
  order=("${order[@]:1}" "${order[0]}") # the next repeat starts with the next bridge
done
echo "end: $(uptime)"

# The profile: egresswatch-bridge under perf record -g during a TCP test with
# offloads on and one with them off (not measured runs: perf costs time).
if [ "$PROFILE" = 1 ] && [[ " $BRIDGES " == *" ew "* ]] && command -v perf >/dev/null; then
  STARTS=$((started[ew] + 1))
  start_bridge ew
  for mode in on off; do
    [ "$mode" = off ] && offloads off
    perf record -q -g -p "$BRIDGE_PID" -o "$WORK/perf-tcp-$mode.data" -- sleep "$TCP_SECONDS" \
      2>/dev/null &
    perf_pid=$!
    tcp "profile-$mode"
    wait "$perf_pid" || true
    echo "profile, tcp-$mode: $M (Mbit/s, retransmits) under perf"
    perf report -i "$WORK/perf-tcp-$mode.data" --no-children --stdio --percent-limit 1.5 \
      --sort sym -g none 2>/dev/null | grep -v '^#' | grep -v '^$' | head -25 |
      tee "$WORK/perf-tcp-$mode.txt"
    perf report -i "$WORK/perf-tcp-$mode.data" --children --stdio --percent-limit 5 \
      --sort sym -g none 2>/dev/null | grep -v '^#' | grep -v '^$' | head -25 \
      >"$WORK/perf-tcp-$mode.children.txt"
  done
  offloads on
  stop_bridge ew
fi

"$PY" "$HERE/bridge_report.py" "$RESULTS" | tee "$WORK/results.md"
