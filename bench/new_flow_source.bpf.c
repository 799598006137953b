/* The events benchmark's fastest source of new conversations: run with
 * BPF_PROG_TEST_RUN (`repeat` times on one frame), it gives the frame the
 * next pair of UDP ports and jumps into the attached classifier through a
 * tail call, so each run is a conversation the classifier has not seen.
 * A test run of the classifier itself repeats one frame, one flow; sending
 * different frames costs a system call each (a test run) or the stack's
 * whole path (a socket), which one CPU here cannot do a million times a
 * second. Only for bench/inject.cpp: never loaded by egresswatch. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

struct {
  __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u32);
} classifier SEC(".maps");

/* The next conversation's number: set by the injector before the first
 * run, so a run continues where the last one stopped. The same pairs as the
 * injector's own set_ports(): 64,512 source ports for each of 65,535
 * destination ports before any comes again. */
__u64 next_flow = 0;

#define PORTS_OFFSET (sizeof(struct ethhdr) + sizeof(struct iphdr))

SEC("tc")
int new_flow_source(struct __sk_buff* skb) {
  const __u64 n = next_flow++;
  const __u16 ports[2] = {
      bpf_htons((__u16)(1024 + n % 64512)),
      bpf_htons((__u16)(1 + (n / 64512) % 65535)),
  };
  /* The checksum stays zero, as in the injector's frame: nothing reads it. */
  if (bpf_skb_store_bytes(skb, PORTS_OFFSET, ports, sizeof(ports), 0) != 0) return TC_ACT_SHOT;
  bpf_tail_call(skb, &classifier, 0);
  return TC_ACT_SHOT; /* the classifier was not in the map */
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
