#include "session/options.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>

#include "classifier/ring_size.h"
#include "core/error.h"
#include "core/log.h"
#include "core/version.h"
#include "session/cli_validators.h"
#include "session/config_file.h"
#include "session/unknown_option.h"

namespace ew {
namespace {

constexpr const char* kDescription =
    "Watch which public addresses this host talks to: a tc egress BPF classifier on each "
    "IFACE (default: the interface of the default route) reports traffic to public "
    "destinations as JSON lines (flows by default, or every packet).";

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

// CLI11 reports an unknown config key in words meant for INI files.
std::string config_error_text(const CLI::ParseError& e) {
  const std::string what = e.what();
  const std::string ini = "INI was not able to parse ";
  if (what.rfind(ini, 0) == 0) return "--config: unknown option '" + what.substr(ini.size()) + "'";
  return what;
}

// Errors quote what they refuse, and an argument or config key may hold a
// newline or an escape sequence: shown escaped, the error stays one line.
std::string one_line(const std::string& text) {
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte != 0x7f) {
      out += c;
    } else {
      char escaped[8];
      std::snprintf(escaped, sizeof(escaped), "\\x%02x", byte);
      out += escaped;
    }
  }
  return out;
}

// What the options are parsed into before they are checked and moved into
// WatchOptions.
struct RawOptions {
  std::vector<std::string> excludes;
  std::vector<std::string> includes;
  std::string output;
  std::string user;
  bool no_default_excludes = false;
};

// egresswatch's options, bound to `watch` and `raw`; the detach subcommand
// is added apart.
void add_watch_options(CLI::App& app, WatchOptions& watch, RawOptions& raw) {
  app.set_version_flag("--version", std::string("egresswatch ") + kVersion);
  app.add_option("interfaces", watch.interfaces,
                 "Interfaces to watch (default: the default route's)")
      ->type_name("IFACE");
  add_choice_option(app, "--mode", watch.classifier.mode,
                    {{"flow", RecordMode::kFlow}, {"packet", RecordMode::kPacket}},
                    "flow: a record when a flow starts, updates, and an end (default); "
                    "packet: one record per packet")
      ->default_str("flow");
  add_choice_option<std::optional<Direction>>(
      app, "--direction", watch.direction,
      {{"egress", Direction::kEgress}, {"both", Direction::kBoth}},
      "egress: packets leaving each IFACE; both: those arriving on it too (its ingress hook "
      "as well). Default: both in flow mode, egress in packet mode");
  app.add_option("--exclude", raw.excludes, "Treat addresses in CIDR as private (repeatable)")
      ->type_name("CIDR")
      ->allow_extra_args(false);
  app.add_option("--include", raw.includes,
                 "Treat addresses in CIDR as public, even inside a default exclusion "
                 "(repeatable; the longest matching prefix decides)")
      ->type_name("CIDR")
      ->allow_extra_args(false);
  app.add_flag("--no-default-excludes", raw.no_default_excludes,
               "Start from an empty prefix table instead of the special-purpose ranges");
  app.add_option("-o,--output", raw.output, "Append records to FILE instead of stdout")
      ->type_name("FILE");
  add_choice_option(
      app, "--format", watch.format,
      {{"auto", OutputFormat::kAuto}, {"json", OutputFormat::kJson}, {"text", OutputFormat::kText}},
      "json (JSON Lines), text (aligned columns), or auto: text on a terminal, "
      "else json")
      ->default_str("auto");
  app.add_option("--duration", watch.duration_seconds, "Stop cleanly after SECONDS")
      ->type_name("SECONDS")
      ->check(seconds_validator());
  app.add_option("--stats-interval", watch.stats_interval_seconds,
                 "Write a stats line every SECONDS (one is always written at exit)")
      ->type_name("SECONDS")
      ->check(seconds_validator());
  app.add_option("--flow-interval", watch.flow_interval_seconds,
                 "Flow mode: write update records this often for flows that moved")
      ->type_name("SECONDS")
      ->check(seconds_validator())
      ->default_str("10");
  app.add_option("--idle-timeout", watch.idle_timeout_seconds,
                 "Flow mode: end a flow after this long without packets")
      ->type_name("SECONDS")
      ->check(seconds_validator())
      ->default_str("60");
  app.add_option("--flow-table-size", watch.classifier.flow_table_size,
                 "Flow mode: flows the kernel table holds; the least recently used is evicted "
                 "(and counted) when it is full")
      ->type_name("N")
      ->check(CLI::Range(16u, 1u << 24))
      ->default_str("65536");
  app.add_option("--sample", watch.classifier.sample_every,
                 "Consider only 1 in N packets to public destinations (in the kernel)")
      ->type_name("N")
      ->check(CLI::Range(1u, 1u << 30));
  app.add_option("--rate-limit", watch.classifier.rate_limit,
                 "Send at most this many records a second from the kernel; the rest are "
                 "counted in loss lines")
      ->type_name("PER_SECOND")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 40));
  add_choice_option(app, "--transport", watch.classifier.transport,
                    {{"auto", Transport::kAuto},
                     {"ringbuf", Transport::kRingBuffer},
                     {"perf", Transport::kPerfBuffer}},
                    "ringbuf (Linux 5.8+), perf (older kernels), or auto: ringbuf when the "
                    "kernel has it")
      ->default_str("auto");
  app.add_option(
         "--ring-size", watch.classifier.ring_bytes,
         "Ring buffer size in bytes: a power of two, at least the page size (default 4194304)")
      ->type_name("BYTES");
  app.add_option("--user", raw.user,
                 "After attaching, switch to user NAME; every capability but CAP_NET_ADMIN "
                 "(needed to detach at exit) is dropped in any case")
      ->type_name("NAME");
  app.add_flag("-v,--verbose", watch.verbose, "Show libbpf's messages and the verifier's log");
  app.set_config("--config", "",
                 "Read options from a JSON object in FILE, keyed by long option name "
                 "(\"interfaces\" for IFACE); command-line options win")
      ->type_name("FILE");
  app.config_formatter(std::make_shared<JsonConfig>());
  app.allow_config_extras(CLI::config_extras_mode::error);
}

}  // namespace

Direction resolved_direction(const WatchOptions& options) {
  if (options.direction) return *options.direction;
  return options.classifier.mode == RecordMode::kFlow ? Direction::kBoth : Direction::kEgress;
}

std::vector<std::string> watch_option_names() {
  WatchOptions watch;
  RawOptions raw;
  CLI::App app(kDescription, "egresswatch");
  add_watch_options(app, watch, raw);
  return option_names(app);
}

CommandLine parse_command_line(int argc, const char* const* argv) {
  CommandLine result;
  WatchOptions& watch = result.watch;
  RawOptions raw;
  CLI::App app(kDescription, "egresswatch");
  add_watch_options(app, watch, raw);

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
    if (const std::string problem =
            ring_size_problem(watch.classifier.ring_bytes, kernel_page_size());
        !problem.empty()) {
      throw CLI::ValidationError("--ring-size: " + problem);
    }
    watch.prefixes.default_excludes = !raw.no_default_excludes;
    watch.prefixes.excludes = parse_prefixes(raw.excludes, "--exclude");
    watch.prefixes.includes = parse_prefixes(raw.includes, "--include");
    if (!raw.output.empty()) watch.output = raw.output;
    if (!raw.user.empty()) watch.user = raw.user;
    if (auto* config = app.get_config_ptr(); config && config->count() > 0) {
      watch.config_file = config->as<std::string>();
    }
    result.command = CommandLine::Command::kWatch;
  } catch (const CLI::CallForHelp&) {
    result.command = CommandLine::Command::kExit;
    result.help = app.help();
  } catch (const CLI::CallForVersion&) {
    result.command = CommandLine::Command::kExit;
    result.help = std::string("egresswatch ") + kVersion + "\n";
  } catch (const CLI::ParseError& e) {
    result.command = CommandLine::Command::kExit;
    result.exit_code = 2;
    std::optional<std::string> unknown;
    if (dynamic_cast<const CLI::ExtrasError*>(&e) != nullptr) unknown = unknown_option_error(app);
    result.error = one_line(unknown ? *unknown : config_error_text(e));
  }
  return result;
}

CommandLine parse_command_line_and_report(int argc, const char* const* argv) {
  CommandLine result = parse_command_line(argc, argv);
  if (result.command == CommandLine::Command::kExit) {
    if (result.exit_code == 0) {
      std::fputs(result.help.c_str(), stdout);
    } else {
      log_error(result.error + " (see --help)");
    }
  }
  return result;
}

}  // namespace ew
