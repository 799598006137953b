#!/usr/bin/env python3
"""Writes the hand-made part of the fuzz seed corpus (tests/fuzz/corpus/).

Prefixes, config files and command lines as text; ring buffer records and
perf samples built from struct ew_record (bpf/egresswatch_abi.h). Real
netlink replies come from capture_netlink.py; inputs that found a bug are
kept as found-* files. Run it again after changing the record layout.
"""
import os
import socket
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")


def write(target, name, data):
    directory = os.path.join(CORPUS, target)
    os.makedirs(directory, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(directory, name), "wb") as out:
        out.write(data)


PREFIXES = {
    "ipv4": "192.0.2.0/24",
    "ipv6": "2001:db8::/32",
    "everything-v4": "0.0.0.0/0",
    "everything-v6": "::/0",
    "host-v4": "203.0.113.7",
    "host-v6": "2001:db8::1",
    "host-bits": "10.1.2.3/8",
    "v4-mapped": "::ffff:192.0.2.1/128",
    "max-lengths": "255.255.255.255/32\n+ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128",
    "bad-lengths": "10.0.0.0/33\n::/129\n1.2.3.4/-0\n10.0.0.0/+8\n10.0.0.0/8/8\n::/",
    "zone": "fe80::1%eth0",
    "mixed": "+192.0.2.0/24\n203.0.113.7/32\n+2001:db8::/32\n198.18.0.0/15\n+10.0.0.0/8",
    "short-prefixes": "10.0.0.0/7\n+0.0.0.0/1\n128.0.0.0/16\n::/15\n+fc00::/7",
    "same-both-ways": "192.0.2.0/24\n+192.0.2.0/24",
}

CONFIGS = {
    "readme": """{
  "interfaces": ["eth0"],
  "exclude": ["198.18.0.0/15"],
  "include": ["192.0.2.0/24"],
  "flow-interval": 30,
  "stats-interval": 60,
  "output": "/var/log/egresswatch.jsonl"
}
""",
    "every-option": """{"interfaces": ["eth0", "wlan0"], "mode": "packet", "exclude": ["10.0.0.0/8"],
 "include": ["2001:db8::/32"], "no-default-excludes": true, "output": "-", "format": "text",
 "duration": 1.5, "stats-interval": 10, "flow-interval": 5, "idle-timeout": 120,
 "flow-table-size": 1024, "sample": 4, "rate-limit": 1000, "transport": "perf",
 "ring-size": 65536, "verbose": false}""",
    "floats": '{"ring-size": 1024.0, "flow-table-size": 1e4, "duration": 0.001}',
    "empty-object": "{}",
    "empty-list": '{"exclude": []}',
    "unknown-key": '{"colour": "red"}',
    "nested": '{"exclude": [["10.0.0.0/8"]], "mode": {"flow": 1}}',
    "null": '{"mode": null}',
    "not-an-object": '["eth0"]',
    "not-json": "mode = flow\n",
    "nul-in-prefix": '{"include": ["192.0.2.0\\u0000junk/24"]}',
    "out-of-range": '{"sample": 0, "ring-size": 4095, "duration": "nan", "idle-timeout": -1}',
    "huge-numbers": '{"rate-limit": 18446744073709551616, "flow-table-size": -1e300}',
    "unicode": '{"interfaces": ["\\u00e9th0", "\\ud83d\\ude00"]}',
}

COMMAND_LINES = {
    "interface": ["eth0"],
    "packet-mode": ["eth0", "--mode", "packet", "--exclude", "198.18.0.0/15", "-o",
                    "/tmp/x.jsonl"],
    "flow-options": ["eth0", "wlan0", "--flow-interval", "5", "--idle-timeout", "60",
                     "--flow-table-size", "16", "--stats-interval", "1.5"],
    "detach": ["detach", "eth0", "eth1"],
    "help": ["--help"],
    "version": ["--version"],
    "ring": ["--transport", "ringbuf", "--ring-size", "4096", "--format", "json"],
    "bad-values": ["--sample", "0", "--duration", "nan", "--ring-size", "3"],
    "includes": ["--include", "192.0.2.0/24", "--include", "2001:db8::/32",
                 "--no-default-excludes", "-v"],
    "unknown": ["--colour", "red", "-x"],
    "equals": ["--mode=flow", "--rate-limit=100", "--exclude=10.0.0.0/8"],
}

# struct ew_record: ts_ns, ifindex, len, kind, family, proto, flags, sport,
# dport, icmp_type, icmp_code, vlan, vlan_inner, tcp_flags, initiator, src[16],
# dst[16].
RECORD = struct.Struct("=QIIBBBBHHBBHHBB16s16s")
assert RECORD.size == 64
PACKET, FLOW_NEW = 1, 2
PORTS, ICMP, FRAGMENT, L4_SHORT, VLAN, VLAN_INNER, INBOUND, TCP_FLAGS = 1, 2, 4, 8, 16, 32, 64, 128
LOCAL, REMOTE = 1, 2


def v4(text):
    return socket.inet_pton(socket.AF_INET, text) + bytes(12)


def v6(text):
    return socket.inet_pton(socket.AF_INET6, text)


def record(kind=PACKET, family=4, proto=6, flags=PORTS, sport=51544, dport=443, icmp=(0, 0),
           vlan=(0, 0), ts=5_000_000_000, ifindex=2, length=74, src=None, dst=None, tcp_flags=0,
           initiator=0):
    src = src or (v4("192.0.2.20") if family == 4 else v6("2001:db8::20"))
    dst = dst or (v4("203.0.113.14") if family == 4 else v6("2001:db8:1::14"))
    return RECORD.pack(ts, ifindex, length, kind, family, proto, flags, sport, dport, icmp[0],
                       icmp[1], vlan[0], vlan[1], tcp_flags, initiator, src, dst)


RECORDS = {
    "tcp-v4": record(),
    "udp-v6-vlan": record(family=6, proto=17, sport=40000, dport=53, flags=PORTS | VLAN,
                          vlan=(100, 0)),
    "icmp-qinq": record(proto=1, flags=ICMP | VLAN | VLAN_INNER, sport=0, dport=0, icmp=(8, 0),
                        vlan=(10, 20)),
    "icmpv6": record(family=6, proto=58, flags=ICMP, sport=0, dport=0, icmp=(128, 0)),
    "fragment": record(proto=17, flags=PORTS | FRAGMENT, length=1514),
    "l4-short": record(proto=6, flags=L4_SHORT, sport=0, dport=0),
    "other-proto": record(family=6, proto=132, flags=PORTS, ifindex=3),
    "unknown-ifindex": record(ifindex=999999),
    "odd-family": record(family=0, proto=255, flags=0xff),
    "far-future": record(ts=0xFFFFFFFFFFFFFFFF),
    "inbound-syn": record(kind=FLOW_NEW, flags=PORTS | INBOUND | TCP_FLAGS, tcp_flags=0x02,
                          initiator=REMOTE),
    "syn-ack-out": record(kind=FLOW_NEW, flags=PORTS | TCP_FLAGS, tcp_flags=0x12,
                          initiator=REMOTE),
    "all-tcp-flags": record(flags=PORTS | TCP_FLAGS | INBOUND, tcp_flags=0xff),
    "odd-initiator": record(kind=FLOW_NEW, proto=1, flags=ICMP | INBOUND, icmp=(0, 0),
                            initiator=7),
}


def samples(mode, records, pad=0):
    """A mode byte (bit 0: flow mode), then each record after its length."""
    out = bytes([mode])
    for rec in records:
        rec += bytes(pad)
        out += bytes([len(rec)]) + rec
    return out


def main():
    for name, text in PREFIXES.items():
        write("prefix_fuzz", name, text)
    for name, text in CONFIGS.items():
        write("config_file_fuzz", name, text)
    for name, args in COMMAND_LINES.items():
        write("command_line_fuzz", name, "\0".join(args))
    for target, pad in (("ring_record_fuzz", 0), ("perf_sample_fuzz", 4)):
        for name, rec in RECORDS.items():
            write(target, "packet-" + name, samples(0, [rec], pad))
        flow = [record(kind=FLOW_NEW, ts=5_000_000_000 + i, sport=50000 + i % 3)
                for i in range(6)]
        write(target, "flow-mode", samples(1, flow + [RECORDS["udp-v6-vlan"]], pad))
        write(target, "conversations", samples(1, [RECORDS[n] for n in (
            "inbound-syn", "syn-ack-out", "odd-initiator", "icmpv6")], pad))
        write(target, "burst", samples(0, list(RECORDS.values()), pad))
        # Wrong sizes count as malformed and go no further.
        write(target, "wrong-sizes", samples(0, [RECORDS["tcp-v4"][:63], RECORDS["tcp-v4"] +
                                                 bytes(8), b""]))
    # A datagram whose message claims 4 GiB (link_event_fuzz hung on one).
    ifinfo = struct.pack("=BxHiII", 0, 1, 5, 0, 0)
    write("link_event_fuzz", "found-length-4GiB",
          struct.pack("=IHHII", 0xFFFFFFFF, 17, 0, 0, 0) + ifinfo)


if __name__ == "__main__":
    main()
