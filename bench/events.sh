#!/usr/bin/env bash
# Events benchmark (bench/README.md, section 2): records per second turned into
# JSON lines with nothing lost, CPU seconds per million records, and the cost
# to the host, for egresswatch (packet and flow mode) beside the old tool's
# BCC + Python consumer (bench/baselines/bcc_egress_printer.py), in one run.
#
#   sudo make bench-deps && sudo bench/events.sh [BUILD_DIR]    # default: build
#
# Environment: DURATION (seconds per run, 3), REPEAT (runs per figure, 3),
# RATES (generator rates, "25000 50000 0"; 0 is flat out), SKIP_BCC=1,
# SEARCH=0 (skip part 3), SEARCH_ONLY=1 (only part 3).
#
# Two sources of traffic, both inside namespaces made here and torn down:
#   ns A veth0 192.0.2.1/24 ---- veth1 192.0.2.2/24 ns B  (192.0.2.0/24 --include'd)
# - "gen": bench/udpgen.cpp, UDP through the real stack from ns A to ns B,
#   pinned to CPU 0. Its packets per second with and without a watcher is the
#   cost to the host.
# - "inject": bench/inject.cpp runs the attached program itself with
#   BPF_PROG_TEST_RUN (pinned to CPU 0), for record rates the stack cannot
#   make on a small machine. This finds the consumer's ceiling. With a new
#   flow per packet (flow-many) each run goes through a wrapper program
#   (bench/new_flow_source.bpf.c) that gives the frame the next ports and
#   tail-calls the attached program, never repeating a flow.
# The consumer (egresswatch or the baseline) is pinned to CPU 1. Its CPU time
# is /usr/bin/time's user+system at exit minus what /proc/PID/stat showed once
# it was attached (loading and compiling are start-up, not events).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=$(cd "${1:-$HERE/../build}" && pwd)
EW=$BUILD/egresswatch
GEN=$BUILD/bench/egresswatch_bench_udpgen
INJECT=$BUILD/bench/egresswatch_bench_inject
BCC=$HERE/baselines/bcc_egress_printer.py
DURATION=${DURATION:-3}
REPEAT=${REPEAT:-3}
RATES=${RATES:-"25000 50000 0"}
SKIP_BCC=${SKIP_BCC:-0}
PY=/usr/bin/python3 # Debian's, which has the bcc module

[ "$(id -u)" = 0 ] || { echo "events.sh: needs root (namespaces, BPF)" >&2; exit 1; }
for f in "$EW" "$GEN" "$INJECT"; do
  [ -x "$f" ] || { echo "events.sh: $f missing: build first (make build)" >&2; exit 1; }
done
if [ "$SKIP_BCC" != 1 ] && ! "$PY" -c 'import bcc, pyroute2' 2>/dev/null; then
  echo "events.sh: baseline cannot run: python3-bpfcc or python3-pyroute2 missing (make bench-deps)"
  SKIP_BCC=1
fi

NS_A="ewbA$$"
NS_B="ewbB$$"
WORK=$(mktemp -d /tmp/egresswatch-bench-events.XXXXXX)
SHM=$(mktemp -d /dev/shm/egresswatch-bench.XXXXXX) # output files: tmpfs, no disk in the figures
RESULTS=$WORK/results.tsv
export EGRESSWATCH_STATE_DIR=$WORK/state
CONSUMER_TOP=""

cleanup() {
  if [ -n "$CONSUMER_TOP" ]; then kill -INT "$CONSUMER" "$CONSUMER_TOP" 2>/dev/null || true; fi
  ip netns del "$NS_A" 2>/dev/null || true
  ip netns del "$NS_B" 2>/dev/null || true
  rm -rf "$SHM"
  echo "events.sh: raw results kept in $RESULTS"
}
trap cleanup EXIT

ip netns add "$NS_A"
ip netns add "$NS_B"
ip -n "$NS_A" link add veth0 type veth peer name veth1 netns "$NS_B"
ip -n "$NS_A" link set lo up
ip -n "$NS_B" link set lo up
ip -n "$NS_A" link set veth0 up
ip -n "$NS_B" link set veth1 up
ip -n "$NS_A" addr add 192.0.2.1/24 dev veth0
ip -n "$NS_B" addr add 192.0.2.2/24 dev veth1
ip netns exec "$NS_A" ping -q -c 1 -W 2 192.0.2.2 >/dev/null # resolve the neighbour first

children() { tr -d " " <"/proc/$1/task/$1/children" 2>/dev/null || true; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# start_consumer NAME SINK KIND ARGS...: KIND ew or bcc, SINK file or pipe.
# Sets CONSUMER (the watcher's own pid) and CPU0 (its CPU seconds at attach).
start_consumer() {
  local name=$1 sink=$2 kind=$3
  shift 3
  local cmd out
  # Both stop themselves (--duration) a little after the source: a SIGINT
  # while a pipe is momentarily full makes egresswatch give up the rest of its
  # output (it takes a blocked output for a gone reader), which would cut the
  # end lines of flow mode short.
  local stop_after
  stop_after=$(awk -v d="$DURATION" 'BEGIN{print d + 1.5}')
  if [ "$kind" = ew ]; then
    cmd=("$EW" "$WATCH_IF" --include 192.0.2.0/24 --duration "$stop_after" "$@")
  else
    cmd=("$PY" "$BCC" veth0 --exclude 10.0.0.0/8 --duration "$stop_after" "$@")
  fi
  rm -f "$WORK/$name".*
  if [ "$sink" = pipe ]; then
    mkfifo "$WORK/$name.fifo"
    if [ "$kind" = ew ]; then
      tail -n 3 <"$WORK/$name.fifo" >"$WORK/$name.tail" &
    else
      wc -l <"$WORK/$name.fifo" >"$WORK/$name.count" &
    fi
    out=$WORK/$name.fifo
  else
    out=$SHM/$name.out
  fi
  ip netns exec "$WATCH_NS" taskset -c 1 timeout 120 /usr/bin/time -f '%U %S %M' -o "$WORK/$name.time" \
    "${cmd[@]}" >"$out" 2>"$WORK/$name.err" &
  CONSUMER_TOP=$!
  local i time_pid=""
  CONSUMER=""
  for i in $(seq 1 600); do
    grep -qE "watching|attached" "$WORK/$name.err" 2>/dev/null && break
    kill -0 "$CONSUMER_TOP" 2>/dev/null || { cat "$WORK/$name.err" >&2; exit 1; }
    sleep 0.05
  done
  # In some runs packets in the first tenth of a second after "watching"
  # missed the hook (seen short of sent), cause not found: wait past that.
  sleep 0.5
  time_pid=$(children "$CONSUMER_TOP")
  CONSUMER=$(children "$time_pid")
  CPU0=$(awk -v t="$(cpu_ticks "$CONSUMER")" -v hz="$(getconf CLK_TCK)" 'BEGIN{print t/hz}')
}

# stop_consumer NAME KIND SINK: waits for the consumer's --duration, then sets M
# to "delivered lost cpu_s cpu_live_s peak_kb": cpu_live_s is the CPU used until
# 0.3 s after the source stopped, cpu_s includes the exit (flow mode writes an
# end line for every flow then).
# Not in a subshell: only this shell can wait for the consumer.
stop_consumer() {
  local name=$1 kind=$2 sink=$3 delivered lost
  sleep 0.3
  local live
  live=$(awk -v t="$(cpu_ticks "$CONSUMER")" -v hz="$(getconf CLK_TCK)" -v c0="$CPU0" \
    'BEGIN{printf "%.3f", t/hz - c0}')
  wait "$CONSUMER_TOP" || true
  CONSUMER_TOP=""
  wait # the pipe's reader
  if [ "$kind" = ew ]; then
    local stats
    if [ "$sink" = pipe ]; then
      stats=$(grep '"final":true' "$WORK/$name.tail" || true)
    else
      stats=$(grep '"final":true' "$SHM/$name.out" || true)
    fi
    if [ -z "$stats" ]; then # the output was given up: the stats went to stderr
      grep -h "not written" "$WORK/$name.err" >&2 || true
      stats=$(sed -n 's/.*final stats: //p' "$WORK/$name.err")
    fi
    delivered=$(jq .records <<<"$stats")
    lost=$(jq .lost <<<"$stats")
  else
    read -r _ delivered _ lost < <(grep '^printed' "$WORK/$name.err")
    if [ "$sink" = pipe ]; then
      [ "$(cat "$WORK/$name.count")" = "$delivered" ] || echo "events.sh: $name: line count differs" >&2
    fi
  fi
  rm -f "$SHM/$name.out"
  M=$(awk -v d="$delivered" -v l="$lost" -v c0="$CPU0" -v live="$live" \
    '{printf "%s %s %.3f %s %s\n", d, l, $1 + $2 - c0, live, $3}' "$WORK/$name.time")
}

gen() { ip netns exec "$NS_A" taskset -c 0 "$GEN" --dst 192.0.2.2 --duration "$DURATION" "$@"; }
inject() {
  local id
  id=$(tc -n "$NS_A" filter show dev veth0 egress | sed -nE 's/.* id ([0-9]+).*/\1/p' | head -1)
  ip netns exec "$NS_A" taskset -c 0 "$INJECT" --prog-id "$id" --dst 192.0.2.2 \
    --duration "$DURATION" "$@"
}

# run SOURCE CONFIG SINK RATE REP: one measurement, one line of results.tsv (also in LINE):
# source config sink rate rep sent gen_pps delivered lost cpu_s cpu_live_s peak_kb load1
run() {
  local source=$1 config=$2 sink=$3 rate=$4 rep=$5 kind=ew flows=16 args=() g
  WATCH_NS=$NS_A WATCH_IF=veth0
  case $config in
    none) kind=none ;;
    packet) args=(--mode packet) ;;
    flow-few) args=(--mode flow) ;;
    flow-few-in)
      # On the receiving side, so every packet crosses the ingress hook
      # (ns B's softirq runs on the sending CPU: its cost is the host's).
      args=(--mode flow) WATCH_NS=$NS_B WATCH_IF=veth1
      ;;
    flow-many)
      # Room for every conversation of a run at the injector's top rate
      # (3.6 million in 3 s), so that none is evicted: a map that overflows
      # makes the loader scan it, which is another benchmark.
      args=(--mode flow --flow-table-size 4194304 --flow-interval 3600 --idle-timeout 3600)
      flows=0 # never the same twice: --flows 0
      ;;
    bcc) kind=bcc args=(--page-cnt 512) ;; # 2 MiB per CPU: egresswatch's 4 MiB ring in all
  esac
  [ "$source" = inject ] && [ "$config" != flow-many ] && flows=1
  local name="$source-$config-$sink-$rate-$rep"
  if [ "$kind" != none ]; then start_consumer "$name" "$sink" "$kind" "${args[@]}"; fi
  if [ "$source" = gen ]; then
    [ "$flows" = 0 ] && flows=1000000 # udpgen cycles: more than the stack sends in a run here
    g=$(gen --rate "$rate" --flows "$flows")
  else
    g=$(inject --rate "$rate" --flows "$flows") # --flows 0: through the wrapper
  fi
  M="- - - - -"
  if [ "$kind" != none ]; then stop_consumer "$name" "$kind" "$sink"; fi
  LINE=$(printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s' "$source" "$config" "$sink" "$rate" \
    "$rep" "$(jq .sent <<<"$g")" "$(jq .pps <<<"$g")" "$(tr ' ' '\t' <<<"$M")" \
    "$(cut -d' ' -f1 /proc/loadavg)")
  echo "$LINE" | tee -a "$RESULTS"
}

echo "machine: $(nproc) CPUs, $(lscpu | sed -n 's/^Model name: *//p'), kernel $(uname -r)"
echo "start: $(uptime)"
printf 'source\tconfig\tsink\trate\trep\tsent\tgen_pps\tdelivered\tlost\tcpu_s\tcpu_live_s\tpeak_kb\tload1\n' \
  | tee "$RESULTS"

consumers=(packet flow-many)
[ "$SKIP_BCC" = 1 ] || consumers+=(bcc)

# 1. Cost to the host: the generator flat out (and at the fixed rates), with
#    nothing attached and with each watcher, interleaved so drift hits all alike.
[ "${SEARCH_ONLY:-0}" = 1 ] && REPEAT=0
for rep in $(seq 1 "$REPEAT"); do
  for rate in $RATES; do
    for config in none flow-few flow-few-in "${consumers[@]}"; do
      run gen "$config" file "$rate" "$rep"
    done
  done
done

# 2. The consumer's ceiling, records injected at fixed rates and flat out,
#    written to a tmpfs file and to a pipe.
for rep in $(seq 1 "$REPEAT"); do
  for rate in 100000 250000 500000 1000000 0; do
    for config in "${consumers[@]}"; do
      [ "$config" = bcc ] && [ "$rate" != 100000 ] && [ "$rate" != 0 ] && continue
      for sink in file pipe; do
        run inject "$config" "$sink" "$rate" "$rep"
      done
    done
  done
done

# 3. The highest injected rate with nothing lost (a short search, file sink).
search() {
  local config=$1 rate lo=0 why="" sent pps delivered lost
  shift
  for rate in "$@"; do
    run inject "$config" file "$rate" search
    read -r _ _ _ _ _ sent pps delivered lost _ <<<"$LINE"
    if [ "$lost" != 0 ] || [ "$delivered" != "$sent" ]; then
      why="lost $lost of $sent at $rate/s"
      break
    fi
    # Below 95% of the rate asked, the source itself is the limit (the
    # injector is slowed by the consumer's wakeups, or makes one call per flow).
    if awk -v p="$pps" -v r="$rate" 'BEGIN{exit !(p < 0.95 * r)}'; then
      why="the source reached only $pps/s of $rate/s asked (nothing lost)"
      lo=$pps
      break
    fi
    lo=$rate
    why="nothing lost at any rate tried"
  done
  echo "highest zero-loss rate for $config: $lo per second; stopped because $why (tried: $*)" |
    tee -a "$WORK/search.txt"
}
[ "${SEARCH:-1}" = 1 ] && search packet 400000 600000 800000 1000000 1200000 1400000 1600000 2000000
[ "${SEARCH:-1}" = 1 ] && search flow-many 200000 400000 600000 800000 1000000 1200000 1400000
[ "${SEARCH:-1}" = 1 ] && [ "$SKIP_BCC" != 1 ] && search bcc 50000 75000 100000 125000 150000 200000

echo "end: $(uptime)"
"$PY" "$HERE/events_report.py" "$RESULTS" "$WORK/search.txt"
