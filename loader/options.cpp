#include "options.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <map>

#include "error.h"
#include "version.h"

namespace ew {
namespace {

constexpr const char* kDescription =
    "Watch which public addresses this host talks to: a tc egress BPF classifier on each "
    "IFACE (default: the interface of the default route) writes one JSON line per packet to "
    "a public destination.";

std::vector<Prefix> parse_prefixes(const std::vector<std::string>& texts, const char* option) {
  std::vector<Prefix> prefixes;
  for (const auto& text : texts) {
    try {
      prefixes.push_back(Prefix::parse(text));
    } catch (const Error& e) {
      throw CLI::ValidationError(std::string(option) + ": " + e.what());
    }
  }
  return prefixes;
}

bool is_power_of_two(uint64_t v) {
  return v && !(v & (v - 1));
}

}  // namespace

CommandLine parse_command_line(int argc, const char* const* argv) {
  CommandLine result;
  WatchOptions& watch = result.watch;
  std::vector<std::string> excludes;
  std::vector<std::string> includes;
  std::string mode = "packet";
  std::string output;
  bool no_default_excludes = false;

  CLI::App app(kDescription, "egresswatch");
  app.set_version_flag("--version", std::string("egresswatch ") + kVersion);
  app.add_option("IFACE", watch.interfaces, "Interfaces to watch (default: the default route's)");
  app.add_option("--mode", mode, "packet: one record per packet to a public destination")
      ->check(CLI::IsMember({"packet"}))
      ->default_str("packet");
  app.add_option("--exclude", excludes, "Treat addresses in CIDR as private (repeatable)")
      ->type_name("CIDR")
      ->allow_extra_args(false);
  app.add_option("--include", includes,
                 "Treat addresses in CIDR as public, even inside a default exclusion "
                 "(repeatable; the longest matching prefix decides)")
      ->type_name("CIDR")
      ->allow_extra_args(false);
  app.add_flag("--no-default-excludes", no_default_excludes,
               "Start from an empty prefix table instead of the special-purpose ranges");
  app.add_option("-o,--output", output, "Append JSON lines to FILE instead of stdout")
      ->type_name("FILE");
  app.add_option("--duration", watch.duration_seconds, "Stop cleanly after SECONDS")
      ->type_name("SECONDS")
      ->check(CLI::PositiveNumber);
  app.add_option("--stats-interval", watch.stats_interval_seconds,
                 "Write a stats line every SECONDS (one is always written at exit)")
      ->type_name("SECONDS")
      ->check(CLI::PositiveNumber);
  app.add_option("--ring-size", watch.ring_bytes,
                 "Ring buffer size in bytes: a power of two from 4096 (default 4194304)")
      ->type_name("BYTES");
  app.add_flag("-v,--verbose", watch.verbose, "Show libbpf's messages and the verifier's log");

  CLI::App* detach = app.add_subcommand(
      "detach", "Remove the filters a killed egresswatch left on IFACE, and its clsact qdisc");
  detach->add_option("IFACE", result.detach.interfaces, "Interfaces to clean up")->required();
  app.require_subcommand(0, 1);

  try {
    app.parse(argc, argv);
    if (*detach) {
      result.command = CommandLine::Command::kDetach;
      if (!watch.interfaces.empty()) throw CLI::ExtrasError({watch.interfaces.front()});
      return result;
    }
    if (watch.ring_bytes < 4096 || !is_power_of_two(watch.ring_bytes)) {
      throw CLI::ValidationError("--ring-size: " + std::to_string(watch.ring_bytes) +
                                 " is not a power of two of at least 4096");
    }
    watch.mode = RecordMode::kPacket;
    watch.prefixes.default_excludes = !no_default_excludes;
    watch.prefixes.excludes = parse_prefixes(excludes, "--exclude");
    watch.prefixes.includes = parse_prefixes(includes, "--include");
    if (!output.empty()) watch.output = output;
    result.command = CommandLine::Command::kWatch;
  } catch (const CLI::CallForHelp& e) {
    result.command = CommandLine::Command::kExit;
    result.exit_code = app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    result.command = CommandLine::Command::kExit;
    result.exit_code = app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "egresswatch: %s (see --help)\n", e.what());
    result.command = CommandLine::Command::kExit;
    result.exit_code = 2;
  }
  return result;
}

}  // namespace ew
