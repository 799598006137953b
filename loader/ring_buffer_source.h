// RecordSource over a BPF_MAP_TYPE_RINGBUF map (libbpf's ring_buffer).
#pragma once

#include <bpf/libbpf.h>

#include <memory>

#include "record_source.h"

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

  struct Free {
    void operator()(ring_buffer* rb) const { ring_buffer__free(rb); }
  };
  RecordSink& sink_;
  uint64_t malformed_ = 0;
  std::unique_ptr<ring_buffer, Free> ring_;
};

}  // namespace ew
