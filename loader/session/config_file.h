// `--config FILE`: a JSON object whose keys are the long option names
// ({"include": ["192.0.2.0/24"], "stats-interval": 10, "interfaces": ["eth0"]}).
// A CLI11 config formatter, so the file and the flags go through one parser:
// the same checks, and a flag on the command line wins over the file.
#pragma once

#include <CLI/CLI.hpp>

#include <istream>
#include <string>
#include <vector>

namespace ew {

class JsonConfig : public CLI::Config {
 public:
  std::string to_config(const CLI::App* app, bool default_also, bool write_description,
                        std::string prefix) const override;
  std::vector<CLI::ConfigItem> from_config(std::istream& input) const override;
};

}  // namespace ew
