#include "records/ring_buffer_source.h"

#include <cerrno>
#include <utility>

#include "core/error.h"

namespace ew {

RingBufferSource::RingBufferSource(int ring_map_fd, RecordSink& sink) : sink_(sink) {
  ring_.reset(ring_buffer__new(ring_map_fd, &RingBufferSource::on_sample, this, nullptr));
  if (!ring_) throw_last_error("opening the ring buffer");
}

int RingBufferSource::poll_fd() const {
  return ring_buffer__epoll_fd(ring_.get());
}

long RingBufferSource::drain() {
  taken_ = 0;
  long n = ring_buffer__consume(ring_.get());
  if (failure_) std::rethrow_exception(std::exchange(failure_, nullptr));
  // Stopped at the budget: libbpf kept its place, and the ring stays
  // readable, so the loop comes back after its other work.
  if (n == kStop) return static_cast<long>(taken_);
  return n;
}

int RingBufferSource::on_sample(void* ctx, void* data, size_t size) {
  auto* self = static_cast<RingBufferSource*>(ctx);
  ew_record record;
  if (!decode_record({static_cast<const uint8_t*>(data), size}, record)) {
    self->malformed_++;
    return 0;
  }
  try {
    self->sink_.on_record(record);
  } catch (...) {
    self->failure_ = std::current_exception();
    return kStop;
  }
  return ++self->taken_ >= kDrainBudget ? kStop : 0;
}

}  // namespace ew
