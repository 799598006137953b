#!/usr/bin/env bash
# egresswatch runs with exactly the capabilities it names (and the systemd
# unit grants): CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN, nothing else.
source "$(dirname "$0")/lib.sh"
require_root
setup_pair

before=$(tc_state)
ip netns exec "$NS_A" setpriv --bounding-set=-all,+bpf,+perfmon,+net_admin --inh-caps=-all \
  "$EGRESSWATCH" veth0 --mode packet --include 192.0.2.0/24 \
  >"$WORK/run.jsonl" 2>"$WORK/run.err" &
EW_PID=$!
EW_PIDS+=("$EW_PID")
wait_attached run
ping_a 192.0.2.2 2
sleep 0.1
stop_egresswatch INT
expect_eq "$(count_records run 'select(.dst == "192.0.2.2" and .icmp_type == 8)')" 2 \
  "records with only CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN"
expect_eq "$(tc_state)" "$before" "tc state after a least-privilege run"
log "ok"
