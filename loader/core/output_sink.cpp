#include "core/output_sink.h"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include <cerrno>

#include "core/error.h"

namespace ew {

namespace {

bool is_regular_file(int fd) {
  struct stat st {};
  return fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
}

}  // namespace

OutputSink OutputSink::open(const std::optional<std::string>& path) {
  if (!path || *path == "-") {
    OutputSink sink(UniqueFd(), "stdout");
    sink.buffer_.reserve(1 << 20);
    sink.regular_file_ = is_regular_file(sink.fd());  // egresswatch > file
    return sink;
  }
  UniqueFd fd(::open(path->c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
  if (!fd.valid()) throw_errno("--output " + *path, errno);
  OutputSink sink(std::move(fd), *path);
  sink.buffer_.reserve(1 << 20);
  sink.regular_file_ = is_regular_file(sink.fd());
  return sink;
}

bool OutputSink::flush() {
  if (reader_gone_) {
    abandoned_bytes_ += buffer_.size();
    buffer_.clear();
    return false;
  }
  size_t done = 0;
  // The rest of the buffer is given up; false tells the session to stop.
  auto give_up = [&](int err) {
    write_error_ = err;
    abandoned_bytes_ += buffer_.size() - done;
    buffer_.clear();
    reader_gone_ = true;
    return false;
  };
  while (done < buffer_.size()) {
    size_t chunk = buffer_.size() - done;
    if (!regular_file_) {
      // Wait for room (or for a reason to stop waiting). A pipe with room
      // takes at least PIPE_BUF bytes without blocking, so writes are cut to
      // that size. A regular file never waits for a reader: one write.
      pollfd fds[2] = {{fd(), POLLOUT, 0}, {interrupt_fd_, POLLIN, 0}};
      int ready = poll(fds, interrupt_fd_ >= 0 ? 2 : 1, -1);
      if (ready < 0 && errno != EINTR) throw_errno("waiting to write to " + name_, errno);
      if (ready > 0 && (fds[1].revents & POLLIN) && !(fds[0].revents & (POLLOUT | POLLERR))) {
        return give_up(0);  // stopped, and the reader takes nothing
      }
      if (ready <= 0) continue;
      chunk = std::min<size_t>(chunk, PIPE_BUF);
    }
    ssize_t n = ::write(fd(), buffer_.data() + done, chunk);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      if (errno == EPIPE) {
        buffer_.clear();
        reader_gone_ = true;
        return false;
      }
      // A full disk, say: the session ends as for a reader that left, with
      // what could not be written counted, and the error reported at exit.
      return give_up(errno);
    }
    done += static_cast<size_t>(n);
  }
  buffer_.clear();
  return true;
}

}  // namespace ew
