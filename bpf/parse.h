/* Packet parsers in cursor style: each takes the bytes it needs from a cursor
 * that knows where the linear packet data ends, so every access is bounds
 * checked in one place and the verifier sees a simple pattern. */
#ifndef EGRESSWATCH_PARSE_H
#define EGRESSWATCH_PARSE_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "egresswatch_abi.h"

struct cursor {
  void* start; /* skb->data: where pos is counted from (cursor_rebase) */
  void* pos;
  void* end;    /* end of the linear data: what the verifier checks against */
  __u32 budget; /* bytes left in the IP packet: frames may carry padding */
};

/* No IP length known yet (or the header says 0: BIG TCP, jumbograms). */
#define EW_UNBOUNDED 0xffffffffu

/* What the classifier needs from a packet; the same fields as the record. */
struct packet_info {
  __u8 family;
  __u8 proto;
  __u8 flags;
  __u8 icmp_type;
  __u8 icmp_code;
  __u8 tcp_flags; /* with EW_FLAG_TCP_FLAGS */
  __u16 sport;
  __u16 dport;
  __u16 vlan;
  __u16 vlan_inner;
  __u8 fragmented; /* part of a fragmented datagram (first fragment included) */
  __u32 frag_id;
  __u8 src[16];
  __u8 dst[16];
};

struct vlan_tag {
  __be16 tci;
  __be16 encapsulated_proto;
};

enum parse_result {
  PARSE_OK = 0,
  PARSE_NOT_IP = 1,    /* a frame we do not judge: ARP, LLDP, ... */
  PARSE_TRUNCATED = 2, /* the IP header runs past the data we can see */
  PARSE_MALFORMED = 3, /* the IP header is inconsistent */
};

static __always_inline void* cursor_take(struct cursor* c, __u32 len) {
  void* start = c->pos;
  if (start + len > c->end || len > c->budget) return NULL;
  c->pos = start + len;
  if (c->budget != EW_UNBOUNDED) c->budget -= len;
  return start;
}

/* The most the header walk reads: Ethernet, two VLAN tags, IPv6 and eight
 * extension headers of at most 2,048 bytes each end by byte 16,446, and the
 * ports take four more. */
#define EW_MAX_HEADER_BYTES (14 + EW_MAX_VLAN_TAGS * 4 + 40 + EW_MAX_IPV6_EXT_HEADERS * 2048 + 4)

/* No header walk gets this far (EW_MAX_HEADER_BYTES). Small enough that pos
 * plus what is taken next stays within the 0xffff the verifier tracks packet
 * ranges for (MAX_PACKET_OFF). */
#define EW_MAX_HEADER_OFFSET 0x7fff
_Static_assert(EW_MAX_HEADER_BYTES < EW_MAX_HEADER_OFFSET, "the walk outgrew the cursor's range");

/* Gives the verifier one shape of cursor, whatever path led here: pos is
 * rebuilt from an offset it knows only as 0..EW_MAX_HEADER_OFFSET (pointer
 * subtraction: needs CAP_PERFMON, which the loader requires). Without it,
 * every combination of extension headers leaves pos at a different offset
 * and range, no two states compare equal, and the walk cost the verifier
 * ~90,000 instructions and ~200 ms at each load; with it, ~9,000. The packet
 * is read exactly as before: the offset check never fails (see above). */
static __always_inline int cursor_rebase(struct cursor* c) {
  __u64 off = c->pos - c->start;
  barrier_var(off); /* keep clang from folding pos back in */
  if (off > EW_MAX_HEADER_OFFSET) return -1;
  c->pos = c->start + off;
  return 0;
}

/* Limits what follows the current position to `len` more bytes. */
static __always_inline void cursor_limit(struct cursor* c, __u32 len) {
  if (len < c->budget) c->budget = len;
}

static __always_inline int parse_ports(struct cursor* c, struct packet_info* info) {
  switch (info->proto) {
    case IPPROTO_TCP:
    case IPPROTO_UDP:
    case IPPROTO_UDPLITE:
    case IPPROTO_SCTP:
    case IPPROTO_DCCP: {
      /* All five begin with source and destination port. */
      __be16* ports = cursor_take(c, 2 * sizeof(__be16));
      if (!ports) {
        info->flags |= EW_FLAG_L4_SHORT;
        return PARSE_OK;
      }
      info->sport = bpf_ntohs(ports[0]);
      info->dport = bpf_ntohs(ports[1]);
      info->flags |= EW_FLAG_PORTS;
      /* TCP: sequence and acknowledgement numbers, the data offset, then
       * the flags byte (the 14th of the header). */
      if (info->proto == IPPROTO_TCP) {
        __u8* rest = cursor_take(c, 10);
        if (rest) {
          info->tcp_flags = rest[9];
          info->flags |= EW_FLAG_TCP_FLAGS;
        }
      }
      return PARSE_OK;
    }
    case IPPROTO_ICMP:
    case IPPROTO_ICMPV6: {
      __u8* type_code = cursor_take(c, 2);
      if (!type_code) {
        info->flags |= EW_FLAG_L4_SHORT;
        return PARSE_OK;
      }
      info->icmp_type = type_code[0];
      info->icmp_code = type_code[1];
      info->flags |= EW_FLAG_ICMP;
      return PARSE_OK;
    }
    default:
      return PARSE_OK;
  }
}

static __always_inline int parse_ipv4(struct cursor* c, struct packet_info* info) {
  struct iphdr* ip = cursor_take(c, sizeof(*ip));
  if (!ip) return PARSE_TRUNCATED;
  if (ip->version != 4 || ip->ihl < 5) return PARSE_MALFORMED;
  /* Options: the header length is at most 60 bytes, so this stays bounded. */
  __u32 options_len = (ip->ihl - 5) * 4;
  if (options_len && !cursor_take(c, options_len)) return PARSE_TRUNCATED;
  /* The transport ends where the IP packet does, not at the end of the
   * frame: bytes after tot_len are Ethernet padding. */
  __u32 total = bpf_ntohs(ip->tot_len);
  if (total) {
    if (total < ip->ihl * 4u) return PARSE_MALFORMED;
    cursor_limit(c, total - ip->ihl * 4u);
  }

  info->family = 4;
  info->proto = ip->protocol;
  __builtin_memcpy(info->src, &ip->saddr, 4);
  __builtin_memcpy(info->dst, &ip->daddr, 4);
  /* More fragments (MF) or an offset: part of a fragmented datagram. */
  if (ip->frag_off & bpf_htons(0x3fff)) {
    info->fragmented = 1;
    info->frag_id = bpf_ntohs(ip->id);
  }
  /* Only the first fragment carries the transport header. */
  if (ip->frag_off & bpf_htons(0x1fff)) {
    info->flags |= EW_FLAG_FRAGMENT;
    return PARSE_OK;
  }
  return parse_ports(c, info);
}

/* Walks hop-by-hop, routing, destination options, fragment and AH headers to
 * find the transport protocol; stops at anything else. */
static __always_inline int skip_ipv6_extensions(struct cursor* c, struct packet_info* info) {
#pragma unroll
  for (int i = 0; i < EW_MAX_IPV6_EXT_HEADERS; i++) {
    switch (info->proto) {
      case IPPROTO_HOPOPTS:
      case IPPROTO_ROUTING:
      case IPPROTO_DSTOPTS: {
        __u8* ext = cursor_take(c, 8);
        if (!ext) return PARSE_TRUNCATED;
        __u32 rest = ext[1] * 8; /* length in 8-octet units, not counting the first */
        if (rest && !cursor_take(c, rest)) return PARSE_TRUNCATED;
        info->proto = ext[0];
        break;
      }
      case IPPROTO_FRAGMENT: {
        __u8* ext = cursor_take(c, 8);
        if (!ext) return PARSE_TRUNCATED;
        info->proto = ext[0];
        __u16 offset = ((__u16)ext[2] << 8 | ext[3]) & 0xfff8;
        /* An "atomic" fragment (offset 0, M clear) is a whole datagram. */
        if (offset || (ext[3] & 1)) {
          info->fragmented = 1;
          info->frag_id = (__u32)ext[4] << 24 | (__u32)ext[5] << 16 | (__u32)ext[6] << 8 | ext[7];
        }
        if (offset) {
          info->flags |= EW_FLAG_FRAGMENT;
          return PARSE_OK;
        }
        break;
      }
      case IPPROTO_AH: {
        __u8* ext = cursor_take(c, 8);
        if (!ext) return PARSE_TRUNCATED;
        __u32 rest = (ext[1] + 2) * 4 - 8; /* length in 4-octet units, minus 2 */
        if (rest && !cursor_take(c, rest)) return PARSE_TRUNCATED;
        info->proto = ext[0];
        break;
      }
      default:
        return PARSE_OK;
    }
    if (cursor_rebase(c)) return PARSE_TRUNCATED;
  }
  /* Still inside the chain after the last header we walk: the transport was
   * not reached, which the caller reports like a cut-off header. */
  switch (info->proto) {
    case IPPROTO_HOPOPTS:
    case IPPROTO_ROUTING:
    case IPPROTO_DSTOPTS:
    case IPPROTO_FRAGMENT:
    case IPPROTO_AH:
      return PARSE_TRUNCATED;
    default:
      return PARSE_OK;
  }
}

static __always_inline int parse_ipv6(struct cursor* c, struct packet_info* info) {
  struct ipv6hdr* ip6 = cursor_take(c, sizeof(*ip6));
  if (!ip6) return PARSE_TRUNCATED;
  if (ip6->version != 6) return PARSE_MALFORMED;

  __u32 payload = bpf_ntohs(ip6->payload_len);
  if (payload) cursor_limit(c, payload);

  info->family = 6;
  info->proto = ip6->nexthdr;
  __builtin_memcpy(info->src, &ip6->saddr, 16);
  __builtin_memcpy(info->dst, &ip6->daddr, 16);
  int result = skip_ipv6_extensions(c, info);
  if (result != PARSE_OK) {
    /* The addresses are known even when the chain is cut off. */
    info->flags |= EW_FLAG_L4_SHORT;
    return PARSE_OK;
  }
  if (info->flags & EW_FLAG_FRAGMENT) return PARSE_OK;
  return parse_ports(c, info);
}

/* Records a VLAN ID: the first one seen is the outer tag, the next the inner. */
static __always_inline void add_vlan(struct packet_info* info, __u16 tci) {
  __u16 vid = tci & 0x0fff;
  if (!(info->flags & EW_FLAG_VLAN)) {
    info->vlan = vid;
    info->flags |= EW_FLAG_VLAN;
  } else if (!(info->flags & EW_FLAG_VLAN_INNER)) {
    info->vlan_inner = vid;
    info->flags |= EW_FLAG_VLAN_INNER;
  }
}

/* info may already hold the tag the kernel took out of the frame (the outer
 * one); tags still in the frame come after it. */
static __always_inline int parse_packet(struct cursor* c, struct packet_info* info) {
  struct ethhdr* eth = cursor_take(c, sizeof(*eth));
  if (!eth) return PARSE_NOT_IP;
  __be16 proto = eth->h_proto;
#pragma unroll
  for (int i = 0; i < EW_MAX_VLAN_TAGS; i++) {
    if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD)) break;
    /* Two tags known (one may be the kernel's) and a third follows. */
    if (info->flags & EW_FLAG_VLAN_INNER) return PARSE_NOT_IP;
    struct vlan_tag* tag = cursor_take(c, sizeof(*tag));
    if (!tag) return PARSE_NOT_IP;
    add_vlan(info, bpf_ntohs(tag->tci));
    proto = tag->encapsulated_proto;
  }
  switch (proto) {
    case bpf_htons(ETH_P_IP):
      return parse_ipv4(c, info);
    case bpf_htons(ETH_P_IPV6):
      return parse_ipv6(c, info);
    default:
      return PARSE_NOT_IP;
  }
}

#endif
