#!/usr/bin/env bash
# Every bad input: one clear line on stderr, a non-zero exit, and the
# interfaces exactly as they were (also when the failure comes after an
# earlier interface was already attached).
source "$(dirname "$0")/lib.sh"
require_root
setup_pair

ip -n "$NS_A" link add spare0 type veth peer name spare1
ip -n "$NS_A" link set spare0 up
ip -n "$NS_A" link set spare1 up
before_veth0=$(tc_state veth0)
before_spare0=$(tc_state spare0)

n=0
# expect_refusal EXIT_CODE TEXT [--as-nobody|--without-net-admin] ARGS...
expect_refusal() {
  local code=$1 text=$2 status=0 prefix=()
  shift 2
  case "${1:-}" in
    --as-nobody) prefix=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all); shift ;;
    --without-net-admin) prefix=(setpriv --bounding-set=-net_admin --inh-caps=-net_admin); shift ;;
    --without-perfmon) prefix=(setpriv --bounding-set=-perfmon,-sys_admin --inh-caps=-perfmon,-sys_admin); shift ;;
  esac
  n=$((n + 1))
  in_a "${prefix[@]}" "$EGRESSWATCH" "$@" >"$WORK/bad$n.out" 2>"$WORK/bad$n.err" || status=$?
  expect_eq "$status" "$code" "exit status of egresswatch $*"
  expect_eq "$(wc -l <"$WORK/bad$n.err")" 1 "stderr lines of egresswatch $*: $(cat "$WORK/bad$n.err")"
  grep -qF -- "$text" "$WORK/bad$n.err" || fail "egresswatch $* said: $(cat "$WORK/bad$n.err"), expected: $text"
  [ ! -s "$WORK/bad$n.out" ] || fail "egresswatch $* wrote to stdout: $(cat "$WORK/bad$n.out")"
  expect_eq "$(tc_state veth0)" "$before_veth0" "veth0 after egresswatch $*"
  expect_eq "$(tc_state spare0)" "$before_spare0" "spare0 after egresswatch $*"
}

expect_refusal 1 "nosuch0: no such interface" nosuch0
expect_refusal 1 "nosuch0: no such interface" veth0 nosuch0
expect_refusal 2 "not an interface name" averyveryverylongname0
expect_refusal 2 "veth0: named twice" veth0 veth0
expect_refusal 2 "'10.0.0.1/8' is not a valid prefix: host bits are set; did you mean 10.0.0.0/8?" \
  veth0 --exclude 10.0.0.1/8
expect_refusal 2 "'192.0.2.0/33' is not a valid prefix" veth0 --include 192.0.2.0/33
expect_refusal 2 "'example.com' is not a valid prefix" veth0 --include example.com
expect_refusal 2 "192.0.2.0/24 is given to both --exclude and --include" \
  veth0 --include 192.0.2.0/24 --exclude 192.0.2.0/24
expect_refusal 2 "--ring-size: 1000 is not a power of two" veth0 --ring-size 1000
expect_refusal 2 "--duration" veth0 --duration -1
expect_refusal 2 "--mode" veth0 --mode bogus
# Issue 10: plain words, not CLI11's mapping table; the enum's number is no mode.
expect_refusal 2 "egresswatch: --mode must be flow or packet (got 'packets') (see --help)" \
  veth0 --mode packets
expect_refusal 2 "egresswatch: --mode must be flow or packet (got '0') (see --help)" \
  veth0 --mode 0 --duration 1
expect_refusal 2 "egresswatch: --transport must be auto, ringbuf or perf (got '1') (see --help)" \
  veth0 --transport 1 --duration 1
expect_refusal 2 "egresswatch: unknown option --duraton; did you mean --duration? (see --help)" \
  veth0 --duraton 5
expect_refusal 1 "--output $WORK/missing/dir/out.jsonl: No such file or directory" \
  veth0 --output "$WORK/missing/dir/out.jsonl"
expect_refusal 1 "egresswatch needs CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN (missing: CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN)" \
  --as-nobody veth0
expect_refusal 1 "(missing: CAP_NET_ADMIN)" --without-net-admin veth0
expect_refusal 1 "(missing: CAP_PERFMON)" --without-perfmon veth0
expect_refusal 1 "egresswatch detach needs CAP_NET_ADMIN" --as-nobody detach veth0

# A device without Ethernet headers (tun): refused, not silently blind.
ip -n "$NS_A" tuntap add dev tun0 mode tun
ip -n "$NS_A" link set tun0 up
expect_refusal 1 "tun0: not an Ethernet interface" veth0 tun0
expect_eq "$(tc_state tun0)" "$(tc -n "$NS_A" qdisc show dev tun0)" "tun0 untouched"
expect_refusal 2 "--duration: 'nan' must be a number of seconds" veth0 --duration nan

# An 'ingress' qdisc where clsact belongs; the failure comes after veth0 was
# attached, which must be rolled back.
tc -n "$NS_A" qdisc add dev spare0 ingress
before_spare0=$(tc_state spare0)
expect_refusal 1 "spare0: has an 'ingress' qdisc where egresswatch needs clsact" veth0 spare0
tc -n "$NS_A" qdisc del dev spare0 ingress

# Our filter slot taken by another tool's filter.
tc -n "$NS_A" qdisc add dev spare0 clsact
tc -n "$NS_A" filter add dev spare0 egress prio 10000 protocol all u32 match u32 0 0 classid 1:1
before_spare0=$(tc_state spare0)
expect_refusal 1 "spare0: egress hook: priority 10000 is taken by a 'u32' filter" veth0 spare0
log "ok: $n refusals"
