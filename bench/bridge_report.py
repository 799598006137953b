#!/usr/bin/python3
# Turns bench/bridge.sh's results.tsv into the tables of bench/README.md:
# medians over the repeats, ratios against the kernel bridge and against the
# scapy baseline of the same run, and the goals of issue 5 met or missed.
#
#   bench/bridge_report.py results.tsv
import csv
import statistics
import sys
from collections import defaultdict

rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
groups = defaultdict(list)
for r in rows:
    groups[(r["bridge"], r["test"])].append(r)

BRIDGES = [b for b in ("kernel", "ew", "ew-watch", "scapy") if any(k[0] == b for k in groups)]
NAMES = {"kernel": "kernel bridge", "ew": "egresswatch-bridge",
         "ew-watch": "egresswatch-bridge --watch", "scapy": "scapy bridge (baseline)"}
TESTS = [("tcp-on", "TCP Mbit/s, default offloads"), ("tcp-off", "TCP Mbit/s, offloads off"),
         ("udp", "64-byte UDP frames delivered/s"), ("ping-p50", "ping RTT p50 (us)"),
         ("ping-p99", "ping RTT p99 (us)")]


def num(v):
    try:
        return float(v)
    except ValueError:
        return None


def values(bridge, test, field="value"):
    if test in ("ping-p50", "ping-p99"):
        field = "value" if test == "ping-p50" else "aux"
        test = "ping"
    return [x for x in (num(r[field]) for r in groups.get((bridge, test), [])) if x is not None]


def med(bridge, test, field="value"):
    v = values(bridge, test, field)
    return statistics.median(v) if v else None


def fmt(v, test):
    if v is None:
        return "-"
    if test.startswith("tcp"):
        return "{:,.0f}".format(v) if v >= 10 else "{:.2f}".format(v)
    return "{:,.0f}".format(v)


def ratio(a, b):
    if a is None or b is None:
        return None
    return a / b if b else (float("inf") if a else None)


def rfmt(x):
    if x is None:
        return "-"
    if x == float("inf"):
        return "inf (baseline 0)"
    return "%.2f" % x if x < 10 else "{:,.0f}".format(x)


reps = sorted({str(len(v)) for v in groups.values()})
print("\n### Results (medians of %s runs)\n" % "/".join(reps))
print("| Measure | " + " | ".join(NAMES[b] for b in BRIDGES) +
      " | egresswatch-bridge vs kernel | --watch vs kernel | egresswatch-bridge vs scapy"
      " | --watch vs scapy |")
print("| --- |" + " ---: |" * (len(BRIDGES) + 4))
for test, label in TESTS:
    m = {b: med(b, test) for b in BRIDGES}
    cells = [fmt(m[b], test) for b in BRIDGES]
    extra = []
    for other in ("kernel", "scapy"):
        for b in ("ew", "ew-watch"):
            if test.startswith("ping"):
                if other == "kernel":
                    d = None if m.get(b) is None or m.get(other) is None else m[b] - m[other]
                    extra.append("-" if d is None else "%+.0f us" % d)
                else:  # times faster: the baseline's round trip over ours
                    extra.append(rfmt(ratio(m.get(other), m.get(b))) + "x faster")
            else:
                extra.append(rfmt(ratio(m.get(b), m.get(other))))
    print("| %s | %s | %s |" % (label, " | ".join(cells), " | ".join(extra)))

print("\n### Side figures (medians; max in brackets)\n")
print("| Bridge | TCP retransmits, offloads on | offloads off | UDP frames sent/s "
      "| Pings lost | dropped (on / off / udp) | send_failed (on / off / udp) |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")


def mm(bridge, test, field):
    v = values(bridge, test, field)
    if not v:
        return "-"
    return "{:,.0f} ({:,.0f})".format(statistics.median(v), max(v))


for b in BRIDGES:
    print("| %s | %s | %s | %s | %s | %s | %s |" % (
        NAMES[b], mm(b, "tcp-on", "aux"), mm(b, "tcp-off", "aux"), mm(b, "udp", "aux"),
        mm(b, "ping", "aux2"),
        " / ".join(mm(b, t, "dropped") for t in ("tcp-on", "tcp-off", "udp")),
        " / ".join(mm(b, t, "send_failed") for t in ("tcp-on", "tcp-off", "udp"))))

print("\n### Goals (issue 5, item 3)\n")
print("| Goal | egresswatch-bridge | Met? | --watch | Met? |")
print("| --- | ---: | --- | ---: | --- |")


def goal_row(label, fn):
    cells = []
    for b in ("ew", "ew-watch"):
        shown, ok = fn(b)
        cells += [shown, "-" if ok is None else ("met" if ok else "**missed**")]
    print("| %s | %s |" % (label, " | ".join(cells)))


def vs_kernel(test, need):
    def fn(b):
        r = ratio(med(b, test), med("kernel", test))
        return ("-", None) if r is None else ("%.2f of kernel" % r, r >= need)
    return fn


def vs_scapy(test):
    def fn(b):
        r = ratio(med(b, test), med("scapy", test))
        return ("-", None) if r is None else (rfmt(r) + "x scapy", r >= 100)
    return fn


def ping_goal(test):
    def fn(b):
        if med(b, test) is None or med("kernel", test) is None:
            return "-", None
        d = med(b, test) - med("kernel", test)
        return "%+.0f us" % d, d <= 50
    return fn


goal_row("TCP, default offloads: >= 0.80 of kernel", vs_kernel("tcp-on", 0.8))
goal_row("TCP, offloads off: >= 0.50 of kernel", vs_kernel("tcp-off", 0.5))
goal_row("UDP 64-byte frames delivered/s: >= 1.00 of kernel", vs_kernel("udp", 1.0))
goal_row("ping p50: <= kernel + 50 us", ping_goal("ping-p50"))
goal_row("ping p99: <= kernel + 50 us", ping_goal("ping-p99"))
goal_row("TCP, default offloads: >= 100x scapy", vs_scapy("tcp-on"))
goal_row("TCP, offloads off: >= 100x scapy", vs_scapy("tcp-off"))
goal_row("UDP frames delivered/s: >= 100x scapy", vs_scapy("udp"))
print("\nLoad (1-minute average) during the runs: median %.1f, max %.1f" % (
    statistics.median(float(r["load1"]) for r in rows), max(float(r["load1"]) for r in rows)))
