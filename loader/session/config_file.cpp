#include "session/config_file.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <iterator>
#include <string>

namespace ew {
namespace {

std::string scalar_text(const std::string& key, const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::string:
      return value.get<std::string>();
    case nlohmann::json::value_t::boolean:
      return value.get<bool>() ? "true" : "false";
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
      return value.dump();
    case nlohmann::json::value_t::number_float: {
      // JSON has one number type: 1024.0 (as Python writes floats) or 1e12
      // is a whole number and must reach integer options as one.
      const double number = value.get<double>();
      if (std::nearbyint(number) == number && std::fabs(number) < 9.0e15) {
        return std::to_string(static_cast<long long>(number));
      }
      return value.dump();
    }
    default:
      throw CLI::ConversionError("config key '" + key +
                                 "': expected a string, number or boolean, " + "got " +
                                 value.type_name());
  }
}

}  // namespace

std::string JsonConfig::to_config(const CLI::App* app, bool default_also, bool, std::string) const {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (const CLI::Option* opt : app->get_options()) {
    if (opt->get_lnames().empty() || opt->get_configurable() == false) continue;
    const std::string name = opt->get_lnames().front();
    if (name == "help" || name == "version" || name == "config") continue;
    std::vector<std::string> values = opt->reduced_results();
    if (values.empty() && default_also && !opt->get_default_str().empty()) {
      values.push_back(opt->get_default_str());
    }
    if (values.empty()) continue;
    if (opt->get_expected_max() > 1) {
      out[name] = values;
    } else {
      out[name] = values.front();
    }
  }
  return out.dump(2) + "\n";
}

std::vector<CLI::ConfigItem> JsonConfig::from_config(std::istream& input) const {
  nlohmann::json document;
  try {
    document = nlohmann::json::parse(std::istreambuf_iterator<char>(input),
                                     std::istreambuf_iterator<char>());
  } catch (const nlohmann::json::exception& e) {
    // parse_error, and out_of_range for a number past a double (1e400).
    throw CLI::ConversionError(std::string("config file is not valid JSON: ") + e.what());
  }
  if (!document.is_object()) throw CLI::ConversionError("config file: expected a JSON object");

  std::vector<CLI::ConfigItem> parsed;
  for (const auto& [key, value] : document.items()) {
    CLI::ConfigItem item;
    item.name = key;
    if (value.is_array()) {
      for (const auto& element : value)
        item.inputs.push_back(scalar_text(key, element));
      // An empty list sets nothing, the same as leaving the key out.
      if (item.inputs.empty()) continue;
    } else {
      item.inputs.push_back(scalar_text(key, value));
    }
    parsed.push_back(std::move(item));
  }
  return parsed;
}

}  // namespace ew
