// egresswatch-bridge: a userspace L2 bridge between two interfaces, optionally
// watched by the egresswatch classifier.
#include <cstdio>
#include <exception>

#include "bridge/bridge_command.h"
#include "bridge/bridge_options.h"
#include "core/error.h"
#include "core/log.h"

int main(int argc, char** argv) {
  ew::set_log_program("egresswatch-bridge");
  const auto command_line = ew::bridge::parse_bridge_command_line(argc, argv);
  if (!command_line.run) {
    if (command_line.exit_code == 0) {
      std::fputs(command_line.text.c_str(), stdout);
    } else {
      ew::log_error(command_line.text + " (see --help)");
    }
    return command_line.exit_code;
  }
  try {
    return ew::bridge::run_bridge(command_line.options);
  } catch (const ew::UsageError& e) {
    // Found before anything was touched: a bad command line, exit 2.
    ew::log_error(e.what());
    return 2;
  } catch (const ew::Error& e) {
    // Destructors have already closed the ports and detached the classifier.
    ew::log_error(e.what());
  } catch (const std::exception& e) {
    ew::log_error(std::string("unexpected failure: ") + e.what());
  }
  return 1;
}
