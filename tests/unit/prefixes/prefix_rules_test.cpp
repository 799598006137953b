#include "prefixes/prefix_rules.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "prefixes/default_prefixes.h"

namespace ew {
namespace {

using ::testing::HasSubstr;

std::vector<Prefix> prefixes(std::initializer_list<const char*> texts) {
  std::vector<Prefix> out;
  for (const char* text : texts)
    out.push_back(Prefix::parse(text));
  return out;
}

// How many rules there are for `cidr`, and the verdict of the last one.
struct Lookup {
  size_t count = 0;
  std::optional<Verdict> verdict;
};

Lookup lookup(const std::vector<PrefixRule>& rules, const char* cidr) {
  const Prefix wanted = Prefix::parse(cidr);
  Lookup result;
  for (const auto& rule : rules) {
    if (rule.prefix == wanted) {
      result.count++;
      result.verdict = rule.verdict;
    }
  }
  return result;
}

TEST(BuildPrefixRules, DefaultsAloneAreTheDefaultTable) {
  const auto rules = build_prefix_rules(PrefixOptions{});
  const auto defaults = default_prefix_rules();
  ASSERT_EQ(rules.size(), defaults.size());
  for (size_t i = 0; i < rules.size(); i++) {
    EXPECT_EQ(rules[i].prefix, defaults[i].prefix);
    EXPECT_EQ(rules[i].verdict, defaults[i].verdict);
  }
}

TEST(BuildPrefixRules, UserIncludeOverridesADefaultExclude) {
  PrefixOptions options;
  options.includes = prefixes({"192.0.2.0/24", "2001:db8::/32"});
  const auto rules = build_prefix_rules(options);
  EXPECT_EQ(rules.size(), default_prefixes().size());
  for (const char* cidr : {"192.0.2.0/24", "2001:db8::/32"}) {
    SCOPED_TRACE(cidr);
    const Lookup found = lookup(rules, cidr);
    EXPECT_EQ(found.count, 1u);
    EXPECT_EQ(found.verdict, Verdict::kInclude);
  }
  // The others are untouched.
  EXPECT_EQ(lookup(rules, "10.0.0.0/8").verdict, Verdict::kExclude);
  EXPECT_EQ(lookup(rules, "198.51.100.0/24").verdict, Verdict::kExclude);
}

TEST(BuildPrefixRules, UserExcludeOverridesADefaultInclude) {
  PrefixOptions options;
  options.excludes = prefixes({"192.0.0.9/32", "2001:20::/28"});
  const auto rules = build_prefix_rules(options);
  EXPECT_EQ(rules.size(), default_prefixes().size());
  for (const char* cidr : {"192.0.0.9/32", "2001:20::/28"}) {
    SCOPED_TRACE(cidr);
    const Lookup found = lookup(rules, cidr);
    EXPECT_EQ(found.count, 1u);
    EXPECT_EQ(found.verdict, Verdict::kExclude);
  }
  EXPECT_EQ(lookup(rules, "192.0.0.10/32").verdict, Verdict::kInclude);
}

TEST(BuildPrefixRules, UserEntriesForNewPrefixesAreAdded) {
  PrefixOptions options;
  options.excludes = prefixes({"8.8.8.0/24", "2606:4700::/32"});
  options.includes = prefixes({"10.1.2.0/24", "fd00:1::/64"});
  const auto rules = build_prefix_rules(options);
  EXPECT_EQ(rules.size(), default_prefixes().size() + 4);
  EXPECT_EQ(lookup(rules, "8.8.8.0/24").verdict, Verdict::kExclude);
  EXPECT_EQ(lookup(rules, "2606:4700::/32").verdict, Verdict::kExclude);
  EXPECT_EQ(lookup(rules, "10.1.2.0/24").verdict, Verdict::kInclude);
  EXPECT_EQ(lookup(rules, "fd00:1::/64").verdict, Verdict::kInclude);
  // The covering default stays: the longest prefix decides in the trie.
  EXPECT_EQ(lookup(rules, "10.0.0.0/8").verdict, Verdict::kExclude);
  EXPECT_EQ(lookup(rules, "fc00::/7").verdict, Verdict::kExclude);
}

TEST(BuildPrefixRules, RepeatedUserEntriesGiveOneRule) {
  PrefixOptions options;
  options.includes = prefixes({"192.0.2.0/24", "192.0.2.0/24"});
  options.excludes = prefixes({"8.8.8.0/24", "8.8.8.0/24"});
  const auto rules = build_prefix_rules(options);
  EXPECT_EQ(lookup(rules, "192.0.2.0/24").count, 1u);
  EXPECT_EQ(lookup(rules, "8.8.8.0/24").count, 1u);
}

TEST(BuildPrefixRules, NoDefaultExcludesGivesOnlyTheUsersEntries) {
  PrefixOptions options;
  options.default_excludes = false;
  options.excludes = prefixes({"10.0.0.0/8"});
  options.includes = prefixes({"192.0.2.0/24", "2001:db8::/32"});
  const auto rules = build_prefix_rules(options);
  ASSERT_EQ(rules.size(), 3u);
  EXPECT_EQ(lookup(rules, "10.0.0.0/8").verdict, Verdict::kExclude);
  EXPECT_EQ(lookup(rules, "192.0.2.0/24").verdict, Verdict::kInclude);
  EXPECT_EQ(lookup(rules, "2001:db8::/32").verdict, Verdict::kInclude);
}

TEST(BuildPrefixRules, NoDefaultExcludesAndNoEntriesIsEmpty) {
  PrefixOptions options;
  options.default_excludes = false;
  EXPECT_TRUE(build_prefix_rules(options).empty());
}

TEST(BuildPrefixRules, SamePrefixIncludedAndExcludedIsAnError) {
  PrefixOptions options;
  options.excludes = prefixes({"8.8.8.0/24", "198.51.100.0/24"});
  options.includes = prefixes({"198.51.100.0/24"});
  try {
    build_prefix_rules(options);
    FAIL() << "expected ew::Error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("198.51.100.0/24"));
    EXPECT_THAT(e.what(), HasSubstr("--exclude"));
    EXPECT_THAT(e.what(), HasSubstr("--include"));
  }
}

TEST(BuildPrefixRules, SamePrefixBothWaysIsAnErrorWithoutDefaultsToo) {
  PrefixOptions options;
  options.default_excludes = false;
  options.excludes = prefixes({"2001:db8::/32"});
  options.includes = prefixes({"2001:db8::/32"});
  EXPECT_THROW(build_prefix_rules(options), Error);
}

TEST(BuildPrefixRules, NestedIncludeAndExcludeAreFine) {
  PrefixOptions options;
  options.excludes = prefixes({"198.51.100.0/24"});
  options.includes = prefixes({"198.51.100.128/25"});
  std::vector<PrefixRule> rules;
  ASSERT_NO_THROW(rules = build_prefix_rules(options));
  EXPECT_EQ(lookup(rules, "198.51.100.0/24").verdict, Verdict::kExclude);
  EXPECT_EQ(lookup(rules, "198.51.100.128/25").verdict, Verdict::kInclude);
}

}  // namespace
}  // namespace ew
