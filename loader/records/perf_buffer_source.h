// RecordSource over a BPF_MAP_TYPE_PERF_EVENT_ARRAY (libbpf's perf_buffer),
// for kernels before 5.8, which have no BPF ring buffer. Records from
// different CPUs interleave out of time order; consumers sort by "ts" if they
// care.
#pragma once

#include <bpf/libbpf.h>

#include <exception>
#include <memory>

#include "records/record_source.h"

namespace ew {

class PerfBufferSource : public RecordSource {
 public:
  // buffer_bytes is split over the CPUs. Throws ew::Error.
  PerfBufferSource(int perf_map_fd, uint32_t buffer_bytes, RecordSink& sink);

  int poll_fd() const override;
  long drain() override;
  uint64_t malformed() const override { return malformed_; }
  // Samples the kernel reported lost in PERF_RECORD_LOST. The classifier
  // counts the same losses itself (the output helper fails), so this is a
  // cross-check, not a second count to add.
  uint64_t reported_lost() const { return reported_lost_; }

 private:
  static void on_sample(void* ctx, int cpu, void* data, __u32 size);
  static void on_lost(void* ctx, int cpu, __u64 count);

  struct Free {
    void operator()(perf_buffer* pb) const { perf_buffer__free(pb); }
  };
  RecordSink& sink_;
  uint64_t malformed_ = 0;
  // An exception must not unwind through libbpf's C frames: kept here, later
  // samples of the same consume are dropped (the session is ending), and it
  // is rethrown once libbpf has returned.
  std::exception_ptr failure_;
  uint64_t reported_lost_ = 0;
  std::unique_ptr<perf_buffer, Free> buffer_;
};

}  // namespace ew
