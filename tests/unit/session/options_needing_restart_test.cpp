// SIGHUP applies only the prefix lists: every other option that changed is
// named as needing a restart. Here: --direction, by what it attaches.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "session/options.h"
#include "session/watch_session.h"

namespace ew {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(OptionsNeedingRestart, NothingChangedNothingNamed) {
  const WatchOptions options;
  EXPECT_THAT(options_needing_restart(options, options), IsEmpty());
}

TEST(OptionsNeedingRestart, ADirectionChangeNeedsARestart) {
  WatchOptions running;
  WatchOptions reloaded;
  reloaded.direction = Direction::kEgress;  // flow mode: both before
  EXPECT_THAT(options_needing_restart(running, reloaded), ElementsAre("--direction"));
  running.direction = Direction::kEgress;
  reloaded.direction = Direction::kBoth;
  EXPECT_THAT(options_needing_restart(running, reloaded), ElementsAre("--direction"));
}

// What counts is the hooks attached: giving the direction the mode implies
// changes nothing, and a new mode without --direction changes the hooks too.
TEST(OptionsNeedingRestart, ByTheDirectionAttached) {
  WatchOptions running;
  WatchOptions reloaded;
  reloaded.direction = Direction::kBoth;  // flow mode's own
  EXPECT_THAT(options_needing_restart(running, reloaded), IsEmpty());

  reloaded = WatchOptions{};
  reloaded.classifier.mode = RecordMode::kPacket;
  EXPECT_THAT(options_needing_restart(running, reloaded), ElementsAre("--mode", "--direction"));

  reloaded.direction = Direction::kBoth;
  EXPECT_THAT(options_needing_restart(running, reloaded), ElementsAre("--mode"));
}

}  // namespace
}  // namespace ew
