#!/usr/bin/python3
# Turns bench/events.sh's results.tsv into the tables of bench/README.md:
# medians over the repeats, ratios against the runs of the same source, sink
# and rate in the same file.
#
#   bench/events_report.py results.tsv [search.txt]
import csv
import statistics
import sys
from collections import defaultdict

rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
groups = defaultdict(list)
for r in rows:
    if r["rep"] == "search":
        continue
    groups[(r["source"], r["config"], r["sink"], r["rate"])].append(r)


def med(values):
    return statistics.median(values) if values else float("nan")


def rate_name(rate):
    return "flat out" if rate == "0" else "{:,}/s".format(int(rate))


def consumer_figures(rs):
    secs = [int(r["sent"]) / float(r["gen_pps"]) for r in rs]
    per_s = [int(r["delivered"]) / s for r, s in zip(rs, secs)]
    per_cpu = [int(r["delivered"]) / max(float(r["cpu_s"]), 1e-3) for r in rs]
    per_cpu_live = [int(r["delivered"]) / max(float(r["cpu_live_s"]), 1e-3) for r in rs]
    lost = [int(r["lost"]) for r in rs]
    sent = [int(r["sent"]) for r in rs]
    return {
        "sent/s": med([s / t for s, t in zip(sent, secs)]),
        "records/s": med(per_s),
        "lost": med(lost),
        "lost_max": max(lost),
        "per_cpu": med(per_cpu),
        "cpu_per_m": 1e6 / med(per_cpu),
        "cpu_per_m_live": 1e6 / med(per_cpu_live),
        "peak_mb": med([int(r["peak_kb"]) / 1024 for r in rs]),
        "load": med([float(r["load1"]) for r in rs]),
        "n": len(rs),
    }


names = {"packet": "egresswatch --mode packet", "flow-many": "egresswatch --mode flow, a new flow per packet",
         "flow-few": "egresswatch --mode flow, 16 flows",
         "flow-few-in": "egresswatch --mode flow, 16 flows, on the receiver (ingress hook)",
         "bcc": "BCC + Python baseline", "none": "nothing attached"}

print("\n### Records turned into lines (medians of %s)\n" % "/".join(
    sorted({str(len(v)) for v in groups.values()})))
print("| Source | Rate asked | Consumer | Output | Sent/s | Records/s written | Lost (median, max) "
      "| Records per CPU s | CPU s per million (live) | vs baseline | Load |")
print("| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for (source, config, sink, rate), rs in sorted(groups.items(), key=lambda kv: (
        kv[0][0] != "gen", int(kv[0][3]) or 10**9, kv[0][2], kv[0][1])):
    if config in ("none", "flow-few", "flow-few-in"):
        continue
    f = consumer_figures(rs)
    base = groups.get((source, "bcc", sink, rate))
    ratio = "-"
    if base and config != "bcc":
        ratio = "%.1fx" % (f["per_cpu"] / consumer_figures(base)["per_cpu"])
    print("| %s | %s | %s | %s | %s | %s | %d, %d | %s | %.2f (%.2f) | %s | %.1f |" % (
        source, rate_name(rate), names[config], "tmpfs file" if sink == "file" else "pipe",
        "{:,.0f}".format(f["sent/s"]), "{:,.0f}".format(f["records/s"]), f["lost"], f["lost_max"], "{:,.0f}".format(f["per_cpu"]),
        f["cpu_per_m"], f["cpu_per_m_live"], ratio, f["load"]))

print("\n### Cost to the host: generator packets per second (medians)\n")
print("| Rate asked | Watcher | Generator pps | Over nothing attached | Load |")
print("| --- | --- | ---: | ---: | ---: |")
for (source, config, sink, rate), rs in sorted(groups.items(), key=lambda kv: (
        int(kv[0][3]) or 10**9, list(names).index(kv[0][1]))):
    if source != "gen":
        continue
    pps = med([float(r["gen_pps"]) for r in rs])
    none = groups.get((source, "none", sink, rate))
    base = med([float(r["gen_pps"]) for r in none]) if none else float("nan")
    print("| %s | %s | %s | %.2f | %.1f |" % (rate_name(rate), names[config], "{:,.0f}".format(pps),
                                           pps / base, med([float(r["load1"]) for r in rs])))

if len(sys.argv) > 2:
    try:
        print("\n### Highest injected rate with nothing lost\n")
        for line in open(sys.argv[2]):
            print("- " + line.strip())
    except FileNotFoundError:
        pass
