// Outside input: perf buffer samples (the --transport perf fallback: what
// libbpf hands PerfBufferSource's callback, padded by perf), decoded by
// decode_perf_sample as the callback does and written by the session's
// record path. Input: a mode byte (bit 0: flow mode), then samples, each a
// length byte and its bytes.
#include <cstddef>
#include <cstdint>

#include "record_pipeline.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ew::fuzz::run_records(data, size, [](std::span<const uint8_t> bytes, ew_record& record) {
    return ew::decode_perf_sample(bytes, record);
  });
  return 0;
}
