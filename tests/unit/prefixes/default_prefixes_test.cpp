#include "prefixes/default_prefixes.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/error.h"
#include "egresswatch_abi.h"

namespace ew {
namespace {

const DefaultPrefix* find_entry(const std::string& cidr) {
  for (const auto& entry : default_prefixes()) {
    if (cidr == entry.cidr) return &entry;
  }
  return nullptr;
}

TEST(DefaultPrefixes, EveryEntryParses) {
  ASSERT_FALSE(default_prefixes().empty());
  for (const auto& entry : default_prefixes()) {
    SCOPED_TRACE(entry.cidr);
    Prefix p;
    ASSERT_NO_THROW(p = Prefix::parse(entry.cidr));
    EXPECT_EQ(Prefix::parse(p.to_string()), p);
  }
}

TEST(DefaultPrefixes, EveryEntryHasANameAndASource) {
  for (const auto& entry : default_prefixes()) {
    SCOPED_TRACE(entry.cidr);
    ASSERT_NE(entry.name, nullptr);
    ASSERT_NE(entry.source, nullptr);
    EXPECT_NE(std::string(entry.name), "");
    EXPECT_NE(std::string(entry.source), "");
  }
}

TEST(DefaultPrefixes, NoDuplicates) {
  std::set<std::string> seen;
  for (const auto& entry : default_prefixes()) {
    EXPECT_TRUE(seen.insert(Prefix::parse(entry.cidr).to_string()).second)
        << entry.cidr << " is listed twice";
  }
}

TEST(DefaultPrefixes, FitTheClassifierTries) {
  size_t v4 = 0;
  size_t v6 = 0;
  for (const auto& entry : default_prefixes())
    (Prefix::parse(entry.cidr).family == 4 ? v4 : v6)++;
  EXPECT_GT(v4, 0u);
  EXPECT_GT(v6, 0u);
  EXPECT_LT(v4, size_t{EW_MAX_PREFIXES});
  EXPECT_LT(v6, size_t{EW_MAX_PREFIXES});
}

TEST(DefaultPrefixes, ExcludesTheWellKnownNonPublicRanges) {
  for (const char* cidr : {
           "0.0.0.0/8",     "10.0.0.0/8",     "172.16.0.0/12",      "192.168.0.0/16",
           "127.0.0.0/8",   "169.254.0.0/16", "100.64.0.0/10",      "224.0.0.0/4",
           "240.0.0.0/4",   "192.0.2.0/24",   "198.51.100.0/24",    "203.0.113.0/24",
           "198.18.0.0/15", "192.0.0.0/24",   "255.255.255.255/32", "::/128",
           "::1/128",       "::ffff:0:0/96",  "fc00::/7",           "fe80::/10",
           "ff00::/8",      "2001:db8::/32",  "100::/64",           "2001::/23",
       }) {
    SCOPED_TRACE(cidr);
    const DefaultPrefix* entry = find_entry(cidr);
    ASSERT_NE(entry, nullptr) << "missing from the default table";
    EXPECT_EQ(entry->verdict, Verdict::kExclude);
  }
}

TEST(DefaultPrefixes, IncludesTheGloballyReachableExceptions) {
  for (const char* cidr :
       {"192.0.0.9/32", "192.0.0.10/32", "2001:1::1/128", "2001:1::2/128", "2001:1::3/128",
        "2001:3::/32", "2001:4:112::/48", "2001:20::/28", "2001:30::/28"}) {
    SCOPED_TRACE(cidr);
    const DefaultPrefix* entry = find_entry(cidr);
    ASSERT_NE(entry, nullptr) << "missing from the default table";
    EXPECT_EQ(entry->verdict, Verdict::kInclude);
  }
}

// An include only means something inside a shorter exclude: the longest
// prefix wins, and outside every exclude an address is public anyway.
TEST(DefaultPrefixes, EveryIncludeIsAnExceptionInsideAnExclude) {
  for (const auto& entry : default_prefixes()) {
    if (entry.verdict != Verdict::kInclude) continue;
    SCOPED_TRACE(entry.cidr);
    const Prefix include = Prefix::parse(entry.cidr);
    // The longest strictly shorter prefix covering it decides without it.
    const DefaultPrefix* covering = nullptr;
    int covering_length = -1;
    for (const auto& other : default_prefixes()) {
      const Prefix p = Prefix::parse(other.cidr);
      if (p.length < include.length && p.contains(include) && p.length > covering_length) {
        covering = &other;
        covering_length = p.length;
      }
    }
    ASSERT_NE(covering, nullptr) << "not inside any other entry";
    EXPECT_EQ(covering->verdict, Verdict::kExclude) << "covered by " << covering->cidr;
  }
}

TEST(DefaultPrefixRules, MirrorTheTableInOrder) {
  const auto rules = default_prefix_rules();
  const auto table = default_prefixes();
  ASSERT_EQ(rules.size(), table.size());
  for (size_t i = 0; i < rules.size(); i++) {
    SCOPED_TRACE(table[i].cidr);
    EXPECT_EQ(rules[i].prefix, Prefix::parse(table[i].cidr));
    EXPECT_EQ(rules[i].verdict, table[i].verdict);
  }
}

// README.md documents the table with rows that start "| `10.0.0.0/8` |",
// the verdict ("exclude" or "include") in the next column.
struct ReadmeRow {
  std::string cidr;
  std::string second_cell;
};

std::string trim(const std::string& text) {
  const size_t begin = text.find_first_not_of(' ');
  if (begin == std::string::npos) return "";
  return text.substr(begin, text.find_last_not_of(' ') - begin + 1);
}

std::vector<ReadmeRow> readme_table_rows(const std::string& readme) {
  std::vector<ReadmeRow> rows;
  std::istringstream lines(readme);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("| `", 0) != 0) continue;
    const size_t end = line.find('`', 3);
    if (end == std::string::npos || line.compare(end, 3, "` |") != 0) continue;
    ReadmeRow row;
    row.cidr = line.substr(3, end - 3);
    const size_t cell_begin = end + 3;
    const size_t cell_end = line.find('|', cell_begin);
    if (cell_end != std::string::npos)
      row.second_cell = trim(line.substr(cell_begin, cell_end - cell_begin));
    rows.push_back(row);
  }
  return rows;
}

std::string read_readme() {
  std::ifstream in(std::string(EW_SOURCE_DIR) + "/README.md");
  std::stringstream text;
  text << in.rdbuf();
  return in ? text.str() : std::string();
}

TEST(DefaultPrefixesReadme, ListsEveryEntryWithItsVerdict) {
  const std::string readme = read_readme();
  ASSERT_FALSE(readme.empty()) << "cannot read " << EW_SOURCE_DIR << "/README.md";
  const auto rows = readme_table_rows(readme);
  for (const auto& entry : default_prefixes()) {
    SCOPED_TRACE(entry.cidr);
    const auto row = std::find_if(rows.begin(), rows.end(),
                                  [&](const ReadmeRow& r) { return r.cidr == entry.cidr; });
    if (row == rows.end()) {
      ADD_FAILURE() << "README.md has no row \"| `" << entry.cidr << "` |\"";
      continue;
    }
    if (row->second_cell == "exclude" || row->second_cell == "include") {
      EXPECT_EQ(row->second_cell, entry.verdict == Verdict::kInclude ? "include" : "exclude");
    }
  }
}

TEST(DefaultPrefixesReadme, ListsNoPrefixTheTableLacks) {
  const std::string readme = read_readme();
  ASSERT_FALSE(readme.empty()) << "cannot read " << EW_SOURCE_DIR << "/README.md";
  for (const auto& row : readme_table_rows(readme)) {
    try {
      Prefix::parse(row.cidr);
    } catch (const Error&) {
      continue;  // a row of some other table (an option, a JSON key)
    }
    EXPECT_NE(find_entry(row.cidr), nullptr)
        << "README.md lists " << row.cidr << " but the default table does not";
  }
}

}  // namespace
}  // namespace ew
