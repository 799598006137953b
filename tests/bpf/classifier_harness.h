// Runs the real classifier (ew::Classifier::load plus the prefix rules the
// loader would write) on one crafted frame with BPF_PROG_TEST_RUN and
// collects everything it can change: return value, frame, ring buffer
// records and counters.
#pragma once

#include <bpf/libbpf.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "classifier.h"
#include "counters.h"
#include "egresswatch_abi.h"
#include "frame_builder.h"
#include "prefix.h"
#include "prefix_rules.h"

namespace ew::test {

struct RunResult {
  int error = 0;       // bpf_prog_test_run_opts(): 0 or -errno
  int32_t retval = 0;  // the program's return value (the last one with repeat)
  Bytes data_out;      // the frame as the program left it
  std::vector<ew_record> records;
  size_t malformed_records = 0;  // ring samples that are not one ew_record
  Counters counters;             // how much each counter moved during the run
  uint64_t monotonic_before_ns = 0;
  uint64_t monotonic_after_ns = 0;
};

class ClassifierHarness {
 public:
  // Loads the classifier and writes build_prefix_rules(options) into it.
  // Throws ew::Error as the loader would.
  explicit ClassifierHarness(const PrefixOptions& options,
                             const ClassifierSettings& settings = ClassifierSettings{});
  ClassifierHarness(const ClassifierHarness&) = delete;
  ClassifierHarness& operator=(const ClassifierHarness&) = delete;

  // Runs the program `repeat` times on `frame`, leaving the device the
  // packet leaves through as `ifindex` (it must exist, or be 1: loopback).
  RunResult run(const Bytes& frame, uint32_t ifindex, int repeat = 1);

  const std::vector<PrefixRule>& rules() const { return rules_; }

 private:
  static int on_sample(void* ctx, void* data, size_t size);

  struct FreeRing {
    void operator()(ring_buffer* rb) const { ring_buffer__free(rb); }
  };

  Classifier classifier_;
  std::vector<PrefixRule> rules_;
  std::unique_ptr<ring_buffer, FreeRing> ring_;
  RunResult* collecting_ = nullptr;  // where on_sample puts records
};

// A device index to pass as __sk_buff.ifindex: an existing non-loopback
// device when there is one, so a record's ifindex cannot be the default
// (loopback, 1) by accident.
uint32_t test_ifindex();

}  // namespace ew::test
