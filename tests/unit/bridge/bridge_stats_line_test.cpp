#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "bridge/stats_line.h"

namespace ew::bridge {
namespace {

TEST(BridgeStatsLine, OneJsonLineWithBothPorts) {
  BridgeStats stats;
  stats.ports[0].name = "pa";
  stats.ports[0].counters.received = 10;
  stats.ports[0].counters.sent = 7;
  stats.ports[0].counters.kernel_drops = 1;
  stats.ports[0].counters.same_side = 2;
  stats.ports[1].name = "pb";
  stats.ports[1].counters.send_failed = 3;
  stats.ports[1].counters.link_local = 4;
  stats.mac_table = 5;
  std::string out;
  append_stats_line(stats, 1'700'000'000'123'456'789, true, out);
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out.back(), '\n');
  EXPECT_EQ(out.find('\n'), out.size() - 1);
  const auto line = nlohmann::json::parse(out);
  EXPECT_EQ(line["type"], "bridge_stats");
  EXPECT_EQ(line["ts"], "2023-11-14T22:13:20.123456789Z");
  EXPECT_EQ(line["mac_table"], 5);
  EXPECT_EQ(line["final"], true);
  ASSERT_EQ(line["ports"].size(), 2u);
  EXPECT_EQ(line["ports"][0]["name"], "pa");
  EXPECT_EQ(line["ports"][0]["received"], 10);
  EXPECT_EQ(line["ports"][0]["sent"], 7);
  EXPECT_EQ(line["ports"][0]["dropped"], 1);
  EXPECT_EQ(line["ports"][0]["not_forwarded"]["same_side"], 2);
  EXPECT_EQ(line["ports"][1]["send_failed"], 3);
  EXPECT_EQ(line["ports"][1]["not_forwarded"]["link_local"], 4);
  EXPECT_EQ(line["ports"][1]["not_forwarded"]["truncated"], 0);
  EXPECT_EQ(line["ports"][1]["not_forwarded"]["runt"], 0);
}

}  // namespace
}  // namespace ew::bridge
