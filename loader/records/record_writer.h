// Where decoded records go: packet records straight to the formatter, new-
// flow records to the flow tracker, which writes them. Also names interfaces
// and flushes in the middle of a long burst.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/output_sink.h"
#include "core/wall_clock.h"
#include "net/interface.h"
#include "output/line_formatter.h"
#include "records/flow_tracker.h"
#include "records/record_source.h"

namespace ew {

class InterfaceNames {
 public:
  explicit InterfaceNames(const std::vector<Interface>& ifaces);
  // The name we were given, else the kernel's, else the number.
  std::string_view operator()(uint32_t ifindex);

 private:
  std::unordered_map<uint32_t, std::string> names_;
};

class RecordWriter : public RecordSink {
 public:
  RecordWriter(OutputSink& sink, LineFormatter& formatter, InterfaceNames& names,
               const WallClock& clock)
      : sink_(sink), formatter_(formatter), names_(names), clock_(clock) {}

  // Flow mode: new-flow records go here.
  void set_flow_tracker(FlowTracker* tracker) { tracker_ = tracker; }

  void on_record(const ew_record& record) override;
  uint64_t records() const { return records_; }

  // Writes the output buffer out once it holds more than a threshold; what
  // the write found is the session's to act on at its own flush.
  void flush_if_full();

 private:
  // Flush mid-batch past this many bytes, so a long burst neither waits nor
  // grows the buffer without bound.
  static constexpr size_t kFlushThreshold = 256 * 1024;

  OutputSink& sink_;
  LineFormatter& formatter_;
  InterfaceNames& names_;
  const WallClock& clock_;
  FlowTracker* tracker_ = nullptr;
  uint64_t records_ = 0;
};

}  // namespace ew
