#include "session/options.h"

#include "classifier/ring_size.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "core/error.h"

namespace ew {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using Command = CommandLine::Command;

CommandLine parse(std::vector<const char*> args) {
  args.insert(args.begin(), "egresswatch");
  // The reporting variant: what main() calls, printing help and errors.
  return parse_command_line_and_report(static_cast<int>(args.size()), args.data());
}

// Parses and returns what was printed on stderr.
std::string parse_stderr(std::vector<const char*> args, CommandLine& result) {
  ::testing::internal::CaptureStderr();
  result = parse(std::move(args));
  return ::testing::internal::GetCapturedStderr();
}

std::vector<std::string> prefix_texts(const std::vector<Prefix>& prefixes) {
  std::vector<std::string> texts;
  for (const auto& p : prefixes)
    texts.push_back(p.to_string());
  return texts;
}

TEST(CommandLine, NoArgumentsWatchesTheDefaultRoute) {
  CommandLine cl = parse({});
  EXPECT_EQ(cl.command, Command::kWatch);
  EXPECT_EQ(cl.exit_code, 0);
  EXPECT_THAT(cl.watch.interfaces, IsEmpty());
  EXPECT_EQ(cl.watch.classifier.mode, RecordMode::kFlow);
  EXPECT_EQ(cl.watch.classifier.transport, Transport::kAuto);
  EXPECT_EQ(cl.watch.format, OutputFormat::kAuto);
  EXPECT_EQ(cl.watch.flow_interval_seconds, 10);
  EXPECT_EQ(cl.watch.idle_timeout_seconds, 60);
  EXPECT_EQ(cl.watch.classifier.flow_table_size, 65536u);
  EXPECT_EQ(cl.watch.classifier.sample_every, 1u);
  EXPECT_EQ(cl.watch.classifier.rate_limit, 0u);
  EXPECT_FALSE(cl.watch.config_file.has_value());
  EXPECT_TRUE(cl.watch.prefixes.default_excludes);
  EXPECT_THAT(cl.watch.prefixes.excludes, IsEmpty());
  EXPECT_THAT(cl.watch.prefixes.includes, IsEmpty());
  EXPECT_FALSE(cl.watch.output.has_value());
  EXPECT_EQ(cl.watch.duration_seconds, 0);
  EXPECT_EQ(cl.watch.stats_interval_seconds, 0);
  EXPECT_EQ(cl.watch.classifier.ring_bytes, 4u << 20);
  EXPECT_FALSE(cl.watch.verbose);
}

// One set of defaults: an empty command line loads the classifier exactly as
// ClassifierSettings{} does (WatchOptions once copied these fields with a
// different default mode, packet against the command line's flow).
TEST(CommandLine, EmptyCommandLineLoadsTheDefaultClassifierSettings) {
  const CommandLine cl = parse({});
  ASSERT_EQ(cl.command, Command::kWatch);
  const ClassifierSettings defaults;
  EXPECT_TRUE(cl.watch.classifier == defaults);
  EXPECT_EQ(defaults.mode, RecordMode::kFlow);  // README: "--mode flow | The default"
  // Options that are not the classifier's leave them alone.
  EXPECT_TRUE(parse({"--stats-interval", "1", "--format", "json"}).watch.classifier == defaults);
}

TEST(CommandLine, PositionalInterfaces) {
  CommandLine cl = parse({"eth0", "veth1", "wlan0"});
  EXPECT_EQ(cl.command, Command::kWatch);
  EXPECT_THAT(cl.watch.interfaces, ElementsAre("eth0", "veth1", "wlan0"));
}

TEST(CommandLine, RepeatedIncludeAndExclude) {
  CommandLine cl = parse({"--exclude", "8.8.8.0/24", "--include", "192.0.2.0/24", "--exclude",
                          "2606:4700::/32", "--include", "2001:db8::1"});
  ASSERT_EQ(cl.command, Command::kWatch);
  EXPECT_THAT(prefix_texts(cl.watch.prefixes.excludes),
              ElementsAre("8.8.8.0/24", "2606:4700::/32"));
  EXPECT_THAT(prefix_texts(cl.watch.prefixes.includes),
              ElementsAre("192.0.2.0/24", "2001:db8::1/128"));
  EXPECT_THAT(cl.watch.interfaces, IsEmpty());
}

TEST(CommandLine, PrefixOptionsTakeOneValueEachAndLeaveInterfacesPositional) {
  CommandLine cl = parse({"--include", "192.0.2.0/24", "veth0"});
  ASSERT_EQ(cl.command, Command::kWatch);
  EXPECT_THAT(cl.watch.interfaces, ElementsAre("veth0"));
  EXPECT_THAT(prefix_texts(cl.watch.prefixes.includes), ElementsAre("192.0.2.0/24"));

  cl = parse({"veth0", "--exclude", "10.0.0.0/8", "veth1", "--include", "2001:db8::/32", "veth2"});
  ASSERT_EQ(cl.command, Command::kWatch);
  EXPECT_THAT(cl.watch.interfaces, ElementsAre("veth0", "veth1", "veth2"));
  EXPECT_THAT(prefix_texts(cl.watch.prefixes.excludes), ElementsAre("10.0.0.0/8"));
  EXPECT_THAT(prefix_texts(cl.watch.prefixes.includes), ElementsAre("2001:db8::/32"));
}

TEST(CommandLine, EqualsSyntax) {
  CommandLine cl = parse({"--include=198.51.100.0/24", "--exclude=fd00::/8", "eth0"});
  ASSERT_EQ(cl.command, Command::kWatch);
  EXPECT_THAT(prefix_texts(cl.watch.prefixes.includes), ElementsAre("198.51.100.0/24"));
  EXPECT_THAT(prefix_texts(cl.watch.prefixes.excludes), ElementsAre("fd00::/8"));
  EXPECT_THAT(cl.watch.interfaces, ElementsAre("eth0"));
}

// The conflict is found when the rules are built, before anything is touched.
TEST(CommandLine, SamePrefixIncludedAndExcludedFailsWhenBuildingRules) {
  CommandLine cl = parse({"--include", "192.0.2.0/24", "--exclude", "192.0.2.0/24"});
  ASSERT_EQ(cl.command, Command::kWatch);
  EXPECT_THROW(build_prefix_rules(cl.watch.prefixes), Error);
}

TEST(CommandLine, NoDefaultExcludes) {
  CommandLine cl = parse({"--no-default-excludes", "--exclude", "10.0.0.0/8"});
  ASSERT_EQ(cl.command, Command::kWatch);
  EXPECT_FALSE(cl.watch.prefixes.default_excludes);
}

TEST(CommandLine, OtherWatchOptions) {
  CommandLine cl = parse({"-o", "/tmp/out.jsonl", "--duration", "2.5", "--stats-interval", "10",
                          "--ring-size", "65536", "-v", "--mode", "packet", "eth0"});
  ASSERT_EQ(cl.command, Command::kWatch);
  EXPECT_EQ(cl.watch.output, "/tmp/out.jsonl");
  EXPECT_DOUBLE_EQ(cl.watch.duration_seconds, 2.5);
  EXPECT_DOUBLE_EQ(cl.watch.stats_interval_seconds, 10);
  EXPECT_EQ(cl.watch.classifier.ring_bytes, 65536u);
  EXPECT_TRUE(cl.watch.verbose);
  EXPECT_EQ(cl.watch.classifier.mode, RecordMode::kPacket);
  EXPECT_THAT(cl.watch.interfaces, ElementsAre("eth0"));

  cl = parse({"--output", "out.jsonl", "--verbose"});
  EXPECT_EQ(cl.watch.output, "out.jsonl");
  EXPECT_TRUE(cl.watch.verbose);
}

TEST(CommandLine, Detach) {
  CommandLine cl = parse({"detach", "veth0", "veth1"});
  EXPECT_EQ(cl.command, Command::kDetach);
  EXPECT_EQ(cl.exit_code, 0);
  EXPECT_THAT(cl.detach.interfaces, ElementsAre("veth0", "veth1"));
  EXPECT_THAT(cl.watch.interfaces, IsEmpty());
}

TEST(CommandLine, DetachNeedsAnInterface) {
  CommandLine cl;
  std::string err = parse_stderr({"detach"}, cl);
  EXPECT_EQ(cl.command, Command::kExit);
  EXPECT_EQ(cl.exit_code, 2);
  EXPECT_THAT(err, HasSubstr("egresswatch: "));
}

TEST(CommandLine, DetachWithWatchInterfacesIsAnError) {
  CommandLine cl;
  std::string err = parse_stderr({"eth0", "detach", "veth0"}, cl);
  EXPECT_EQ(cl.command, Command::kExit);
  EXPECT_EQ(cl.exit_code, 2);
}

TEST(CommandLine, RingSizeMustBeAPowerOfTwoOfAtLeastAPage) {
  const uint64_t page = kernel_page_size();
  for (uint64_t ok : {page, page * 2, uint64_t{1} << 20, uint64_t{2147483648}}) {
    SCOPED_TRACE(ok);
    CommandLine cl = parse({"--ring-size", std::to_string(ok).c_str()});
    EXPECT_EQ(cl.command, Command::kWatch);
    EXPECT_EQ(cl.watch.classifier.ring_bytes, ok);
  }
  for (const std::string& bad :
       {std::string("0"), std::string("1"), std::to_string(page / 2), std::to_string(page - 1),
        std::to_string(page + 904), std::to_string(page * 3), std::string("4294967295"),
        std::string("4294967296"), std::string("-4096"), std::string("4k"), std::string("lots")}) {
    SCOPED_TRACE(bad);
    CommandLine cl;
    std::string err = parse_stderr({"--ring-size", bad.c_str()}, cl);
    EXPECT_EQ(cl.command, Command::kExit);
    EXPECT_EQ(cl.exit_code, 2);
    EXPECT_THAT(err, HasSubstr("egresswatch: "));
  }
}

TEST(CommandLine, RingSizeErrorSaysWhy) {
  CommandLine cl;
  std::string err = parse_stderr({"--ring-size", "5000"}, cl);
  EXPECT_THAT(err, HasSubstr("--ring-size"));
  EXPECT_THAT(err, HasSubstr("power of two"));
}

TEST(CommandLine, BadCidrIsAUsageError) {
  for (const char* option : {"--include", "--exclude"}) {
    SCOPED_TRACE(option);
    CommandLine cl;
    std::string err = parse_stderr({option, "10.1.2.3/8", "eth0"}, cl);
    EXPECT_EQ(cl.command, Command::kExit);
    EXPECT_EQ(cl.exit_code, 2);
    EXPECT_THAT(err, HasSubstr(option));
    EXPECT_THAT(err, HasSubstr("10.0.0.0/8"));  // the suggested network
    EXPECT_EQ(err.back(), '\n');
    EXPECT_EQ(err.find('\n'), err.size() - 1) << "one line: " << err;
  }
}

TEST(CommandLine, GarbageCidrIsAUsageError) {
  CommandLine cl;
  std::string err = parse_stderr({"--exclude", "not-a-prefix"}, cl);
  EXPECT_EQ(cl.command, Command::kExit);
  EXPECT_EQ(cl.exit_code, 2);
  EXPECT_THAT(err, HasSubstr("not-a-prefix"));
}

TEST(CommandLine, IncludeWithoutValueIsAUsageError) {
  CommandLine cl;
  parse_stderr({"--include"}, cl);
  EXPECT_EQ(cl.command, Command::kExit);
  EXPECT_EQ(cl.exit_code, 2);
}

TEST(CommandLine, UnknownOptionIsAUsageError) {
  CommandLine cl;
  std::string err = parse_stderr({"--frobnicate", "eth0"}, cl);
  EXPECT_EQ(cl.command, Command::kExit);
  EXPECT_EQ(cl.exit_code, 2);
  EXPECT_THAT(err, HasSubstr("--frobnicate"));
}

TEST(CommandLine, ModesAreFlowAndPacket) {
  EXPECT_EQ(parse({"--mode", "flow"}).watch.classifier.mode, RecordMode::kFlow);
  EXPECT_EQ(parse({"--mode", "packet"}).watch.classifier.mode, RecordMode::kPacket);
  CommandLine cl;
  std::string err = parse_stderr({"--mode", "bogus"}, cl);
  EXPECT_EQ(cl.command, Command::kExit);
  EXPECT_EQ(cl.exit_code, 2);
  EXPECT_THAT(err, HasSubstr("--mode"));
}

// --direction: both hooks in flow mode unless told otherwise, the egress
// hook alone in packet mode; a word given wins either way.
TEST(CommandLine, DirectionDependsOnTheModeUnlessGiven) {
  struct Case {
    std::vector<const char*> args;
    std::optional<Direction> given;
    Direction resolved;
  };
  for (const Case& c : {
           Case{{}, std::nullopt, Direction::kBoth},
           Case{{"--mode", "flow"}, std::nullopt, Direction::kBoth},
           Case{{"--mode", "packet"}, std::nullopt, Direction::kEgress},
           Case{{"--direction", "egress"}, Direction::kEgress, Direction::kEgress},
           Case{
               {"--mode", "flow", "--direction", "egress"}, Direction::kEgress, Direction::kEgress},
           Case{{"--direction=both", "--mode", "packet"}, Direction::kBoth, Direction::kBoth},
           Case{{"--direction", "both"}, Direction::kBoth, Direction::kBoth},
       }) {
    std::string trace;
    for (const char* a : c.args)
      trace += std::string(a) + " ";
    SCOPED_TRACE(trace);
    const CommandLine cl = parse(c.args);
    ASSERT_EQ(cl.command, Command::kWatch) << cl.error;
    EXPECT_EQ(cl.watch.direction, c.given);
    EXPECT_EQ(resolved_direction(cl.watch), c.resolved);
  }
}

TEST(CommandLine, DirectionTakesEgressOrBoth) {
  for (const char* bad : {"ingress", "Both", "0", ""}) {
    SCOPED_TRACE(bad);
    CommandLine cl;
    const std::string err = parse_stderr({"--direction", bad}, cl);
    EXPECT_EQ(cl.command, Command::kExit);
    EXPECT_EQ(cl.exit_code, 2);
    EXPECT_EQ(cl.error, std::string("--direction must be egress or both (got '") + bad + "')");
  }
}

TEST(CommandLine, TransportsAndFormats) {
  EXPECT_EQ(parse({"--transport", "perf"}).watch.classifier.transport, Transport::kPerfBuffer);
  EXPECT_EQ(parse({"--transport", "ringbuf"}).watch.classifier.transport, Transport::kRingBuffer);
  EXPECT_EQ(parse({"--format", "text"}).watch.format, OutputFormat::kText);
  EXPECT_EQ(parse({"--format", "json"}).watch.format, OutputFormat::kJson);
  CommandLine cl;
  parse_stderr({"--transport", "carrier-pigeon"}, cl);
  EXPECT_EQ(cl.exit_code, 2);
}

// Issue 10, defect 5: CLI11's CheckedTransformer answered "Check packets
// value in {flow->1,packet->0} OR {1,0} FAILED", and took the enum's number.
TEST(CommandLine, WordOptionsSayWhichWordsTheyTake) {
  struct Case {
    std::vector<const char*> args;
    const char* error;
  };
  for (const Case& c :
       {Case{{"--mode", "packets"}, "--mode must be flow or packet (got 'packets')"},
        Case{{"--mode", "0"}, "--mode must be flow or packet (got '0')"},
        Case{{"--mode", "1"}, "--mode must be flow or packet (got '1')"},
        Case{{"--mode=Flow"}, "--mode must be flow or packet (got 'Flow')"},
        Case{{"--format", "jsonl"}, "--format must be auto, json or text (got 'jsonl')"},
        Case{{"--format", "2"}, "--format must be auto, json or text (got '2')"},
        Case{{"--transport", "0"}, "--transport must be auto, ringbuf or perf (got '0')"}}) {
    SCOPED_TRACE(c.args[0]);
    CommandLine cl;
    const std::string err = parse_stderr(c.args, cl);
    EXPECT_EQ(cl.command, Command::kExit);
    EXPECT_EQ(cl.exit_code, 2);
    EXPECT_EQ(cl.error, c.error);
    EXPECT_EQ(err, std::string("egresswatch: ") + c.error + " (see --help)\n");
  }
}

TEST(CommandLine, HelpShowsTheWordsWithoutCli11sMapping) {
  ::testing::internal::CaptureStdout();
  parse({"--help"});
  const std::string out = ::testing::internal::GetCapturedStdout();
  EXPECT_THAT(out, HasSubstr("--mode flow|packet"));
  EXPECT_THAT(out, HasSubstr("--format auto|json|text"));
  EXPECT_THAT(out, HasSubstr("--transport auto|ringbuf|perf"));
  EXPECT_THAT(out, HasSubstr("--direction egress|both"));
  EXPECT_THAT(out, HasSubstr("Default: both in flow mode, egress in packet mode"));
  EXPECT_THAT(out, Not(HasSubstr("->")));
  EXPECT_THAT(out, Not(HasSubstr("ENUM")));
}

TEST(CommandLine, UnknownOptionNamesTheNearestKnownOne) {
  for (std::vector<const char*> args : {std::vector<const char*>{"--duraton", "5"},
                                        {"eth0", "--duraton=5"},
                                        {"--durration", "5", "eth0"}}) {
    SCOPED_TRACE(args[0]);
    CommandLine cl;
    const std::string err = parse_stderr(args, cl);
    EXPECT_EQ(cl.exit_code, 2);
    EXPECT_THAT(cl.error, ::testing::StartsWith("unknown option --dur"));
    EXPECT_THAT(cl.error, ::testing::EndsWith("; did you mean --duration?"));
  }
  CommandLine cl;
  parse_stderr({"--duraton", "5"}, cl);
  EXPECT_EQ(cl.error, "unknown option --duraton; did you mean --duration?");
  parse_stderr({"--incldue", "192.0.2.0/24"}, cl);
  EXPECT_EQ(cl.error, "unknown option --incldue; did you mean --include?");
  // Nothing near: no guess.
  parse_stderr({"--frobnicate"}, cl);
  EXPECT_EQ(cl.error, "unknown option --frobnicate");
  parse_stderr({"-x"}, cl);
  EXPECT_EQ(cl.error, "unknown option -x");
}

TEST(CommandLine, FlowAndLossOptions) {
  CommandLine cl = parse({"--flow-interval", "0.5", "--idle-timeout", "3", "--flow-table-size",
                          "1024", "--sample", "10", "--rate-limit", "500", "eth0"});
  ASSERT_EQ(cl.command, Command::kWatch);
  EXPECT_EQ(cl.watch.flow_interval_seconds, 0.5);
  EXPECT_EQ(cl.watch.idle_timeout_seconds, 3);
  EXPECT_EQ(cl.watch.classifier.flow_table_size, 1024u);
  EXPECT_EQ(cl.watch.classifier.sample_every, 10u);
  EXPECT_EQ(cl.watch.classifier.rate_limit, 500u);
  EXPECT_THAT(cl.watch.interfaces, ElementsAre("eth0"));
  for (std::vector<const char*> bad : {std::vector<const char*>{"--sample", "0"},
                                       {"--flow-table-size", "8"},
                                       {"--rate-limit", "0"},
                                       {"--idle-timeout", "0"},
                                       {"--flow-interval", "-1"}}) {
    CommandLine refused;
    parse_stderr(bad, refused);
    EXPECT_EQ(refused.exit_code, 2) << bad[0];
  }
}

TEST(CommandLine, DurationMustBePositive) {
  for (const char* bad : {"0", "-1", "-0.5", "soon"}) {
    SCOPED_TRACE(bad);
    CommandLine cl;
    std::string err = parse_stderr({"--duration", bad}, cl);
    EXPECT_EQ(cl.command, Command::kExit);
    EXPECT_EQ(cl.exit_code, 2);
  }
  CommandLine cl;
  parse_stderr({"--duration=-3"}, cl);
  EXPECT_EQ(cl.command, Command::kExit);
  EXPECT_EQ(cl.exit_code, 2);
  EXPECT_DOUBLE_EQ(parse({"--duration", "0.25"}).watch.duration_seconds, 0.25);
}

// Found by command_line_fuzz: CLI11 quotes refused arguments, so one with a
// newline (or a terminal escape) made the "one line" error several.
TEST(CommandLine, ErrorsQuoteControlCharactersEscaped) {
  CommandLine cl;
  // The unknown-option line names only the first one; each on its own.
  std::string err = parse_stderr({"eth0", "--bogus\nline", "--\x1b[2J"}, cl);
  EXPECT_EQ(cl.exit_code, 2);
  EXPECT_THAT(cl.error, HasSubstr("--bogus\\x0aline"));
  EXPECT_EQ(err.find('\n'), err.size() - 1) << err;
  err = parse_stderr({"eth0", "--\x1b[2J"}, cl);
  EXPECT_EQ(cl.exit_code, 2);
  EXPECT_THAT(cl.error, HasSubstr("--\\x1b[2J"));
  EXPECT_EQ(err.find('\n'), err.size() - 1) << err;
  err = parse_stderr({"--mode", "flow\n"}, cl);
  EXPECT_EQ(cl.error, "--mode must be flow or packet (got 'flow\\x0a')");
  EXPECT_EQ(err.find('\n'), err.size() - 1) << err;
}

TEST(CommandLine, StatsIntervalMustBePositive) {
  CommandLine cl;
  parse_stderr({"--stats-interval", "0"}, cl);
  EXPECT_EQ(cl.command, Command::kExit);
  EXPECT_EQ(cl.exit_code, 2);
}

TEST(CommandLine, HelpExitsZeroAndPrintsUsage) {
  ::testing::internal::CaptureStdout();
  CommandLine cl = parse({"--help"});
  std::string out = ::testing::internal::GetCapturedStdout();
  EXPECT_EQ(cl.command, Command::kExit);
  EXPECT_EQ(cl.exit_code, 0);
  EXPECT_THAT(out, HasSubstr("--include"));
  EXPECT_THAT(out, HasSubstr("--exclude"));
  EXPECT_THAT(out, HasSubstr("detach"));
}

TEST(CommandLine, ShortHelp) {
  ::testing::internal::CaptureStdout();
  CommandLine cl = parse({"-h"});
  ::testing::internal::GetCapturedStdout();
  EXPECT_EQ(cl.command, Command::kExit);
  EXPECT_EQ(cl.exit_code, 0);
}

TEST(CommandLine, VersionExitsZero) {
  ::testing::internal::CaptureStdout();
  CommandLine cl = parse({"--version"});
  std::string out = ::testing::internal::GetCapturedStdout();
  EXPECT_EQ(cl.command, Command::kExit);
  EXPECT_EQ(cl.exit_code, 0);
  EXPECT_THAT(out, HasSubstr("egresswatch"));
}

}  // namespace
}  // namespace ew
