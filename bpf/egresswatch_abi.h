/* The contract between the classifier and the loader: record layout, counter
 * indices, map keys and values. Included by BPF C and by C++, so it holds only
 * fixed-width kernel types and no helpers. Any change here is an ABI change:
 * both sides are rebuilt together from one tree, and the static checks at the
 * bottom catch accidental padding. */
#ifndef EGRESSWATCH_ABI_H
#define EGRESSWATCH_ABI_H

#include <linux/types.h>

/* How far the header walk goes (bpf/parse.h); the reference classifier of
 * the BPF tests follows the same limits. */
#define EW_MAX_IPV6_EXT_HEADERS 8 /* extension headers walked looking for the transport */
#define EW_MAX_VLAN_TAGS 2        /* 802.1Q / 802.1ad tags in the frame (two: QinQ) */

/* Entries per prefix trie (per family); the defaults use under 30 each. */
#define EW_MAX_PREFIXES 16384

/* The classifier's counters, in index order: X(NAME, field, label) for each.
 * The one list of them: the enum below, the loader's Counters struct, the
 * reading of the map and the stats lines are all generated from it. `field`
 * is the C++ member and the key in JSON stats lines, `label` the word in text
 * stats lines. */
#define EW_COUNTERS(X)                                                                            \
  X(SEEN, seen, "seen")                         /* every packet the program ran on */             \
  X(MATCHED, matched, "matched")                /* destination judged public */                   \
  X(LOST, lost, "lost")                         /* record dropped: ring (or perf) buffer full */  \
  X(UNPARSED, unparsed, "unparsed")             /* IP frame too short or malformed to classify */ \
  X(NON_IP, non_ip, "non-ip")                   /* ARP, LLDP, ...: not ours to judge */           \
  X(FLOWS_CREATED, flows_created, "created")    /* flow-map inserts (flow mode) */                \
  X(SAMPLED_OUT, sampled_out, "sampled out")    /* public packets skipped by --sample */          \
  X(RATE_LIMITED, rate_limited, "rate-limited") /* records not sent: --rate-limit */

/* Index into the per-CPU counter array. */
#define EW_COUNTER_ENUMERATOR(name, field, label) EW_COUNTER_##name,
enum ew_counter { EW_COUNTERS(EW_COUNTER_ENUMERATOR) EW_COUNTER_COUNT };
#undef EW_COUNTER_ENUMERATOR

enum ew_verdict {
  EW_VERDICT_EXCLUDE = 0, /* private / special purpose: no record */
  EW_VERDICT_INCLUDE = 1, /* public: record it */
  EW_VERDICT_MIXED = 2,   /* fast table only: prefixes inside this block differ, ask the trie */
};

/* The fast tables are indexed by the first 16 bits of the destination. */
#define EW_FAST_TABLE_SIZE 65536

/* What the classifier emits per matching packet. Flow mode (a record on the
 * first packet of a conversation only) reuses this layout with another kind,
 * and there src/sport are the local side and dst/dport the remote one,
 * whichever way the first packet went. */
enum ew_record_kind {
  EW_RECORD_PACKET = 1,
  EW_RECORD_FLOW_NEW = 2,
  /* Flow mode: the packet that closed a TCP conversation (the second
   * direction's FIN, or the first RST), so that userspace can end it soon
   * without reading the whole flow table every second. A hint: the ring
   * being full loses it uncounted, and the next scan finds the close. */
  EW_RECORD_FLOW_CLOSED = 3,
};

enum ew_mode {
  EW_MODE_PACKET = 0,
  EW_MODE_FLOW = 1,
};

/* Bits of ew_record.flags. */
enum ew_record_flag {
  EW_FLAG_PORTS = 1 << 0,      /* sport/dport are valid (TCP, UDP, SCTP, ...) */
  EW_FLAG_ICMP = 1 << 1,       /* icmp_type/icmp_code are valid */
  EW_FLAG_FRAGMENT = 1 << 2,   /* a non-first IP fragment (ports only if the first was seen) */
  EW_FLAG_L4_SHORT = 1 << 3,   /* the L4 header was cut off or not reached */
  EW_FLAG_VLAN = 1 << 4,       /* vlan is valid (tag in the frame or taken out by the kernel) */
  EW_FLAG_VLAN_INNER = 1 << 5, /* vlan_inner is valid: 802.1ad QinQ */
  /* The packet went from the remote side to the local one: it came in on the
   * ingress hook, or (on the bridge) left through the --lan port. A flow
   * record has it when the conversation's first packet did. */
  EW_FLAG_INBOUND = 1 << 6,
  EW_FLAG_TCP_FLAGS = 1 << 7, /* tcp_flags is valid: the TCP header reached its flags byte */
};

/* Who opened a conversation, from its first packet seen (bpf/egress.bpf.c
 * initiator_of() has the rule). */
enum ew_initiator {
  EW_INITIATOR_UNKNOWN = 0,
  EW_INITIATOR_LOCAL = 1,
  EW_INITIATOR_REMOTE = 2,
};

/* TCP header flag bits, as in the header's 14th byte. */
enum ew_tcp_flag {
  EW_TCP_FIN = 0x01,
  EW_TCP_SYN = 0x02,
  EW_TCP_RST = 0x04,
  EW_TCP_PSH = 0x08,
  EW_TCP_ACK = 0x10,
  EW_TCP_URG = 0x20,
  EW_TCP_ECE = 0x40,
  EW_TCP_CWR = 0x80,
};

struct ew_lpm_v4_key {
  __u32 prefixlen;
  __u8 addr[4];
};

struct ew_lpm_v6_key {
  __u32 prefixlen;
  __u8 addr[16];
};

struct ew_record {
  __u64 ts_ns;   /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
  __u32 ifindex; /* skb->ifindex: the device the packet leaves through */
  __u32 len;     /* skb->len: bytes on the wire including L2 */
  __u8 kind;     /* enum ew_record_kind */
  __u8 family;   /* 4 or 6 */
  __u8 proto;    /* IPPROTO_* of the transport (after IPv6 extension headers) */
  __u8 flags;    /* enum ew_record_flag */
  __u16 sport;   /* host byte order */
  __u16 dport;
  __u8 icmp_type;
  __u8 icmp_code;
  __u16 vlan;       /* outer 802.1Q/802.1ad VID */
  __u16 vlan_inner; /* inner VID of a QinQ frame */
  __u8 tcp_flags;   /* the packet's TCP flags (EW_FLAG_TCP_FLAGS) */
  __u8 initiator;   /* flow records: enum ew_initiator */
  __u8 src[16];     /* IPv4 uses the first four bytes */
  __u8 dst[16];
};

/* A conversation, both directions, as seen on one interface (on the bridge
 * with --lan: on its uplink port). src and sport are the local end, dst and
 * dport the remote (public) one, whichever way a packet goes. */
struct ew_flow_key {
  __u32 ifindex;
  __u8 family;
  __u8 proto;
  __u16 vlan;
  __u16 vlan_inner;
  __u16 sport; /* 0 when the protocol has no ports (ICMP flows share one key) */
  __u16 dport;
  /* EW_FLAG_VLAN and EW_FLAG_VLAN_INNER of the packet: VLAN 0 (a priority
   * tag) is a tag too, and a flow announced late is rebuilt from its key. The
   * other bits are always zero: keys are compared as bytes. */
  __u16 vlan_flags;
  __u8 src[16];
  __u8 dst[16];
};

struct ew_flow_stats {
  __u64 packets; /* local to remote */
  __u64 bytes;
  __u64 first_ns; /* CLOCK_MONOTONIC */
  __u64 last_ns;
  __u64 in_packets; /* remote to local */
  __u64 in_bytes;
  __u8 tcp_flags; /* union of the TCP flags seen, local to remote */
  __u8 in_tcp_flags;
  __u8 initiator; /* enum ew_initiator, set when the conversation is created */
  __u8 reserved[5];
};

/* Remembers the transport of a fragmented datagram's first fragment so that
 * the later ones count with the same flow. */
struct ew_fragment_key {
  __u32 id; /* IPv4 identification or IPv6 fragment identification */
  __u8 family;
  __u8 proto; /* IPv4 only: RFC 8200 names an IPv6 datagram by addresses and id */
  __u16 reserved;
  __u8 src[16];
  __u8 dst[16];
};

struct ew_fragment_ports {
  __u16 sport;
  __u16 dport;
  __u8 proto; /* the transport: a later IPv6 fragment shows only its next header */
  __u8 reserved[3];
};

/* The --rate-limit window, shared by all CPUs. */
struct ew_rate_window {
  __u64 start_ns;
  __u64 sent;
};

#ifdef __cplusplus
static_assert(sizeof(struct ew_record) == 64, "ew_record layout changed");
static_assert(sizeof(struct ew_flow_key) == 48, "ew_flow_key layout changed");
static_assert(sizeof(struct ew_flow_stats) == 56, "ew_flow_stats layout changed");
static_assert(sizeof(struct ew_fragment_key) == 40, "ew_fragment_key layout changed");
static_assert(sizeof(struct ew_lpm_v4_key) == 8, "ew_lpm_v4_key layout changed");
static_assert(sizeof(struct ew_lpm_v6_key) == 20, "ew_lpm_v6_key layout changed");
#else
_Static_assert(sizeof(struct ew_record) == 64, "ew_record layout changed");
_Static_assert(sizeof(struct ew_flow_key) == 48, "ew_flow_key layout changed");
_Static_assert(sizeof(struct ew_fragment_key) == 40, "ew_fragment_key layout changed");
_Static_assert(sizeof(struct ew_flow_stats) == 56, "ew_flow_stats layout changed");
#endif

#endif
