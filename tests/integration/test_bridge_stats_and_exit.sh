#!/usr/bin/env bash
# The bridge's stats lines: one on SIGUSR1 (not final), one every
# --stats-interval, one final line at SIGTERM / --duration; per-port counters
# that match the frames sent and add up. On exit, and after kill -9 too,
# both ports are as they were (promiscuity count, qdiscs, filters).
source "$(dirname "$0")/bridge_lib.sh"
require_bridge_root
bridge_setup noipv6
# Static neighbours: no ARP frame disturbs the counts.
ip -n "$NS_A" neigh replace 192.0.2.2 lladdr $MAC_B nud permanent dev a0
ip -n "$NS_B" neigh replace 192.0.2.1 lladdr $MAC_A nud permanent dev b0
before=$(port_state)

stats_lines() { count_lines "$1" 'select(.type == "bridge_stats")'; }

# --- SIGUSR1, counters, SIGTERM.
start_bridge run
wait_bridging run
expect_eq "$(promiscuity pa) $(promiscuity pb)" "1 1" "promiscuity of pa and pb while bridging"
kill -USR1 "$EW_PID"
wait_for_line run 'select(.type == "bridge_stats" and .final == false)'
expect_eq "$(port_counter run pa received) $(port_counter run pb received)" "0 0" "frames received before any traffic"
in_a ping -q -c 5 -i 0.05 -W 2 192.0.2.2 >/dev/null || fail "ping A -> B"
in_b ping -q -c 3 -i 0.05 -W 2 192.0.2.1 >/dev/null || fail "ping B -> A"
kill -USR1 "$EW_PID"
for i in $(seq 1 100); do [ "$(stats_lines run)" -ge 2 ] && break; sleep 0.05; done
expect_eq "$(stats_lines run)" 2 "stats lines after two SIGUSR1"
expect_eq "$(jq -s '[.[] | select(.type == "bridge_stats")] | last | .final' "$WORK/run.jsonl")" false "final on SIGUSR1"
# A -> B: 5 requests and 3 replies; B -> A: 3 requests and 5 replies.
expect_eq "$(port_counter run pa received)" 8 "received on pa"
expect_eq "$(port_counter run pb sent)" 8 "sent on pb"
expect_eq "$(port_counter run pb received)" 8 "received on pb"
expect_eq "$(port_counter run pa sent)" 8 "sent on pa"
in_a ping -q -c 2 -i 0.05 -W 2 192.0.2.2 >/dev/null || fail "ping A -> B"
stop_bridge TERM
expect_eq "$(stats_lines run)" 3 "stats lines after SIGTERM"
final=$(tail -n 1 "$WORK/run.jsonl")
expect_eq "$(jq '.type == "bridge_stats" and .final' <<<"$final")" true "the last line is the final stats line"
expect_eq "$(jq -c '[.ports[] | [.name, .received, .sent, .dropped, .send_failed]]' <<<"$final")" \
  '[["pa",10,10,0,0],["pb",10,10,0,0]]' "final counters"
expect_eq "$(jq '.mac_table' <<<"$final")" 2 "MAC table size (a0 and b0)"
# Every frame received on one port was sent on the other or counted as not forwarded.
expect_eq "$(jq '[.ports[0].received, .ports[1].sent + .ports[1].send_failed + (.ports[0].not_forwarded | add),
                  .ports[1].received, .ports[0].sent + .ports[0].send_failed + (.ports[1].not_forwarded | add)]
                 | .[0] == .[1] and .[2] == .[3]' <<<"$final")" true "counters add up: $final"
expect_eq "$(jq -c '.ts | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\\.[0-9]{9}Z$")' <<<"$final")" true "ts format"
expect_eq "$(port_state)" "$before" "pa and pb after SIGTERM"

# --- --stats-interval and --duration, to a file with -o.
start_bridge interval --stats-interval 0.2 --duration 1.5 -o "$WORK/interval.out"
wait "$EW_PID" || fail "bridge with --duration exited with $?"
[ ! -s "$WORK/interval.jsonl" ] || fail "stdout not empty with -o: $(head -c 300 "$WORK/interval.jsonl")"
mv "$WORK/interval.out" "$WORK/interval.jsonl"
periodic=$(count_lines interval 'select(.type == "bridge_stats" and .final == false)')
[ "$periodic" -ge 4 ] && [ "$periodic" -le 8 ] || fail "$periodic periodic stats lines in 1.5 s at 0.2 s"
expect_eq "$(count_lines interval 'select(.type == "bridge_stats" and .final)')" 1 "final lines after --duration"
expect_eq "$(jq -s '[.[].ts] | . == sort' "$WORK/interval.jsonl")" true "stats timestamps in order"
expect_eq "$(port_state)" "$before" "pa and pb after --duration"

# --- kill -9: the kernel closes the sockets, promiscuity goes back to what
# it was (pa was already promiscuous once, for someone else).
ip -n "$NS_X" link set pa promisc on
before=$(port_state)
start_bridge killed
wait_bridging killed
expect_eq "$(promiscuity pa) $(promiscuity pb)" "2 1" "promiscuity while bridging"
kill -9 "$EW_PID"
wait "$EW_PID" 2>/dev/null || true
expect_eq "$(promiscuity pa) $(promiscuity pb)" "1 0" "promiscuity after kill -9"
ip -n "$NS_X" link show dev pa | grep -q PROMISC || fail "pa lost the promiscuous mode it had before"
expect_eq "$(port_state)" "$before" "pa and pb after kill -9"

# --- Once forwarding, the bridge holds no capability (without --watch there
# is nothing to detach); --realtime runs it at SCHED_FIFO priority 10, and
# --user as that user. Frames still cross.
start_bridge rt --realtime --user nobody
wait_bridging rt
expect_eq "$(grep -E '^(Uid|CapPrm|CapEff|NoNewPrivs)' "/proc/$EW_PID/status" | tr -s '\t ' ' ')" \
  "$(printf '%s\n' 'Uid: 65534 65534 65534 65534' 'CapPrm: 0000000000000000' \
    'CapEff: 0000000000000000' 'NoNewPrivs: 1')" "--user nobody: uid and capabilities while bridging"
expect_eq "$(chrt -p "$EW_PID" | sed 's/.*: //' | tr '\n' ' ')" "SCHED_FIFO 10 " "--realtime policy"
in_a ping -q -c 2 -i 0.05 -W 2 192.0.2.2 >/dev/null || fail "ping A -> B through a --realtime bridge"
stop_bridge INT
expect_eq "$(port_state)" "$before" "pa and pb after the --realtime run"
log "ok"
