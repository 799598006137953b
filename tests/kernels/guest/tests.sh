#!/bin/busybox sh
# The tests run inside the guest (busybox sh). Each prints one line
# "PASS name" or "FAIL name: why" (with what egresswatch said under it,
# prefixed "  | "); the last line is "EW-GUEST-RESULT passed=N failed=N".
# All traffic stays between the guest's own namespaces (192.0.2.0/24, a
# documentation range, included so that it counts as public).
passed=0
failed=0
# Debian's busybox-static runs its own applets before anything on PATH
# (FEATURE_SH_STANDALONE): its ip and tc are not iproute2's. A command run
# in the background names /usr/sbin/ip itself: through the function, $!
# would be a subshell's pid, not egresswatch's, and signals would miss it.
ip() { /usr/sbin/ip "$@"; }
tc() { /usr/sbin/tc "$@"; }
W=/tmp/ew
mkdir -p $W

uptime() { cut -d' ' -f1 /proc/uptime; }
started=$(uptime)
# took: seconds since the test began (each test sets started).
took() { awk -v a="$started" -v b="$(uptime)" 'BEGIN { printf "%.1f s", b - a }'; }
pass() { echo "PASS $1 ($(took))"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2 ($(took))"; failed=$((failed + 1)); }
show() { [ -s "$1" ] && sed 's/^/  | /' "$1" | tail -n "${2:-20}"; }

# wait_for FILE PATTERN PID SECONDS: until FILE holds PATTERN; fails when the
# process PID ends first or the time runs out. Emulated CPUs are slow: the
# verifier alone takes seconds here.
wait_for() {
  i=0
  while [ $i -lt $(($4 * 10)) ]; do
    grep -q "$2" "$1" 2>/dev/null && return 0
    kill -0 "$3" 2>/dev/null || { grep -q "$2" "$1" 2>/dev/null; return; }
    sleep 0.1
    i=$((i + 1))
  done
  return 1
}

# ns a: veth0 192.0.2.1/24 <-> ns b: veth1 192.0.2.2/24
setup_pair() {
  ip netns add a && ip netns add b || return 1
  ip -n a link set lo up
  ip -n b link set lo up
  ip -n a link add veth0 type veth peer name veth1 netns b || return 1
  ip -n a addr add 192.0.2.1/24 dev veth0
  ip -n b addr add 192.0.2.2/24 dev veth1
  ip -n a link set veth0 up
  ip -n b link set veth1 up
}
teardown() { for ns in a b x; do ip netns del $ns 2>/dev/null; done; }

# start_watching NAME [egresswatch options]: egresswatch on veth0 in ns a,
# its lines in $W/NAME.jsonl and $W/NAME.err, its pid in $pid, once it says
# it is watching. Otherwise the test fails here, cleaned up: returns 1.
start_watching() {
  name=$1
  shift
  /usr/sbin/ip netns exec a egresswatch veth0 "$@" >$W/$name.jsonl 2>$W/$name.err &
  pid=$!
  wait_for $W/$name.err watching $pid 60 && return 0
  fail "$name" "egresswatch did not attach"
  show $W/$name.err 40
  kill -9 $pid 2>/dev/null
  wait $pid 2>/dev/null
  teardown
  return 1
}

# packet_run NAME [egresswatch options]: --mode packet for 3 s in ns a while
# ns a pings 192.0.2.2 three times: three echo-request records, nothing lost.
packet_run() {
  name=$1
  shift
  setup_pair || { fail "$name" "could not make the veth pair"; teardown; return; }
  start_watching "$name" --mode packet --include 192.0.2.0/24 --duration 3 "$@" || return
  timeout 30 /usr/sbin/ip netns exec a ping -q -c 3 -i 0.2 -W 2 192.0.2.2 >$W/$name.ping 2>&1 || echo "  | ping failed: $(tail -n 2 $W/$name.ping)"
  wait $pid
  status=$?
  requests=$(grep '"type":"packet"' $W/$name.jsonl | grep '"src":"192.0.2.1","dst":"192.0.2.2"' |
    grep -c '"icmp_type":8,')
  final=$(grep '"type":"stats"' $W/$name.jsonl | grep '"final":true')
  if [ "$status" != 0 ]; then
    fail "$name" "egresswatch exited with $status"
  elif [ "$requests" != 3 ]; then
    fail "$name" "$requests echo-request records, expected 3"
  elif [ -z "$final" ]; then
    fail "$name" "no final stats line"
  elif ! echo "$final" | grep -q '"lost":0,'; then
    fail "$name" "records lost: $final"
  else
    pass "$name"
    teardown
    return
  fi
  show $W/$name.err
  show $W/$name.jsonl
  teardown
}

# The default mode: one conversation for the three echo requests and their
# replies (egress and ingress hooks), a "new" line when it starts and an
# "end" line with three packets each way, started here, when egresswatch
# stops.
flow_run() {
  name=flow-default
  setup_pair || { fail $name "could not make the veth pair"; teardown; return; }
  start_watching $name --include 192.0.2.0/24 --duration 3 || return
  timeout 30 /usr/sbin/ip netns exec a ping -q -c 3 -i 0.2 -W 2 192.0.2.2 >$W/$name.ping 2>&1
  wait $pid
  status=$?
  flow='"src":"192.0.2.1","dst":"192.0.2.2"'
  new=$(grep '"type":"flow","event":"new"' $W/$name.jsonl | grep -c "$flow")
  end=$(grep '"type":"flow","event":"end"' $W/$name.jsonl | grep "$flow")
  if [ "$status" != 0 ]; then
    fail $name "egresswatch exited with $status"
  elif [ "$new" != 1 ]; then
    fail $name "$new new-flow lines, expected 1"
  elif ! echo "$end" | grep -q '"initiator":"local".*"total_packets":3,.*"total_in_packets":3,'; then
    fail $name "no end line of a local-initiated conversation with 3 packets each way: '$end'"
  else
    pass $name
    teardown
    return
  fi
  show $W/$name.err
  show $W/$name.jsonl
  teardown
}

# kill -9 leaves the filter behind; egresswatch detach removes it.
kill_and_detach() {
  name=kill9-detach
  setup_pair || { fail $name "could not make the veth pair"; teardown; return; }
  start_watching $name --mode packet --include 192.0.2.0/24 || return
  kill -9 $pid
  wait $pid 2>/dev/null
  left=$(tc -n a filter show dev veth0 egress)
  ip netns exec a egresswatch detach veth0 >$W/$name.detach 2>&1
  status=$?
  after=$(tc -n a filter show dev veth0 egress)
  if ! echo "$left" | grep -q egresswatch; then
    fail $name "no filter left after kill -9: '$left'"
  elif [ $status != 0 ]; then
    fail $name "egresswatch detach exited with $status"
    show $W/$name.detach
  elif [ -n "$after" ]; then
    fail $name "a filter is left after detach: $after"
    show $W/$name.detach
  else
    pass $name
  fi
  teardown
}

# egresswatch-bridge in ns x between pa and pb, watching both ports:
#   ns a: a0 192.0.2.1/24 -- pa [x] pb -- b0 192.0.2.2/24 :ns b
# a ping crosses it; each direction is recorded once, on egress.
bridge_watch() {
  name=bridge-watch
  ok=1
  for ns in a b x; do ip netns add $ns && ip -n $ns link set lo up || ok=0; done
  # Ports with no addresses, as on an inline box (else the bridge warns).
  ip netns exec x sh -c 'echo 1 >/proc/sys/net/ipv6/conf/default/disable_ipv6'
  ip -n a link add a0 type veth peer name pa netns x || ok=0
  ip -n b link add b0 type veth peer name pb netns x || ok=0
  [ $ok = 1 ] || { fail $name "could not make the namespaces"; teardown; return; }
  ip -n a addr add 192.0.2.1/24 dev a0
  ip -n b addr add 192.0.2.2/24 dev b0
  for l in "a a0" "b b0" "x pa" "x pb"; do set -- $l; ip -n $1 link set $2 up; done
  /usr/sbin/ip netns exec x egresswatch-bridge pa pb --watch --mode packet --include 192.0.2.0/24 \
    >$W/$name.jsonl 2>$W/$name.err &
  pid=$!
  if ! wait_for $W/$name.err bridging $pid 60; then
    fail $name "egresswatch-bridge did not start bridging"
    show $W/$name.err 40
    kill -9 $pid 2>/dev/null
    teardown
    return
  fi
  timeout 30 /usr/sbin/ip netns exec a ping -q -c 3 -i 0.2 -W 2 192.0.2.2 >$W/$name.ping 2>&1
  ping_status=$?
  # A TCP transfer across it: 2 MiB from busybox httpd in b to wget in a.
  mkdir -p $W/www
  dd if=/dev/urandom of=$W/www/blob bs=1024 count=2048 2>/dev/null
  /usr/sbin/ip netns exec b busybox httpd -f -p 8080 -h $W/www &
  httpd=$!
  sleep 0.3
  timeout 60 /usr/sbin/ip netns exec a busybox wget -q -O $W/$name.got http://192.0.2.2:8080/blob
  wget_status=$?
  kill $httpd 2>/dev/null
  sent=$(md5sum <$W/www/blob | cut -d' ' -f1)
  got=$(md5sum <$W/$name.got 2>/dev/null | cut -d' ' -f1)
  sleep 0.3
  kill -INT $pid
  wait $pid
  status=$?
  requests=$(grep '"iface":"pb"' $W/$name.jsonl | grep '"src":"192.0.2.1","dst":"192.0.2.2"' |
    grep -c '"icmp_type":8,')
  replies=$(grep '"iface":"pa"' $W/$name.jsonl | grep '"src":"192.0.2.2","dst":"192.0.2.1"' |
    grep -c '"icmp_type":0,')
  syns=$(grep '"iface":"pb"' $W/$name.jsonl | grep '"proto":"tcp"' | grep -c '"dport":8080,')
  left=$(tc -n x filter show dev pa egress; tc -n x filter show dev pb egress)
  if [ $ping_status != 0 ]; then
    fail $name "the ping did not cross the bridge: $(tail -n 2 $W/$name.ping)"
  elif [ $wget_status != 0 ] || [ "$sent" != "$got" ]; then
    fail $name "the 2 MiB TCP transfer did not cross intact (wget $wget_status, md5 $sent / ${got:-none})"
  elif [ "$syns" = 0 ]; then
    fail $name "no TCP records on pb for the transfer"
  elif [ $status != 0 ]; then
    fail $name "egresswatch-bridge exited with $status after SIGINT"
  elif [ "$requests $replies" != "3 3" ]; then
    fail $name "$requests echo requests on pb and $replies replies on pa, expected 3 and 3"
  elif [ -n "$left" ]; then
    fail $name "filters left after SIGINT: $left"
  else
    pass $name
    teardown
    return
  fi
  show $W/$name.err
  show $W/$name.jsonl
  teardown
}

started=$(uptime); packet_run packet-ringbuf
started=$(uptime); packet_run packet-perf --transport perf
started=$(uptime); flow_run
started=$(uptime); kill_and_detach
started=$(uptime); bridge_watch

# When anything failed to load (or the host asked with ew.verbose), the
# verifier's own words: egresswatch -v.
if grep -qw ew.verbose /proc/cmdline || { [ $failed -gt 0 ] && grep -qiE 'verifier|load' $W/*.err; }; then
  setup_pair
  ip netns exec a egresswatch -v veth0 --duration 1 >/dev/null 2>$W/verbose.err
  echo "EW-GUEST: egresswatch -v said $(wc -l <$W/verbose.err) lines; those on BTF, errors and warnings, then the last 40:"
  grep -iE 'btf|vmlinux|error|fail|warn|refus|invalid' $W/verbose.err | grep -v 'created successfully' >$W/verbose.key
  show $W/verbose.key 60
  echo "  | ..."
  show $W/verbose.err 40
  teardown
fi

echo "EW-GUEST-RESULT passed=$passed failed=$failed"
