#include "bridge/bridge_options.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <string>
#include <string_view>

#include "core/error.h"
#include "core/version.h"
#include "session/cli_validators.h"
#include "session/unknown_option.h"

namespace ew::bridge {
namespace {

constexpr const char* kDescription =
    "A userspace Ethernet bridge between IFACE_A and IFACE_B over AF_PACKET sockets (the "
    "\"two NICs inline\" setup). With --watch, the egresswatch classifier watches both ports' "
    "egress and its records share the output stream on stdout.";

constexpr const char* kFooter =
    "Everything after --watch is a classifier option of egresswatch (see egresswatch --help): "
    "--mode, --include, --exclude, --config, ... Stats lines ({\"type\":\"bridge_stats\",\"ports\":"
    "[...]}) are written at exit, on SIGUSR1 and every --stats-interval.";

// Forwarded traffic is seen once per direction on egress alone (A -> B leaves
// through B's port, B -> A through A's); ingress would see it all again.
constexpr const char* kDirectionRefusal =
    "--direction does not apply to the bridge: both directions of the traffic it forwards "
    "leave through the egress hook of one of its two ports, which is all it watches";

// An option CLI11 left over: a classifier option given before --watch gets
// told where it goes; anything else the nearest bridge option.
std::string unknown_option_text(const CLI::App& app, const CLI::ParseError& e) {
  const auto typed = first_unknown_option(app.remaining(true));
  if (!typed) return e.what();
  if (*typed == "--direction") return kDirectionRefusal;
  const auto classifier = watch_option_names();
  if (std::find(classifier.begin(), classifier.end(), *typed) != classifier.end()) {
    return *typed + " is a classifier option: put it after --watch";
  }
  return unknown_option_message(*typed, option_names(app));
}

}  // namespace

WatchOptions parse_watch_arguments(const std::vector<std::string>& arguments) {
  std::vector<const char*> argv{"egresswatch-bridge --watch"};
  for (const auto& a : arguments)
    argv.push_back(a.c_str());
  const CommandLine parsed = parse_command_line(static_cast<int>(argv.size()), argv.data());
  if (parsed.command == CommandLine::Command::kExit) {
    if (parsed.exit_code == 0) {
      throw Error("--watch takes egresswatch's classifier options: see egresswatch --help");
    }
    throw Error("--watch: " + parsed.error);
  }
  if (parsed.command != CommandLine::Command::kWatch || !parsed.watch.interfaces.empty()) {
    const std::string what = parsed.command == CommandLine::Command::kWatch
                                 ? parsed.watch.interfaces.front()
                                 : std::string("detach");
    throw Error("--watch: '" + what +
                "' is not a classifier option; the bridge watches its own two ports");
  }
  if (parsed.watch.format != OutputFormat::kAuto) {
    throw Error("--watch: --format is the bridge's option: give it before --watch");
  }
  if (parsed.watch.direction) {
    throw Error(std::string("--watch: ") + kDirectionRefusal);
  }
  return parsed.watch;
}

BridgeCommandLine parse_bridge_command_line(int argc, const char* const* argv) {
  BridgeCommandLine result;
  BridgeOptions& options = result.options;

  // Split at --watch: what follows belongs to the classifier's parser.
  int bridge_argc = argc;
  for (int i = 1; i < argc; i++) {
    if (std::string_view(argv[i]) == "--watch") {
      bridge_argc = i;
      options.watch = true;
      options.watch_arguments.assign(argv + i + 1, argv + argc);
      break;
    }
  }

  std::string output;
  CLI::App app(kDescription, "egresswatch-bridge");
  app.footer(kFooter);
  app.set_version_flag("--version", std::string("egresswatch-bridge ") + kVersion);
  app.add_option("IFACE_A", options.port_a, "One side of the bridge")->required();
  app.add_option("IFACE_B", options.port_b, "The other side")->required();
  app.add_flag("--forward-link-local", options.forward_link_local,
               "Also forward 802.1D link-local frames (01:80:C2:00:00:0X: STP, LLDP, pause, "
               "802.1X), which a bridge normally keeps");
  app.add_option("--mac-ageing", options.mac_ageing_seconds,
                 "Forget where a MAC address is after this long without a frame from it")
      ->type_name("SECONDS")
      ->check(seconds_validator())
      ->default_str("300");
  app.add_option("--stats-interval", options.stats_interval_seconds,
                 "Write a stats line every SECONDS (one is always written at exit and on "
                 "SIGUSR1)")
      ->type_name("SECONDS")
      ->check(seconds_validator());
  app.add_option("--duration", options.duration_seconds, "Stop cleanly after SECONDS")
      ->type_name("SECONDS")
      ->check(seconds_validator());
  app.add_option("-o,--output", output, "Append lines to FILE instead of stdout")
      ->type_name("FILE");
  add_choice_option<OutputFormat>(
      app, "--format", options.format,
      {{"auto", OutputFormat::kAuto}, {"json", OutputFormat::kJson}, {"text", OutputFormat::kText}},
      "json (JSON Lines), text (for people), or auto: text on a terminal, else json")
      ->default_str("auto");
  app.add_flag("--realtime", options.realtime,
               "Forward at real-time priority (SCHED_FIFO 10; needs CAP_SYS_NICE), so a busy "
               "CPU does not make frames wait for the scheduler");
  std::string user;
  app.add_option("--user", user,
                 "Once the ports are open (and watched), switch to user NAME; every capability "
                 "is dropped in any case but CAP_NET_ADMIN with --watch, to detach at exit")
      ->type_name("NAME");
  std::string lan;
  app.add_option("--lan", lan,
                 "The port the local hosts are on (the other is the uplink): with --watch, "
                 "records name the LAN host as the local end and who started each "
                 "conversation, as on a host")
      ->type_name("IFACE");
  // Shown in --help only: the split above has already taken it out.
  bool watch_flag = false;
  app.add_flag("--watch", watch_flag,
               "Attach the classifier to both ports' egress; the options after it are the "
               "classifier's");

  try {
    app.parse(bridge_argc, argv);
    if (!output.empty()) options.output = output;
    if (!user.empty()) options.user = user;
    if (!lan.empty()) {
      if (lan != options.port_a && lan != options.port_b) {
        throw Error("--lan must name one of the bridge's ports, " + options.port_a + " or " +
                    options.port_b + " (got '" + lan + "')");
      }
      if (!options.watch) throw Error("--lan says how to read conversations: it needs --watch");
      options.lan = lan;
    }
    if (options.watch) {
      options.watch_options = parse_watch_arguments(options.watch_arguments);
      // Options that are the session's rather than the classifier's may be
      // given on either side of --watch; the bridge's own win.
      const WatchOptions& w = options.watch_options;
      if (!options.output && w.output) options.output = w.output;
      if (!options.user && w.user) options.user = w.user;
      if (options.duration_seconds == 0) options.duration_seconds = w.duration_seconds;
      if (options.stats_interval_seconds == 0) {
        options.stats_interval_seconds = w.stats_interval_seconds;
      }
    }
    result.run = true;
  } catch (const CLI::CallForHelp&) {
    result.text = app.help();
  } catch (const CLI::CallForVersion&) {
    result.text = std::string("egresswatch-bridge ") + kVersion + "\n";
  } catch (const CLI::ExtrasError& e) {
    result.exit_code = 2;
    result.text = unknown_option_text(app, e);
  } catch (const CLI::ParseError& e) {
    result.exit_code = 2;
    result.text = e.what();
  } catch (const Error& e) {
    result.exit_code = 2;
    result.text = e.what();
  }
  return result;
}

}  // namespace ew::bridge
