#!/usr/bin/env bash
# The systemd unit passes `systemd-analyze verify` (with ExecStart pointed at
# the binary under test, since verify checks that it exists), and keeps the
# hardening it promises.
set -euo pipefail
EGRESSWATCH=${EGRESSWATCH:?set EGRESSWATCH to the egresswatch binary}
UNIT="$(dirname "$0")/../../packaging/systemd/egresswatch.service"
if ! command -v systemd-analyze >/dev/null; then
  echo "[test_systemd_unit] SKIP: systemd-analyze is not installed"
  exit 77
fi
WORK=$(mktemp -d /tmp/egresswatch-unit.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
sed "s|/usr/local/bin/egresswatch|$EGRESSWATCH|" "$UNIT" >"$WORK/egresswatch.service"
if ! systemd-analyze verify "$WORK/egresswatch.service" >"$WORK/verify.log" 2>&1; then
  cat "$WORK/verify.log" >&2
  echo "[test_systemd_unit] FAIL: systemd-analyze verify" >&2
  exit 1
fi
# verify reports some problems as warnings without failing: none allowed.
if grep -v "^$" "$WORK/verify.log" | grep -q .; then
  cat "$WORK/verify.log" >&2
  echo "[test_systemd_unit] FAIL: systemd-analyze verify warned" >&2
  exit 1
fi
for setting in "NoNewPrivileges=yes" "ProtectSystem=strict" \
               "CapabilityBoundingSet=CAP_BPF CAP_NET_ADMIN CAP_PERFMON" "KillSignal=SIGINT"; do
  grep -qx "$setting" "$UNIT" || { echo "[test_systemd_unit] FAIL: missing $setting" >&2; exit 1; }
done
echo "[test_systemd_unit] ok"
