#include "records/perf_buffer_source.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>

#include "core/error.h"

namespace ew {
namespace {

// Pages per CPU: a power of two (perf requires it), at least one.
size_t pages_per_cpu(uint32_t buffer_bytes) {
  const long page = sysconf(_SC_PAGESIZE);
  const int cpus = std::max(1, libbpf_num_possible_cpus());
  size_t want =
      std::max<size_t>(1, buffer_bytes / static_cast<size_t>(page) / static_cast<size_t>(cpus));
  size_t pages = 1;
  while (pages * 2 <= want)
    pages *= 2;
  return pages;
}

}  // namespace

PerfBufferSource::PerfBufferSource(int perf_map_fd, uint32_t buffer_bytes, RecordSink& sink)
    : sink_(sink) {
  buffer_.reset(perf_buffer__new(perf_map_fd, pages_per_cpu(buffer_bytes),
                                 &PerfBufferSource::on_sample, &PerfBufferSource::on_lost, this,
                                 nullptr));
  if (!buffer_) throw_last_error("opening the perf buffer");
}

int PerfBufferSource::poll_fd() const {
  return perf_buffer__epoll_fd(buffer_.get());
}

long PerfBufferSource::drain() {
  taken_ = 0;
  while (!backlog_.empty() && taken_ < kDrainBudget && !failure_) {
    hand_over(backlog_.front());
    backlog_.pop_front();
  }
  if (taken_ < kDrainBudget && !failure_) {
    const int err = perf_buffer__consume(buffer_.get());
    if (err < 0 && !failure_) return err;
  }
  if (failure_) std::rethrow_exception(std::exchange(failure_, nullptr));
  return static_cast<long>(taken_);
}

void PerfBufferSource::hand_over(const ew_record& record) {
  try {
    sink_.on_record(record);
    taken_++;
  } catch (...) {
    failure_ = std::current_exception();
  }
}

void PerfBufferSource::on_sample(void* ctx, int, void* data, __u32 size) {
  auto* self = static_cast<PerfBufferSource*>(ctx);
  ew_record record;
  if (!decode_perf_sample({static_cast<const uint8_t*>(data), size}, record)) {
    self->malformed_++;
    return;
  }
  if (self->failure_) return;
  if (self->taken_ >= kDrainBudget) {
    self->backlog_.push_back(record);
    return;
  }
  self->hand_over(record);
}

void PerfBufferSource::on_lost(void* ctx, int, __u64 count) {
  static_cast<PerfBufferSource*>(ctx)->reported_lost_ += count;
}

}  // namespace ew
