// One row of a fixture table, in the style of the kernel selftests'
// prog_tests/pkt_access.c and katran's BpfTester: a description, a frame
// builder and what the classifier must do with the frame.
#pragma once

#include <gtest/gtest.h>

#include <cerrno>
#include <functional>
#include <memory>
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

// Runs the case's frame once through an already loaded classifier and checks
// it. A classifier shared between cases must not carry state from one to the
// next: see SharedClassifierSuite.
inline void run_frame_case(ClassifierHarness& harness, const FrameCase& c) {
  SCOPED_TRACE(c.description);
  const Bytes frame = c.frame();
  const uint32_t ifindex = test_ifindex();
  const RunResult run = harness.run(frame, ifindex);
  if (c.kernel_may_refuse && run.error == -EINVAL) {
    GTEST_SKIP() << "this kernel's BPF_PROG_TEST_RUN refuses an IP frame shorter than the "
                    "fixed IP header (EINVAL): the frame cannot reach the classifier here";
  }
  check_run(run, frame, ifindex, c.expected);
}

// Loads a classifier with `options` and `settings`, runs the case's frame
// once and checks it.
inline void run_frame_case(const PrefixOptions& options, const FrameCase& c,
                           const ClassifierSettings& settings = packet_mode()) {
  ClassifierHarness harness(options, settings);
  run_frame_case(harness, c);
}

// A parameterized suite whose cases share one loaded classifier: loading
// (the verifier, the maps) takes far longer than a run, and check_run judges
// each run's counters on their own. Only for cases that leave nothing
// behind: packet mode, no first fragment (ew_fragments would remember it).
// Derived names the suite (CRTP), so two suites never share a classifier.
template <typename Derived, typename Param = FrameCase>
class SharedClassifierSuite : public testing::TestWithParam<Param> {
 protected:
  static ClassifierHarness& shared_harness(const PrefixOptions& options) {
    if (!harness_) harness_ = std::make_unique<ClassifierHarness>(options);
    return *harness_;
  }
  static void TearDownTestSuite() { harness_.reset(); }

 private:
  static inline std::unique_ptr<ClassifierHarness> harness_;
};

// The documentation ranges the tests use for public hosts, passed as
// --include would pass them (they are excluded by default).
inline PrefixOptions documentation_hosts_public() {
  PrefixOptions options;
  for (const char* cidr : {"192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32"}) {
    options.includes.push_back(Prefix::parse(cidr));
  }
  return options;
}

}  // namespace ew::test
