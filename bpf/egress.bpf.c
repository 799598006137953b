/* The tc egress classifier: records packets whose destination is public.
 * It only reads: every path returns TC_ACT_UNSPEC so the packet continues
 * unchanged to whatever filter comes after ours. */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

#include "egresswatch_abi.h"
#include "maps.h"
#include "parse.h"

/* Set by the loader before load (read-only to the program). */
const volatile __u32 ew_mode = EW_MODE_PACKET;

/* Bytes of headers we want in the linear area: Ethernet, the longest IPv6
 * extension chain we walk, and the transport ports. */
#define EW_PULL_LEN 256

static __always_inline void count(__u32 counter) {
  __u64* value = bpf_map_lookup_elem(&ew_counters, &counter);
  if (value) *value += 1;
}

static __always_inline int destination_is_public(const struct packet_info* info) {
  __u32* verdict;
  if (info->family == 4) {
    struct ew_lpm_v4_key key = {.prefixlen = 32};
    __builtin_memcpy(key.addr, info->dst, 4);
    verdict = bpf_map_lookup_elem(&ew_prefixes_v4, &key);
  } else {
    struct ew_lpm_v6_key key = {.prefixlen = 128};
    __builtin_memcpy(key.addr, info->dst, 16);
    verdict = bpf_map_lookup_elem(&ew_prefixes_v6, &key);
  }
  /* No matching prefix: nothing says it is special, so it is public. */
  return !verdict || *verdict == EW_VERDICT_INCLUDE;
}

static __always_inline int parse_skb(struct __sk_buff* skb, struct packet_info* info) {
  struct cursor c = {
      .pos = (void*)(long)skb->data,
      .end = (void*)(long)skb->data_end,
      .budget = EW_UNBOUNDED,
  };
  return parse_packet(&c, info);
}

static __always_inline void emit_record(struct __sk_buff* skb, const struct packet_info* info) {
  struct ew_record* rec = bpf_ringbuf_reserve(&ew_records, sizeof(*rec), 0);
  if (!rec) {
    count(EW_COUNTER_LOST);
    return;
  }
  rec->ts_ns = bpf_ktime_get_ns();
  rec->ifindex = skb->ifindex;
  rec->len = skb->len;
  rec->kind = EW_RECORD_PACKET;
  rec->family = info->family;
  rec->proto = info->proto;
  rec->flags = info->flags;
  rec->sport = info->sport;
  rec->dport = info->dport;
  rec->icmp_type = info->icmp_type;
  rec->icmp_code = info->icmp_code;
  rec->vlan = 0;
  rec->reserved = 0;
  __builtin_memcpy(rec->src, info->src, 16);
  __builtin_memcpy(rec->dst, info->dst, 16);
  bpf_ringbuf_submit(rec, 0);
}

SEC("tc")
int egresswatch_egress(struct __sk_buff* skb) {
  struct packet_info info = {};
  count(EW_COUNTER_SEEN);

  int result = parse_skb(skb, &info);
  /* Headers of a non-linear skb may lie outside the linear area: pull them in
   * (contents unchanged) and look again, once. */
  int cut_short = result == PARSE_TRUNCATED || (info.flags & EW_FLAG_L4_SHORT);
  if (cut_short && skb->len > skb->data_end - skb->data) {
    __u32 want = skb->len < EW_PULL_LEN ? skb->len : EW_PULL_LEN;
    if (bpf_skb_pull_data(skb, want) == 0) {
      __builtin_memset(&info, 0, sizeof(info));
      result = parse_skb(skb, &info);
    }
  }

  if (result == PARSE_NOT_IP) {
    count(EW_COUNTER_NON_IP);
    return TC_ACT_UNSPEC;
  }
  if (result != PARSE_OK) {
    count(EW_COUNTER_UNPARSED);
    return TC_ACT_UNSPEC;
  }
  if (!destination_is_public(&info)) return TC_ACT_UNSPEC;

  count(EW_COUNTER_MATCHED);
  if (ew_mode == EW_MODE_PACKET) emit_record(skb, &info);
  return TC_ACT_UNSPEC;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
