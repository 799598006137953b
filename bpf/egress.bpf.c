/* The tc classifier: records packets whose remote end is public. On the
 * egress hook the remote end is the destination; on the ingress hook it is
 * the source. One program serves both hooks and tells them apart itself (see
 * packet_is_inbound()), so the verifier checks it once. It only reads: every
 * path returns TC_ACT_UNSPEC so the packet continues unchanged to whatever
 * filter comes after ours.
 *
 * Flow mode pairs both directions into one conversation keyed by its local
 * and remote ends, with each direction's counts and TCP flags and who
 * started it.
 *
 * Two entry points share one body: egresswatch_egress sends records through
 * the BPF ring buffer, egresswatch_egress_perf through a perf buffer for
 * kernels older than 5.8. The loader loads only the one it uses. */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

#include "egresswatch_abi.h"
#include "maps.h"
#include "parse.h"

/* Set by the loader before load (read-only to the program). */
const volatile __u32 ew_mode = EW_MODE_FLOW;
const volatile __u32 ew_sample_every = 1; /* consider 1 in N public packets */
const volatile __u64 ew_rate_limit = 0;   /* records per second, 0: no limit */
/* The bridge with --lan: frames leaving through the LAN port go from the
 * remote side to the local one, and both directions count in conversations
 * on the uplink port. 0: not a bridge (or no --lan). */
const volatile __u32 ew_lan_ifindex = 0;
const volatile __u32 ew_uplink_ifindex = 0;

/* The first pull: Ethernet, two VLAN tags, IPv6 with short extension
 * headers and the transport ports fit, which is nearly every packet. Only
 * when that is not enough is as much pulled as the walk can read
 * (EW_MAX_HEADER_BYTES), so long chains keep their ports without every
 * cut-short packet paying for a 16 KiB copy. */
#define EW_PULL_LEN 256

#define NSEC_PER_SEC 1000000000ull

static __always_inline void count(__u32 counter) {
  __u64* value = bpf_map_lookup_elem(&ew_counters, &counter);
  if (value) *value += 1;
}

/* The bridge with --lan: a frame leaving through the LAN port. */
static __always_inline int on_lan_port(const struct __sk_buff* skb) {
  return ew_lan_ifindex && skb->ifindex == ew_lan_ifindex;
}

/* On the ingress hook the kernel has set the skb's input device to the one
 * the program runs on, before tc; a packet on an egress hook has none (sent by
 * this host: 0) or another one (forwarded). A packet forwarded back out of
 * the interface it came in on (hairpin) reads as inbound: the one case this
 * gets wrong. */
static __always_inline int packet_is_inbound(const struct __sk_buff* skb) {
  return on_lan_port(skb) || skb->ingress_ifindex == skb->ifindex;
}

static __always_inline int address_is_public(__u8 family, const __u8* addr) {
  __u32 block = (family == 6 ? EW_FAST_TABLE_SIZE : 0) | (__u32)addr[0] << 8 | addr[1];
  __u32* verdict = bpf_map_lookup_elem(&ew_fast, &block);
  if (verdict && *verdict != EW_VERDICT_MIXED) return *verdict == EW_VERDICT_INCLUDE;

  if (family == 4) {
    struct ew_lpm_v4_key key = {.prefixlen = 32};
    __builtin_memcpy(key.addr, addr, 4);
    verdict = bpf_map_lookup_elem(&ew_prefixes_v4, &key);
  } else {
    struct ew_lpm_v6_key key = {.prefixlen = 128};
    __builtin_memcpy(key.addr, addr, 16);
    verdict = bpf_map_lookup_elem(&ew_prefixes_v6, &key);
  }
  /* No matching prefix: nothing says it is special, so it is public. */
  return !verdict || *verdict == EW_VERDICT_INCLUDE;
}

/* Inlined, not a global function: the verifier checks a global function on
 * its own, which is cheaper (about 9,000 instructions processed against
 * 35,000 on 6.18 for the whole program, of a budget of 1,000,000), but it
 * learns that the argument is the packet's context only from the kernel's
 * BTF, and Raspberry Pi OS kernels (and Debian's armhf ones) have none: there
 * the verifier refuses the program ("btf_vmlinux is malformed"). Inlined, nothing asks for the
 * kernel's BTF, and the interpreter of a kernel without a JIT runs it as is
 * (no bpf-to-bpf call). */
static __always_inline int ew_parse_skb(struct __sk_buff* skb, struct packet_info* info) {
  struct cursor c = {
      .start = (void*)(long)skb->data,
      .pos = (void*)(long)skb->data,
      .end = (void*)(long)skb->data_end,
      .budget = EW_UNBOUNDED,
  };
  /* A tag the kernel took out of the frame is the outermost one. */
  if (skb->vlan_present) add_vlan(info, (__u16)skb->vlan_tci);
  return parse_packet(&c, info);
}

/* Later fragments carry no transport header: take the ports the first
 * fragment of the same datagram left, when it came this way first. */
static __always_inline void resolve_fragment_ports(struct packet_info* info) {
  struct ew_fragment_key key = {
      .id = info->frag_id,
      .family = info->family,
      .proto = info->family == 4 ? info->proto : 0,
  };
  __builtin_memcpy(key.src, info->src, 16);
  __builtin_memcpy(key.dst, info->dst, 16);
  if (info->flags & EW_FLAG_FRAGMENT) {
    struct ew_fragment_ports* ports = bpf_map_lookup_elem(&ew_fragments, &key);
    if (ports) {
      info->sport = ports->sport;
      info->dport = ports->dport;
      info->proto = ports->proto;
      info->flags |= EW_FLAG_PORTS;
    }
  } else if (info->flags & EW_FLAG_PORTS) {
    struct ew_fragment_ports ports = {
        .sport = info->sport, .dport = info->dport, .proto = info->proto};
    bpf_map_update_elem(&ew_fragments, &key, &ports, BPF_ANY);
  }
}

static __always_inline int sample_allows(void) {
  if (ew_sample_every <= 1) return 1;
  __u32 zero = 0;
  __u64* ticks = bpf_map_lookup_elem(&ew_sample_ticks, &zero);
  if (!ticks) return 1;
  /* Per CPU, so no atomics: every Nth public packet on each CPU. */
  return (*ticks)++ % ew_sample_every == 0;
}

static __always_inline int rate_allows(__u64 now) {
  if (!ew_rate_limit) return 1;
  __u32 zero = 0;
  struct ew_rate_window* window = bpf_map_lookup_elem(&ew_rate, &zero);
  if (!window) return 1;
  /* One-second windows. Two CPUs may both reset at a boundary, letting a few
   * more through; what is held back is always counted exactly. */
  /* Signed: another CPU may have moved start_ns past our `now`. */
  if ((__s64)(now - window->start_ns) >= (__s64)NSEC_PER_SEC) {
    window->start_ns = now;
    window->sent = 0;
  }
  /* An atomic add whose result is not used (BPF_XADD, in every kernel), then
   * a read, rather than a fetch-and-add (BPF_FETCH, Linux 5.12 only): the
   * verifier of an older kernel refuses the instruction even where
   * --rate-limit is off. Two CPUs adding at once may each read the other's
   * increment and hold back one record more than the limit needs; never one
   * more is let through, and what is held back is counted. */
  __sync_fetch_and_add(&window->sent, 1);
  return window->sent <= ew_rate_limit;
}

/* Who opened the conversation this packet is the first one seen of. TCP: a
 * SYN opens it (its sender started it), a SYN-ACK answers (its receiver
 * started it); any other first packet means the conversation was under way
 * before we looked: unknown. ICMP: an echo reply (or another reply type) or an
 * error answers something the receiver sent, so the receiver started it.
 * Everything else (UDP, other ICMP, other protocols): the sender of the first
 * packet. */
static __always_inline __u8 initiator_of(const struct packet_info* info, int inbound) {
  const __u8 sender = inbound ? EW_INITIATOR_REMOTE : EW_INITIATOR_LOCAL;
  const __u8 receiver = inbound ? EW_INITIATOR_LOCAL : EW_INITIATOR_REMOTE;
  if (info->proto == IPPROTO_TCP) {
    if (!(info->flags & EW_FLAG_TCP_FLAGS)) return EW_INITIATOR_UNKNOWN;
    __u8 handshake = info->tcp_flags & (EW_TCP_SYN | EW_TCP_ACK);
    if (handshake == EW_TCP_SYN) return sender;
    if (handshake == (EW_TCP_SYN | EW_TCP_ACK)) return receiver;
    return EW_INITIATOR_UNKNOWN;
  }
  if (info->flags & EW_FLAG_ICMP) {
    __u8 type = info->icmp_type;
    if (info->proto == IPPROTO_ICMP) {
      /* echo reply, unreachable, source quench, redirect, time exceeded,
       * parameter problem, timestamp / information / address mask replies */
      if (type == 0 || type == 3 || type == 4 || type == 5 || type == 11 || type == 12 ||
          type == 14 || type == 16 || type == 18)
        return receiver;
    } else if (info->proto == IPPROTO_ICMPV6) {
      /* unreachable, too big, time exceeded, parameter problem, echo reply */
      if (type <= 4 || type == 129) return receiver;
    }
  }
  return sender;
}

/* Adds the packet's TCP flags to a direction's union. Not atomic (an atomic
 * OR is Linux 5.12 and later): two CPUs adding different flags to the same
 * direction of one conversation in the same instant may lose one of them;
 * the written byte is skipped when nothing is new, so that is rare. Counts
 * are exact either way. */
static __always_inline void add_tcp_flags(__u8* seen, const struct packet_info* info) {
  if (!(info->flags & EW_FLAG_TCP_FLAGS)) return;
  __u8 flags = info->tcp_flags;
  if ((*seen | flags) != *seen) *seen |= flags;
}

/* The conversation's key: local end first, whichever way the packet goes. */
static __always_inline void conversation_key(struct ew_flow_key* key, struct __sk_buff* skb,
                                             const struct packet_info* info, int inbound) {
  key->ifindex = on_lan_port(skb) ? ew_uplink_ifindex : skb->ifindex;
  key->family = info->family;
  key->proto = info->proto;
  key->vlan = info->vlan;
  key->vlan_inner = info->vlan_inner;
  key->vlan_flags = (__u16)(info->flags & (EW_FLAG_VLAN | EW_FLAG_VLAN_INNER));
  if (info->flags & EW_FLAG_PORTS) {
    key->sport = inbound ? info->dport : info->sport;
    key->dport = inbound ? info->sport : info->dport;
  }
  __builtin_memcpy(key->src, inbound ? info->dst : info->src, 16);
  __builtin_memcpy(key->dst, inbound ? info->src : info->dst, 16);
}

/* What a packet did to its conversation, in flow mode. */
enum flow_change {
  FLOW_COUNTED = 0, /* counted in one that exists */
  FLOW_NEW = 1,     /* started one */
  FLOW_CLOSED = 2,  /* closed a TCP one: the second direction's FIN, or the first RST */
};

/* Whether a TCP conversation's flags say it is over (the loader's
 * tcp_close_reason() reads them the same way). */
static __always_inline int tcp_closed(const struct ew_flow_stats* stats) {
  __u8 either = stats->tcp_flags | stats->in_tcp_flags;
  return (either & EW_TCP_RST) || (stats->tcp_flags & stats->in_tcp_flags & EW_TCP_FIN);
}

/* Flow mode: counts the packet in its conversation and says what it did
 * (for a new one, *initiator says who started it). */
static __always_inline enum flow_change flow_update(struct __sk_buff* skb,
                                                    const struct packet_info* info,
                                                    const struct ew_flow_key* key, int inbound,
                                                    __u64 now, __u8* initiator) {
  /* A GSO packet stands for several on the wire. */
  __u64 packets = skb->gso_segs > 1 ? skb->gso_segs : 1;

  struct ew_flow_stats* stats = bpf_map_lookup_elem(&ew_flows, key);
  if (!stats) {
    struct ew_flow_stats first = {.first_ns = now, .last_ns = now};
    first.initiator = initiator_of(info, inbound);
    if (inbound) {
      first.in_packets = packets;
      first.in_bytes = skb->len;
      add_tcp_flags(&first.in_tcp_flags, info);
    } else {
      first.packets = packets;
      first.bytes = skb->len;
      add_tcp_flags(&first.tcp_flags, info);
    }
    if (bpf_map_update_elem(&ew_flows, key, &first, BPF_NOEXIST) == 0) {
      count(EW_COUNTER_FLOWS_CREATED);
      *initiator = first.initiator;
      return FLOW_NEW;
    }
    /* Another CPU inserted it first. */
    stats = bpf_map_lookup_elem(&ew_flows, key);
    if (!stats) return FLOW_COUNTED;
  }
  /* Only a FIN or an RST can close it; most packets skip the test. */
  const int may_close = info->proto == IPPROTO_TCP && (info->flags & EW_FLAG_TCP_FLAGS) &&
                        (info->tcp_flags & (EW_TCP_FIN | EW_TCP_RST));
  const int was_closed = may_close && tcp_closed(stats);
  if (inbound) {
    __sync_fetch_and_add(&stats->in_packets, packets);
    __sync_fetch_and_add(&stats->in_bytes, skb->len);
    add_tcp_flags(&stats->in_tcp_flags, info);
  } else {
    __sync_fetch_and_add(&stats->packets, packets);
    __sync_fetch_and_add(&stats->bytes, skb->len);
    add_tcp_flags(&stats->tcp_flags, info);
  }
  stats->last_ns = now;
  /* Two CPUs closing it at once may both say so; userspace takes one. */
  if (may_close && !was_closed && tcp_closed(stats)) return FLOW_CLOSED;
  return FLOW_COUNTED;
}

/* Bytes a record takes in the ring: its 8-byte header, rounded up to 8. */
#define EW_RING_SLOT ((sizeof(struct ew_record) + 8 + 7) / 8 * 8)

/* Waking the reader on every record it is waiting for costs the sending CPU
 * an interrupt each (on a VM, an exit to the hypervisor) and the reader a
 * wakeup for a handful of records. So records go without a wakeup, and the
 * reader drains on a short timer besides (loader/watch_session.cpp); only
 * when this record takes the ring's fill past another eighth is the reader
 * woken at once, so a burst never waits for the timer to find a full ring.
 * A crossing missed in a race between CPUs is caught at the next eighth or
 * by the timer. */
static __always_inline __u64 ringbuf_wakeup_flag(void) {
  __u64 eighth = bpf_ringbuf_query(&ew_records, BPF_RB_RING_SIZE) / 8;
  __u64 avail = bpf_ringbuf_query(&ew_records, BPF_RB_AVAIL_DATA);
  if (eighth && (avail + EW_RING_SLOT) / eighth != avail / eighth) return BPF_RB_FORCE_WAKEUP;
  return BPF_RB_NO_WAKEUP;
}

/* A packet record shows the packet as it went (src is its sender); a flow
 * record the conversation's key (src is the local end) and who started it. */
static __always_inline void emit_record(struct __sk_buff* skb, const struct packet_info* info,
                                        const struct ew_flow_key* key, __u8 kind, int inbound,
                                        __u64 now, __u8 initiator, const int use_perf) {
  struct ew_record rec = {
      .ts_ns = now,
      .ifindex = skb->ifindex,
      .len = skb->len,
      .kind = EW_RECORD_PACKET,
      .family = info->family,
      .proto = info->proto,
      .flags = info->flags | (inbound ? EW_FLAG_INBOUND : 0),
      .sport = info->sport,
      .dport = info->dport,
      .icmp_type = info->icmp_type,
      .icmp_code = info->icmp_code,
      .vlan = info->vlan,
      .vlan_inner = info->vlan_inner,
      .tcp_flags = info->tcp_flags,
  };
  if (key) {
    rec.kind = kind;
    rec.ifindex = key->ifindex;
    rec.sport = key->sport;
    rec.dport = key->dport;
    rec.initiator = initiator;
    __builtin_memcpy(rec.src, key->src, 16);
    __builtin_memcpy(rec.dst, key->dst, 16);
  } else {
    __builtin_memcpy(rec.src, info->src, 16);
    __builtin_memcpy(rec.dst, info->dst, 16);
  }
  long err;
  if (use_perf) {
    err = bpf_perf_event_output(skb, &ew_events, BPF_F_CURRENT_CPU, &rec, sizeof(rec));
  } else {
    err = bpf_ringbuf_output(&ew_records, &rec, sizeof(rec), ringbuf_wakeup_flag());
  }
  /* A lost close is no lost record: the scan finds the close. */
  if (err && rec.kind != EW_RECORD_FLOW_CLOSED) count(EW_COUNTER_LOST);
}

static __always_inline void classify(struct __sk_buff* skb, const int use_perf) {
  struct packet_info info = {};
  count(EW_COUNTER_SEEN);

  int result = ew_parse_skb(skb, &info);
  /* Headers of a non-linear skb may lie outside the linear area: pull them in
   * (contents unchanged) and look again; the second time as far as the walk
   * goes. */
  /* (Whether the skb is non-linear is left to the helper, which does
   * nothing when the bytes are there already: data_end - data would be
   * pointer arithmetic, refused without CAP_PERFMON.) */
  __u32 pull = EW_PULL_LEN;
#pragma unroll
  for (int attempt = 0; attempt < 2; attempt++) {
    if (result != PARSE_TRUNCATED && !(info.flags & EW_FLAG_L4_SHORT)) break;
    if (attempt && skb->len <= EW_PULL_LEN) break; /* the first pull took it all */
    if (bpf_skb_pull_data(skb, skb->len < pull ? skb->len : pull) != 0) break;
    __builtin_memset(&info, 0, sizeof(info));
    result = ew_parse_skb(skb, &info);
    pull = EW_MAX_HEADER_BYTES;
  }

  if (result == PARSE_NOT_IP) {
    count(EW_COUNTER_NON_IP);
    return;
  }
  if (result != PARSE_OK) {
    count(EW_COUNTER_UNPARSED);
    return;
  }
  const int inbound = packet_is_inbound(skb);
  if (!address_is_public(info.family, inbound ? info.src : info.dst)) return;
  count(EW_COUNTER_MATCHED);

  /* Before sampling: a first fragment sampled out still leaves its ports. */
  if (info.fragmented) resolve_fragment_ports(&info);
  if (!sample_allows()) {
    count(EW_COUNTER_SAMPLED_OUT);
    return;
  }

  __u64 now = bpf_ktime_get_ns();
  struct ew_flow_key key = {};
  __u8 initiator = EW_INITIATOR_UNKNOWN;
  __u8 kind = EW_RECORD_PACKET;
  if (ew_mode == EW_MODE_FLOW) {
    conversation_key(&key, skb, &info, inbound);
    enum flow_change change = flow_update(skb, &info, &key, inbound, now, &initiator);
    if (change == FLOW_COUNTED) return;
    kind = change == FLOW_NEW ? EW_RECORD_FLOW_NEW : EW_RECORD_FLOW_CLOSED;
  }
  /* Closes are not held back: there are never more of them than of new
   * conversations, and a held one would leave its end to the next scan. */
  if (kind != EW_RECORD_FLOW_CLOSED && !rate_allows(now)) {
    count(EW_COUNTER_RATE_LIMITED);
    return;
  }
  emit_record(skb, &info, ew_mode == EW_MODE_FLOW ? &key : NULL, kind, inbound, now, initiator,
              use_perf);
}

SEC("tc")
int egresswatch_egress(struct __sk_buff* skb) {
  classify(skb, 0);
  return TC_ACT_UNSPEC;
}

SEC("tc")
int egresswatch_egress_perf(struct __sk_buff* skb) {
  classify(skb, 1);
  return TC_ACT_UNSPEC;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
