// Outside input: the command line (arguments separated by NUL bytes here),
// through the parser main() uses. --config is left to config_file_fuzz: here
// it would let the fuzzer name any file on the machine (/dev/zero).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "options_invariants.h"
#include "session/options.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> args{"egresswatch"};
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\0', start);
    if (end == std::string_view::npos) end = text.size();
    args.emplace_back(text.substr(start, end - start));
    if (args.back().find("config") != std::string::npos) return 0;
    start = end + 1;
  }
  std::vector<const char*> argv;
  for (const auto& arg : args)
    argv.push_back(arg.c_str());
  const ew::CommandLine cl = ew::parse_command_line(static_cast<int>(argv.size()), argv.data());
  ew::fuzz::check_command_line(cl);
  return 0;
}
