#!/usr/bin/env python3
"""Writes real rtnetlink replies from this kernel into the fuzz seed corpus.

Run as root by hand when the corpus should be refreshed, not by the tests:

    tests/fuzz/capture_netlink.py [--egresswatch build/egresswatch]

It makes its own network namespace with a veth pair (no traffic leaves it),
optionally runs egresswatch on one end so the filter dump holds its cls_bpf
filter, then saves each datagram the kernel sends as one file:
corpus/netlink_reply_fuzz/ (dumps, ACKs, errors with extended-ack text) and
corpus/link_event_fuzz/ (link notifications as a veth pair goes away).
"""
import argparse
import os
import socket
import struct
import subprocess
import sys
import time

NETLINK_ROUTE = 0
NETLINK_EXT_ACK = 11
NETLINK_CAP_ACK = 10
SOL_NETLINK = 270
NLM_F_REQUEST, NLM_F_ACK, NLM_F_EXCL, NLM_F_CREATE, NLM_F_DUMP = 1, 4, 0x200, 0x400, 0x300
RTM_GETLINK, RTM_GETADDR, RTM_GETROUTE = 18, 22, 26
RTM_NEWQDISC, RTM_DELQDISC, RTM_GETQDISC = 36, 37, 38
RTM_DELTFILTER, RTM_GETTFILTER = 45, 46
RTMGRP_LINK = 1
TCA_KIND = 1
TC_H_CLSACT = 0xFFFFFFF1
CLSACT_HANDLE = 0xFFFF0000
EGRESS_PARENT = 0xFFFFFFF3
NS = "ewfuzzcap"
HERE = os.path.dirname(os.path.abspath(__file__))


def attr(kind, payload):
    length = 4 + len(payload)
    return struct.pack("=HH", length, kind) + payload + b"\0" * ((4 - length % 4) % 4)


def message(kind, flags, seq, body):
    return struct.pack("=IHHII", 16 + len(body), kind, flags, seq, 0) + body


def tcmsg(ifindex, parent=0, handle=0, info=0):
    return struct.pack("=BxxxiIII", 0, ifindex, handle, parent, info)


class Capture:
    def __init__(self, name):
        self.dir = os.path.join(HERE, "corpus", name)
        os.makedirs(self.dir, exist_ok=True)

    def save(self, label, datagram):
        with open(os.path.join(self.dir, "captured-" + label), "wb") as out:
            out.write(datagram)


def ask(sock, capture, label, request):
    """Sends one request and saves every datagram of its answer."""
    sock.send(request)
    part = 0
    while True:
        datagram = sock.recv(65536)
        capture.save(f"{label}-{part}", datagram)
        part += 1
        # The answer ends with a datagram whose last message is DONE or ERROR.
        at, kind = 0, 0
        while at + 16 <= len(datagram):
            length, kind = struct.unpack_from("=IH", datagram, at)
            at += (length + 3) & ~3
        if kind in (2, 3):  # NLMSG_ERROR, NLMSG_DONE
            return


def in_namespace(args):
    ifindex = socket.if_nametoindex("ewcap0")
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_ROUTE)
    sock.bind((0, 0))
    sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
    sock.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1)
    replies = Capture("netlink_reply_fuzz")
    dump = NLM_F_REQUEST | NLM_F_DUMP
    ask(sock, replies, "qdisc-dump", message(RTM_GETQDISC, dump, 1, tcmsg(0)))
    ask(sock, replies, "filter-dump",
        message(RTM_GETTFILTER, dump, 2, tcmsg(ifindex, EGRESS_PARENT)))
    ask(sock, replies, "route-dump", message(RTM_GETROUTE, dump, 3, struct.pack("=B11x", 2)))
    ask(sock, replies, "route6-dump", message(RTM_GETROUTE, dump, 4, struct.pack("=B11x", 10)))
    ask(sock, replies, "link-dump", message(RTM_GETLINK, dump, 5, struct.pack("=B15x", 0)))
    ask(sock, replies, "address-dump", message(RTM_GETADDR, dump, 6, struct.pack("=B7x", 0)))
    clsact = tcmsg(ifindex, TC_H_CLSACT, CLSACT_HANDLE) + attr(TCA_KIND, b"clsact\0")
    # A second exclusive create: EEXIST with the kernel's extended-ack text.
    ask(sock, replies, "clsact-exists-error",
        message(RTM_NEWQDISC, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, 7, clsact))
    ask(sock, replies, "filter-delete-missing-error",
        message(RTM_DELTFILTER, NLM_F_REQUEST | NLM_F_ACK, 8,
                tcmsg(ifindex, EGRESS_PARENT, 7, (20000 << 16) | 0x0300) + attr(TCA_KIND, b"bpf\0")))
    # Without NETLINK_CAP_ACK the error echoes the whole request before the TLVs.
    sock.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 0)
    ask(sock, replies, "clsact-exists-error-uncapped",
        message(RTM_NEWQDISC, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, 9, clsact))
    # A plain ACK.
    ask(sock, replies, "clsact-delete-ack",
        message(RTM_DELQDISC, NLM_F_REQUEST | NLM_F_ACK, 10, clsact))

    events = Capture("link_event_fuzz")
    monitor = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_ROUTE)
    monitor.bind((0, RTMGRP_LINK))
    monitor.settimeout(1.0)
    subprocess.run(["ip", "link", "add", "ewcap2", "type", "veth", "peer", "name", "ewcap3"],
                   check=True)
    subprocess.run(["ip", "link", "del", "ewcap2"], check=True)
    n = 0
    try:
        while True:
            events.save(f"link-events-{n}", monitor.recv(65536))
            n += 1
    except socket.timeout:
        pass
    print(f"captured {len(os.listdir(replies.dir))} replies, {n} link event datagrams")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--egresswatch", help="run it on the veth so the dump holds its filter")
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inside:
        in_namespace(args)
        return
    if os.geteuid() != 0:
        sys.exit("capture_netlink.py: needs root (a network namespace of its own)")
    subprocess.run(["ip", "netns", "add", NS], check=True)
    watcher = None
    try:
        run = ["ip", "netns", "exec", NS]
        subprocess.run(run + ["ip", "link", "add", "ewcap0", "type", "veth", "peer", "name",
                              "ewcap1"], check=True)
        for dev in ("ewcap0", "ewcap1", "lo"):
            subprocess.run(run + ["ip", "link", "set", dev, "up"], check=True)
        subprocess.run(run + ["ip", "addr", "add", "203.0.113.1/24", "dev", "ewcap0"], check=True)
        subprocess.run(run + ["ip", "addr", "add", "2001:db8::1/64", "dev", "ewcap0", "nodad"],
                       check=True)
        subprocess.run(run + ["ip", "route", "add", "default", "via", "203.0.113.2"], check=True)
        subprocess.run(run + ["ip", "-6", "route", "add", "default", "via", "2001:db8::2"],
                       check=True)
        if args.egresswatch:
            watcher = subprocess.Popen(run + [args.egresswatch, "ewcap0", "--duration", "30",
                                              "-o", "/dev/null"])
            time.sleep(2)
        else:
            subprocess.run(run + ["tc", "qdisc", "add", "dev", "ewcap0", "clsact"], check=True)
        subprocess.run(run + [sys.executable, os.path.abspath(__file__), "--inside"], check=True)
    finally:
        if watcher:
            watcher.terminate()
            watcher.wait()
        subprocess.run(["ip", "netns", "del", NS])


if __name__ == "__main__":
    main()
