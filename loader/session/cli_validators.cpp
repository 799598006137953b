#include "session/cli_validators.h"

#include <cmath>

namespace ew {

const CLI::Validator& seconds_validator() {
  // Positive, finite and at most about 31 years: NaN would mean "never", and
  // larger values overflow the timers.
  static const CLI::Validator validator(
      [](std::string& text) -> std::string {
        double value = 0;
        try {
          size_t used = 0;
          value = std::stod(text, &used);
          if (used != text.size()) return "'" + text + "' is not a number of seconds";
        } catch (const std::exception&) {
          return "'" + text + "' is not a number of seconds";
        }
        if (!std::isfinite(value) || value <= 0 || value > 1e9) {
          return "'" + text + "' must be a number of seconds above 0 and at most 1e9";
        }
        return {};
      },
      // No description: CLI11 would print it after the type name (SECONDS:SECONDS).
      "");
  return validator;
}

std::string choice_list(const std::vector<std::string>& words) {
  std::string list;
  for (size_t i = 0; i < words.size(); i++) {
    if (i > 0) list += i + 1 == words.size() ? " or " : ", ";
    list += words[i];
  }
  return list;
}

std::string long_option_name(const std::string& names) {
  return names.substr(names.rfind(',') + 1);
}

}  // namespace ew
