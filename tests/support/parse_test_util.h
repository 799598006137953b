// Runs ew::parse_command_line (the variant that prints nothing) and catches
// anything it prints anyway, for the tests to check.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "session/options.h"

namespace ew::testing {

struct Parsed {
  CommandLine cl;
  std::string out;
  std::string err;
};

inline Parsed parse_quietly(std::vector<const char*> args) {
  args.insert(args.begin(), "egresswatch");
  Parsed p;
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  p.cl = parse_command_line(static_cast<int>(args.size()), args.data());
  p.err = ::testing::internal::GetCapturedStderr();
  p.out = ::testing::internal::GetCapturedStdout();
  return p;
}

}  // namespace ew::testing
