/* Every map of the classifier, in one place. Each says what its key and value
 * are and who writes it: the loader owns configuration, the program owns
 * counters and records. */
#ifndef EGRESSWATCH_MAPS_H
#define EGRESSWATCH_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "egresswatch_abi.h"

/* ew_lpm_v4_key -> __u32 enum ew_verdict. Written by the loader before attach
 * (and on reload); read by the program. */
struct {
  __uint(type, BPF_MAP_TYPE_LPM_TRIE);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __uint(max_entries, EW_MAX_PREFIXES);
  __type(key, struct ew_lpm_v4_key);
  __type(value, __u32);
} ew_prefixes_v4 SEC(".maps");

/* ew_lpm_v6_key -> __u32 enum ew_verdict. Written by the loader. */
struct {
  __uint(type, BPF_MAP_TYPE_LPM_TRIE);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __uint(max_entries, EW_MAX_PREFIXES);
  __type(key, struct ew_lpm_v6_key);
  __type(value, __u32);
} ew_prefixes_v6 SEC(".maps");

/* (family is IPv6) << 16 | first 16 bits of the destination -> __u32 enum
 * ew_verdict, with EW_VERDICT_MIXED where the block holds longer prefixes.
 * Written by the loader from the same rules as the tries. Most destinations
 * are decided by this array lookup, which the verifier inlines (one map, one
 * call site: two maps behind a ternary would be merged by clang into one call
 * the verifier cannot inline); the trie walk it saves was two thirds of the
 * cost of a private packet. BPF_F_MMAPABLE: the loader writes it through a
 * shared mapping, not 131,072 element updates (it clears the flag on kernels
 * before 5.5 and falls back to updates). */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(map_flags, BPF_F_MMAPABLE);
  __uint(max_entries, 2 * EW_FAST_TABLE_SIZE);
  __type(key, __u32);
  __type(value, __u32);
} ew_fast SEC(".maps");

/* enum ew_counter -> __u64 per CPU. Written by the program, summed by the
 * loader; per-CPU so the hot path needs no atomic operation. */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, EW_COUNTER_COUNT);
  __type(key, __u32);
  __type(value, __u64);
} ew_counters SEC(".maps");

/* ew_flow_key -> ew_flow_stats (flow mode). The program inserts and updates;
 * the loader reads it every --flow-interval and deletes flows after
 * --idle-timeout. LRU, so a full table evicts the least recently used flow
 * instead of refusing new ones; the loader notices and counts evictions. The
 * loader sets the size before load (--flow-table-size). */
struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, 65536);
  __type(key, struct ew_flow_key);
  __type(value, struct ew_flow_stats);
} ew_flows SEC(".maps");

/* ew_fragment_key -> ew_fragment_ports: written by the program on a first
 * fragment, read on the later ones of the same datagram. */
struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, 4096);
  __type(key, struct ew_fragment_key);
  __type(value, struct ew_fragment_ports);
} ew_fragments SEC(".maps");

/* 0 -> ew_rate_window: the --rate-limit window, written by the program. */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct ew_rate_window);
} ew_rate SEC(".maps");

/* 0 -> __u64 per CPU: packets seen by --sample, written by the program. */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u64);
} ew_sample_ticks SEC(".maps");

/* struct ew_record stream for kernels without a ring buffer (before 5.8):
 * written by egresswatch_egress_perf, read by the loader. Only one of this
 * and ew_records is created, for the transport in use. */
struct {
  __uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
  __uint(key_size, sizeof(__u32));
  __uint(value_size, sizeof(__u32));
} ew_events SEC(".maps");

/* struct ew_record stream, written by the program, read by the loader. The
 * loader sets the size (a power of two, in bytes) before load. */
struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 1 << 20);
} ew_records SEC(".maps");

#endif
