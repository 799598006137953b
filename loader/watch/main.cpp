// egresswatch: which public addresses does this host talk to?
#include <exception>

#include "core/error.h"
#include "core/log.h"
#include "session/options.h"
#include "watch/detach_command.h"
#include "watch/watch_command.h"

int main(int argc, char** argv) {
  const auto command_line = ew::parse_command_line_and_report(argc, argv);
  try {
    switch (command_line.command) {
      case ew::CommandLine::Command::kExit:
        return command_line.exit_code;
      case ew::CommandLine::Command::kDetach:
        return ew::run_detach(command_line.detach);
      case ew::CommandLine::Command::kWatch:
        // SIGHUP: the same command line and --config file, read again.
        return ew::run_watch(command_line.watch, [argc, argv] {
          auto again = ew::parse_command_line(argc, argv);
          if (again.command != ew::CommandLine::Command::kWatch) throw ew::Error(again.error);
          return again.watch;
        });
    }
  } catch (const ew::UsageError& e) {
    // Found before anything was touched: a bad command line, exit 2.
    ew::log_error(e.what());
    return 2;
  } catch (const ew::Error& e) {
    // Destructors have already detached whatever was attached.
    ew::log_error(e.what());
  } catch (const std::exception& e) {
    ew::log_error(std::string("unexpected failure: ") + e.what());
  }
  return 1;
}
