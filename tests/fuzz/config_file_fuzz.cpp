// Outside input: the file named by --config (a JSON object keyed by long
// option name), read and checked by the same code as at start and on SIGHUP:
// JsonConfig and the option parsing it feeds.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "options_invariants.h"
#include "session/options.h"

namespace {

// The bytes live in a memory file opened by path, as a config file is.
int config_fd() {
  static const int fd = memfd_create("egresswatch-config", MFD_CLOEXEC);
  if (fd < 0) abort();
  return fd;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const int fd = config_fd();
  if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != static_cast<ssize_t>(size)) abort();
  const std::string path = "/proc/self/fd/" + std::to_string(fd);
  const char* argv[] = {"egresswatch", "--config", path.c_str()};
  const ew::CommandLine cl = ew::parse_command_line(3, argv);
  ew::fuzz::check_command_line(cl);
  return 0;
}
