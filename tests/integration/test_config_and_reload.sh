#!/usr/bin/env bash
# --config FILE: a JSON object keyed by long option names ("interfaces" for
# IFACE) sets interfaces, mode and prefixes; command-line options win; a bad
# file is refused with one line and exit 2. SIGHUP reads the prefix lists
# again without detaching: the same program stays attached, a broken file
# keeps the old lists (and says so), and a flood of SIGHUPs changes nothing.
source "$(dirname "$0")/lib.sh"
require_root
setup_pair
prime_neighbour 192.0.2.2
prime_neighbour 198.51.100.2

before=$(tc_state)
CFG=$WORK/config.json
write_config() { printf '%s\n' "$1" >"$CFG"; }
both_hosts() { ping_a 192.0.2.2 1; ping_a 198.51.100.2 1; }
BOTH='{"interfaces": ["veth0"], "mode": "packet", "include": ["192.0.2.0/24", "198.51.100.0/24"]}'
ONLY_198='{"interfaces": ["veth0"], "mode": "packet", "include": ["198.51.100.0/24"]}'

# --- The file alone sets interfaces, mode and includes.
write_config "$BOTH"
start_egresswatch file --config "$CFG"
wait_attached file
grep -q "watching veth0 " "$WORK/file.err" || fail "the file's interface: $(cat "$WORK/file.err")"
both_hosts
stop_egresswatch INT
expect_eq "$(count_records file 'select(.iface == "veth0" and .dst == "192.0.2.2" and .icmp_type == 8)')" 1 \
  "file: packet records to 192.0.2.2"
expect_eq "$(count_records file 'select(.iface == "veth0" and .dst == "198.51.100.2" and .icmp_type == 8)')" 1 \
  "file: packet records to 198.51.100.2"
expect_eq "$(count_lines file 'select(.type == "flow")')" 0 "file: flow lines with mode packet"

# --- Command-line options win over the file, IFACE included.
write_config '{"interfaces": ["nosuch0"], "mode": "packet", "include": ["192.0.2.0/24", "198.51.100.0/24"]}'
start_egresswatch cli --config "$CFG" veth0 --mode flow --include 198.51.100.0/24
wait_attached cli
both_hosts
stop_egresswatch INT
expect_eq "$(count_lines cli 'select(.type == "packet")')" 0 "cli: packet lines with --mode flow"
expect_eq "$(count_lines cli 'select(.type == "flow" and .event == "new") | .dst')" 1 "cli: new flows"
expect_eq "$(jq -r 'select(.type == "flow" and .event == "new") | .dst' "$WORK/cli.jsonl")" 198.51.100.2 \
  "cli: the one new flow (--include on the command line replaces the file's list)"

# --- Bad files: exit 2, one line on stderr, nothing touched.
n=0
expect_bad_config() {
  local text=$1 status=0 config
  config=$(cat "$CFG" 2>/dev/null || echo "(missing)")
  n=$((n + 1))
  in_a "$EGRESSWATCH" --config "$CFG" >"$WORK/bad$n.out" 2>"$WORK/bad$n.err" || status=$?
  expect_eq "$status" 2 "exit status with config $config"
  expect_eq "$(wc -l <"$WORK/bad$n.err")" 1 "stderr lines with config $config: $(cat "$WORK/bad$n.err")"
  grep -qF -- "$text" "$WORK/bad$n.err" ||
    fail "config $config gave: $(cat "$WORK/bad$n.err"), expected: $text"
  [ ! -s "$WORK/bad$n.out" ] || fail "config $config wrote to stdout"
  expect_eq "$(tc_state)" "$before" "tc state after config $config"
}
write_config '{"interfaces": ["veth0"], "bogus": 1}'
expect_bad_config "unknown option 'bogus'"
write_config '{"interfaces": ["veth0"], "include": ["192.0.2.0/24"'
expect_bad_config "not valid JSON"
write_config '["veth0"]'
expect_bad_config "expected a JSON object"
write_config '{"interfaces": ["veth0"], "mode": "bogus"}'
expect_bad_config "--mode"
write_config '{"interfaces": ["veth0"], "include": ["192.0.2.1/24"]}'
expect_bad_config "did you mean 192.0.2.0/24?"
rm -f "$CFG"
expect_bad_config "$CFG"

# --- SIGHUP reloads the prefix lists, and only them, without detaching.
write_config "$BOTH"
start_egresswatch hup --config "$CFG"
wait_attached hup
prog=$(filter_prog_id veth0)
[ -n "$prog" ] || fail "no program id in: $(tc -n "$NS_A" filter show dev veth0 egress)"
attached=$(tc_state)
both_hosts  # 192.0.2.2 and 198.51.100.2 recorded

write_config "$ONLY_198"
kill -HUP "$EW_PID"
wait_for_stderr hup "reloaded the prefix lists" 1
both_hosts  # 198.51.100.2 only
kill -0 "$EW_PID" 2>/dev/null || fail "egresswatch exited on SIGHUP"
expect_eq "$(filter_prog_id veth0)" "$prog" "program id after a reload"
expect_eq "$(tc_state)" "$attached" "tc state after a reload"

# A broken file keeps the lists in force, and says so.
reloaded=$(grep -c "reloaded the prefix lists" "$WORK/hup.err")
write_config '{"interfaces": ["veth0"], "include": '
kill -HUP "$EW_PID"
wait_for_stderr hup "reload failed, keeping the prefix lists: config file is not valid JSON" 1
write_config '{"interfaces": ["veth0"], "include": ["198.51.100.1/24"]}'
kill -HUP "$EW_PID"
wait_for_stderr hup "reload failed, keeping the prefix lists: .*did you mean 198.51.100.0/24" 1
write_config '{"interfaces": ["veth0"], "include": ["192.0.2.0/24"], "exclude": ["192.0.2.0/24"]}'
kill -HUP "$EW_PID"
wait_for_stderr hup "reload failed, keeping the prefix lists: 192.0.2.0/24 is given to both" 1
both_hosts  # still 198.51.100.2 only
expect_eq "$(grep -c "reloaded the prefix lists" "$WORK/hup.err")" "$reloaded" "reloads from broken files"
kill -0 "$EW_PID" 2>/dev/null || fail "egresswatch exited on SIGHUP with a broken file"
expect_eq "$(filter_prog_id veth0)" "$prog" "program id after failed reloads"

# A flood of SIGHUPs with the first file again.
write_config "$BOTH"
for i in $(seq 1 50); do kill -HUP "$EW_PID"; done
wait_for_stderr hup "reloaded the prefix lists" $((reloaded + 1))
sleep 0.3
kill -0 "$EW_PID" 2>/dev/null || fail "egresswatch exited after 50 SIGHUPs"
expect_eq "$(filter_prog_id veth0)" "$prog" "program id after 50 SIGHUPs"
expect_eq "$(tc_state)" "$attached" "tc state after 50 SIGHUPs"
both_hosts  # both again
stop_egresswatch INT

expect_eq "$(count_records hup 'select(.dst == "192.0.2.2" and .icmp_type == 8)')" 2 \
  "hup: records to 192.0.2.2 (before the first reload and after the last)"
expect_eq "$(count_records hup 'select(.dst == "198.51.100.2" and .icmp_type == 8)')" 4 \
  "hup: records to 198.51.100.2 (all along)"
stats=$(final_stats hup)
expect_eq "$(jq -c '[.records, .matched, .lost]' <<<"$stats")" "[6,6,0]" "hup: records, matched, lost in $stats"
expect_eq "$(grep -c . "$WORK/hup.err")" "$(grep -c "^egresswatch: \(watching\|reloaded\|warning: reload failed\)" "$WORK/hup.err")" \
  "hup: only watching, reload and reload-failure lines on stderr: $(cat "$WORK/hup.err")"
expect_eq "$(tc_state)" "$before" "tc state after the SIGHUP run"
log "ok"
