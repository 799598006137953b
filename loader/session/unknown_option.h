// The line for an option neither program knows, with the nearest known one:
// "unknown option --duraton; did you mean --duration?". Both programs use it.
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ew {

// Every name the app's options answer to: "--mode", "-o", "--output", ...
std::vector<std::string> option_names(const CLI::App& app);

// The first of `arguments` (what CLI11 could not place) that looks like an
// option, without any "=value": "--duraton" for "--duraton=5".
std::optional<std::string> first_unknown_option(const std::vector<std::string>& arguments);

// The name in `known` closest to `typed` by edit distance, when it is close
// enough to be a slip of the keyboard rather than another word; else "".
std::string nearest_option(std::string_view typed, const std::vector<std::string>& known);

// "unknown option --duraton; did you mean --duration?", or without the
// suggestion when no name is near.
std::string unknown_option_message(const std::string& typed, const std::vector<std::string>& known);

// For a CLI11 ExtrasError: the unknown-option line for the first leftover
// argument that looks like an option, or nullopt when the leftovers are only
// extra positionals (CLI11's own words say that well enough).
std::optional<std::string> unknown_option_error(const CLI::App& app);

}  // namespace ew
