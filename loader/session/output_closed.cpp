#include "session/output_closed.h"

#include <string>

#include "core/error.h"
#include "core/log.h"
#include "output/json_lines.h"

namespace ew {

void report_output_closed(const OutputSink& sink, const StatsLine& final_stats) {
  std::string line;
  JsonLineEncoder(line).stats(final_stats);
  if (!line.empty() && line.back() == '\n') line.pop_back();
  if (sink.write_error()) {
    log_error(errno_message("writing to " + sink.name(), sink.write_error()) +
              "; stopped and detached");
  }
  if (sink.abandoned_bytes()) {
    log_error(std::to_string(sink.abandoned_bytes()) +
              " bytes of lines were not written: the output stopped taking them");
  }
  log_info("output closed; final stats: " + line);
}

}  // namespace ew
