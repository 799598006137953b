#!/usr/bin/env bash
# egresswatch runs with exactly the capabilities it names (and the systemd
# unit grants): CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN, nothing else.
source "$(dirname "$0")/lib.sh"
require_root
setup_pair

# What stays after attaching, as the README says: CAP_NET_ADMIN (bit 12) to
# detach, and on kernels before 6.5 with kernel.unprivileged_bpf_disabled set
# CAP_BPF too (bit 39), which every bpf() call needs there.
kept=0000000000001000
release=$(uname -r)
major=${release%%.*}
minor=${release#*.}
minor=${minor%%[!0-9]*}
if { [ "$major" -lt 6 ] || { [ "$major" = 6 ] && [ "$minor" -lt 5 ]; }; } &&
   [ "$(cat /proc/sys/kernel/unprivileged_bpf_disabled 2>/dev/null || echo 1)" != 0 ]; then
  kept=0000008000001000
fi

before=$(tc_state)
ip netns exec "$NS_A" setpriv --bounding-set=-all,+bpf,+perfmon,+net_admin --inh-caps=-all \
  "$EGRESSWATCH" veth0 --mode packet --include 192.0.2.0/24 \
  >"$WORK/run.jsonl" 2>"$WORK/run.err" &
EW_PID=$!
EW_PIDS+=("$EW_PID")
wait_attached run
# After attaching, every capability but those is gone. (The
# bounding set stays: emptying it needs CAP_SETPCAP, which this run lacks;
# with no_new_privs it cannot give anything back.)
expect_eq "$(grep -E '^(CapPrm|CapEff|NoNewPrivs)' "/proc/$EW_PID/status" | tr -s '\t ' ' ')" \
  "$(printf '%s\n' "CapPrm: $kept" "CapEff: $kept" 'NoNewPrivs: 1')" \
  "capabilities after attaching"
ping_a 192.0.2.2 2
sleep 0.1
stop_egresswatch INT
expect_eq "$(count_records run 'select(.dst == "192.0.2.2" and .icmp_type == 8)')" 2 \
  "records with only CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN"
expect_eq "$(tc_state)" "$before" "tc state after a least-privilege run"

# With --user the process runs as that user: records keep flowing, a
# SIGHUP reload still writes the prefix maps, and SIGINT still detaches.
start_egresswatch user veth0 --mode packet --include 192.0.2.0/24 --user nobody
wait_attached user
status=$(grep -E '^(Uid|CapEff|CapPrm|CapBnd|CapAmb|NoNewPrivs)' "/proc/$EW_PID/status" | tr -s '\t ' ' ')
expect_eq "$status" "$(printf '%s\n' 'Uid: 65534 65534 65534 65534' \
  "CapPrm: $kept" "CapEff: $kept" 'CapBnd: 0000000000000000' \
  'CapAmb: 0000000000000000' 'NoNewPrivs: 1')" "--user nobody: uid and capabilities after attaching"
ping_a 192.0.2.2 2
kill -HUP "$EW_PID"
wait_for_stderr user "reloaded the prefix lists" 1 3
ping_a 192.0.2.2 2
sleep 0.1
stop_egresswatch INT
expect_eq "$(count_records user 'select(.dst == "192.0.2.2" and .icmp_type == 8)')" 4 \
  "--user nobody: records before and after a reload"
expect_eq "$(tc_state)" "$before" "tc state after a run as nobody"

# Flow mode watches both hooks: the ingress filter too is attached with only
# the three capabilities, and detached at exit with only CAP_NET_ADMIN left
# (also as nobody).
ip netns exec "$NS_A" setpriv --bounding-set=-all,+bpf,+perfmon,+net_admin --inh-caps=-all \
  "$EGRESSWATCH" veth0 --mode flow --include 192.0.2.0/24 \
  >"$WORK/flow.jsonl" 2>"$WORK/flow.err" &
EW_PID=$!
EW_PIDS+=("$EW_PID")
wait_attached flow
tc -n "$NS_A" filter show dev veth0 ingress | grep -q egresswatch ||
  fail "no ingress filter in flow mode with only the three capabilities"
stop_egresswatch INT
expect_eq "$(tc_state)" "$before" "tc state after a flow-mode run with only the three capabilities"
start_egresswatch flowuser veth0 --mode flow --include 192.0.2.0/24 --user nobody
wait_attached flowuser
tc -n "$NS_A" filter show dev veth0 ingress | grep -q egresswatch ||
  fail "no ingress filter in flow mode as nobody"
stop_egresswatch INT
expect_eq "$(tc_state)" "$before" "tc state after a flow-mode run as nobody"

# An unknown user is refused before anything is attached.
status=0
in_a "$EGRESSWATCH" veth0 --user no-such-user-here >/dev/null 2>"$WORK/nouser.err" || status=$?
expect_eq "$status" 2 "unknown --user: exit code"
expect_eq "$(cat "$WORK/nouser.err")" "egresswatch: --user no-such-user-here: no such user" \
  "unknown --user: the one line"
expect_eq "$(tc_state)" "$before" "tc state after an unknown --user"
log "ok"
