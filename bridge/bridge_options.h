// `egresswatch-bridge IFACE_A IFACE_B [options] [--watch [classifier options]]`.
// Everything after --watch is egresswatch's own option set (the same parser,
// --config included), applied to the classifier on the two ports.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "session/options.h"

namespace ew::bridge {

struct BridgeOptions {
  std::string port_a;
  std::string port_b;
  bool forward_link_local = false;
  double mac_ageing_seconds = 300;
  double stats_interval_seconds = 0;  // 0: stats only at exit and on SIGUSR1
  double duration_seconds = 0;        // 0: until a signal
  std::optional<std::string> output;
  // auto: text on a terminal, else JSON
  OutputFormat format = OutputFormat::kAuto;
  std::optional<std::string> user;  // run as this user once the ports are open
  bool realtime = false;            // forward at SCHED_FIFO priority
  bool watch = false;
  // --lan: the port the local hosts are on (port_a or port_b); the other is
  // the uplink. With --watch, conversations are then keyed by the LAN host.
  std::optional<std::string> lan;
  WatchOptions watch_options;
  // The arguments after --watch, parsed again on SIGHUP.
  std::vector<std::string> watch_arguments;
};

struct BridgeCommandLine {
  bool run = false;
  int exit_code = 0;  // when !run: 0 for --help/--version, 2 for a usage error
  std::string text;   // help or version (stdout), or the error (stderr)
  BridgeOptions options;
};

BridgeCommandLine parse_bridge_command_line(int argc, const char* const* argv);

// The classifier options after --watch, as egresswatch would parse them.
// Throws ew::Error with the one line to print.
WatchOptions parse_watch_arguments(const std::vector<std::string>& arguments);

}  // namespace ew::bridge
