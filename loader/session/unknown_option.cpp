#include "session/unknown_option.h"

#include <algorithm>
#include <cctype>

namespace ew {
namespace {

std::string_view without_dashes(std::string_view name) {
  while (!name.empty() && name.front() == '-')
    name.remove_prefix(1);
  return name;
}

// Optimal string alignment distance: a swapped pair of letters, the commonest
// slip, costs one like a missing or extra letter.
size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); i++)
    d[i][0] = i;
  for (size_t j = 0; j <= b.size(); j++)
    d[0][j] = j;
  for (size_t i = 1; i <= a.size(); i++) {
    for (size_t j = 1; j <= b.size(); j++) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

}  // namespace

std::vector<std::string> option_names(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::Option* option : app.get_options()) {
    for (const auto& s : option->get_snames())
      names.push_back("-" + s);
    for (const auto& l : option->get_lnames())
      names.push_back("--" + l);
  }
  return names;
}

std::optional<std::string> first_unknown_option(const std::vector<std::string>& arguments) {
  for (const auto& argument : arguments) {
    // "-" alone is a value (stdin), and so is a negative number.
    if (argument.size() < 2 || argument[0] != '-') continue;
    if (argument[1] != '-' && (std::isdigit(static_cast<unsigned char>(argument[1])) != 0)) {
      continue;
    }
    return argument.substr(0, argument.find('='));
  }
  return std::nullopt;
}

std::string nearest_option(std::string_view typed, const std::vector<std::string>& known) {
  const std::string_view word = without_dashes(typed);
  std::string best;
  size_t best_distance = 0;
  for (const auto& name : known) {
    const size_t distance = edit_distance(word, without_dashes(name));
    if (best.empty() || distance < best_distance) {
      best = name;
      best_distance = distance;
    }
  }
  // Two slips at most, and fewer than a third of the letters: "--mod" is
  // --mode, but "-x" is not -v.
  if (best.empty() || best_distance > 2 || best_distance * 3 > word.size()) return {};
  return best;
}

std::string unknown_option_message(const std::string& typed,
                                   const std::vector<std::string>& known) {
  std::string message = "unknown option " + typed;
  if (const std::string near = nearest_option(typed, known); !near.empty()) {
    message += "; did you mean " + near + "?";
  }
  return message;
}

std::optional<std::string> unknown_option_error(const CLI::App& app) {
  const auto typed = first_unknown_option(app.remaining(true));
  if (!typed) return std::nullopt;
  return unknown_option_message(*typed, option_names(app));
}

}  // namespace ew
