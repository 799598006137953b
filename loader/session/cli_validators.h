// Option checks shared by egresswatch's and egresswatch-bridge's command lines.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <utility>
#include <vector>

namespace ew {

// A number of seconds above 0, finite, and at most 1e9.
const CLI::Validator& seconds_validator();

// "flow or packet", "auto, ringbuf or perf": the words an option takes, for
// its error line.
std::string choice_list(const std::vector<std::string>& words);

// The long name of an option given as "-o,--output": what errors call it.
std::string long_option_name(const std::string& names);

// An option that takes one word of a few ("--mode flow|packet"). Another word
// is refused as "--mode must be flow or packet (got 'packets')". Not CLI11's
// CheckedTransformer: it prints its mapping table in errors and in --help, and
// takes the enum's number ("--mode 0") too.
template <typename T>
CLI::Option* add_choice_option(CLI::App& app, const std::string& names, T& target,
                               std::vector<std::pair<std::string, T>> choices,
                               const std::string& description) {
  std::vector<std::string> words;
  for (const auto& choice : choices)
    words.push_back(choice.first);
  const std::string refusal = long_option_name(names) + " must be " + choice_list(words);
  CLI::Option* option = app.add_option_function<std::string>(
      names,
      [&target, choices, refusal](const std::string& word) {
        for (const auto& [text, value] : choices) {
          if (text == word) {
            target = value;
            return;
          }
        }
        throw CLI::ValidationError(refusal + " (got '" + word + "')");
      },
      description);
  std::string shown;
  for (const auto& word : words)
    shown += (shown.empty() ? "" : "|") + word;
  option->type_name(shown);
  return option;
}

}  // namespace ew
