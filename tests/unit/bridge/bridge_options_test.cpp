#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <vector>

#include "bridge/bridge_options.h"

namespace ew::bridge {
namespace {

BridgeCommandLine parse(std::initializer_list<const char*> arguments) {
  std::vector<const char*> argv{"egresswatch-bridge"};
  argv.insert(argv.end(), arguments);
  return parse_bridge_command_line(static_cast<int>(argv.size()), argv.data());
}

TEST(BridgeOptions, TwoPortsAndDefaults) {
  const auto parsed = parse({"eth0", "eth1"});
  ASSERT_TRUE(parsed.run) << parsed.text;
  EXPECT_EQ(parsed.options.port_a, "eth0");
  EXPECT_EQ(parsed.options.port_b, "eth1");
  EXPECT_FALSE(parsed.options.watch);
  EXPECT_FALSE(parsed.options.forward_link_local);
  EXPECT_EQ(parsed.options.mac_ageing_seconds, 300);
  EXPECT_FALSE(parsed.options.realtime);
  EXPECT_FALSE(parsed.options.user);
}

TEST(BridgeOptions, RealtimeAndUser) {
  const auto parsed = parse({"a", "b", "--realtime", "--user", "nobody"});
  ASSERT_TRUE(parsed.run) << parsed.text;
  EXPECT_TRUE(parsed.options.realtime);
  EXPECT_EQ(parsed.options.user, "nobody");
}

TEST(BridgeOptions, MissingPortIsAUsageError) {
  const auto parsed = parse({"eth0"});
  EXPECT_FALSE(parsed.run);
  EXPECT_EQ(parsed.exit_code, 2);
  EXPECT_NE(parsed.text.find("IFACE_B"), std::string::npos) << parsed.text;
}

TEST(BridgeOptions, BridgeOptionsBeforeWatch) {
  const auto parsed =
      parse({"a", "b", "--forward-link-local", "--mac-ageing", "30", "--stats-interval", "5"});
  ASSERT_TRUE(parsed.run) << parsed.text;
  EXPECT_TRUE(parsed.options.forward_link_local);
  EXPECT_EQ(parsed.options.mac_ageing_seconds, 30);
  EXPECT_EQ(parsed.options.stats_interval_seconds, 5);
}

TEST(BridgeOptions, BadSecondsAreRefused) {
  for (const char* bad : {"0", "-1", "nan", "5x"}) {
    const auto parsed = parse({"a", "b", "--mac-ageing", bad});
    EXPECT_FALSE(parsed.run) << bad;
    EXPECT_EQ(parsed.exit_code, 2) << bad;
  }
}

TEST(BridgeOptions, EverythingAfterWatchIsTheClassifiers) {
  const auto parsed = parse({"a", "b", "--watch", "--mode", "packet", "--include", "192.0.2.0/24"});
  ASSERT_TRUE(parsed.run) << parsed.text;
  EXPECT_TRUE(parsed.options.watch);
  EXPECT_EQ(parsed.options.watch_options.classifier.mode, RecordMode::kPacket);
  ASSERT_EQ(parsed.options.watch_options.prefixes.includes.size(), 1u);
  EXPECT_EQ(parsed.options.watch_arguments,
            (std::vector<std::string>{"--mode", "packet", "--include", "192.0.2.0/24"}));
}

// A bare --watch loads the classifier as egresswatch's empty command line does.
TEST(BridgeOptions, BareWatchUsesTheDefaultClassifierSettings) {
  const auto parsed = parse({"a", "b", "--watch"});
  ASSERT_TRUE(parsed.run) << parsed.text;
  EXPECT_TRUE(parsed.options.watch_options.classifier == ClassifierSettings{});
  EXPECT_EQ(parsed.options.watch_options.classifier.mode, RecordMode::kFlow);
}

TEST(BridgeOptions, SessionOptionsAfterWatchApplyToTheBridge) {
  const auto parsed = parse({"a", "b", "--watch", "--stats-interval", "2", "-o", "/tmp/x"});
  ASSERT_TRUE(parsed.run) << parsed.text;
  EXPECT_EQ(parsed.options.stats_interval_seconds, 2);
  EXPECT_EQ(parsed.options.output, "/tmp/x");
}

TEST(BridgeOptions, BridgeOptionsAfterWatchAreNotTheClassifiers) {
  const auto parsed = parse({"a", "b", "--watch", "--forward-link-local"});
  EXPECT_FALSE(parsed.run);
  EXPECT_EQ(parsed.exit_code, 2);
  EXPECT_NE(parsed.text.find("--watch"), std::string::npos) << parsed.text;
}

TEST(BridgeOptions, InterfacesAfterWatchAreRefused) {
  const auto parsed = parse({"a", "b", "--watch", "eth5"});
  EXPECT_FALSE(parsed.run);
  EXPECT_EQ(parsed.exit_code, 2);
  EXPECT_NE(parsed.text.find("'eth5' is not a classifier option"), std::string::npos)
      << parsed.text;
}

TEST(BridgeOptions, FormatIsTheBridgesOption) {
  EXPECT_EQ(parse({"a", "b"}).options.format, OutputFormat::kAuto);
  EXPECT_EQ(parse({"a", "b", "--format", "text", "--watch"}).options.format, OutputFormat::kText);
  EXPECT_EQ(parse({"a", "b", "--format", "json"}).options.format, OutputFormat::kJson);
  const auto after_watch = parse({"a", "b", "--watch", "--format", "text"});
  EXPECT_FALSE(after_watch.run);
  EXPECT_EQ(after_watch.exit_code, 2);
  EXPECT_NE(after_watch.text.find("give it before --watch"), std::string::npos) << after_watch.text;
}

// The bridge watches its ports' egress only, whatever the mode: --direction,
// on either side of --watch or in the classifier's --config file, is refused.
TEST(BridgeOptions, DirectionDoesNotApplyToTheBridge) {
  const std::string why =
      "--direction does not apply to the bridge: both directions of the traffic it forwards "
      "leave through the egress hook of one of its two ports, which is all it watches";
  for (const char* word : {"egress", "both"}) {
    const auto parsed = parse({"a", "b", "--watch", "--direction", word});
    EXPECT_FALSE(parsed.run) << word;
    EXPECT_EQ(parsed.exit_code, 2) << word;
    EXPECT_EQ(parsed.text, "--watch: " + why) << word;
  }
  const auto before_watch = parse({"a", "b", "--direction", "both", "--watch"});
  EXPECT_FALSE(before_watch.run);
  EXPECT_EQ(before_watch.exit_code, 2);
  EXPECT_EQ(before_watch.text, why);
  // Without it, flow mode (which would mean both for egresswatch) is fine.
  const auto flow = parse({"a", "b", "--watch", "--mode", "flow"});
  EXPECT_TRUE(flow.run) << flow.text;
  EXPECT_FALSE(flow.options.watch_options.direction.has_value());
}

TEST(BridgeOptions, ABadFormatIsAPlainUsageError) {
  const auto parsed = parse({"a", "b", "--format", "bogus"});
  EXPECT_FALSE(parsed.run);
  EXPECT_EQ(parsed.exit_code, 2);
  EXPECT_EQ(parsed.text, "--format must be auto, json or text (got 'bogus')");
}

TEST(BridgeOptions, ClassifierErrorsAreNamed) {
  const auto parsed = parse({"a", "b", "--watch", "--include", "300.1.1.1/8"});
  EXPECT_FALSE(parsed.run);
  EXPECT_EQ(parsed.exit_code, 2);
  EXPECT_EQ(parsed.text.rfind("--watch: ", 0), 0u) << parsed.text;
}

// Issue 10: before --watch, a classifier option was "The following
// arguments were not expected: packet --mode".
TEST(BridgeOptions, ClassifierOptionBeforeWatchSaysWhereItGoes) {
  for (auto arguments : {std::initializer_list<const char*>{"a", "b", "--mode", "packet"},
                         {"a", "--include=192.0.2.0/24", "b", "--watch"}}) {
    const auto parsed = parse(arguments);
    EXPECT_FALSE(parsed.run);
    EXPECT_EQ(parsed.exit_code, 2);
    EXPECT_EQ(parsed.text.find("--"), 0u) << parsed.text;
    EXPECT_NE(parsed.text.find(" is a classifier option: put it after --watch"), std::string::npos)
        << parsed.text;
  }
  EXPECT_EQ(parse({"a", "b", "--mode", "packet"}).text,
            "--mode is a classifier option: put it after --watch");
}

TEST(BridgeOptions, MisspeltOptionNamesTheNearestOne) {
  auto parsed = parse({"a", "b", "--duraton", "5"});
  EXPECT_EQ(parsed.exit_code, 2);
  EXPECT_EQ(parsed.text, "unknown option --duraton; did you mean --duration?");
  parsed = parse({"a", "b", "--realtme"});
  EXPECT_EQ(parsed.text, "unknown option --realtme; did you mean --realtime?");
  // After --watch, egresswatch's parser says it, against its own names.
  parsed = parse({"a", "b", "--watch", "--mdoe", "flow"});
  EXPECT_EQ(parsed.exit_code, 2);
  EXPECT_EQ(parsed.text, "--watch: unknown option --mdoe; did you mean --mode?");
}

TEST(BridgeOptions, WordOptionsAfterWatchSayWhichWordsTheyTake) {
  const auto parsed = parse({"a", "b", "--watch", "--mode", "packets"});
  EXPECT_FALSE(parsed.run);
  EXPECT_EQ(parsed.exit_code, 2);
  EXPECT_EQ(parsed.text, "--watch: --mode must be flow or packet (got 'packets')");
}

TEST(BridgeOptions, HelpMentionsWatch) {
  const auto parsed = parse({"--help"});
  EXPECT_FALSE(parsed.run);
  EXPECT_EQ(parsed.exit_code, 0);
  EXPECT_NE(parsed.text.find("--watch"), std::string::npos);
  EXPECT_NE(parsed.text.find("--forward-link-local"), std::string::npos);
}

}  // namespace
}  // namespace ew::bridge
