#!/bin/sh
# Runs every libFuzzer target for a bounded time, each over a copy of its seed
# corpus (tests/fuzz/corpus/<target>; the copy takes what the run finds, the
# repository's corpus stays as it is). Any crash, leak, sanitizer report or
# hang fails the run; the input that did it is kept in BUILD_DIR/fuzz-crashes.
#
#   tests/fuzz/run_fuzzers.sh [BUILD_DIR [TARGET...]]   (BUILD_DIR: build-fuzz)
#
# FUZZ_SECONDS (default 10) is each target's time, FUZZ_JOBS (default 4) how
# many run at once. Longer hunts: FUZZ_SECONDS=600 FUZZ_JOBS=1 ...
set -u

here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-build-fuzz}" && pwd) || exit 2
[ $# -gt 0 ] && shift
targets=${*:-"prefix_fuzz config_file_fuzz command_line_fuzz netlink_reply_fuzz link_event_fuzz ring_record_fuzz perf_sample_fuzz bridge_frame_fuzz"}
seconds=${FUZZ_SECONDS:-10}
jobs=${FUZZ_JOBS:-4}

work=$(mktemp -d /tmp/egresswatch-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT INT TERM
crashes=$build/fuzz-crashes
mkdir -p "$crashes"

run_one() {
  target=$1
  binary=$build/tests/fuzz/$target
  if [ ! -x "$binary" ]; then
    echo "$target: not built ($binary)" > "$work/$target.log"
    return 1
  fi
  mkdir -p "$work/$target/corpus" "$work/$target/found"
  cp "$here/corpus/$target/"* "$work/$target/corpus/" 2>/dev/null
  # -timeout: one input running this long is a hang; -rss_limit_mb: a leak.
  "$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$work/$target/found/" "$work/$target/corpus" > "$work/$target.log" 2>&1
}

# In batches of FUZZ_JOBS: every run takes the same time.
running=0
for target in $targets; do
  run_one "$target" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait
    running=0
  fi
done
wait

status=0
for target in $targets; do
  log=$work/$target.log
  found=$(ls "$work/$target/found" 2>/dev/null)
  if grep -q '^Done [0-9]* runs' "$log" 2>/dev/null && [ -z "$found" ]; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
    echo "fuzz $target: ok, $runs runs in ${seconds}s, $cov"
  else
    status=1
    echo "fuzz $target: FAILED" >&2
    tail -n 40 "$log" >&2
    for f in $found; do
      cp "$work/$target/found/$f" "$crashes/$target-$f"
      echo "  input kept: $crashes/$target-$f (reproduce: $build/tests/fuzz/$target $crashes/$target-$f)" >&2
    done
  fi
done
exit $status
