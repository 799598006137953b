// The command line: `egresswatch [options] [IFACE...]` and
// `egresswatch detach IFACE...`, optionally with a JSON --config file.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "classifier/classifier.h"
#include "prefixes/prefix_rules.h"

namespace ew {

enum class OutputFormat { kAuto, kJson, kText };

// Which hooks of each interface the classifier is attached to: egress alone,
// or ingress too, so that what arrives is seen beside what leaves.
enum class Direction { kEgress, kBoth };

struct WatchOptions {
  std::vector<std::string> interfaces;  // empty: the default route's
  // --mode, --transport, --ring-size, --flow-table-size, --sample, --rate-limit.
  ClassifierSettings classifier;
  PrefixOptions prefixes;
  std::optional<std::string> output;
  OutputFormat format = OutputFormat::kAuto;
  double duration_seconds = 0;        // 0: until a signal
  double stats_interval_seconds = 0;  // 0: only the final stats line
  double flow_interval_seconds = 10;  // flow mode: update records for flows that moved
  double idle_timeout_seconds = 60;   // flow mode: end record after this much silence
  // --direction; unset: it depends on --mode (see resolved_direction).
  std::optional<Direction> direction;
  bool verbose = false;
  // After attaching, run as this user (with CAP_NET_ADMIN only, to detach).
  std::optional<std::string> user;
  std::optional<std::string> config_file;
};

// --direction as given, or without it: both in flow mode (a conversation's
// two directions), egress in packet mode (a line per packet leaving).
Direction resolved_direction(const WatchOptions& options);

struct DetachOptions {
  std::vector<std::string> interfaces;
};

struct CommandLine {
  enum class Command { kWatch, kDetach, kExit } command = Command::kWatch;
  int exit_code = 0;  // for kExit: --help, --version, or a usage error
  std::string error;  // for kExit with a non-zero code: the one line to print
  std::string help;   // for kExit with code 0: what to print on stdout
  WatchOptions watch;
  DetachOptions detach;
};

// Re-reads the options (SIGHUP): the command line and --config file parsed
// again. Throws ew::Error when they no longer parse. Only the prefix lists
// take effect without a restart.
using OptionsReloader = std::function<WatchOptions()>;

// Parses argv (and the --config file it names). Prints nothing: the caller
// prints `help` or `error`.
CommandLine parse_command_line(int argc, const char* const* argv);

// The same, printing help/version to stdout and a usage error to stderr as
// one line: what main() wants.
CommandLine parse_command_line_and_report(int argc, const char* const* argv);

// Every option name egresswatch knows ("--mode", "-o", ...): the bridge
// points to --watch when one of them comes before it.
std::vector<std::string> watch_option_names();

}  // namespace ew
