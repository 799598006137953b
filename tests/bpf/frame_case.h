// One row of a fixture table, in the style of the kernel selftests'
// prog_tests/pkt_access.c and katran's BpfTester: a description, a frame
// builder and what the classifier must do with the frame.
#pragma once

#include <gtest/gtest.h>

#include <cerrno>
#include <functional>
#include <ostream>
#include <string>

#include "classifier_harness.h"
#include "expectations.h"
#include "frame_builder.h"

namespace ew::test {

struct FrameCase {
  std::string name;  // the gtest parameter name: letters, digits and '_'
  std::string description;
  std::function<Bytes()> frame;
  Expected expected;
  // Some kernels (6.18, where these tests were written) refuse with EINVAL
  // to run a tc program on an IPv4 or IPv6 frame shorter than the fixed IP
  // header. Such a case is skipped there, and runs where the kernel lets it.
  bool kernel_may_refuse = false;
};

inline void PrintTo(const FrameCase& c, std::ostream* os) {
  *os << c.name << " (" << c.description << ")";
}

inline std::string case_name(const testing::TestParamInfo<FrameCase>& info) {
  return info.param.name;
}

// Loads a classifier with `options`, runs the case's frame once and checks it.
inline void run_frame_case(const PrefixOptions& options, const FrameCase& c) {
  SCOPED_TRACE(c.description);
  ClassifierHarness harness(options);
  const Bytes frame = c.frame();
  const uint32_t ifindex = test_ifindex();
  const RunResult run = harness.run(frame, ifindex);
  if (c.kernel_may_refuse && run.error == -EINVAL) {
    GTEST_SKIP() << "this kernel's BPF_PROG_TEST_RUN refuses an IP frame shorter than the "
                    "fixed IP header (EINVAL): the frame cannot reach the classifier here";
  }
  check_run(run, frame, ifindex, c.expected);
}

}  // namespace ew::test
