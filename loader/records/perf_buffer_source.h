// RecordSource over a BPF_MAP_TYPE_PERF_EVENT_ARRAY (libbpf's perf_buffer),
// for kernels before 5.8, which have no BPF ring buffer. Records from
// different CPUs interleave out of time order; consumers sort by "ts" if they
// care.
#pragma once

#include <bpf/libbpf.h>

#include <deque>
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
  bool has_pending() const override { return !backlog_.empty(); }
  uint64_t malformed() const override { return malformed_; }

  // Records handed over per drain() at most, as for the ring buffer.
  static constexpr uint64_t kDrainBudget = 65536;
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
  void hand_over(const ew_record& record);

  RecordSink& sink_;
  uint64_t malformed_ = 0;
  uint64_t taken_ = 0;  // in the current drain
  // libbpf reads a per-CPU buffer to its end and its callback cannot stop
  // it, so what comes past the budget is set aside here (the kernel's buffer
  // is freed for new records) and handed over by the next drain(). At most
  // one buffer's worth.
  std::deque<ew_record> backlog_;
  // An exception must not unwind through libbpf's C frames: kept here, later
  // samples of the same consume are dropped (the session is ending), and it
  // is rethrown once libbpf has returned.
  std::exception_ptr failure_;
  uint64_t reported_lost_ = 0;
  std::unique_ptr<perf_buffer, Free> buffer_;
};

}  // namespace ew
