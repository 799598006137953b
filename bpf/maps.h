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

/* enum ew_counter -> __u64 per CPU. Written by the program, summed by the
 * loader; per-CPU so the hot path needs no atomic operation. */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, EW_COUNTER_COUNT);
  __type(key, __u32);
  __type(value, __u64);
} ew_counters SEC(".maps");

/* struct ew_record stream, written by the program, read by the loader. The
 * loader sets the size (a power of two, in bytes) before load. */
struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 1 << 20);
} ew_records SEC(".maps");

#endif
