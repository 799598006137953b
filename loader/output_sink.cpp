#include "output_sink.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "error.h"

namespace ew {

OutputSink OutputSink::open(const std::optional<std::string>& path) {
  if (!path || *path == "-") {
    OutputSink sink(UniqueFd(), "stdout");
    sink.buffer_.reserve(1 << 20);
    return sink;
  }
  UniqueFd fd(::open(path->c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
  if (!fd.valid()) throw_errno("--output " + *path, errno);
  OutputSink sink(std::move(fd), *path);
  sink.buffer_.reserve(1 << 20);
  return sink;
}

bool OutputSink::flush() {
  if (reader_gone_) {
    buffer_.clear();
    return false;
  }
  size_t done = 0;
  while (done < buffer_.size()) {
    ssize_t n = ::write(fd(), buffer_.data() + done, buffer_.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        // A non-blocking stdout handed to us: wait rather than drop lines.
        usleep(1000);
        continue;
      }
      buffer_.clear();
      if (errno == EPIPE) {
        reader_gone_ = true;
        return false;
      }
      throw_errno("writing to " + name_, errno);
    }
    done += static_cast<size_t>(n);
  }
  buffer_.clear();
  return true;
}

}  // namespace ew
