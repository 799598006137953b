// The command line: `egresswatch [options] [IFACE...]` and
// `egresswatch detach IFACE...`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "classifier.h"
#include "prefix_rules.h"

namespace ew {

struct WatchOptions {
  std::vector<std::string> interfaces;  // empty: the default route's
  RecordMode mode = RecordMode::kPacket;
  PrefixOptions prefixes;
  std::optional<std::string> output;
  double duration_seconds = 0;        // 0: until a signal
  double stats_interval_seconds = 0;  // 0: only the final stats line
  uint32_t ring_bytes = 4u << 20;
  bool verbose = false;
};

struct DetachOptions {
  std::vector<std::string> interfaces;
};

struct CommandLine {
  enum class Command { kWatch, kDetach, kExit } command = Command::kWatch;
  int exit_code = 0;  // for kExit: --help, --version, or a usage error already printed
  WatchOptions watch;
  DetachOptions detach;
};

// Parses argv. Usage errors are printed here (one line) and come back as kExit.
CommandLine parse_command_line(int argc, const char* const* argv);

}  // namespace ew
