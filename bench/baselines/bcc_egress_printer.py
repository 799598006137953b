#!/usr/bin/python3
# baseline, written for this project to reproduce the old tool; not part of egresswatch
#
# The old tool: a BCC tc egress program, attached with pyroute2 (a clsact qdisc
# and a bpf filter in direct-action mode), that sends the destination IPv4
# address of every egress packet outside one excluded prefix (192.168.0.0/16
# in the original) through a perf buffer, and a Python loop that print()s one
# line per event. Kept as it was in spirit: one print() per event, IPv4 only.
# Added for the benchmarks: --exclude, --duration, --page-cnt, an "attached"
# line on stderr, and the counts of printed and lost events on stderr at exit.
#
#   bcc_egress_printer.py IFACE [--exclude CIDR] [--duration S] [--page-cnt N]
import argparse
import ctypes
import ipaddress
import signal
import socket
import struct
import sys
import time

from bcc import BPF
from pyroute2 import IPRoute

PROGRAM = r"""
#include <uapi/linux/bpf.h>
#include <uapi/linux/if_ether.h>
#include <uapi/linux/ip.h>
#include <uapi/linux/pkt_cls.h>

BPF_PERF_OUTPUT(events);

int egress(struct __sk_buff *skb) {
    void *data = (void *)(long)skb->data;
    void *data_end = (void *)(long)skb->data_end;
    struct ethhdr *eth = data;
    if ((void *)(eth + 1) > data_end || eth->h_proto != htons(ETH_P_IP))
        return TC_ACT_OK;
    struct iphdr *ip = (void *)(eth + 1);
    if ((void *)(ip + 1) > data_end)
        return TC_ACT_OK;
    u32 daddr = ip->daddr;
    if ((daddr & EXCLUDE_MASK) == EXCLUDE_NET)
        return TC_ACT_OK;
    events.perf_submit(skb, &daddr, sizeof(daddr));
    return TC_ACT_OK;
}
"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("iface")
    parser.add_argument("--exclude", default="192.168.0.0/16")
    parser.add_argument("--duration", type=float, default=0)
    parser.add_argument("--page-cnt", type=int, default=8)
    args = parser.parse_args()

    net = ipaddress.IPv4Network(args.exclude)
    # daddr is in network byte order; compare it with values read the same way.
    as_le = lambda a: struct.unpack("<I", a.packed)[0]
    cflags = ["-DEXCLUDE_MASK=%du" % as_le(net.netmask), "-DEXCLUDE_NET=%du" % as_le(net.network_address)]

    b = BPF(text=PROGRAM, cflags=cflags)
    fn = b.load_func("egress", BPF.SCHED_CLS)

    ipr = IPRoute()
    idx = ipr.link_lookup(ifname=args.iface)[0]
    ipr.tc("add", "clsact", idx)
    ipr.tc("add-filter", "bpf", idx, ":1", fd=fn.fd, name=fn.name,
           parent="ffff:fff3", classid=1, direct_action=True)
    print("attached to %s" % args.iface, file=sys.stderr, flush=True)

    counts = {"printed": 0, "lost": 0}

    def print_event(cpu, data, size):
        daddr = ctypes.cast(data, ctypes.POINTER(ctypes.c_uint32)).contents.value
        print(socket.inet_ntoa(struct.pack("<I", daddr)))
        counts["printed"] += 1

    def lost(n):
        counts["lost"] += n

    b["events"].open_perf_buffer(print_event, page_cnt=args.page_cnt, lost_cb=lost)

    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    deadline = time.monotonic() + args.duration if args.duration > 0 else None
    try:
        while not stop and (deadline is None or time.monotonic() < deadline):
            b.perf_buffer_poll(timeout=100)
    except KeyboardInterrupt:
        pass
    finally:
        ipr.tc("del", "clsact", idx)
        b.perf_buffer_poll(timeout=0)
        sys.stdout.flush()
        print("printed %d lost %d" % (counts["printed"], counts["lost"]), file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
