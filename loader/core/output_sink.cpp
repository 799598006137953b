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

bool is_pipe(int fd) {
  struct stat st {};
  return fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode);
}

// A pipe opened again through /proc, non-blocking: a file description of
// our own, so the flag does not reach the shell or the other processes
// sharing the one we were given. Invalid where that cannot be done (no /proc,
// or no reader).
UniqueFd reopen_nonblocking(int fd) {
  const std::string path = "/proc/self/fd/" + std::to_string(fd);
  return UniqueFd(::open(path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC));
}

}  // namespace

OutputSink OutputSink::open(const std::optional<std::string>& path) {
  if (!path || *path == "-") {
    // A pipe is written without blocking, as much as it takes at once (a
    // write that blocks could not be interrupted by a stop signal, which
    // comes through the loop's signalfd): before, each write was cut to
    // PIPE_BUF after a poll: two system calls per 4 KiB, which at a million
    // conversations a second is hundreds of thousands of calls.
    UniqueFd own = is_pipe(1) ? reopen_nonblocking(1) : UniqueFd();
    const bool nonblocking = own.valid();
    OutputSink sink(std::move(own), "stdout");
    sink.buffer_.reserve(1 << 20);
    sink.regular_file_ = is_regular_file(sink.fd());  // egresswatch > file
    sink.nonblocking_ = nonblocking;
    return sink;
  }
  UniqueFd fd(::open(path->c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
  if (!fd.valid()) throw_last_error("--output " + *path);
  // A FIFO opened here is a file description of our own: made non-blocking
  // in place.
  const bool nonblocking = is_pipe(fd.get()) && fcntl(fd.get(), F_SETFL, O_NONBLOCK) == 0;
  OutputSink sink(std::move(fd), *path);
  sink.buffer_.reserve(1 << 20);
  sink.regular_file_ = is_regular_file(sink.fd());
  sink.nonblocking_ = nonblocking;
  return sink;
}

OutputSink::Flush OutputSink::flush() {
  if (closed_) {
    if (write_error_) abandoned_bytes_ += buffer_.size();
    buffer_.clear();
    return Flush::kClosed;
  }
  size_t done = 0;
  // A reader that left wanted no more (`| head`): its rest is not counted as
  // lost. A failed write's rest is.
  auto close_with = [&](int negative_errno) {
    write_error_ = negative_errno;
    closed_ = true;
    if (negative_errno) abandoned_bytes_ += buffer_.size() - done;
    buffer_.clear();
    return Flush::kClosed;
  };
  // A blocking pipe or terminal is waited on before every write: one with
  // room takes at least PIPE_BUF bytes without blocking, so writes are cut to
  // that size. A non-blocking pipe of our own is written as far as it takes
  // and waited on only once full. A regular file never waits for a reader:
  // one write.
  const bool blocking_pipe = !regular_file_ && !nonblocking_;
  bool wait = blocking_pipe;
  while (done < buffer_.size()) {
    if (wait) {
      // Room, or a reason to stop waiting.
      pollfd fds[2] = {{fd(), POLLOUT, 0}, {interrupt_fd_, POLLIN, 0}};
      const int ready = poll(fds, interrupt_fd_ >= 0 ? 2 : 1, stalled_ ? 0 : stall_timeout_ms_);
      if (ready < 0) {
        if (errno == EINTR) continue;
        return close_with(-errno);
      }
      if (ready == 0) return stall(done);
      if ((fds[1].revents & POLLIN) && !(fds[0].revents & (POLLOUT | POLLERR | POLLHUP))) {
        buffer_.erase(0, done);  // what is written is out; the rest waits
        return Flush::kInterrupted;
      }
    }
    size_t chunk = buffer_.size() - done;
    if (blocking_pipe) chunk = std::min<size_t>(chunk, PIPE_BUF);
    const ssize_t n = ::write(fd(), buffer_.data() + done, chunk);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        wait = true;  // full
        continue;
      }
      // EPIPE: the reader has gone, a normal way for `egresswatch | head` to
      // end. Anything else (a full disk, say) ends the session the same way,
      // with the error reported at exit.
      return close_with(errno == EPIPE ? 0 : -errno);
    }
    done += static_cast<size_t>(n);
    wait = blocking_pipe;
  }
  buffer_.clear();
  return Flush::kWritten;
}

OutputSink::Flush OutputSink::stall(size_t done) {
  // The reader took nothing for the whole timeout: what is written is out,
  // the rest waits (or is abandoned), and no later flush waits again.
  stalled_ = true;
  buffer_.erase(0, done);
  return Flush::kInterrupted;
}

void OutputSink::abandon() {
  abandoned_bytes_ += buffer_.size();
  buffer_.clear();
}

}  // namespace ew
