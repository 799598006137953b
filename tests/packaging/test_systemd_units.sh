#!/usr/bin/env bash
# The package's systemd units pass `systemd-analyze verify` without a warning
# (ExecStart pointed at the binaries under test, since verify checks that
# they exist; the man pages of Documentation= found in packaging/man, since
# verify runs man for them), and keep the hardening they promise. That they
# start, reload and stop under a real systemd is test_deb_install.sh's part.
set -euo pipefail
EGRESSWATCH=${EGRESSWATCH:?set EGRESSWATCH to the egresswatch binary}
EGRESSWATCH_BRIDGE=${EGRESSWATCH_BRIDGE:?set EGRESSWATCH_BRIDGE to the egresswatch-bridge binary}
NAME=test_systemd_units
fail() { echo "[$NAME] FAIL: $*" >&2; exit 1; }
PACKAGING="$(cd "$(dirname "$0")/../../packaging" && pwd)"
for tool in systemd-analyze man; do
  command -v "$tool" >/dev/null || { echo "[$NAME] SKIP: $tool is not installed"; exit 77; }
done
WORK=$(mktemp -d /tmp/egresswatch-units.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/man/man8" "$WORK/units"
cp "$PACKAGING"/man/*.8 "$WORK/man/man8/"
export MANPATH=$WORK/man

# Templates are verified as an instance of each.
declare -A instance=([egresswatch.service]=egresswatch.service
                     [egresswatch@.service]=egresswatch@veth0.service
                     [egresswatch-bridge@.service]=egresswatch-bridge@inline.service)
for unit in "${!instance[@]}"; do
  src=$PACKAGING/systemd/$unit
  [ -f "$src" ] || fail "no $src"
  sed -e "s|/usr/sbin/egresswatch-bridge|$EGRESSWATCH_BRIDGE|" -e "s|/usr/sbin/egresswatch |$EGRESSWATCH |" \
    "$src" >"$WORK/units/${instance[$unit]}"
  if ! systemd-analyze verify "$WORK/units/${instance[$unit]}" >"$WORK/verify.log" 2>&1; then
    cat "$WORK/verify.log" >&2
    fail "systemd-analyze verify $unit"
  fi
  # verify reports some problems as warnings without failing: none allowed.
  if grep -v "^$" "$WORK/verify.log" | grep -q .; then
    cat "$WORK/verify.log" >&2
    fail "systemd-analyze verify warned about $unit"
  fi
  for setting in "NoNewPrivileges=yes" "ProtectSystem=strict" "KillSignal=SIGINT" \
                 "User=egresswatch" "UMask=0027" "RuntimeDirectoryPreserve=yes"; do
    grep -qx "$setting" "$src" || fail "$unit: missing $setting"
  done
done
for unit in egresswatch.service egresswatch@.service; do
  grep -qx "CapabilityBoundingSet=CAP_BPF CAP_NET_ADMIN CAP_PERFMON" "$PACKAGING/systemd/$unit" ||
    fail "$unit: not exactly egresswatch's three capabilities"
  grep -qx "Documentation=man:egresswatch(8)" "$PACKAGING/systemd/$unit" || fail "$unit: no Documentation="
done
grep -qx "Documentation=man:egresswatch-bridge(8)" "$PACKAGING/systemd/egresswatch-bridge@.service" ||
  fail "egresswatch-bridge@.service: no Documentation="
grep -q "^ExecStart=.* %i$" "$PACKAGING/systemd/egresswatch@.service" ||
  fail "egresswatch@.service does not watch its instance's interface"
echo "[$NAME] ok"
