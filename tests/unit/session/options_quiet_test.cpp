// parse_command_line prints nothing: the caller prints `help` or `error`.
#include "parse_test_util.h"
#include "session/options.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ew {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using Command = CommandLine::Command;

using testing::parse_quietly;
using testing::Parsed;

TEST(ParseCommandLine, HelpIsReturnedNotPrinted) {
  for (const char* flag : {"--help", "-h"}) {
    SCOPED_TRACE(flag);
    Parsed p = parse_quietly({flag});
    EXPECT_EQ(p.cl.command, Command::kExit);
    EXPECT_EQ(p.cl.exit_code, 0);
    EXPECT_THAT(p.cl.help, Not(IsEmpty()));
    EXPECT_THAT(p.cl.help, HasSubstr("--include"));
    EXPECT_THAT(p.cl.help, HasSubstr("--config"));
    EXPECT_THAT(p.cl.help, HasSubstr("--mode"));
    EXPECT_THAT(p.cl.help, HasSubstr("detach"));
    EXPECT_THAT(p.cl.error, IsEmpty());
    EXPECT_EQ(p.out, "");
    EXPECT_EQ(p.err, "");
  }
}

TEST(ParseCommandLine, HelpWinsOverOtherOptions) {
  Parsed p = parse_quietly({"eth0", "--mode", "packet", "--help"});
  EXPECT_EQ(p.cl.command, Command::kExit);
  EXPECT_EQ(p.cl.exit_code, 0);
  EXPECT_THAT(p.cl.help, Not(IsEmpty()));
  EXPECT_EQ(p.out, "");
  EXPECT_EQ(p.err, "");
}

TEST(ParseCommandLine, VersionIsReturnedNotPrinted) {
  Parsed p = parse_quietly({"--version"});
  EXPECT_EQ(p.cl.command, Command::kExit);
  EXPECT_EQ(p.cl.exit_code, 0);
  EXPECT_THAT(p.cl.help, HasSubstr("egresswatch"));
  EXPECT_EQ(p.cl.help.back(), '\n');
  EXPECT_EQ(p.out, "");
  EXPECT_EQ(p.err, "");
}

TEST(ParseCommandLine, ErrorsAreReturnedNotPrinted) {
  const std::vector<std::vector<const char*>> bad = {
      {"--frobnicate"},
      {"--mode", "bogus"},
      {"--ring-size", "5000"},
      {"--include", "10.1.2.3/8"},
      {"--duration", "0"},
      {"detach"},
      {"--include"},
      {"--sample", "0"},
      {"eth0", "detach", "veth0"},
  };
  for (const auto& args : bad) {
    SCOPED_TRACE(args[0]);
    Parsed p = parse_quietly(args);
    EXPECT_EQ(p.cl.command, Command::kExit);
    EXPECT_EQ(p.cl.exit_code, 2);
    EXPECT_THAT(p.cl.error, Not(IsEmpty()));
    EXPECT_EQ(p.cl.error.find('\n'), std::string::npos) << p.cl.error;
    EXPECT_THAT(p.cl.help, IsEmpty());
    EXPECT_EQ(p.out, "");
    EXPECT_EQ(p.err, "");
  }
}

TEST(ParseCommandLine, ErrorTextSaysWhatWasWrong) {
  EXPECT_THAT(parse_quietly({"--frobnicate"}).cl.error, HasSubstr("--frobnicate"));
  EXPECT_THAT(parse_quietly({"--ring-size", "5000"}).cl.error, HasSubstr("power of two"));
  EXPECT_THAT(parse_quietly({"--include", "10.1.2.3/8"}).cl.error, HasSubstr("10.0.0.0/8"));
}

TEST(ParseCommandLine, SuccessPrintsNothing) {
  Parsed p = parse_quietly({"eth0", "--mode", "packet"});
  EXPECT_EQ(p.cl.command, Command::kWatch);
  EXPECT_THAT(p.cl.help, IsEmpty());
  EXPECT_THAT(p.cl.error, IsEmpty());
  EXPECT_EQ(p.out, "");
  EXPECT_EQ(p.err, "");
}

}  // namespace
}  // namespace ew
