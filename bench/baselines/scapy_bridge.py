#!/usr/bin/python3
# baseline, written for this project to reproduce the old tool; not part of egresswatch
#
# The old tool: a Python/scapy L2 bridge between two interfaces (the Raspberry
# Pi with two NICs inline), a select() loop around two scapy L2socket(iface=...)
# sockets: p = s.recv(), then other.send(p.original). Kept as it was in spirit:
# scapy's own sockets, one recv() and one send() per frame, no batching, no
# MAC learning, no virtio-net headers (so GSO frames larger than the MTU do not
# go through: the send fails, as it did in the old tool).
# Added for the benchmarks: a "bridging" line on stderr once forwarding, a
# send failure is counted instead of ending the loop, and the counts of
# forwarded frames and failed sends on stderr at exit (SIGINT or SIGTERM).
#
#   scapy_bridge.py IFACE_A IFACE_B
import select
import signal
import sys

from scapy.all import conf

running = True


def stop(_signum, _frame):
    global running
    running = False


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: scapy_bridge.py IFACE_A IFACE_B")
    a = conf.L2socket(iface=sys.argv[1])
    b = conf.L2socket(iface=sys.argv[2])
    other = {a: b, b: a}
    forwarded = failed = 0
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    print("bridging %s and %s" % (sys.argv[1], sys.argv[2]), file=sys.stderr, flush=True)
    while running:
        try:
            ready, _, _ = select.select([a, b], [], [], 0.5)
        except InterruptedError:
            continue
        for s in ready:
            p = s.recv()
            if p is None:  # scapy drops the socket's own outgoing frames
                continue
            try:
                other[s].send(p.original)
                forwarded += 1
            except OSError:
                failed += 1
    print("forwarded %d send_failed %d" % (forwarded, failed), file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
