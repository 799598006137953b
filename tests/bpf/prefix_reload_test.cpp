// Replacing the prefix lists in a running classifier (SIGHUP): the result is
// exactly the new lists for large lists too, and a failure that also defeats
// putting the old lists back says both what failed first and that the
// rollback failed.
#include <bpf/bpf.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "classifier_harness.h"
#include "egresswatch_abi.h"
#include "frame_case.h"
#include "privileges.h"

namespace ew::test {
namespace {

using ::testing::HasSubstr;

// n distinct IPv4 /32s in 198.18.0.0/15 (benchmarking space) and IPv6 /64s
// in 2001:db8::/32, from `first` on.
std::vector<PrefixRule> many_rules(int first, int n, Verdict verdict) {
  std::vector<PrefixRule> rules;
  for (int i = first; i < first + n; i++) {
    Prefix p4;
    p4.family = 4;
    p4.length = 32;
    p4.addr[0] = 198;
    p4.addr[1] = static_cast<uint8_t>(18 + (i >> 16));
    p4.addr[2] = static_cast<uint8_t>(i >> 8);
    p4.addr[3] = static_cast<uint8_t>(i);
    rules.push_back({p4, verdict});
    Prefix p6;
    p6.family = 6;
    p6.length = 64;
    p6.addr[0] = 0x20;
    p6.addr[1] = 0x01;
    p6.addr[2] = 0x0d;
    p6.addr[3] = 0xb8;
    p6.addr[6] = static_cast<uint8_t>(i >> 8);
    p6.addr[7] = static_cast<uint8_t>(i);
    rules.push_back({p6, verdict});
  }
  return rules;
}

bool in_trie(int v4, int v6, const Prefix& p) {
  uint32_t value = 0;
  if (p.family == 4) {
    ew_lpm_v4_key key{p.length, {}};
    std::memcpy(key.addr, p.addr.data(), 4);
    // An LPM lookup: an exact entry exists when the longest match is itself.
    return bpf_map_lookup_elem(v4, &key, &value) == 0;
  }
  ew_lpm_v6_key key{p.length, {}};
  std::memcpy(key.addr, p.addr.data(), 16);
  return bpf_map_lookup_elem(v6, &key, &value) == 0;
}

size_t entries(int map_fd, size_t key_size) {
  std::vector<uint8_t> key(key_size), next(key_size);
  size_t n = 0;
  void* cursor = nullptr;
  while (bpf_map_get_next_key(map_fd, cursor, next.data()) == 0) {
    n++;
    key = next;
    cursor = key.data();
  }
  return n;
}

TEST(PrefixReload, ALargeReplacementLeavesExactlyTheNewLists) {
  EW_SKIP_UNLESS_BPF_CAPABLE();
  Classifier classifier = Classifier::load(packet_mode());
  const auto old_rules = many_rules(0, 6000, Verdict::kInclude);
  // Half kept, half new.
  const auto new_rules = many_rules(3000, 6000, Verdict::kInclude);
  classifier.write_prefix_rules(old_rules);
  classifier.replace_prefix_rules(old_rules, new_rules);

  UniqueFd v4 = program_map_fd(classifier.program_fd(), "ew_prefixes_v4");
  UniqueFd v6 = program_map_fd(classifier.program_fd(), "ew_prefixes_v6");
  for (const auto& rule : new_rules)
    ASSERT_TRUE(in_trie(v4.get(), v6.get(), rule.prefix)) << rule.prefix.to_string();
  for (size_t i = 0; i < 3000 * 2; i++) {
    ASSERT_FALSE(in_trie(v4.get(), v6.get(), old_rules[i].prefix))
        << old_rules[i].prefix.to_string();
  }
  EXPECT_EQ(entries(v4.get(), sizeof(ew_lpm_v4_key)), 6000u);
  EXPECT_EQ(entries(v6.get(), sizeof(ew_lpm_v6_key)), 6000u);
}

TEST(PrefixReload, AFailedRollbackReportsTheFirstFailureToo) {
  EW_SKIP_UNLESS_BPF_CAPABLE();
  Classifier classifier = Classifier::load(packet_mode());
  const auto old_rules = many_rules(0, 4, Verdict::kInclude);
  const auto new_rules = many_rules(100, 4, Verdict::kInclude);
  classifier.write_prefix_rules(old_rules);
  // A frozen map refuses every write from userspace: the change fails, and
  // so does putting the old lists back.
  UniqueFd v4 = program_map_fd(classifier.program_fd(), "ew_prefixes_v4");
  ASSERT_EQ(bpf_map_freeze(v4.get()), 0);
  try {
    classifier.replace_prefix_rules(old_rules, new_rules);
    FAIL() << "the change into a frozen map succeeded";
  } catch (const PrefixRollbackError& e) {
    const std::string what = e.what();
    EXPECT_THAT(what, HasSubstr("writing prefix " + new_rules[0].prefix.to_string()))
        << "the first failure (a new prefix) is named";
    EXPECT_THAT(what, HasSubstr("putting the old prefix lists back also failed"));
  } catch (const Error& e) {
    FAIL() << "only one failure reported: " << e.what();
  }
}

}  // namespace
}  // namespace ew::test
