#!/usr/bin/env bash
# --watch: the classifier on both ports' egress sees each direction of
# bridged traffic exactly once (A -> B leaves through pb, B -> A through pa),
# in the same stream as the bridge's stats; in flow mode too it attaches to
# egress alone. Ctrl-C removes every filter and qdisc; after kill -9,
# `egresswatch detach pa pb` does. SIGHUP reloads the classifier's prefix lists.
source "$(dirname "$0")/bridge_lib.sh"
require_bridge_root
bridge_setup
before=$(port_state)

start_bridge run --watch --mode packet --include 192.0.2.0/24
wait_bridging run
grep -q "bridging pa and pb and watching both" "$WORK/run.err" || fail "start line: $(cat "$WORK/run.err")"
tc -n "$NS_X" filter show dev pa egress | grep -q egresswatch || fail "no filter on pa while watching"
tc -n "$NS_X" filter show dev pb egress | grep -q egresswatch || fail "no filter on pb while watching"
in_a ping -q -c 1 -W 2 192.0.2.2 >/dev/null || fail "first ping A -> B"  # ARP out of the way
sleep 0.2
kill -USR1 "$EW_PID"
wait_for_line run 'select(.type == "stats" and has("seen"))'
first=$(count_records run '.')
in_a ping -q -c 4 -i 0.05 -W 2 192.0.2.2 >/dev/null || fail "ping A -> B"
in_b ping -q -c 2 -i 0.05 -W 2 192.0.2.1 >/dev/null || fail "ping B -> A"
in_a ping -6 -q -c 2 -i 0.05 -W 2 2001:db8::2 >/dev/null || fail "IPv6 ping A -> B (not included)"
sleep 0.2
stop_bridge INT

expect_eq "$first" 2 "records for the first ping (request on pb, reply on pa)"
expect_eq "$(count_records run 'select(.iface == "pb" and .src == "192.0.2.1" and .dst == "192.0.2.2" and .icmp_type == 8)')" 5 \
  "echo requests A -> B, on pb"
expect_eq "$(count_records run 'select(.iface == "pa" and .src == "192.0.2.2" and .dst == "192.0.2.1" and .icmp_type == 0)')" 5 \
  "echo replies B -> A, on pa"
expect_eq "$(count_records run 'select(.iface == "pa" and .src == "192.0.2.2" and .dst == "192.0.2.1" and .icmp_type == 8)')" 2 \
  "echo requests B -> A, on pa"
expect_eq "$(count_records run 'select(.iface == "pb" and .src == "192.0.2.1" and .dst == "192.0.2.2" and .icmp_type == 0)')" 2 \
  "echo replies A -> B, on pb"
expect_eq "$(count_records run '.')" 14 "all records (the IPv6 pings are not included)"
final_watch=$(jq -c 'select(.type == "stats" and .final and has("seen"))' "$WORK/run.jsonl")
[ -n "$final_watch" ] || fail "no final classifier stats line"
expect_eq "$(jq '.lost' <<<"$final_watch")" 0 "lost records"
final_bridge=$(jq -c 'select(.type == "bridge_stats" and .final)' "$WORK/run.jsonl")
[ -n "$final_bridge" ] || fail "no final bridge stats line"
expect_eq "$(count_lines run 'select(.type == "stats" and has("ports"))')" 0 \
  "bridge stats lines typed as the classifier's"
expect_eq "$(port_state)" "$before" "pa and pb after Ctrl-C"

# SIGHUP reads the options after --watch again (here a --config file): the
# new prefix lists apply without detaching.
echo '{"mode": "packet", "include": ["192.0.2.0/24"]}' >"$WORK/watch.json"
start_bridge reload --watch --config "$WORK/watch.json"
wait_bridging reload
in_a ping -q -c 2 -i 0.05 -W 2 192.0.2.2 >/dev/null || fail "ping A -> B before the reload"
sleep 0.2
# 192.0.2.0/24 private again; the mode needs a restart, which for the bridge
# changes no hook (egress alone in either mode), so --direction is not named.
echo '{"mode": "flow"}' >"$WORK/watch.json"
kill -HUP "$EW_PID"
wait_for_stderr reload "reloaded the prefix lists" 1 3
wait_for_stderr reload "changed, but applied only by a restart: --mode$" 1 3
in_a ping -q -c 3 -i 0.05 -W 2 192.0.2.2 >/dev/null || fail "ping A -> B after the reload"
sleep 0.2
stop_bridge INT
expect_eq "$(count_records reload '.')" 4 "records before the reload only (2 requests, 2 replies)"
expect_eq "$(port_state)" "$before" "pa and pb after the reload run"

# kill -9 leaves the filters; detach removes them; promiscuity is back anyway.
start_bridge killed --watch --include 192.0.2.0/24
wait_bridging killed
# Flow mode, where egresswatch would take ingress too: the ports are watched
# on egress alone (each direction of forwarded traffic leaves through one).
for port in pa pb; do
  tc -n "$NS_X" filter show dev $port egress | grep -q egresswatch || fail "no egress filter on $port in flow mode"
  if tc -n "$NS_X" filter show dev $port ingress | grep -q egresswatch; then
    fail "the bridge attached to $port's ingress: $(tc -n "$NS_X" filter show dev $port ingress)"
  fi
done
expect_eq "$(promiscuity pa)" 1 "promiscuity of pa while bridging"
kill -9 "$EW_PID"
wait "$EW_PID" 2>/dev/null || true
expect_eq "$(promiscuity pa) $(promiscuity pb)" "0 0" "promiscuity of pa and pb after kill -9"
tc -n "$NS_X" filter show dev pa egress | grep -q egresswatch || fail "expected the filter on pa to survive kill -9"
in_x "$EGRESSWATCH" detach pa pb 2>"$WORK/detach.err" || fail "detach failed: $(cat "$WORK/detach.err")"
expect_eq "$(port_state)" "$before" "pa and pb after kill -9 and egresswatch detach"
log "ok"
