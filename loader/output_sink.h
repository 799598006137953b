// Where JSON lines go: stdout or a file (appended to). Lines collect in one
// reused buffer and are written once per batch, so `egresswatch | jq` sees
// each batch as soon as it is decoded without a write per line.
#pragma once

#include <optional>
#include <string>

#include "unique_fd.h"

namespace ew {

class OutputSink {
 public:
  // Throws ew::Error naming the file.
  static OutputSink open(const std::optional<std::string>& path);

  std::string& buffer() { return buffer_; }
  int fd() const { return fd_.valid() ? fd_.get() : 1; }
  const std::string& name() const { return name_; }

  // Writes the buffer out. Returns false when the reader has gone (EPIPE):
  // a normal way for `egresswatch | head` to end. Throws ew::Error on any
  // other failure (a full disk, say).
  bool flush();

  bool reader_gone() const { return reader_gone_; }

 private:
  OutputSink(UniqueFd fd, std::string name) : fd_(std::move(fd)), name_(std::move(name)) {}

  UniqueFd fd_;  // invalid for stdout, which we do not close
  std::string name_;
  std::string buffer_;
  bool reader_gone_ = false;
};

}  // namespace ew
