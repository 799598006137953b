// RecordSource over a BPF_MAP_TYPE_RINGBUF map (libbpf's ring_buffer).
#pragma once

#include <bpf/libbpf.h>

#include <exception>
#include <memory>

#include "records/record_source.h"

namespace ew {

class RingBufferSource : public RecordSource {
 public:
  // Throws ew::Error.
  RingBufferSource(int ring_map_fd, RecordSink& sink);

  int poll_fd() const override;
  long drain() override;
  uint64_t malformed() const override { return malformed_; }

 private:
  static int on_sample(void* ctx, void* data, size_t size);

  // Records handed over per drain() at most: the loop must get back to
  // signals and timers even when records arrive as fast as they are written.
  static constexpr uint64_t kDrainBudget = 65536;
  // What on_sample returns to make libbpf stop (and keep its position).
  static constexpr int kStop = -1000;

  struct Free {
    void operator()(ring_buffer* rb) const { ring_buffer__free(rb); }
  };
  RecordSink& sink_;
  uint64_t malformed_ = 0;
  uint64_t taken_ = 0;  // in the current drain
  // An exception must not unwind through libbpf's C frames: kept here and
  // rethrown once libbpf has returned.
  std::exception_ptr failure_;
  std::unique_ptr<ring_buffer, Free> ring_;
};

}  // namespace ew
