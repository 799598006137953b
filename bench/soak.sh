#!/usr/bin/env bash
# Soak (issue 6, "always on"): ten minutes of mixed traffic through
# egresswatch-bridge --watch and past an egresswatch on a host interface, with
# each process's memory (VmRSS) and open file descriptors sampled every 10 s.
# Both must stay flat: what the first minute grows to (warm-up: buffers,
# flow tables, the MAC table) is the baseline, and the rest of the run may
# not add more than SLACK_KB (default 1024) to it, nor a single fd.
#
#   sudo make bench-deps && sudo bench/soak.sh [BUILD_DIR]    # default: build
#
# Environment: MINUTES (10).
#
#   ns A (a0 192.0.2.1/24) -- pa [ns X: egresswatch-bridge pa pb --watch] pb -- (b0 192.0.2.2/24) ns B
#   egresswatch also watches a0 in ns A (flow mode, short idle timeout: flows churn)
# Traffic, in rounds until the time is up: a TCP transfer (iperf3, 2 s),
# UDP to 2000 ports (new flows, most of which end idle), pings v4 and v6,
# neighbour flushes (ARP, neighbour discovery). Nothing leaves the namespaces.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=$(cd "${1:-$HERE/../build}" && pwd)
EW=$BUILD/egresswatch
BRIDGE=$BUILD/egresswatch-bridge
GEN=$BUILD/bench/egresswatch_bench_udpgen
MINUTES=${MINUTES:-10}
SLACK_KB=${SLACK_KB:-1024}

[ "$(id -u)" = 0 ] || { echo "soak.sh: needs root (namespaces, BPF)" >&2; exit 1; }
for f in "$EW" "$BRIDGE"; do
  [ -x "$f" ] || { echo "soak.sh: $f missing: build first (make build)" >&2; exit 1; }
done
command -v iperf3 >/dev/null || { echo "soak.sh: iperf3 missing: sudo make bench-deps" >&2; exit 1; }

A=soakA$$ X=soakX$$ B=soakB$$
WORK=$(mktemp -d /tmp/egresswatch-soak.XXXXXX)
export EGRESSWATCH_STATE_DIR=$WORK/state
PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill -INT "$p" 2>/dev/null || true; done
  sleep 1
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  for ns in $A $X $B; do ip netns del "$ns" 2>/dev/null || true; done
}
trap cleanup EXIT

for ns in $A $X $B; do ip netns add "$ns"; ip -n "$ns" link set lo up; done
ip -n $A link add a0 type veth peer name pa netns $X
ip -n $B link add b0 type veth peer name pb netns $X
ip -n $A link set a0 up; ip -n $B link set b0 up
ip -n $X link set pa up; ip -n $X link set pb up
ip -n $A addr add 192.0.2.1/24 dev a0; ip -n $B addr add 192.0.2.2/24 dev b0
ip -n $A addr add 2001:db8::1/64 dev a0 nodad; ip -n $B addr add 2001:db8::2/64 dev b0 nodad

ip netns exec $X "$BRIDGE" pa pb --stats-interval 60 --watch --include 192.0.2.0/24 \
  --include 2001:db8::/32 --flow-interval 5 --idle-timeout 5 \
  >"$WORK/bridge.jsonl" 2>"$WORK/bridge.err" &
BRIDGE_PID=$!
PIDS+=("$BRIDGE_PID")
ip netns exec $A "$EW" a0 --include 192.0.2.0/24 --include 2001:db8::/32 --flow-interval 5 \
  --idle-timeout 5 --stats-interval 60 -o "$WORK/watch.jsonl" 2>"$WORK/watch.err" &
EW_PID=$!
PIDS+=("$EW_PID")
ip netns exec $B iperf3 -s -D >/dev/null
sleep 2
grep -q bridging "$WORK/bridge.err" || { cat "$WORK/bridge.err"; exit 1; }
grep -q watching "$WORK/watch.err" || { cat "$WORK/watch.err"; exit 1; }

sample() {  # sample LABEL PID -> "rss_kb fds"
  echo "$(awk '/^VmRSS/ { print $2 }' "/proc/$2/status") $(ls "/proc/$2/fd" | wc -l)"
}
echo "# seconds bridge_rss_kb bridge_fds watch_rss_kb watch_fds" >"$WORK/samples.txt"

traffic_round() {
  ip netns exec $A timeout 10 iperf3 -c 192.0.2.2 -t 2 >/dev/null 2>&1 || true
  if [ -x "$GEN" ]; then
    ip netns exec $A timeout 10 "$GEN" --dst 192.0.2.2 --flows 2000 --rate 20000 --duration 2 >/dev/null 2>&1 || true
  else
    ip netns exec $A bash -c 'for ((p = 20000; p < 22000; p++)); do echo x >/dev/udp/192.0.2.2/$p; done' 2>/dev/null || true
  fi
  ip netns exec $A ping -q -c 50 -i 0.01 192.0.2.2 >/dev/null 2>&1 || true
  ip netns exec $A ping -q -c 50 -i 0.01 2001:db8::2 >/dev/null 2>&1 || true
  ip -n $A neigh flush dev a0; ip -n $B neigh flush dev b0
}

start=$(date +%s)
next_sample=$start
end=$((start + MINUTES * 60))
while [ "$(date +%s)" -lt "$end" ]; do
  now=$(date +%s)
  if [ "$now" -ge "$next_sample" ]; then
    echo "$((now - start)) $(sample bridge $BRIDGE_PID) $(sample watch $EW_PID)" >>"$WORK/samples.txt"
    next_sample=$((next_sample + 10))
  fi
  traffic_round
done
echo "$(( $(date +%s) - start)) $(sample bridge $BRIDGE_PID) $(sample watch $EW_PID)" >>"$WORK/samples.txt"

kill -INT "$BRIDGE_PID" "$EW_PID"
wait "$BRIDGE_PID" "$EW_PID" || true
PIDS=()

cat "$WORK/samples.txt"
# Baseline: the first sample at or after 60 s.
awk -v slack="$SLACK_KB" '
  /^#/ { next }
  { t = $1; if (!have && t >= 60) { have = 1; b_rss = $2; b_fd = $3; w_rss = $4; w_fd = $5 }
    if (have) { if ($2 > mb) mb = $2; if ($4 > mw) mw = $4; if ($3 > fb) fb = $3; if ($5 > fw) fw = $5 } }
  END {
    if (!have) { print "soak: shorter than a minute, nothing to judge"; exit 1 }
    printf "bridge --watch: RSS %d kB at 60 s, at most %d kB after (+%d); fds %d, at most %d\n", b_rss, mb, mb - b_rss, b_fd, fb
    printf "egresswatch:    RSS %d kB at 60 s, at most %d kB after (+%d); fds %d, at most %d\n", w_rss, mw, mw - w_rss, w_fd, fw
    bad = (mb - b_rss > slack) || (mw - w_rss > slack) || fb > b_fd || fw > w_fd
    print bad ? "soak: NOT flat" : "soak: flat"
    exit bad
  }' "$WORK/samples.txt"
status=$?
echo "final bridge stats: $(grep '"ports"' "$WORK/bridge.jsonl" | tail -1)"
echo "final watch stats:  $(grep '"final":true' "$WORK/watch.jsonl" | tail -1)"
echo "(lines kept in $WORK)"
exit $status
