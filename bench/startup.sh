#!/usr/bin/env bash
# Start-up benchmark (bench/README.md, section 4): time from exec to attached,
# and peak memory, for egresswatch and the old tool's BCC + pyroute2 script
# (bench/baselines/bcc_egress_printer.py), side by side in one run.
#
#   sudo make bench-deps && sudo bench/startup.sh [BUILD_DIR]     # default: build
#
# RUNS (default 7) runs of each, interleaved; medians. "Attached" is the line
# each tool writes on stderr once its filter is in place (egresswatch:
# "watching ...", the baseline: "attached to ..."); bench/startup_probe.py
# times it from just before fork/exec and reads the peak RSS from wait4().
# Everything runs in a namespace made here, on a veth that leads nowhere else.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=$(cd "${1:-$HERE/../build}" && pwd)
EW=$BUILD/egresswatch
BCC=$HERE/baselines/bcc_egress_printer.py
PY=/usr/bin/python3
RUNS=${RUNS:-7}

[ "$(id -u)" = 0 ] || { echo "startup.sh: needs root" >&2; exit 1; }
[ -x "$EW" ] || { echo "startup.sh: $EW missing: build first" >&2; exit 1; }
bcc_ok=1
if ! "$PY" -c 'import bcc, pyroute2' 2>/dev/null; then
  echo "startup.sh: baseline cannot run: python3-bpfcc or python3-pyroute2 missing (make bench-deps)"
  bcc_ok=0
fi

NS_A="ewsA$$"
NS_B="ewsB$$"
WORK=$(mktemp -d /tmp/egresswatch-bench-startup.XXXXXX)
export EGRESSWATCH_STATE_DIR=$WORK/state
cleanup() {
  ip netns del "$NS_A" 2>/dev/null || true
  ip netns del "$NS_B" 2>/dev/null || true
}
trap cleanup EXIT
ip netns add "$NS_A"
ip netns add "$NS_B"
ip -n "$NS_A" link add veth0 type veth peer name veth1 netns "$NS_B"
ip -n "$NS_A" link set veth0 up
ip -n "$NS_B" link set veth1 up
ip -n "$NS_A" addr add 192.0.2.1/24 dev veth0

probe() {
  local name=$1 pattern=$2
  shift 2
  ip netns exec "$NS_A" timeout 60 "$PY" "$HERE/startup_probe.py" "$pattern" "$@" |
    sed "s/^/$name\t/" | tee -a "$WORK/results.tsv"
}

echo "machine: $(nproc) CPUs, $(lscpu | sed -n 's/^Model name: *//p'), kernel $(uname -r)"
echo "start: $(uptime)"
for run in $(seq 1 "$RUNS"); do
  probe "egresswatch flow" watching "$EW" veth0 --include 192.0.2.0/24
  probe "egresswatch packet" watching "$EW" veth0 --mode packet --include 192.0.2.0/24
  [ $bcc_ok = 1 ] && probe "bcc baseline" attached "$PY" "$BCC" veth0 --exclude 10.0.0.0/8
done
echo "end: $(uptime)"

"$PY" - "$WORK/results.tsv" <<'PY'
import json, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    name, data = line.rstrip("\n").split("\t")
    rows.setdefault(name, []).append(json.loads(data))
base = rows.get("bcc baseline")
def med(rs, k): return statistics.median(r[k] for r in rs)
print("\n| Tool | Runs | Exec to attached, ms (median; min-max) | Peak RSS, MB (median) | Time vs baseline | Memory vs baseline |")
print("| --- | ---: | ---: | ---: | ---: | ---: |")
for name, rs in rows.items():
    t, m = med(rs, "attach_ms"), med(rs, "peak_rss_kb") / 1024
    rt = rm = "-"
    if base and name != "bcc baseline":
        rt = "%.3f" % (t / med(base, "attach_ms"))
        rm = "%.3f" % (m / (med(base, "peak_rss_kb") / 1024))
    lo, hi = min(r["attach_ms"] for r in rs), max(r["attach_ms"] for r in rs)
    print("| %s | %d | %.1f; %.1f-%.1f | %.1f | %s | %s |" % (name, len(rs), t, lo, hi, m, rt, rm))
PY
