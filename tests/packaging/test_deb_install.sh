#!/usr/bin/env bash
# The amd64 package on a fresh Debian 12: installed with dpkg -i into a
# minimal root made by mmdebstrap, booted under a real systemd
# (systemd-nspawn --boot, in a private network namespace of its own), where
# egresswatch@veth0 starts, records a ping between the container's own veth
# ends, reloads and stops leaving the interface as it was, and
# egresswatch-bridge@test forwards and watches between two of its namespaces;
# then
# dpkg --purge leaves nothing of the package behind.
#
#   test_deb_install.sh DEB
#
# The root (about 200 MB, a minute to make) is cached in
# $EW_TEST_CACHE (default /var/cache/egresswatch-test) between runs.
set -euo pipefail
DEB=${1:?usage: test_deb_install.sh DEB}
NAME=test_deb_install
log() { echo "[$NAME] $*"; }
fail() { echo "[$NAME] FAIL: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { log "SKIP: needs root (debootstrap root, systemd-nspawn)"; exit 77; }
for tool in mmdebstrap systemd-nspawn nsenter; do
  command -v "$tool" >/dev/null || fail "$tool is missing (make deb-deps installs it)"
done
[ -f "$DEB" ] || fail "no package at $DEB"

CACHE=${EW_TEST_CACHE:-/var/cache/egresswatch-test}
ROOT_TAR=$CACHE/bookworm-root.tar
# What the package depends on is in the root already, so dpkg -i needs no
# network; systemd and dbus to boot; iproute2 and ping for the test itself.
INCLUDE=systemd,systemd-sysv,dbus,iproute2,iputils-ping,jq,logrotate,adduser,libbpf1,libmnl0,libcap-ng0,libnettle8
mkdir -p "$CACHE"
if [ ! -s "$ROOT_TAR" ] || [ "$(cat "$ROOT_TAR.include" 2>/dev/null)" != "$INCLUDE" ]; then
  log "making a bookworm root with mmdebstrap (cached in $CACHE)"
  # mmdebstrap picks the output format from the name: keep .tar at the end.
  mmdebstrap --quiet --variant=apt --include="$INCLUDE" bookworm "$CACHE/partial.tar" ||
    fail "mmdebstrap failed"
  mv "$CACHE/partial.tar" "$ROOT_TAR"
  echo "$INCLUDE" >"$ROOT_TAR.include"
fi

WORK=$(mktemp -d /tmp/egresswatch-deb.XXXXXX)
ROOT=$WORK/root
NSPAWN_PID=
cleanup() {
  if [ -n "$NSPAWN_PID" ] && kill -0 "$NSPAWN_PID" 2>/dev/null; then
    kill -TERM "$NSPAWN_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$NSPAWN_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$NSPAWN_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
mkdir "$ROOT"
tar -C "$ROOT" -xf "$ROOT_TAR"

# --- What the root held before: every path, to compare after the purge.
snapshot() {
  (cd "$ROOT" && find . -xdev \( -path ./proc -o -path ./sys -o -path ./dev -o -path ./run \
      -o -path ./tmp -o -path ./var/cache -o -path ./var/log/journal \) -prune -o -print) |
    grep -v -e '^./var/lib/dpkg/' -e '^./var/log/' -e '^./etc/ld.so.cache$' \
      -e '^./etc/localtime$' -e '^./etc/machine-id$' -e '^./var/lib/dbus/' -e '^./var/lib/systemd/' |
    sort  # the paths dpkg keeps, and what booting the root writes
}
snapshot >"$WORK/before"

# --- Install.
cp "$DEB" "$ROOT/tmp/egresswatch.deb"
chroot "$ROOT" dpkg -i /tmp/egresswatch.deb >"$WORK/install.log" 2>&1 ||
  { cat "$WORK/install.log" >&2; fail "dpkg -i failed"; }
rm "$ROOT/tmp/egresswatch.deb"
for f in /usr/sbin/egresswatch /usr/sbin/egresswatch-bridge /lib/systemd/system/egresswatch@.service \
         /lib/systemd/system/egresswatch-bridge@.service /etc/egresswatch/config.json \
         /etc/logrotate.d/egresswatch /usr/share/man/man8/egresswatch.8.gz \
         /usr/share/man/man8/egresswatch-bridge.8.gz; do
  [ -e "$ROOT$f" ] || fail "$f is not installed"
done
chroot "$ROOT" getent passwd egresswatch >/dev/null || fail "no egresswatch system user"
[ "$(stat -c %a "$ROOT/var/log/egresswatch")" = 750 ] || fail "/var/log/egresswatch is not 0750"
version=$(chroot "$ROOT" /usr/sbin/egresswatch --version) || fail "egresswatch --version failed"
log "installed: $version"
# Nothing enabled on installation: attaching to an uplink is a decision.
[ -z "$(find "$ROOT/etc/systemd/system" -name 'egresswatch*' 2>/dev/null)" ] ||
  fail "a unit was enabled on installation"
# The options the test run uses.
cat >"$ROOT/etc/egresswatch/config.json" <<'JSON'
{"mode": "packet", "include": ["192.0.2.0/24"], "stats-interval": 0.5}
JSON

# --- Boot it. A private network namespace: nothing of the host's is seen.
systemd-nspawn --quiet --boot --register=no --keep-unit --private-network \
  --capability=CAP_BPF,CAP_PERFMON --system-call-filter="bpf perf_event_open" --console=read-only -D "$ROOT" \
  --machine="ew$$" >"$WORK/boot.log" 2>&1 &
NSPAWN_PID=$!
INIT=
for _ in $(seq 1 100); do
  INIT=$(pgrep -P "$NSPAWN_PID" -x systemd || true)
  [ -n "$INIT" ] && break
  sleep 0.1
done
[ -n "$INIT" ] || { cat "$WORK/boot.log" >&2; fail "the container did not start systemd"; }
in_guest() { nsenter -t "$INIT" -a "$@"; }
state=
for _ in $(seq 1 150); do
  state=$(in_guest systemctl is-system-running 2>/dev/null || true)
  [ "$state" = running ] || [ "$state" = degraded ] && break
  sleep 0.2
done
[ "$state" = running ] || [ "$state" = degraded ] || fail "the container did not boot: '$state'"

# Two veth ends, both inside the container: the ping goes from one to the other.
in_guest ip link add veth0 type veth peer name veth1
in_guest ip addr add 192.0.2.1/24 dev veth0
in_guest ip link set veth0 up
in_guest ip link set veth1 up
in_guest ip addr add 192.0.2.2/24 dev veth1
# Sent on veth0 (the peer's address is a neighbour, not local, thanks to a route).
in_guest ip netns add peer
in_guest ip link set veth1 netns peer
in_guest ip -n peer addr add 192.0.2.2/24 dev veth1
in_guest ip -n peer link set veth1 up
tc_before=$(in_guest tc qdisc show dev veth0)

in_guest systemctl start egresswatch@veth0 || {
  in_guest journalctl -u egresswatch@veth0 --no-pager >&2 || true
  fail "egresswatch@veth0 did not start"
}
attached=
for _ in $(seq 1 50); do
  in_guest tc filter show dev veth0 egress | grep -q egresswatch && { attached=1; break; }
  sleep 0.1
done
[ -n "$attached" ] || { in_guest journalctl -u egresswatch@veth0 --no-pager >&2; fail "no filter on veth0"; }
[ "$(in_guest systemctl show -p User --value egresswatch@veth0)" = egresswatch ] ||
  fail "the unit does not run as the egresswatch user"
pid=$(in_guest systemctl show -p MainPID --value egresswatch@veth0)
[ "$(in_guest stat -c %U "/proc/$pid")" = egresswatch ] || fail "egresswatch does not run as egresswatch"
in_guest ping -q -c 3 -i 0.1 -W 1 192.0.2.2 >/dev/null || fail "ping between the veth ends"
OUT=/var/log/egresswatch/veth0.jsonl
records() { in_guest jq -c 'select(.type == "packet" and .dst == "192.0.2.2" and .icmp_type == 8)' "$OUT" | wc -l; }
for _ in $(seq 1 30); do [ "$(records)" -ge 3 ] && break; sleep 0.1; done
[ "$(records)" = 3 ] || fail "records of the 3 echo requests: $(records)"
[ "$(stat -c %a "$ROOT$OUT")" = 640 ] || fail "$OUT is not 0640 (UMask): $(stat -c %a "$ROOT$OUT")"

# Reload: SIGHUP, the same process, still attached.
in_guest systemctl reload egresswatch@veth0 || fail "systemctl reload"
sleep 0.3
[ "$(in_guest systemctl show -p MainPID --value egresswatch@veth0)" = "$pid" ] || fail "reload restarted it"
in_guest systemctl is-active --quiet egresswatch@veth0 || fail "not active after the reload"

# Stop: detached, the qdisc it made gone, a final stats line.
in_guest systemctl stop egresswatch@veth0
in_guest tc filter show dev veth0 egress | grep -q . && fail "a filter is left on veth0"
[ "$(in_guest tc qdisc show dev veth0)" = "$tc_before" ] || fail "veth0's qdiscs changed: $(in_guest tc qdisc show dev veth0)"
in_guest jq -e 'select(.type == "stats" and .final)' "$OUT" >/dev/null || fail "no final stats line"
[ "$(in_guest systemctl show -p Result --value egresswatch@veth0)" = success ] || fail "the stop was not clean"

# The bridge's template unit verifies (its ports are the example file's).
in_guest systemd-analyze verify --man=no egresswatch-bridge@inline.service >"$WORK/verify.log" 2>&1 ||
  { cat "$WORK/verify.log" >&2; fail "egresswatch-bridge@inline.service does not verify"; }

# The bridge's unit, for real: host A (ns ha) | the container's bridge | host
# B (ns hb), with the classifier watching both ports.
in_guest ip netns add ha
in_guest ip netns add hb
in_guest ip link add pa type veth peer name a0 netns ha
in_guest ip link add pb type veth peer name b0 netns hb
for port in pa pb; do in_guest ip link set "$port" up; done
in_guest ip -n ha addr add 198.51.100.1/24 dev a0
in_guest ip -n hb addr add 198.51.100.2/24 dev b0
in_guest ip -n ha link set a0 up
in_guest ip -n hb link set b0 up
cat >"$ROOT/etc/egresswatch/bridge-test.conf" <<'CONF'
PORT_A=pa
PORT_B=pb
BRIDGE_OPTIONS=--watch --mode packet --include 198.51.100.0/24
CONF
in_guest systemctl start egresswatch-bridge@test || {
  in_guest journalctl -u egresswatch-bridge@test --no-pager >&2 || true
  fail "egresswatch-bridge@test did not start"
}
BOUT=/var/log/egresswatch/bridge-test.jsonl
bridged=
for _ in $(seq 1 50); do
  in_guest tc filter show dev pb egress | grep -q egresswatch && { bridged=1; break; }
  sleep 0.1
done
[ -n "$bridged" ] || { in_guest journalctl -u egresswatch-bridge@test --no-pager >&2; fail "the bridge did not attach"; }
[ "$(in_guest stat -c %U "/proc/$(in_guest systemctl show -p MainPID --value egresswatch-bridge@test)")" = egresswatch ] ||
  fail "the bridge does not run as egresswatch"
in_guest ip netns exec ha ping -q -c 3 -i 0.1 -W 1 198.51.100.2 >/dev/null || fail "ping across the bridge unit"
bridge_records() { in_guest jq -c 'select(.type == "packet" and .iface == "pb" and .icmp_type == 8)' "$BOUT" | wc -l; }
for _ in $(seq 1 30); do [ "$(bridge_records)" -ge 3 ] && break; sleep 0.1; done
[ "$(bridge_records)" = 3 ] || fail "the bridge unit's records of the 3 echo requests: $(bridge_records)"
in_guest systemctl reload egresswatch-bridge@test || fail "systemctl reload egresswatch-bridge@test"
in_guest systemctl stop egresswatch-bridge@test
[ "$(in_guest systemctl show -p Result --value egresswatch-bridge@test)" = success ] || fail "the bridge's stop was not clean"
in_guest tc filter show dev pb egress | grep -q . && fail "a filter is left on pb"
in_guest jq -e 'select(.type == "bridge_stats" and .final)' "$BOUT" >/dev/null || fail "no final bridge_stats line"
rm "$ROOT/etc/egresswatch/bridge-test.conf"

in_guest systemctl poweroff || true
for _ in $(seq 1 100); do kill -0 "$NSPAWN_PID" 2>/dev/null || break; sleep 0.1; done
wait "$NSPAWN_PID" 2>/dev/null || true
NSPAWN_PID=

# --- Purge: nothing of the package is left.
chroot "$ROOT" dpkg --purge egresswatch >"$WORK/purge.log" 2>&1 ||
  { cat "$WORK/purge.log" >&2; fail "dpkg --purge failed"; }
snapshot >"$WORK/after"
if ! diff "$WORK/before" "$WORK/after" >"$WORK/left"; then
  cat "$WORK/left" >&2
  fail "the purge left files behind (or removed some)"
fi
[ ! -e "$ROOT/var/log/egresswatch" ] || fail "/var/log/egresswatch is left"
! chroot "$ROOT" getent passwd egresswatch >/dev/null || fail "the egresswatch user is left"
log "ok"
