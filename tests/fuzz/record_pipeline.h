// Shared by ring_record_fuzz and perf_sample_fuzz: what a record goes
// through after decoding in a session (RecordWriter, the flow tracker and
// both line formatters), and the framing of the fuzz input as a series of
// samples: a length byte, then that many bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/output_sink.h"
#include "core/wall_clock.h"
#include "output/json_lines.h"
#include "output/text_lines.h"
#include "records/flow_tracker.h"
#include "records/record_source.h"
#include "records/record_writer.h"

namespace ew::fuzz {

// Calls on_sample(bytes) for each length-prefixed sample in data.
template <typename F>
void for_each_sample(const uint8_t* data, size_t size, F on_sample) {
  size_t at = 0;
  while (at < size) {
    const size_t length = data[at++];
    const size_t take = length < size - at ? length : size - at;
    on_sample(std::span<const uint8_t>(data + at, take));
    at += take;
  }
}

// Every line a JSON encoder writes must be one JSON value.
inline void check_json_lines(std::string_view out) {
  size_t start = 0;
  while (start < out.size()) {
    size_t end = out.find('\n', start);
    if (end == std::string_view::npos) abort();  // a line without its end
    if (!nlohmann::json::accept(out.substr(start, end - start))) abort();
    start = end + 1;
  }
}

// One session's record path, in flow mode (a tracker) or packet mode.
template <typename Formatter>
class Pipeline {
 public:
  Pipeline(OutputSink& sink, bool flow_mode)
      : sink_(sink),
        formatter_(sink.buffer()),
        names_({{"eth0", 2}, {"veth-with-a-15", 3}}),
        tracker_(-1, 65536, 60'000'000'000, formatter_, clock_,
                 [this](uint32_t ifindex) { return names_(ifindex); }),
        writer_(sink, formatter_, names_, clock_) {
    sink_.buffer().clear();
    if (flow_mode) writer_.set_flow_tracker(&tracker_);
  }
  void on_record(const ew_record& record) { writer_.on_record(record); }

 private:
  OutputSink& sink_;
  Formatter formatter_;
  InterfaceNames names_;
  WallClock clock_;
  FlowTracker tracker_;
  RecordWriter writer_;
};

// Runs the samples in data through decode (ring or perf framing) and both
// formatters, in the mode the first byte picks.
template <typename Decode>
void run_records(const uint8_t* data, size_t size, Decode decode) {
  static OutputSink sink = OutputSink::open(std::string("/dev/null"));
  if (size == 0) return;
  const bool flow_mode = data[0] & 1;
  for (int text = 0; text < 2; text++) {
    auto feed = [&](auto& pipeline) {
      for_each_sample(data + 1, size - 1, [&](std::span<const uint8_t> bytes) {
        ew_record record;
        if (decode(bytes, record)) pipeline.on_record(record);
      });
    };
    if (text) {
      Pipeline<TextLineFormatter> pipeline(sink, flow_mode);
      feed(pipeline);
    } else {
      Pipeline<JsonLineEncoder> pipeline(sink, flow_mode);
      feed(pipeline);
      check_json_lines(sink.buffer());
    }
  }
}

}  // namespace ew::fuzz
