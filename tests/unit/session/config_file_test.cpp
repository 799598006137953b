// --config FILE: a JSON object read through the same parser as the flags.
#include "session/config_file.h"

#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "parse_test_util.h"
#include "session/options.h"

namespace ew {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using Command = CommandLine::Command;

// A JSON config file that is removed when the test ends.
class ConfigFile {
 public:
  explicit ConfigFile(const std::string& text) {
    std::string pattern = ::testing::TempDir() + "egresswatch-config-XXXXXX";
    std::vector<char> buf(pattern.begin(), pattern.end());
    buf.push_back('\0');
    int fd = mkstemp(buf.data());
    EXPECT_GE(fd, 0) << pattern;
    if (fd >= 0) close(fd);
    path_ = buf.data();
    std::ofstream(path_) << text;
  }
  ~ConfigFile() { std::remove(path_.c_str()); }
  ConfigFile(const ConfigFile&) = delete;
  ConfigFile& operator=(const ConfigFile&) = delete;

  const char* path() const { return path_.c_str(); }

 private:
  std::string path_;
};

using testing::Parsed;
// The non-printing parser; anything it prints is caught and returned.
inline Parsed parse(std::vector<const char*> args) {
  return testing::parse_quietly(std::move(args));
}

Parsed parse_with_config(const std::string& json, std::vector<const char*> args = {}) {
  ConfigFile file(json);
  args.insert(args.begin(), {"--config", file.path()});
  return parse(std::move(args));
}

std::vector<std::string> prefix_texts(const std::vector<Prefix>& prefixes) {
  std::vector<std::string> texts;
  for (const auto& p : prefixes)
    texts.push_back(p.to_string());
  return texts;
}

std::map<std::string, std::vector<std::string>> inputs_by_name(
    const std::vector<CLI::ConfigItem>& items) {
  std::map<std::string, std::vector<std::string>> by_name;
  for (const auto& item : items)
    by_name[item.name] = item.inputs;
  return by_name;
}

void expect_usage_error(const Parsed& p) {
  EXPECT_EQ(p.cl.command, Command::kExit);
  EXPECT_EQ(p.cl.exit_code, 2);
  EXPECT_FALSE(p.cl.error.empty());
  EXPECT_EQ(p.cl.error.find('\n'), std::string::npos) << "one line: " << p.cl.error;
  EXPECT_EQ(p.out, "");
  EXPECT_EQ(p.err, "");
}

TEST(ConfigFile, ReadsInterfacesModeAndPrefixes) {
  Parsed p = parse_with_config(R"({
    "interfaces": ["veth0", "veth1"],
    "mode": "packet",
    "include": ["192.0.2.0/24", "2001:db8::/32"],
    "exclude": ["203.0.113.7/32"]
  })");
  ASSERT_EQ(p.cl.command, Command::kWatch) << p.cl.error;
  EXPECT_THAT(p.cl.watch.interfaces, ElementsAre("veth0", "veth1"));
  EXPECT_EQ(p.cl.watch.classifier.mode, RecordMode::kPacket);
  EXPECT_THAT(prefix_texts(p.cl.watch.prefixes.includes),
              ElementsAre("192.0.2.0/24", "2001:db8::/32"));
  EXPECT_THAT(prefix_texts(p.cl.watch.prefixes.excludes), ElementsAre("203.0.113.7/32"));
  EXPECT_TRUE(p.cl.watch.prefixes.default_excludes);
  EXPECT_TRUE(p.cl.watch.config_file.has_value());
  EXPECT_EQ(p.out, "");
  EXPECT_EQ(p.err, "");
}

TEST(ConfigFile, ReadsNumbers) {
  Parsed p = parse_with_config(R"({
    "stats-interval": 10, "duration": 2.5, "flow-interval": 0.5, "idle-timeout": 3,
    "flow-table-size": 1024, "sample": 10, "rate-limit": 500, "ring-size": 65536
  })");
  ASSERT_EQ(p.cl.command, Command::kWatch) << p.cl.error;
  EXPECT_DOUBLE_EQ(p.cl.watch.stats_interval_seconds, 10);
  EXPECT_DOUBLE_EQ(p.cl.watch.duration_seconds, 2.5);
  EXPECT_DOUBLE_EQ(p.cl.watch.flow_interval_seconds, 0.5);
  EXPECT_DOUBLE_EQ(p.cl.watch.idle_timeout_seconds, 3);
  EXPECT_EQ(p.cl.watch.classifier.flow_table_size, 1024u);
  EXPECT_EQ(p.cl.watch.classifier.sample_every, 10u);
  EXPECT_EQ(p.cl.watch.classifier.rate_limit, 500u);
  EXPECT_EQ(p.cl.watch.classifier.ring_bytes, 65536u);
}

TEST(ConfigFile, ReadsStringsForOtherOptions) {
  Parsed p = parse_with_config(
      R"({"output": "/tmp/egress.jsonl", "format": "text", "transport": "perf"})");
  ASSERT_EQ(p.cl.command, Command::kWatch) << p.cl.error;
  EXPECT_EQ(p.cl.watch.output, "/tmp/egress.jsonl");
  EXPECT_EQ(p.cl.watch.format, OutputFormat::kText);
  EXPECT_EQ(p.cl.watch.classifier.transport, Transport::kPerfBuffer);
}

// "direction" as --direction: the mode's default unless given, and the
// command line wins over the file.
TEST(ConfigFile, ReadsDirection) {
  Parsed p = parse_with_config(R"({"direction": "egress"})");
  ASSERT_EQ(p.cl.command, Command::kWatch) << p.cl.error;
  EXPECT_EQ(p.cl.watch.direction, Direction::kEgress);
  EXPECT_EQ(resolved_direction(p.cl.watch), Direction::kEgress);  // flow mode, yet egress

  p = parse_with_config(R"({"direction": "both", "mode": "packet"})");
  ASSERT_EQ(p.cl.command, Command::kWatch) << p.cl.error;
  EXPECT_EQ(resolved_direction(p.cl.watch), Direction::kBoth);

  p = parse_with_config(R"({"mode": "packet"})");
  ASSERT_EQ(p.cl.command, Command::kWatch) << p.cl.error;
  EXPECT_FALSE(p.cl.watch.direction.has_value());
  EXPECT_EQ(resolved_direction(p.cl.watch), Direction::kEgress);

  p = parse_with_config(R"({"direction": "egress"})", {"--direction", "both"});
  ASSERT_EQ(p.cl.command, Command::kWatch) << p.cl.error;
  EXPECT_EQ(p.cl.watch.direction, Direction::kBoth);

  p = parse_with_config(R"({"direction": "inbound"})");
  expect_usage_error(p);
  EXPECT_EQ(p.cl.error, "--direction must be egress or both (got 'inbound')");
}

TEST(ConfigFile, ReadsBooleans) {
  Parsed p = parse_with_config(R"({"no-default-excludes": true, "verbose": true})");
  ASSERT_EQ(p.cl.command, Command::kWatch) << p.cl.error;
  EXPECT_FALSE(p.cl.watch.prefixes.default_excludes);
  EXPECT_TRUE(p.cl.watch.verbose);

  p = parse_with_config(R"({"no-default-excludes": false, "verbose": false})");
  ASSERT_EQ(p.cl.command, Command::kWatch) << p.cl.error;
  EXPECT_TRUE(p.cl.watch.prefixes.default_excludes);
  EXPECT_FALSE(p.cl.watch.verbose);
}

TEST(ConfigFile, AStringWhereAListIsExpectedIsOneElement) {
  Parsed p = parse_with_config(R"({"interfaces": "eth0", "include": "192.0.2.0/24"})");
  ASSERT_EQ(p.cl.command, Command::kWatch) << p.cl.error;
  EXPECT_THAT(p.cl.watch.interfaces, ElementsAre("eth0"));
  EXPECT_THAT(prefix_texts(p.cl.watch.prefixes.includes), ElementsAre("192.0.2.0/24"));
}

TEST(ConfigFile, EmptyObjectChangesNothing) {
  Parsed p = parse_with_config("{}");
  ASSERT_EQ(p.cl.command, Command::kWatch) << p.cl.error;
  Parsed defaults = parse({});
  EXPECT_EQ(p.cl.watch.interfaces, defaults.cl.watch.interfaces);
  EXPECT_EQ(p.cl.watch.classifier.mode, defaults.cl.watch.classifier.mode);
  EXPECT_EQ(p.cl.watch.classifier.flow_table_size, defaults.cl.watch.classifier.flow_table_size);
  EXPECT_EQ(p.cl.watch.classifier.ring_bytes, defaults.cl.watch.classifier.ring_bytes);
}

TEST(ConfigFile, TheCommandLineWinsOverTheFile) {
  Parsed p = parse_with_config(
      R"({"interfaces": ["eth0"], "mode": "packet", "stats-interval": 10,
          "include": ["192.0.2.0/24"], "sample": 4})",
      {"--mode", "flow", "--stats-interval", "3", "--include", "198.51.100.0/24", "veth1"});
  ASSERT_EQ(p.cl.command, Command::kWatch) << p.cl.error;
  EXPECT_EQ(p.cl.watch.classifier.mode, RecordMode::kFlow);
  EXPECT_DOUBLE_EQ(p.cl.watch.stats_interval_seconds, 3);
  EXPECT_THAT(prefix_texts(p.cl.watch.prefixes.includes), ElementsAre("198.51.100.0/24"));
  EXPECT_THAT(p.cl.watch.interfaces, ElementsAre("veth1"));
  // What the command line leaves alone still comes from the file.
  EXPECT_EQ(p.cl.watch.classifier.sample_every, 4u);
}

TEST(ConfigFile, ConfigBeforeOrAfterTheFlags) {
  ConfigFile file(R"({"mode": "packet", "sample": 4})");
  Parsed p = parse({"--sample", "2", "--config", file.path()});
  ASSERT_EQ(p.cl.command, Command::kWatch) << p.cl.error;
  EXPECT_EQ(p.cl.watch.classifier.sample_every, 2u);
  EXPECT_EQ(p.cl.watch.classifier.mode, RecordMode::kPacket);
  EXPECT_EQ(p.cl.watch.config_file, file.path());
}

TEST(ConfigFile, EmptyListIsTheSameAsAbsent) {
  Parsed p = parse_with_config(R"({"interfaces": [], "include": [], "exclude": []})");
  ASSERT_EQ(p.cl.command, Command::kWatch) << p.cl.error;
  EXPECT_THAT(p.cl.watch.interfaces, IsEmpty());
  EXPECT_THAT(p.cl.watch.prefixes.includes, IsEmpty());
  EXPECT_THAT(p.cl.watch.prefixes.excludes, IsEmpty());
  EXPECT_EQ(p.out, "");
  EXPECT_EQ(p.err, "");
}

TEST(ConfigFile, UnknownKeyIsAUsageErrorNamingTheKey) {
  Parsed p = parse_with_config(R"({"mode": "packet", "frobnicate": 1})");
  expect_usage_error(p);
  EXPECT_THAT(p.cl.error, HasSubstr("frobnicate"));
}

TEST(ConfigFile, MisspelledOptionIsAUsageError) {
  Parsed p = parse_with_config(R"({"stats_interval": 10})");
  expect_usage_error(p);
  EXPECT_THAT(p.cl.error, HasSubstr("stats_interval"));
}

TEST(ConfigFile, InvalidJsonIsAUsageError) {
  for (const char* text : {"", "{", "{\"mode\": packet}", "{\"mode\": \"packet\",}", "mode=packet",
                           "{\"mode\": \"packet\"} trailing"}) {
    SCOPED_TRACE(text);
    Parsed p = parse_with_config(text);
    expect_usage_error(p);
  }
}

// Found by config_file_fuzz: nlohmann throws out_of_range, not parse_error,
// for a number no double holds; it escaped the parser and aborted egresswatch
// at start (and would have ended it on a SIGHUP reload).
TEST(ConfigFile, ANumberTooLargeForADoubleIsAUsageError) {
  for (const char* json :
       {R"({"flow-table-size": 1e466})", R"({"duration": -1e400})", R"({"exclude": [1e999]})"}) {
    SCOPED_TRACE(json);
    Parsed p = parse_with_config(json);
    expect_usage_error(p);
    EXPECT_THAT(p.cl.error, HasSubstr("not valid JSON"));
  }
}

TEST(ConfigFile, TopLevelMustBeAnObject) {
  for (const char* text : {R"(["--mode", "packet"])", "42", "\"eth0\"", "null", "true"}) {
    SCOPED_TRACE(text);
    Parsed p = parse_with_config(text);
    expect_usage_error(p);
    EXPECT_THAT(p.cl.error, HasSubstr("object"));
  }
}

TEST(ConfigFile, NestedValuesAreUsageErrors) {
  for (const char* text : {R"({"mode": {"value": "packet"}})", R"({"include": [["192.0.2.0/24"]]})",
                           R"({"include": [{"cidr": "192.0.2.0/24"}]})", R"({"mode": null})",
                           R"({"include": [null]})"}) {
    SCOPED_TRACE(text);
    Parsed p = parse_with_config(text);
    expect_usage_error(p);
  }
}

TEST(ConfigFile, NestedValueErrorNamesTheKey) {
  Parsed p = parse_with_config(R"({"mode": {"value": "packet"}})");
  expect_usage_error(p);
  EXPECT_THAT(p.cl.error, HasSubstr("mode"));
}

TEST(ConfigFile, ValuesGoThroughTheSameChecksAsFlags) {
  for (const char* text :
       {R"({"mode": "bogus"})", R"({"sample": 0})", R"({"ring-size": 5000})", R"({"duration": -1})",
        R"({"include": ["10.1.2.3/8"]})", R"({"flow-table-size": 8})", R"({"mode": true})"}) {
    SCOPED_TRACE(text);
    Parsed p = parse_with_config(text);
    expect_usage_error(p);
  }
}

TEST(ConfigFile, AWordOptionSaysWhichWordsItTakes) {
  Parsed p = parse_with_config(R"({"mode": "packets"})");
  expect_usage_error(p);
  EXPECT_EQ(p.cl.error, "--mode must be flow or packet (got 'packets')");
}

// JSON has one number type: 1024.0 and 1e3 are numbers like 1024 and 1000,
// and some writers (Python's json.dumps of a float, JavaScript for large
// values) produce them. The file passes them on as "1024.0" and
// "1000000000000.0", which an integer option refuses with "Value 1024.0 not
// in range 16 to 16777216". Disabled until loader/config_file.cpp handles it
// (reported, not fixed here).
TEST(ConfigFile, IntegralNumbersWrittenAsFloatsAreAccepted) {
  Parsed p = parse_with_config(R"({"flow-table-size": 1024.0, "rate-limit": 1e12})");
  ASSERT_EQ(p.cl.command, Command::kWatch) << p.cl.error;
  EXPECT_EQ(p.cl.watch.classifier.flow_table_size, 1024u);
  EXPECT_EQ(p.cl.watch.classifier.rate_limit, 1'000'000'000'000u);
}

TEST(ConfigFile, MissingFileIsAUsageError) {
  Parsed p = parse({"--config", "/nonexistent/egresswatch/config.json"});
  expect_usage_error(p);
  EXPECT_THAT(p.cl.error, HasSubstr("/nonexistent/egresswatch/config.json"));
}

TEST(ConfigFile, ConfigWithoutAFileNameIsAUsageError) {
  expect_usage_error(parse({"--config"}));
}

// The formatter on its own: from_config turns a document into CLI11 items.
TEST(JsonConfig, FromConfigItems) {
  JsonConfig config;
  std::istringstream input(
      R"({"mode": "packet", "sample": 4, "verbose": true, "include": ["a", "b"], "exclude": []})");
  std::vector<CLI::ConfigItem> items = config.from_config(input);
  ASSERT_EQ(items.size(), 4u);
  const auto by_name = inputs_by_name(items);
  EXPECT_THAT(by_name, ::testing::UnorderedElementsAre(
                           ::testing::Key("mode"), ::testing::Key("sample"),
                           ::testing::Key("verbose"), ::testing::Key("include")));
  EXPECT_THAT(by_name.at("mode"), ElementsAre("packet"));
  EXPECT_THAT(by_name.at("sample"), ElementsAre("4"));
  EXPECT_THAT(by_name.at("verbose"), ElementsAre("true"));
  EXPECT_THAT(by_name.at("include"), ElementsAre("a", "b"));
}

// to_config writes what an app holds as JSON that parses.
TEST(JsonConfig, ToConfigProducesJsonThatParses) {
  CLI::App app("test", "egresswatch");
  std::string mode;
  std::vector<std::string> includes;
  double interval = 0;
  bool verbose = false;
  std::string quoted;
  app.add_option("--mode", mode)->default_str("flow");
  app.add_option("--include", includes)->allow_extra_args(false);
  app.add_option("--stats-interval", interval);
  app.add_flag("-v,--verbose", verbose);
  app.add_option("--label", quoted);
  app.set_config("--config");
  app.config_formatter(std::make_shared<JsonConfig>());
  std::vector<const char*> argv = {"egresswatch",   "--include",        "192.0.2.0/24", "--include",
                                   "2001:db8::/32", "--stats-interval", "2.5",          "-v",
                                   "--label",       "say \"hi\"\\"};
  app.parse(static_cast<int>(argv.size()), argv.data());

  const std::string text = app.config_to_str(true, false);
  nlohmann::json doc;
  ASSERT_NO_THROW(doc = nlohmann::json::parse(text)) << text;
  ASSERT_TRUE(doc.is_object()) << text;
  EXPECT_EQ(doc["mode"], "flow");
  EXPECT_EQ(doc["include"], nlohmann::json({"192.0.2.0/24", "2001:db8::/32"}));
  EXPECT_EQ(doc["label"], "say \"hi\"\\");
  EXPECT_TRUE(doc.contains("stats-interval"));
  EXPECT_TRUE(doc.contains("verbose"));
  EXPECT_FALSE(doc.contains("help"));
  EXPECT_FALSE(doc.contains("config"));

  // And it reads back to the same values.
  std::istringstream input(text);
  const auto by_name = inputs_by_name(JsonConfig().from_config(input));
  ASSERT_EQ(by_name.count("include"), 1u);
  EXPECT_THAT(by_name.at("include"), ElementsAre("192.0.2.0/24", "2001:db8::/32"));
  ASSERT_EQ(by_name.count("stats-interval"), 1u);
  EXPECT_THAT(by_name.at("stats-interval"), ElementsAre("2.5"));
}

TEST(JsonConfig, ToConfigOfAnUntouchedAppIsAnEmptyObject) {
  CLI::App app("test", "egresswatch");
  std::string mode;
  app.add_option("--mode", mode);
  app.config_formatter(std::make_shared<JsonConfig>());
  const std::string text = app.config_to_str(false, false);
  EXPECT_EQ(nlohmann::json::parse(text), nlohmann::json::object()) << text;
}

}  // namespace
}  // namespace ew
