// Where classifier records come from: the BPF ring buffer here; the perf
// buffer fallback for old kernels implements the same interface.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "egresswatch_abi.h"

namespace ew {

// Receives each record in the order the kernel wrote them.
class RecordSink {
 public:
  virtual ~RecordSink() = default;
  virtual void on_record(const ew_record& record) = 0;
};

class RecordSource {
 public:
  virtual ~RecordSource() = default;
  // Readable (for epoll) when records are waiting.
  virtual int poll_fd() const = 0;
  // Hands waiting records to the sink, at most a budget of them per call so
  // that a flood cannot starve the loop's signals and timers; returns how
  // many, or -errno.
  virtual long drain() = 0;
  // Records taken out of the kernel's buffer but not yet handed over (the
  // budget ran out): the next drain() starts with them.
  virtual bool has_pending() const { return false; }
  // Records that arrived malformed (wrong size): a bug or a mismatched build.
  virtual uint64_t malformed() const = 0;
};

// Copies a record out of a buffer; false when the size does not match.
bool decode_record(std::span<const uint8_t> bytes, ew_record& out);

// The same for a perf buffer sample, which perf pads to 8 bytes: a sample at
// least a record long holds one at its start.
bool decode_perf_sample(std::span<const uint8_t> bytes, ew_record& out);

}  // namespace ew
