#include "core/output_sink.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "core/error.h"

namespace ew {
namespace {

using ::testing::HasSubstr;

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class OutputSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "egresswatch-sink-XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    unlink((dir_ + "/out.jsonl").c_str());
    rmdir(dir_.c_str());
  }
  std::string path() const { return dir_ + "/out.jsonl"; }

  std::string dir_;
};

// The same open file, or a pipe and the same pipe.
bool same_file(int a, int b) {
  struct stat sa {
  }, sb{};
  return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
         sa.st_ino == sb.st_ino;
}

TEST_F(OutputSinkTest, StdoutByDefault) {
  OutputSink sink = OutputSink::open(std::nullopt);
  // fd 1 itself, or (a pipe, as under ctest) the same pipe opened again.
  EXPECT_TRUE(same_file(sink.fd(), 1));
  EXPECT_EQ(sink.name(), "stdout");
  EXPECT_TRUE(sink.buffer().empty());
  EXPECT_FALSE(sink.closed());
  OutputSink dash = OutputSink::open(std::string("-"));
  EXPECT_TRUE(same_file(dash.fd(), 1));
}

// Stdout a pipe: written through a non-blocking description of our own, so
// the one we share with the shell keeps its flags, and a large buffer goes
// out whole to a reader that takes it in small reads.
TEST_F(OutputSinkTest, StdoutPipeIsWrittenThroughANonBlockingDescriptionOfItsOwn) {
  int fds[2];
  ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);
  std::fflush(stdout);
  const int saved = dup(1);
  ASSERT_GE(saved, 0);
  ASSERT_EQ(dup2(fds[1], 1), 1);
  close(fds[1]);
  std::string sent;
  {
    OutputSink sink = OutputSink::open(std::nullopt);
    const int own_flags = fcntl(sink.fd(), F_GETFL);
    const int shared_flags = fcntl(1, F_GETFL);
    for (int i = 0; i < 20000; i++)
      sent += "{\"line\":" + std::to_string(i) + "}\n";  // about 300 KB: past the pipe's 64 KiB
    std::string got;
    std::thread reader([&] {
      char buf[1000];
      for (ssize_t n; (n = read(fds[0], buf, sizeof(buf))) > 0;)
        got.append(buf, static_cast<size_t>(n));
    });
    sink.buffer() = sent;
    const OutputSink::Flush result = sink.flush();
    ASSERT_EQ(dup2(saved, 1), 1);  // the pipe's last writer is the sink's own
    close(saved);
    {
      OutputSink gone = std::move(sink);  // closes its description: the reader sees the end
    }
    reader.join();
    close(fds[0]);
    EXPECT_EQ(result, OutputSink::Flush::kWritten);
    EXPECT_TRUE(own_flags & O_NONBLOCK);
    EXPECT_FALSE(shared_flags & O_NONBLOCK);
    EXPECT_EQ(got, sent);
  }
}

TEST_F(OutputSinkTest, WritesToAFileAndFlushEmptiesTheBuffer) {
  OutputSink sink = OutputSink::open(path());
  EXPECT_EQ(sink.name(), path());
  EXPECT_NE(sink.fd(), 1);
  sink.buffer() += "{\"a\":1}\n";
  sink.buffer() += "{\"b\":2}\n";
  EXPECT_EQ(read_file(path()), "");  // nothing before the flush
  EXPECT_EQ(sink.flush(), OutputSink::Flush::kWritten);
  EXPECT_TRUE(sink.buffer().empty());
  EXPECT_EQ(read_file(path()), "{\"a\":1}\n{\"b\":2}\n");
  // An empty flush writes nothing and succeeds.
  EXPECT_EQ(sink.flush(), OutputSink::Flush::kWritten);
  sink.buffer() += "{\"c\":3}\n";
  EXPECT_EQ(sink.flush(), OutputSink::Flush::kWritten);
  EXPECT_EQ(read_file(path()), "{\"a\":1}\n{\"b\":2}\n{\"c\":3}\n");
}

TEST_F(OutputSinkTest, AppendsToAnExistingFile) {
  {
    std::ofstream out(path());
    out << "earlier line\n";
  }
  {
    OutputSink sink = OutputSink::open(path());
    sink.buffer() = "first run\n";
    ASSERT_EQ(sink.flush(), OutputSink::Flush::kWritten);
  }
  {
    OutputSink sink = OutputSink::open(path());
    sink.buffer() = "second run\n";
    ASSERT_EQ(sink.flush(), OutputSink::Flush::kWritten);
  }
  EXPECT_EQ(read_file(path()), "earlier line\nfirst run\nsecond run\n");
}

TEST_F(OutputSinkTest, LargeBufferIsWrittenWhole) {
  OutputSink sink = OutputSink::open(path());
  std::string big(3 << 20, 'x');
  big.back() = '\n';
  sink.buffer() = big;
  EXPECT_EQ(sink.flush(), OutputSink::Flush::kWritten);
  EXPECT_EQ(read_file(path()), big);
}

TEST_F(OutputSinkTest, MissingDirectoryThrowsNamingThePath) {
  const std::string missing = dir_ + "/no-such-dir/out.jsonl";
  try {
    OutputSink::open(missing);
    FAIL() << "expected ew::Error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr(missing));
    EXPECT_THAT(e.what(), HasSubstr("No such file or directory"));
  }
}

TEST_F(OutputSinkTest, DirectoryAsOutputThrows) {
  EXPECT_THROW(OutputSink::open(dir_), Error);
}

// Restores the SIGPIPE disposition a test changed.
class IgnoreSigpipe {
 public:
  IgnoreSigpipe() { previous_ = signal(SIGPIPE, SIG_IGN); }
  ~IgnoreSigpipe() { signal(SIGPIPE, previous_); }
  IgnoreSigpipe(const IgnoreSigpipe&) = delete;
  IgnoreSigpipe& operator=(const IgnoreSigpipe&) = delete;

 private:
  sighandler_t previous_;
};

TEST_F(OutputSinkTest, ClosedPipeReaderIsReportedNotThrown) {
  IgnoreSigpipe ignore;
  int fds[2];
  ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);
  // Open the pipe's write end by path while the reader is still there, as a
  // shell's `> /dev/stdout` would, then let the reader go.
  OutputSink sink = OutputSink::open("/proc/self/fd/" + std::to_string(fds[1]));
  close(fds[1]);
  close(fds[0]);

  sink.buffer() = "{\"type\":\"packet\"}\n";
  EXPECT_EQ(sink.flush(), OutputSink::Flush::kClosed);
  EXPECT_TRUE(sink.closed());
  EXPECT_TRUE(sink.buffer().empty());
  // Later flushes keep saying so without writing.
  sink.buffer() = "more\n";
  EXPECT_EQ(sink.flush(), OutputSink::Flush::kClosed);
  EXPECT_TRUE(sink.closed());
  EXPECT_TRUE(sink.buffer().empty());
}

TEST_F(OutputSinkTest, OpenPipeReaderGetsTheLines) {
  int fds[2];
  ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);
  OutputSink sink = OutputSink::open("/proc/self/fd/" + std::to_string(fds[1]));
  close(fds[1]);
  sink.buffer() = "line\n";
  EXPECT_EQ(sink.flush(), OutputSink::Flush::kWritten);
  EXPECT_FALSE(sink.closed());
  char buf[16] = {};
  EXPECT_EQ(read(fds[0], buf, sizeof(buf)), 5);
  EXPECT_STREQ(buf, "line\n");
  close(fds[0]);
}

// /dev/full fails every write with ENOSPC, as a full disk does: the sink
// stops like a reader that left, counts what it could not write, and keeps
// the error for the exit message instead of throwing out of the loop.
TEST_F(OutputSinkTest, FullDiskStopsWithTheErrorAndTheCount) {
  OutputSink sink = OutputSink::open(std::string("/dev/full"));
  sink.buffer() = std::string(10000, 'x');
  EXPECT_EQ(sink.flush(), OutputSink::Flush::kClosed);
  EXPECT_EQ(sink.write_error(), -ENOSPC);
  EXPECT_TRUE(sink.closed());
  EXPECT_EQ(sink.abandoned_bytes(), 10000u);
  EXPECT_TRUE(sink.buffer().empty());
  // Later lines are counted too, without another write.
  sink.buffer() = "more\n";
  EXPECT_EQ(sink.flush(), OutputSink::Flush::kClosed);
  EXPECT_EQ(sink.abandoned_bytes(), 10005u);
}

// A stop signal while the reader takes nothing: the flush returns without
// throwing a line away; once the reader reads again the same lines go out.
TEST_F(OutputSinkTest, InterruptedFlushKeepsTheLinesForTheNextOne) {
  int fds[2];
  ASSERT_EQ(pipe2(fds, O_CLOEXEC | O_NONBLOCK), 0);
  OutputSink sink = OutputSink::open("/proc/self/fd/" + std::to_string(fds[1]));
  // Fill the pipe through another descriptor so the sink finds no room.
  const std::string filler(4096, 'f');
  size_t filled = 0;
  while (true) {
    ssize_t n = write(fds[1], filler.data(), filler.size());
    if (n <= 0) break;
    filled += static_cast<size_t>(n);
  }
  close(fds[1]);
  int interrupt = eventfd(1, EFD_CLOEXEC);  // readable: a stop is pending
  ASSERT_GE(interrupt, 0);
  sink.set_interrupt_fd(interrupt);

  sink.buffer() = "kept line\n";
  EXPECT_EQ(sink.flush(), OutputSink::Flush::kInterrupted);
  EXPECT_EQ(sink.buffer(), "kept line\n");
  EXPECT_FALSE(sink.closed());
  EXPECT_EQ(sink.abandoned_bytes(), 0u);

  // The reader catches up: the kept line is the next thing it reads.
  std::string drained(filled, '\0');
  size_t got = 0;
  while (got < filled) {
    ssize_t n = read(fds[0], drained.data() + got, filled - got);
    ASSERT_GT(n, 0);
    got += static_cast<size_t>(n);
  }
  EXPECT_EQ(sink.flush(), OutputSink::Flush::kWritten);
  char buf[32] = {};
  EXPECT_EQ(read(fds[0], buf, sizeof(buf)), 10);
  EXPECT_STREQ(buf, "kept line\n");

  // At exit the caller gives up on what the reader would not take: counted.
  sink.buffer() = "given up\n";
  sink.abandon();
  EXPECT_EQ(sink.abandoned_bytes(), 9u);
  EXPECT_TRUE(sink.buffer().empty());
  close(interrupt);
  close(fds[0]);
}

// At exit a reader gets two seconds without taking anything, counted from the
// last room it made, not from the stop: one that keeps reading never loses a
// line however long the exit writes; one that stops is given up on once, and
// later flushes do not wait again.
TEST_F(OutputSinkTest, StallTimeoutCountsFromTheLastRoomAndGivesUpOnce) {
  int fds[2];
  ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);
  OutputSink sink = OutputSink::open("/proc/self/fd/" + std::to_string(fds[1]));
  close(fds[1]);
  sink.set_stall_timeout(500);
  // A slow reader: 2 MiB taken 8 KiB every 5 ms, over more than a second:
  // longer than the timeout in all, a hundredth of it between reads.
  const std::string sent(2 << 20, 'x');
  std::string got;
  std::thread reader([&] {
    char buf[8192];
    while (got.size() < sent.size()) {
      const ssize_t n = read(fds[0], buf, sizeof(buf));
      if (n <= 0) break;
      got.append(buf, static_cast<size_t>(n));
      usleep(5000);
    }
  });
  sink.buffer() = sent;
  EXPECT_EQ(sink.flush(), OutputSink::Flush::kWritten);
  reader.join();
  EXPECT_EQ(got.size(), sent.size());

  // Nobody reads now: the pipe fills, the timeout runs out once.
  sink.buffer() = std::string(1 << 20, 'y');
  EXPECT_EQ(sink.flush(), OutputSink::Flush::kInterrupted);
  EXPECT_FALSE(sink.buffer().empty());
  // A flush that waited again would take a minute here.
  sink.set_stall_timeout(60'000);
  const auto before = std::chrono::steady_clock::now();
  EXPECT_EQ(sink.flush(), OutputSink::Flush::kInterrupted);
  EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::seconds(30));
  sink.abandon();
  EXPECT_GT(sink.abandoned_bytes(), 0u);
  close(fds[0]);
}

}  // namespace
}  // namespace ew
