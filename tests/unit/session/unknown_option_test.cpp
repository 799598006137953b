#include "session/unknown_option.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ew {
namespace {

const std::vector<std::string> kNames{"-h",       "--help",          "--mode", "--duration",
                                      "-o",       "--output",        "-v",     "--verbose",
                                      "--sample", "--stats-interval"};

TEST(UnknownOption, NearestIsASlipOfTheKeyboard) {
  EXPECT_EQ(nearest_option("--duraton", kNames), "--duration");    // a letter missing
  EXPECT_EQ(nearest_option("--durattion", kNames), "--duration");  // one too many
  EXPECT_EQ(nearest_option("--duartion", kNames), "--duration");   // two swapped
  EXPECT_EQ(nearest_option("--mod", kNames), "--mode");
  EXPECT_EQ(nearest_option("-mode", kNames), "--mode");  // one dash short
  EXPECT_EQ(nearest_option("--sampel", kNames), "--sample");
}

TEST(UnknownOption, NoGuessWhenNothingIsNear) {
  EXPECT_EQ(nearest_option("--frobnicate", kNames), "");
  EXPECT_EQ(nearest_option("-x", kNames), "");  // one letter is not a slip of -v
  EXPECT_EQ(nearest_option("--md", kNames), "");
  EXPECT_EQ(nearest_option("--mode", {}), "");
}

TEST(UnknownOption, Message) {
  EXPECT_EQ(unknown_option_message("--duraton", kNames),
            "unknown option --duraton; did you mean --duration?");
  EXPECT_EQ(unknown_option_message("--frobnicate", kNames), "unknown option --frobnicate");
}

TEST(UnknownOption, FirstUnknownOptionSkipsValuesAndDropsTheValue) {
  EXPECT_EQ(first_unknown_option({"eth9", "-", "-5", "--duraton=5", "-x"}), "--duraton");
  EXPECT_EQ(first_unknown_option({"-x"}), "-x");
  EXPECT_EQ(first_unknown_option({"eth9", "-1.5"}), std::nullopt);
  EXPECT_EQ(first_unknown_option({}), std::nullopt);
}

TEST(UnknownOption, OptionNamesOfAnApp) {
  CLI::App app("test", "test");
  std::string out;
  app.add_option("-o,--output", out);
  app.add_option("positional", out);
  const auto names = option_names(app);
  EXPECT_EQ(names, (std::vector<std::string>{"-h", "--help", "-o", "--output"}));
}

}  // namespace
}  // namespace ew
