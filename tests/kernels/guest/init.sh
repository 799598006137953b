#!/bin/busybox sh
# /init of the test guest: mounts, modules, then /tests.sh, then power off.
# Everything it says goes to the console, which the host reads.
/bin/busybox mkdir -p /bbin
/bin/busybox --install -s /bbin
export PATH=/usr/sbin:/usr/bin:/bbin
export LD_LIBRARY_PATH=/usr/lib/$(cat /etc/triplet)
export HOME=/tmp
# busybox sh runs its own applets before PATH's programs: iproute2's ip here.
ip() { /usr/sbin/ip "$@"; }

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /sys/fs/bpf /run/netns /var && ln -s /run /var/run
mount -t bpf bpf /sys/fs/bpf
ip link set lo up

echo "EW-GUEST: kernel $(uname -r) $(uname -m), up $(cut -d' ' -f1 /proc/uptime) s"
for m in $(cat /etc/modules.order); do
  insmod "$m" || echo "EW-GUEST: insmod $m failed"
done

# The host asks for the BPF interpreter with ew.nojit on the command line
# (armhf: as on Raspberry Pi OS 32-bit).
if grep -qw ew.nojit /proc/cmdline; then
  echo 0 >/proc/sys/net/core/bpf_jit_enable || echo "EW-GUEST: could not turn the BPF JIT off"
fi

if [ -e /sys/kernel/btf/vmlinux ]; then btf=yes; else btf=no; fi
page_kib=$(awk '/^KernelPageSize:/ { print $2; exit }' /proc/self/smaps)
echo "EW-GUEST: kernel BTF: $btf, bpf_jit_enable=$(cat /proc/sys/net/core/bpf_jit_enable 2>/dev/null || echo none), page size $page_kib KiB"
# The host asks for a page size with ew.page_kib=N (the 16 KiB guest): a
# kernel that booted with another is not the one the test is about.
want_kib=$(tr ' ' '\n' </proc/cmdline | sed -n 's/^ew\.page_kib=//p')
if [ -n "$want_kib" ]; then
  if [ "$page_kib" = "$want_kib" ]; then echo "PASS page-size ($page_kib KiB)"; else
    echo "FAIL page-size: $page_kib KiB, not $want_kib"; fi
fi

sh /tests.sh
echo "EW-GUEST: done, up $(cut -d' ' -f1 /proc/uptime) s"
sync
poweroff -f
echo o >/proc/sysrq-trigger
sleep 10
