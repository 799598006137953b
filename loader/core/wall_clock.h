// Record timestamps: the classifier stamps CLOCK_MONOTONIC (bpf_ktime_get_ns);
// people want wall-clock time. The offset is re-read before each batch so an
// NTP step shows up in the next batch, not never.
#pragma once

#include <climits>
#include <cstdint>
#include <string>

namespace ew {

class WallClock {
 public:
  WallClock() { resync(); }
  void resync();
  // Saturates at the largest time (in 2262): a record's time comes from
  // outside, and a corrupt one must not overflow.
  int64_t to_wall_ns(uint64_t monotonic_ns) const {
    const int64_t monotonic =
        monotonic_ns > uint64_t{INT64_MAX} ? INT64_MAX : static_cast<int64_t>(monotonic_ns);
    int64_t wall = 0;
    if (__builtin_add_overflow(monotonic, offset_ns_, &wall)) return INT64_MAX;
    return wall;
  }
  static int64_t now_ns();
  // CLOCK_MONOTONIC, the classifier's clock.
  static uint64_t monotonic_ns();

 private:
  int64_t offset_ns_ = 0;
};

// RFC 3339 UTC with nanoseconds: 2026-11-21T22:33:58.123456789Z. Keeps the
// formatted date of the last day and writes the time of day by hand: a
// conversation's line holds times from different seconds (its first packet,
// its last, now), and a date formatted again for each was a tenth of the
// lines' cost at exit.
class Rfc3339Formatter {
 public:
  // Replaces out's contents (30 characters for years 0000-9999).
  void format(int64_t wall_ns, std::string& out);

  // Writes the time at `out`, which must have room for kMaxSize characters,
  // and returns where it ends: the JSON encoder writes straight into its line.
  // Nanoseconds since the epoch in 64 bits reach years 1677 to 2262 only: 30
  // characters; room for a few more costs nothing.
  static constexpr size_t kMaxSize = 34;
  char* write(int64_t wall_ns, char* out);

 private:
  int64_t cached_day_ = INT64_MIN;
  char cached_date_[24] = {};  // "YYYY-MM-DDT"
  size_t cached_date_size_ = 0;
};

// For a person reading --format text: local time (the TZ variable, as
// tcpdump and ls use) with the date, milliseconds and the zone's offset, so
// a line read later or elsewhere is never ambiguous:
// "2026-11-21 23:33:58.123+01:00". Cached per second like the above, which
// also picks up a change of offset (daylight saving) at the second it happens.
class LocalTimeFormatter {
 public:
  // Replaces out's contents (29 characters for years 0000-9999).
  void format(int64_t wall_ns, std::string& out);

 private:
  int64_t cached_second_ = INT64_MIN;
  char cached_date_[24] = {};  // "YYYY-MM-DD HH:MM:SS"
  char cached_zone_[8] = {};   // "+HH:MM"
};

}  // namespace ew
