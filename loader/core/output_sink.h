// Where JSON lines go: stdout or a file (appended to). Lines collect in one
// reused buffer and are written once per batch, so `egresswatch | jq` sees
// each batch as soon as it is decoded without a write per line.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/unique_fd.h"

namespace ew {

class OutputSink {
 public:
  // Throws ew::Error naming the file.
  static OutputSink open(const std::optional<std::string>& path);

  std::string& buffer() { return buffer_; }
  int fd() const { return fd_.valid() ? fd_.get() : 1; }
  const std::string& name() const { return name_; }

  enum class Flush {
    // Everything buffered is out.
    kWritten,
    // The interrupt fd fired, or the stall timeout ran out, while the reader
    // took nothing: the unwritten lines stay in the buffer, nothing is lost.
    kInterrupted,
    // The reader has gone (EPIPE) or a write failed (write_error()): the
    // rest is counted in abandoned_bytes(), as is every later line.
    kClosed,
  };

  // Writes the buffer out. Never throws: what went wrong is in the result
  // and, for kClosed, write_error().
  //
  // A reader that stops reading would block the write, and with it the whole
  // session (signals arrive through a signalfd, read only by the loop). So a
  // write to a pipe or terminal waits for either room or a readable
  // interrupt fd (the session's stop signals while it runs) or, at exit, for
  // the stall timeout. Reload and stats signals are not among them: they never cut a
  // write short.
  [[nodiscard]] Flush flush();
  // Gives up on what is buffered (after kInterrupted at exit): counted.
  void abandon();

  void set_interrupt_fd(int fd) { interrupt_fd_ = fd; }
  // At exit: a reader that takes nothing for this long is given up on. The
  // flush returns kInterrupted, and later ones do not wait at all. Counted
  // from the last room found, not from the stop: an exit that writes a
  // million end lines takes longer than that to a reader that keeps up.
  void set_stall_timeout(int milliseconds) { stall_timeout_ms_ = milliseconds; }
  bool closed() const { return closed_; }
  // The negative errno of a failed write (-ENOSPC, -EIO, ...), or 0.
  int write_error() const { return write_error_; }
  // Bytes of lines given up on: the reader left, the disk filled, or the
  // reader stopped reading at exit.
  uint64_t abandoned_bytes() const { return abandoned_bytes_; }

 private:
  Flush stall(size_t done);
  OutputSink(UniqueFd fd, std::string name) : fd_(std::move(fd)), name_(std::move(name)) {}

  UniqueFd fd_;  // invalid for stdout, which we do not close (or stdout's pipe opened again)
  std::string name_;
  std::string buffer_;
  int interrupt_fd_ = -1;
  bool closed_ = false;
  int write_error_ = 0;
  bool regular_file_ = false;  // written in one go, without waiting for room
  int stall_timeout_ms_ = -1;  // -1: wait as long as it takes
  bool stalled_ = false;       // the stall timeout ran out once
  bool nonblocking_ = false;   // a pipe of our own, O_NONBLOCK: written as far as it takes
  uint64_t abandoned_bytes_ = 0;
};

}  // namespace ew
