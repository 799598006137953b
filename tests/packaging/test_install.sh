#!/usr/bin/env bash
# `make install` (cmake --install) of this build into a DESTDIR with prefix
# /usr: every file where the README says, the programs stripped with their
# symbols in /usr/lib/debug (which gdb finds through .gnu_debuglink), and the
# installed programs run.
#   test_install.sh BUILD_DIR
set -euo pipefail
BUILD=${1:?usage: test_install.sh BUILD_DIR}
NAME=test_install
fail() { echo "[$NAME] FAIL: $*" >&2; exit 1; }
WORK=$(mktemp -d /tmp/egresswatch-install.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
DESTDIR=$WORK/root cmake --install "$BUILD" --prefix /usr >"$WORK/install.log" 2>&1 ||
  { cat "$WORK/install.log" >&2; fail "cmake --install failed"; }
R=$WORK/root
for f in /usr/sbin/egresswatch /usr/sbin/egresswatch-bridge \
         /usr/lib/debug/usr/sbin/egresswatch.debug /usr/lib/debug/usr/sbin/egresswatch-bridge.debug \
         /lib/systemd/system/egresswatch.service /lib/systemd/system/egresswatch@.service \
         /lib/systemd/system/egresswatch-bridge@.service /etc/egresswatch/config.json \
         /etc/egresswatch/bridge-inline.conf /etc/logrotate.d/egresswatch \
         /usr/share/man/man8/egresswatch.8 /usr/share/man/man8/egresswatch-bridge.8 \
         /usr/share/doc/egresswatch/examples/10-egresswatch-bridge-port.network; do
  [ -f "$R$f" ] || fail "$f is not installed"
done
for p in egresswatch egresswatch-bridge; do
  bin=$R/usr/sbin/$p
  ! readelf -S "$bin" 2>/dev/null | grep -q '\.debug_info' || fail "$p is not stripped"
  readelf --string-dump=.gnu_debuglink "$bin" | grep -q "$p.debug" || fail "$p has no .gnu_debuglink"
  readelf -S "$R/usr/lib/debug/usr/sbin/$p.debug" 2>/dev/null | grep -q '\.debug_info' ||
    fail "$p.debug holds no debug information"
  "$bin" --version | grep -q "^$p " || fail "the installed $p does not run"
  [ "$(stat -c %s "$bin")" -lt $((4 * 1024 * 1024)) ] || fail "$p is $(stat -c %s "$bin") bytes stripped"
done
if command -v gdb >/dev/null; then
  # The debug link names the file and its CRC; gdb takes it from the
  # binary's own folder too, which needs no system-wide debug folder here.
  mkdir "$WORK/gdb"
  cp "$R/usr/sbin/egresswatch-bridge" "$R/usr/lib/debug/usr/sbin/egresswatch-bridge.debug" "$WORK/gdb/"
  gdb -batch -ex 'info functions ew::bridge::run_bridge' "$WORK/gdb/egresswatch-bridge" 2>&1 |
    grep -q 'bridge_command.cpp' ||
    fail "gdb does not find egresswatch-bridge's symbols through the debug link"
fi
echo "[$NAME] ok"
