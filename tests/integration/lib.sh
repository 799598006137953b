# Shared by the integration tests: namespaces, veth pairs, running
# egresswatch inside them, and assertions. Every test builds its own
# topology and tears it down on exit, whatever happens.
#
#   ns A ("host")  veth0 ---- veth1  ns B ("peer")
#     192.0.2.1/24                192.0.2.2/24     public once --include'd
#     198.51.100.1/24             198.51.100.2/24  documentation: stays excluded
#     10.99.0.1/24                10.99.0.2/24     RFC 1918
#     2001:db8::1/64              2001:db8::2/64   public once --include'd
#     fd00:e9::1/64               fd00:e9::2/64    unique-local
#
#   setup_second_pair adds, for tests that watch several interfaces:
#   ns A           veth2 ---- veth3  ns C
#     203.0.113.1/24              203.0.113.2/24   public once --include'd
#
# Traffic never leaves these namespaces: ns B and ns C have no other link.

set -euo pipefail

EGRESSWATCH=${EGRESSWATCH:?set EGRESSWATCH to the egresswatch binary}
TEST_NAME=$(basename "$0" .sh)
SKIP=77

# Short unique names: interface names are limited to 15 characters.
NS_A="ewA$$"
NS_B="ewB$$"
NS_C="ewC$$"
WORK=$(mktemp -d "/tmp/egresswatch-${TEST_NAME}.XXXXXX")
EW_PIDS=()

# Markers and locks of this run stay out of the real /run/egresswatch.
export EGRESSWATCH_STATE_DIR="$WORK/state"

log() { echo "[$TEST_NAME] $*"; }

fail() {
  echo "[$TEST_NAME] FAIL: $*" >&2
  for f in "$WORK"/*.err; do
    [ -f "$f" ] && { echo "--- $f" >&2; cat "$f" >&2; }
  done
  exit 1
}

require_root() {
  if [ "$(id -u)" != 0 ]; then
    echo "[$TEST_NAME] SKIP: needs root for network namespaces, CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN" \
         "(CI runs as root)"
    exit $SKIP
  fi
}

cleanup() {
  local pid
  for pid in "${EW_PIDS[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  ip netns del "$NS_A" 2>/dev/null || true
  ip netns del "$NS_B" 2>/dev/null || true
  ip netns del "$NS_C" 2>/dev/null || true
  rm -rf "$WORK"
}

in_a() { ip netns exec "$NS_A" "$@"; }
in_b() { ip netns exec "$NS_B" "$@"; }
in_c() { ip netns exec "$NS_C" "$@"; }

setup_pair() {
  trap cleanup EXIT
  ip netns add "$NS_A"
  ip netns add "$NS_B"
  ip -n "$NS_A" link add veth0 type veth peer name veth1 netns "$NS_B"
  local ns dev host
  for ns in "$NS_A" "$NS_B"; do ip -n "$ns" link set lo up; done
  ip -n "$NS_A" link set veth0 up
  ip -n "$NS_B" link set veth1 up
  for ns in A B; do
    if [ $ns = A ]; then dev=veth0; host=1; else dev=veth1; host=2; fi
    local name="NS_$ns"
    ip -n "${!name}" addr add "192.0.2.$host/24" dev $dev
    ip -n "${!name}" addr add "198.51.100.$host/24" dev $dev
    ip -n "${!name}" addr add "10.99.0.$host/24" dev $dev
    ip -n "${!name}" addr add "2001:db8::$host/64" dev $dev nodad
    ip -n "${!name}" addr add "fd00:e9::$host/64" dev $dev nodad
  done
}

# tc state of an interface in ns A, to compare before and after.
tc_state() {
  local dev=${1:-veth0}
  {
    tc -n "$NS_A" qdisc show dev "$dev"
    tc -n "$NS_A" filter show dev "$dev" ingress 2>/dev/null || true
    tc -n "$NS_A" filter show dev "$dev" egress 2>/dev/null || true
  } | sed -E 's/ id [0-9]+/ id N/; s/tag [0-9a-f]+/tag T/'
}

# Starts egresswatch in ns A in the background: start_egresswatch NAME ARGS...
# Output goes to $WORK/NAME.jsonl and $WORK/NAME.err; the pid is in EW_PID.
start_egresswatch() {
  local name=$1
  shift
  ip netns exec "$NS_A" "$EGRESSWATCH" "$@" >"$WORK/$name.jsonl" 2>"$WORK/$name.err" &
  EW_PID=$!
  EW_PIDS+=("$EW_PID")
}

# Waits until egresswatch says it is watching (all filters attached).
wait_attached() {
  local name=$1 i
  for i in $(seq 1 100); do
    grep -q "watching" "$WORK/$name.err" 2>/dev/null && return 0
    kill -0 "$EW_PID" 2>/dev/null || fail "egresswatch exited before attaching"
    sleep 0.05
  done
  fail "egresswatch did not attach within 5 s"
}

# Sends a signal and waits for a clean exit: stop_egresswatch SIGNAL
stop_egresswatch() {
  local signal=${1:-INT} status=0
  kill "-$signal" "$EW_PID"
  wait "$EW_PID" || status=$?
  [ "$status" = 0 ] || fail "egresswatch exited with $status after SIG$signal"
}

# Counts record lines matching a jq filter: count_records NAME 'select(...)'
count_records() {
  jq -c "select(.type == \"packet\") | $2" "$WORK/$1.jsonl" | wc -l
}

final_stats() { jq -c 'select(.type == "stats" and .final)' "$WORK/$1.jsonl"; }

expect_eq() {
  [ "$1" = "$2" ] || fail "$3: expected '$2', got '$1'"
}

ping_a() { in_a ping -q -c "$2" -i 0.05 -W 1 "$1" >/dev/null || true; }

# A second link out of ns A, to ns C (see the picture at the top). Can be
# called again after veth2 was deleted: ns C is made once.
setup_second_pair() {
  ip netns list | grep -qw "$NS_C" || { ip netns add "$NS_C"; ip -n "$NS_C" link set lo up; }
  ip -n "$NS_A" link add veth2 type veth peer name veth3 netns "$NS_C"
  ip -n "$NS_A" link set veth2 up
  ip -n "$NS_C" link set veth3 up
  ip -n "$NS_A" addr add 203.0.113.1/24 dev veth2
  ip -n "$NS_C" addr add 203.0.113.2/24 dev veth3
}

# One UDP datagram from ns A, each from a new socket (a connected socket
# would fail its next send after the peer's ICMP port unreachable):
# udp_a HOST PORT [COUNT]
udp_a() {
  in_a bash -c 'for ((i = 0; i < $3; i++)); do echo x >"/dev/udp/$1/$2"; done' \
    udp "$1" "$2" "${3:-1}" 2>/dev/null || true
}

# One UDP datagram to each of COUNT ports from FIRST: COUNT flows for sure
# (source ports of new sockets may repeat). udp_ports_a HOST FIRST COUNT
udp_ports_a() {
  in_a bash -c 'for ((p = $2; p < $2 + $3; p++)); do echo x >"/dev/udp/$1/$p"; done' \
    udp "$1" "$2" "$3" 2>/dev/null || true
}

# Counts lines of any type matching a jq filter: count_lines NAME 'select(...)'
# A last line still being written is ignored.
count_lines() {
  { jq -c "$2" "$WORK/$1.jsonl" 2>/dev/null || true; } | wc -l
}

# Waits until a line matching a jq filter appears: wait_for_line NAME FILTER [SECONDS]
wait_for_line() {
  local name=$1 filter=$2 tries=$(( ${3:-5} * 20 )) i
  for ((i = 0; i < tries; i++)); do
    [ "$(count_lines "$name" "$filter")" -gt 0 ] && return 0
    sleep 0.05
  done
  fail "no line matching $filter within ${3:-5} s"
}

# Waits until PATTERN occurs COUNT times in egresswatch's stderr:
# wait_for_stderr NAME PATTERN [COUNT] [SECONDS]
wait_for_stderr() {
  local name=$1 pattern=$2 want=${3:-1} tries=$(( ${4:-5} * 20 )) i
  for ((i = 0; i < tries; i++)); do
    [ "$(grep -c -- "$pattern" "$WORK/$name.err" 2>/dev/null || true)" -ge "$want" ] && return 0
    sleep 0.05
  done
  fail "'$pattern' did not appear $want times on stderr within ${4:-5} s"
}

# The id of the BPF program our filter on DEV (in ns A) runs, or nothing.
filter_prog_id() {
  tc -n "$NS_A" filter show dev "${1:-veth0}" egress |
    sed -nE '/egresswatch/ s/.* id ([0-9]+).*/\1/p'
}

# Resolves the peer's MAC before a test starts counting, so no packet waits
# in the neighbour queue and leaves later from another context.
prime_neighbour() { ping_a "$1" 1; }
