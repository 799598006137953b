#include <gtest/gtest.h>

#include "bridge/bridge_lines.h"
#include "scoped_time_zone.h"

namespace ew::bridge {
namespace {

constexpr int64_t kWallNs = 1'700'000'000'123'456'789;  // 2023-11-14T22:13:20.123Z

TEST(BridgePortEventLine, JsonInTheInterfaceLinesStyle) {
  std::string out;
  make_json_bridge_lines()->port_event("pb", PortEvent::kDown, kWallNs, out);
  EXPECT_EQ(out,
            "{\"type\":\"port\",\"event\":\"down\",\"ts\":\"2023-11-14T22:13:20.123456789Z\","
            "\"iface\":\"pb\"}\n");
}

TEST(BridgeTextLines, PortEventsAndStats) {
  // Local time, as egresswatch's text lines: UTC here.
  ew::testing::ScopedTimeZone utc("UTC0");
  auto lines = make_text_bridge_lines();
  std::string out;
  lines->port_event("pb", PortEvent::kUp, kWallNs, out);
  lines->port_event("pa", PortEvent::kRemoved, kWallNs, out);
  EXPECT_EQ(
      out,
      "2023-11-14 22:13:20.123+00:00 port pb up\n2023-11-14 22:13:20.123+00:00 port pa removed\n");
  BridgeStats stats;
  stats.ports[0].name = "pa";
  stats.ports[0].counters.received = 10;
  stats.ports[0].counters.same_side = 2;
  stats.ports[1].name = "pb";
  stats.ports[1].counters.sent = 8;
  stats.ports[1].counters.send_failed = 3;
  stats.mac_table = 5;
  out.clear();
  lines->stats(stats, kWallNs, true, out);
  EXPECT_EQ(out,
            "2023-11-14 22:13:20.123+00:00 bridge stats (final):  pa: received 10  sent 0  dropped "
            "0  send failed 0"
            "  not forwarded: same side 2, link-local 0, truncated 0, runt 0  pb: received 0  "
            "sent 8  dropped 0  send failed 3  not forwarded: same side 0, link-local 0, "
            "truncated 0, runt 0  mac table 5\n");
  out.clear();
  lines->stats(stats, kWallNs, false, out);
  EXPECT_EQ(out.rfind("2023-11-14 22:13:20.123+00:00 bridge stats:  pa: ", 0), 0u) << out;
}

}  // namespace
}  // namespace ew::bridge
