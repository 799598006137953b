// Runs the real classifier (ew::Classifier::load plus the prefix rules the
// loader would write) on one crafted frame with BPF_PROG_TEST_RUN and
// collects everything it can change: return value, frame, records (from the
// ring buffer or the perf buffer, whichever transport was loaded), counters,
// and the program's own state (the flow and fragment maps).
#pragma once

#include <bpf/libbpf.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <sched.h>

#include "classifier/classifier.h"
#include "classifier/counters.h"
#include "core/unique_fd.h"
#include "egresswatch_abi.h"
#include "frame_builder.h"
#include "prefixes/prefix.h"
#include "prefixes/prefix_rules.h"

namespace ew::test {

struct RunResult {
  int error = 0;       // bpf_prog_test_run_opts(): 0 or -errno
  int32_t retval = 0;  // the program's return value (the last one with repeat)
  Bytes data_out;      // the frame as the program left it
  std::vector<ew_record> records;
  size_t malformed_records = 0;  // samples that are not one ew_record
  uint64_t perf_lost = 0;        // samples the perf buffer reported lost (perf transport)
  Counters counters;             // how much each counter moved during the run
  uint64_t monotonic_before_ns = 0;
  uint64_t monotonic_after_ns = 0;
};

struct FlowEntry {
  ew_flow_key key;
  ew_flow_stats stats;
};

struct FragmentEntry {
  ew_fragment_key key;
  ew_fragment_ports ports;
};

// One map a loaded program uses, as the kernel reports it.
struct ProgramMap {
  std::string name;  // at most 15 characters (BPF_OBJ_NAME_LEN - 1)
  uint32_t type = 0;
  uint32_t id = 0;
};

// The maps the program behind `prog_fd` refers to. Throws ew::Error.
std::vector<ProgramMap> program_maps(int prog_fd);
// An fd of the map called `name` that the program behind `prog_fd` uses,
// found through the kernel rather than the skeleton. Throws ew::Error.
UniqueFd program_map_fd(int prog_fd, std::string_view name);
// The type (BPF_MAP_TYPE_*) of the map behind `map_fd`; 0 when it is not one.
uint32_t map_type(int map_fd);

// These tests look at one record per packet; egresswatch's default (and so
// ClassifierSettings') is flow mode.
inline ClassifierSettings packet_mode() {
  ClassifierSettings settings;
  settings.mode = RecordMode::kPacket;
  return settings;
}

class ClassifierHarness {
 public:
  // Loads the classifier with `settings` and writes build_prefix_rules(options)
  // into it. Records are read from the ring buffer or, with the perf
  // transport, from a perf buffer of `perf_pages` pages per CPU. Throws
  // ew::Error as the loader would.
  explicit ClassifierHarness(const PrefixOptions& options,
                             const ClassifierSettings& settings = packet_mode(),
                             size_t perf_pages = 8);
  ClassifierHarness(const ClassifierHarness&) = delete;
  ClassifierHarness& operator=(const ClassifierHarness&) = delete;

  // Runs the program `repeat` times on `frame`, leaving the device the
  // packet leaves through as `ifindex` (it must exist, or be 1: loopback).
  // gso_segs > 1 makes the packet a GSO packet standing for that many.
  RunResult run(const Bytes& frame, uint32_t ifindex, int repeat = 1, uint32_t gso_segs = 0,
                uint32_t ingress_ifindex = 0);
  // As the ingress hook of `ifindex` runs the program: the skb's input
  // device is that device (as the kernel sets it before tc).
  RunResult run_ingress(const Bytes& frame, uint32_t ifindex) {
    return run(frame, ifindex, 1, 0, ifindex);
  }

  const Classifier& classifier() const { return classifier_; }
  const std::vector<PrefixRule>& rules() const { return rules_; }

  // The program's flow table (ew_flows, through classifier().flows_fd()) and
  // fragment table (ew_fragments, which the loader does not expose: found
  // through the program's maps) as they are now.
  std::vector<FlowEntry> flows() const;
  std::optional<ew_flow_stats> flow(const ew_flow_key& key) const;
  std::vector<FragmentEntry> fragments() const;

 private:
  static int on_ring_sample(void* ctx, void* data, size_t size);
  static void on_perf_sample(void* ctx, int cpu, void* data, uint32_t size);
  static void on_perf_lost(void* ctx, int cpu, __u64 count);
  void collect(const void* data, size_t size, bool padded);
  int consume();
  int map_fd(UniqueFd& cache, std::string_view name) const;

  struct FreeRing {
    void operator()(ring_buffer* rb) const { ring_buffer__free(rb); }
  };
  struct FreePerf {
    void operator()(perf_buffer* pb) const { perf_buffer__free(pb); }
  };

  Classifier classifier_;
  std::vector<PrefixRule> rules_;
  std::unique_ptr<ring_buffer, FreeRing> ring_;
  std::unique_ptr<perf_buffer, FreePerf> perf_;
  RunResult* collecting_ = nullptr;  // where the callbacks put records
  mutable UniqueFd fragments_fd_;
};

// The key the classifier gives a flow (ports 0 for protocols without them).
ew_flow_key flow_key(uint32_t ifindex, const Address& src, const Address& dst, uint8_t proto,
                     uint16_t sport = 0, uint16_t dport = 0, uint16_t vlan = 0,
                     uint16_t vlan_inner = 0);

// Keeps the calling thread on the CPU it runs on, for tests whose state is
// per CPU (the --sample tick): BPF_PROG_TEST_RUN runs the program on the
// caller's CPU, and a migration between two runs would start a new count.
class CpuPin {
 public:
  CpuPin();
  CpuPin(const CpuPin&) = delete;
  CpuPin& operator=(const CpuPin&) = delete;
  ~CpuPin();
  bool pinned() const { return pinned_; }

 private:
  cpu_set_t previous_{};
  bool pinned_ = false;
};

// A device index to pass as __sk_buff.ifindex: an existing non-loopback
// device when there is one, so a record's ifindex cannot be the default
// (loopback, 1) by accident.
uint32_t test_ifindex();

}  // namespace ew::test
