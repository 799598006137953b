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

  // Writes the buffer out. Returns false when the reader has gone (EPIPE):
  // a normal way for `egresswatch | head` to end. Also false, with
  // write_error() set, when the write fails otherwise (a full disk, say).
  //
  // A reader that stops reading would block the write, and with it the whole
  // session, Ctrl-C included (signals arrive through a signalfd, read only by
  // the loop). So the write waits for either room in the pipe or a readable
  // interrupt_fd; on the latter it gives up, counts the bytes it could not
  // write, and returns false.
  bool flush();

  void set_interrupt_fd(int fd) { interrupt_fd_ = fd; }
  bool reader_gone() const { return reader_gone_; }
  // The errno of a failed write (ENOSPC, EIO, ...), or 0.
  int write_error() const { return write_error_; }
  // Bytes of lines given up on because the reader stopped reading.
  uint64_t abandoned_bytes() const { return abandoned_bytes_; }

 private:
  OutputSink(UniqueFd fd, std::string name) : fd_(std::move(fd)), name_(std::move(name)) {}

  UniqueFd fd_;  // invalid for stdout, which we do not close
  std::string name_;
  std::string buffer_;
  int interrupt_fd_ = -1;
  bool reader_gone_ = false;
  int write_error_ = 0;
  bool regular_file_ = false;  // written in one go, without waiting for room
  uint64_t abandoned_bytes_ = 0;
};

}  // namespace ew
