// Shared by config_file_fuzz and command_line_fuzz: what every accepted
// command line must hold, whatever text it came from (the ranges the session
// relies on without checking again).
#pragma once

#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <vector>

#include "prefixes/prefix.h"
#include "session/options.h"

namespace ew::fuzz {

inline void check_seconds(double value, bool zero_allowed) {
  if (zero_allowed && value == 0) return;
  if (!std::isfinite(value) || value <= 0 || value > 1e9) abort();
}

inline void check_command_line(const CommandLine& cl) {
  if (cl.command == CommandLine::Command::kExit) {
    // A usage error is one line for a person.
    if (cl.exit_code != 0 && (cl.error.empty() || cl.error.find('\n') != std::string::npos)) {
      abort();
    }
    return;
  }
  if (cl.command != CommandLine::Command::kWatch) return;
  const WatchOptions& w = cl.watch;
  const ClassifierSettings& c = w.classifier;
  // At least a page (asked of the kernel here, not of the code under test).
  if (c.ring_bytes < static_cast<uint64_t>(sysconf(_SC_PAGESIZE)) ||
      (c.ring_bytes & (c.ring_bytes - 1)) != 0) {
    abort();
  }
  if (c.flow_table_size < 16 || c.flow_table_size > (1u << 24)) abort();
  if (c.sample_every < 1 || c.sample_every > (1u << 30)) abort();
  if (c.rate_limit > (uint64_t{1} << 40)) abort();
  check_seconds(w.duration_seconds, true);
  check_seconds(w.stats_interval_seconds, true);
  check_seconds(w.flow_interval_seconds, false);
  check_seconds(w.idle_timeout_seconds, false);
  for (const auto* list : {&w.prefixes.excludes, &w.prefixes.includes}) {
    for (const Prefix& prefix : *list) {
      if (Prefix::parse(prefix.to_string()) != prefix) abort();
    }
  }
}

}  // namespace ew::fuzz
