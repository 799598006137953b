/* The baseline for the classifier cost benchmark: a tc program that does
 * nothing but return, run through BPF_PROG_TEST_RUN the same way. */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

SEC("tc")
int empty_egress(struct __sk_buff* skb) {
  (void)skb;
  return TC_ACT_UNSPEC;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
