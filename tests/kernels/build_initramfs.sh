#!/usr/bin/env bash
# build_initramfs.sh ARCH KERNEL_ROOT EW_DEB OUT
#
# A gzip'd cpio for a guest with no disk: busybox, iproute2 (ip, tc) and the
# two egresswatch programs for ARCH with every shared library they need, the
# kernel modules the tests load (from KERNEL_ROOT, an extracted linux-image
# package), and guest/init.sh as /init. The userland comes from Debian's own
# ARCH packages, downloaded once into $EW_KERNEL_CACHE/debs/ARCH.
set -euo pipefail

ARCH=${1:?usage: build_initramfs.sh ARCH KERNEL_ROOT EW_DEB OUT}
KERNEL_ROOT=${2:?kernel root}
EW_DEB=${3:?egresswatch .deb}
OUT=${4:?output}
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${EW_KERNEL_CACHE:-/var/cache/egresswatch-test}

case $ARCH in
  arm64) TRIPLET=aarch64-linux-gnu ;;
  armhf) TRIPLET=arm-linux-gnueabihf ;;
  amd64) TRIPLET=x86_64-linux-gnu ;;
  *) echo "build_initramfs.sh: unsupported arch $ARCH" >&2; exit 2 ;;
esac

# The guest's userland: busybox for the shell and the small tools, iproute2
# for ip netns / tc, and the libraries of iproute2 and of egresswatch
# (libbpf1 ... libc6). Which of them are needed is decided below by DT_NEEDED;
# a library missing from this list stops the build with its name.
PACKAGES="busybox-static iproute2 libbpf1 libbsd0 libc6 libcap2 libdb5.3 libelf1 libmnl0
  libselinux1 libtirpc3 libxtables12 zlib1g libmd0 libpcre2-8-0 libgssapi-krb5-2 libkrb5-3
  libk5crypto3 libcom-err2 libkrb5support0 libkeyutils1 libssl3 libcap-ng0 libnettle8 libstdc++6
  libgcc-s1 libatm1"
# veth for the pairs, sch_ingress for clsact, cls_bpf for the filter; tun
# and bridge for what comes next (and to show they load).
MODULES="veth sch_ingress cls_bpf tun bridge"

debs=$CACHE/debs/$ARCH
mkdir -p "$debs"
missing=()
for p in $PACKAGES; do
  compgen -G "$debs/${p}_*.deb" >/dev/null || missing+=("$p:$ARCH")
done
if [ ${#missing[@]} -gt 0 ]; then
  (cd "$debs" && apt-get download "${missing[@]}" 2>&1 | grep -v 'unsandboxed' >&2) ||
    { echo "build_initramfs.sh: apt-get download ${missing[*]} failed" >&2; exit 1; }
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
stage=$work/stage
root=$work/root
mkdir -p "$stage" "$root"
for d in "$debs"/*.deb "$EW_DEB"; do dpkg-deb -x "$d" "$stage"; done

# A merged-/usr layout, like Debian 12's.
mkdir -p "$root"/usr/{bin,sbin,lib/"$TRIPLET"} "$root"/{dev,proc,sys,run,tmp,bbin,etc}
ln -s usr/bin "$root/bin"
ln -s usr/sbin "$root/sbin"
ln -s usr/lib "$root/lib"
mknod "$root/dev/console" c 5 1
mknod "$root/dev/null" c 1 3

# A file of the staged root, following symlinks inside the stage (an
# absolute link must not lead to this machine's own file).
stage_resolve() {
  local f=$1 t i
  for i in 1 2 3 4 5 6 7 8; do
    [ -L "$f" ] || { echo "$f"; return; }
    t=$(readlink "$f")
    case $t in /*) f=$stage$t ;; *) f=$(dirname "$f")/$t ;; esac
  done
  echo "$f"
}

find_lib() {
  local name=$1 d
  for d in "$stage/lib/$TRIPLET" "$stage/usr/lib/$TRIPLET" "$stage/lib" "$stage/usr/lib"; do
    if [ -e "$d/$name" ] || [ -L "$d/$name" ]; then stage_resolve "$d/$name"; return 0; fi
  done
  return 1
}

declare -A copied=()
add_elf_deps() {
  local file=$1 name interp src
  interp=$(readelf -l "$file" 2>/dev/null | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
  if [ -n "$interp" ] && [ -z "${copied[interp:$interp]:-}" ]; then
    copied[interp:$interp]=1
    src=$(find_lib "$(basename "$interp")") ||
      { echo "build_initramfs.sh: no $interp for $file" >&2; exit 1; }
    cp "$src" "$root/usr/lib/$TRIPLET/$(basename "$interp")"
    mkdir -p "$root$(dirname "$interp")"
    [ -e "$root$interp" ] || ln -s "/usr/lib/$TRIPLET/$(basename "$interp")" "$root$interp"
  fi
  for name in $(readelf -d "$file" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
    [ -z "${copied[$name]:-}" ] || continue
    copied[$name]=1
    src=$(find_lib "$name") ||
      { echo "build_initramfs.sh: $name (needed by $(basename "$file")) is in none of the staged packages" >&2; exit 1; }
    cp "$src" "$root/usr/lib/$TRIPLET/$name"
    add_elf_deps "$src"
  done
}

install_bin() {
  local src dst=$2
  src=$(stage_resolve "$stage/$1")
  [ -f "$src" ] || { echo "build_initramfs.sh: $1 not in the staged packages" >&2; exit 1; }
  cp "$src" "$root$dst"
  add_elf_deps "$src"
}

install_bin bin/busybox /bin/busybox
install_bin bin/ip /sbin/ip
install_bin sbin/tc /sbin/tc
install_bin usr/sbin/egresswatch /usr/sbin/egresswatch
install_bin usr/sbin/egresswatch-bridge /usr/sbin/egresswatch-bridge

# Modules: each wanted one after its dependencies, listed in
# /etc/modules.order for the guest to insmod. The package ships no
# modules.dep (its postinst runs depmod), so the dependencies come from each
# module's own .modinfo "depends=" (what depmod reads too).
kver=$(ls "$KERNEL_ROOT/lib/modules")
mods=$KERNEL_ROOT/lib/modules/$kver
declare -A loaded=()
work_modules=$work/modules
mkdir -p "$work_modules"
order=()
add_module() {
  local name=$1 file path dep
  [ -z "${loaded[$name]:-}" ] || return 0
  file=$(find "$mods/kernel" \( -name "$name.ko*" -o -name "${name//_/-}.ko*" \) -print -quit)
  if [ -z "$file" ]; then
    # Built in: nothing to load.
    grep -qE "/(${name}|${name//_/-})\.ko" "$mods/modules.builtin" 2>/dev/null && return 0
    echo "build_initramfs.sh: module $name is neither in $mods nor built in" >&2
    exit 1
  fi
  # 6.12's packages compress their modules (.ko.xz); busybox insmod takes
  # them plain, so they go in decompressed.
  local plain=$file
  case $file in
    *.ko) ;;
    *.ko.xz) plain=$work_modules/$name.ko; xz -dc "$file" >"$plain" ;;
    *.ko.zst) plain=$work_modules/$name.ko; zstd -qdc "$file" >"$plain" ;;
    *) echo "build_initramfs.sh: $file: a compression not handled" >&2; exit 1 ;;
  esac
  for dep in $(readelf -p .modinfo "$plain" | sed -n 's/.*depends=\(.*\)$/\1/p' | tr ',' ' '); do
    add_module "$dep"
  done
  loaded[$name]=1
  path=${file#"$mods/"}
  path=${path%.xz}
  path=${path%.zst}
  mkdir -p "$root/lib/modules/$kver/$(dirname "$path")"
  cp "$plain" "$root/lib/modules/$kver/$path"
  order+=("/lib/modules/$kver/$path")
}
for m in $MODULES; do add_module "$m"; done
printf '%s\n' "${order[@]}" >"$root/etc/modules.order"

cp "$HERE/guest/init.sh" "$root/init"
cp "$HERE/guest/tests.sh" "$root/tests.sh"
chmod 755 "$root/init" "$root/tests.sh"
echo "$TRIPLET" >"$root/etc/triplet"

(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -1) >"$OUT"
