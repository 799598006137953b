// Sets TZ for one test and puts the old value back: what local time means to
// localtime_r is process-wide, so a test that checks local times sets it
// rather than depending on the machine's zone.
#pragma once

#include <time.h>

#include <cstdlib>
#include <optional>
#include <string>

namespace ew::testing {

class ScopedTimeZone {
 public:
  explicit ScopedTimeZone(const char* tz) {
    if (const char* old = std::getenv("TZ")) old_ = old;
    setenv("TZ", tz, 1);
    tzset();
  }
  ScopedTimeZone(const ScopedTimeZone&) = delete;
  ScopedTimeZone& operator=(const ScopedTimeZone&) = delete;
  ~ScopedTimeZone() {
    if (old_) {
      setenv("TZ", old_->c_str(), 1);
    } else {
      unsetenv("TZ");
    }
    tzset();
  }

 private:
  std::optional<std::string> old_;
};

}  // namespace ew::testing
