#!/usr/bin/env bash
# run_guest.sh GUEST [KERNEL_PACKAGE]
#
# Boots one of Debian's own kernel packages under qemu-system (no disk, no
# NIC: a kernel and an initramfs) and runs guest/tests.sh in it against the
# egresswatch .deb of its architecture. Ends with exactly one line
#   kernel <release> <arch>: N passed, N failed
# and a non-zero exit when a test failed or the guest did not finish.
#
#   GUEST           amd64 (5.10, bullseye), arm64 (6.1), arm64-16k (6.12 with
#                   16 KiB pages, bookworm-backports) or armhf (6.1, no BTF,
#                   the BPF interpreter)
#   KERNEL_PACKAGE  e.g. linux-image-6.1.0-50-arm64; a '*' stands for the ABI
#                   number and picks the newest (the defaults: see below)
#   EW_DEB          the egresswatch package to test (default
#                   dist/egresswatch_<version>_ARCH.deb: make deb ARCH=ARCH)
#   EW_KERNEL_CACHE downloads are kept here (default /var/cache/egresswatch-test)
#   EW_GUEST_TIMEOUT seconds before the guest counts as hung (default 300)
#   EW_GUEST_LOG    where the whole console goes (default a file in /tmp)
#   EW_GUEST_VERBOSE=1 shows what egresswatch -v says (libbpf, verifier) at the end
set -uo pipefail

ARCH=${1:?usage: run_guest.sh GUEST [KERNEL_PACKAGE]}
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
CACHE=${EW_KERNEL_CACHE:-/var/cache/egresswatch-test}
TIMEOUT=${EW_GUEST_TIMEOUT:-300}

# GUEST names a kernel of the matrix: the package's architecture (DEB_ARCH),
# Debian's kernel package, the suite it comes from, and the machine.
GUEST=$ARCH
SUITE=bookworm
case $GUEST in
  arm64)  # Debian 12's 6.1: the Raspberry Pi OS 64-bit class.
    ARCH=arm64
    KERNEL_PACKAGE=${2:-linux-image-6.1.0-*-arm64}
    QEMU=(qemu-system-aarch64 -M virt -cpu cortex-a57 -m 1024)
    APPEND="console=ttyAMA0 panic=-1 loglevel=5"
    ;;
  arm64-16k)  # 16 KiB pages, as a Raspberry Pi 5's kernel: 6.12 from bookworm-backports.
    ARCH=arm64
    SUITE=bookworm-backports
    KERNEL_PACKAGE=${2:-linux-image-6.12.*+deb12-arm64-16k}
    # cortex-a57 has no 16 KiB granule; "max" has every one.
    QEMU=(qemu-system-aarch64 -M virt -cpu max -m 1024)
    APPEND="console=ttyAMA0 panic=-1 loglevel=5 ew.page_kib=16"
    ;;
  armhf)
    ARCH=armhf
    KERNEL_PACKAGE=${2:-linux-image-6.1.0-*-armmp-lpae}
    QEMU=(qemu-system-arm -M virt -cpu cortex-a15 -m 1024)
    # The BPF interpreter, as on Raspberry Pi OS 32-bit.
    APPEND="console=ttyAMA0 panic=-1 loglevel=5 ew.nojit"
    ;;
  amd64)  # Debian 11's 5.10: the oldest kernel egresswatch claims.
    ARCH=amd64
    SUITE=bullseye
    KERNEL_PACKAGE=${2:-linux-image-5.10.0-*-amd64}
    # KVM on this kind of machine hangs the guest right after the BIOS
    # (nested virtualisation), so it is emulated like the others.
    QEMU=(qemu-system-x86_64 -M q35 -cpu max -m 1024)
    APPEND="console=ttyS0 panic=-1 loglevel=5"
    ;;
  *) echo "run_guest.sh: GUEST must be arm64, arm64-16k, armhf or amd64 (got '$GUEST')" >&2; exit 2 ;;
esac

# Kernels from another suite than this machine's come through a sources
# list used for that download alone (the machine's own stays as it is).
APT=()
if [ "$SUITE" != bookworm ]; then
  apt_dir=$CACHE/apt-$SUITE
  mkdir -p "$apt_dir/lists/partial"
  echo "deb [arch=$ARCH signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $SUITE main" \
    >"$apt_dir/sources.list"
  APT=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
       -o "Dir::State::Lists=$apt_dir/lists")
fi

[ "${EW_GUEST_VERBOSE:-0}" = 0 ] || APPEND="$APPEND ew.verbose"

die() { echo "run_guest.sh: $*" >&2; echo "kernel $KERNEL_PACKAGE $ARCH: 0 passed, 1 failed"; exit 1; }
now() { date +%s.%N; }
took() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# Host tools, installed when missing (as root).
need=()
command -v "${QEMU[0]}" >/dev/null || need+=(qemu-system-arm qemu-system-x86)
command -v xz >/dev/null || need+=(xz-utils)
command -v cpio >/dev/null || need+=(cpio)
if [ ${#need[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || die "missing ${need[*]}: run as root, or apt-get install them"
  # Two guests start at once (make test-kernels): the second waits for the
  # first one's install instead of failing on dpkg's lock.
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
    --no-install-recommends "${need[@]}" >&2 ||
    die "apt-get install ${need[*]} failed"
fi
dpkg --print-foreign-architectures | grep -qx "$ARCH" || [ "$(dpkg --print-architecture)" = "$ARCH" ] || {
  dpkg --add-architecture "$ARCH" && apt-get update -qq; } || die "could not add the $ARCH architecture"

if [ -z "${EW_DEB:-}" ]; then
  version=$(sed -n 's/^project(egresswatch VERSION \([0-9.]*\).*/\1/p' "$TOP/CMakeLists.txt")
  EW_DEB=$TOP/dist/egresswatch_${version}_$ARCH.deb
fi
[ -f "$EW_DEB" ] || die "no $EW_DEB: make deb ARCH=$ARCH first"

# The other suite's package lists: fetched when missing or a day old.
if [ ${#APT[@]} -gt 0 ] && [ -z "$(find "$apt_dir/lists" -maxdepth 1 -name '*Packages*' -mtime -1 2>/dev/null)" ]; then
  apt-get "${APT[@]}" update -qq >&2 || die "apt-get update for $SUITE failed"
fi

# The kernel package: '*' is the ABI number, the newest wins.
if [[ $KERNEL_PACKAGE == *'*'* ]]; then
  escaped=$(printf '%s' "$KERNEL_PACKAGE" | sed 's/[.+]/\\&/g')
  pattern="^${escaped//\*/[0-9]+}\$"
  KERNEL_PACKAGE=$(apt-cache "${APT[@]}" search --names-only "$pattern" | cut -d' ' -f1 | grep -E "$pattern" |
    sort -V | tail -n 1)
  [ -n "$KERNEL_PACKAGE" ] || die "no package matches $pattern for $ARCH in $SUITE"
fi

t=$(now)
kdir=$CACHE/kernels
mkdir -p "$kdir"
kdeb=$(compgen -G "$kdir/${KERNEL_PACKAGE}_*_$ARCH.deb" | sort -V | tail -n 1)
if [ -z "$kdeb" ]; then
  (cd "$kdir" && apt-get "${APT[@]}" download "$KERNEL_PACKAGE:$ARCH" 2>&1 | grep -v unsandboxed >&2) ||
    die "apt-get download $KERNEL_PACKAGE:$ARCH failed"
  kdeb=$(compgen -G "$kdir/${KERNEL_PACKAGE}_*_$ARCH.deb" | sort -V | tail -n 1)
fi
# Extracted once per package file, next to it.
kroot=${kdeb%.deb}.root
if [ ! -d "$kroot" ]; then
  rm -rf "$kroot.tmp" && mkdir -p "$kroot.tmp" && dpkg-deb -x "$kdeb" "$kroot.tmp" && mv "$kroot.tmp" "$kroot" ||
    die "could not extract $kdeb"
fi
release=$(ls "$kroot/lib/modules")
vmlinuz=$kroot/boot/vmlinuz-$release
echo "run_guest.sh: $KERNEL_PACKAGE ($(basename "$kdeb")) ready in $(took "$t") s" >&2

t=$(now)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$HERE/build_initramfs.sh" "$ARCH" "$kroot" "$EW_DEB" "$work/initrd.gz" ||
  die "could not build the initramfs"
echo "run_guest.sh: initramfs ($(du -h "$work/initrd.gz" | cut -f1)) built in $(took "$t") s" >&2

LOG=${EW_GUEST_LOG:-/tmp/egresswatch-guest-$release-$ARCH.log}
t=$(now)
echo "run_guest.sh: booting $release under ${QEMU[0]}, console in $LOG" >&2
# -nic none: the guest needs no NIC (and the virt machine's default one
# wants a ROM that is not installed). The console is the serial port, on
# stdout; PASS/FAIL lines and what they show go to our stderr as they come.
timeout --kill-after=10 "$TIMEOUT" "${QEMU[@]}" -nographic -nic none -no-reboot \
  -kernel "$vmlinuz" -initrd "$work/initrd.gz" -append "$APPEND" </dev/null 2>&1 |
  tr -d '\r' | tee "$LOG" | grep --line-buffered -E '^(PASS|FAIL|  \| |EW-GUEST)' >&2
qemu_status=${PIPESTATUS[0]}
boot_and_tests=$(took "$t")

booted=$(sed -n 's/^EW-GUEST: kernel .*, up \([0-9.]*\) s$/\1/p' "$LOG" | head -n 1)
done_at=$(sed -n 's/^EW-GUEST: done, up \([0-9.]*\) s$/\1/p' "$LOG" | tail -n 1)
passed=$(grep -c '^PASS ' "$LOG")
failed=$(grep -c '^FAIL ' "$LOG")
echo "run_guest.sh: qemu ran ${boot_and_tests} s (guest: userland at ${booted:-?} s, tests done at ${done_at:-?} s of uptime)" >&2
# The kernel's own complaints (loglevel=5 puts warnings on the console): a
# warning or an oops while the tests ran fails the run even if they passed.
splat=$(grep -E '^\[ *[0-9.]+\] .*(Oops|BUG:|WARNING:|Call trace:|Kernel panic|Unable to handle|refcount_t:|UBSAN:)' "$LOG" | head -n 5)
if [ -n "$splat" ]; then
  echo "FAIL kernel-log: the kernel complained (see $LOG):" >&2
  sed 's/^/  | /' <<<"$splat" >&2
  failed=$((failed + 1))
fi
if ! grep -q '^EW-GUEST-RESULT ' "$LOG"; then
  if [ "$qemu_status" = 124 ] || [ "$qemu_status" = 137 ]; then
    echo "run_guest.sh: the guest did not finish within $TIMEOUT s; last lines of $LOG:" >&2
  else
    echo "run_guest.sh: the guest stopped (qemu status $qemu_status) before its tests ended; last lines of $LOG:" >&2
  fi
  tail -n 30 "$LOG" >&2
  failed=$((failed + 1))
fi
echo "kernel $release $ARCH: $passed passed, $failed failed"
[ "$failed" = 0 ]
