// `tensortune models`: the built-in model zoo, one line per model (or a JSON list).
#include <algorithm>
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "ir/ndarray.h"
#include "src/cli/commands.h"
#include "src/frontend/model_zoo.h"

namespace tt::cli {

Subcommand add_models_command(CLI::App& parent) {
  CLI::App* app = parent.add_subcommand("models", "List the built-in models (run or inspect them by name)");
  auto json = std::make_shared<bool>(false);
  app->add_flag("--json", *json, "Print a JSON list");
  auto run = [json]() -> int {
    std::vector<frontend::ModelInfo> models = frontend::list_models();
    if (*json) {
      nlohmann::json out = nlohmann::json::array();
      for (const frontend::ModelInfo& m : models)
        out.push_back({{"name", m.name}, {"description", m.description}, {"input_shape", m.input_shape},
                       {"parameters", m.num_parameters}});
      fmt::print("{}\n", out.dump(2));
      return kExitOk;
    }
    size_t width = 0;
    for (const frontend::ModelInfo& m : models) width = std::max(width, m.name.size());
    for (const frontend::ModelInfo& m : models)
      fmt::print("{:<{}} {:>12} {:>8} params  {}\n", m.name, width, shape_to_string(m.input_shape),
                 fmt::format("{:.1f}M", double(m.num_parameters) / 1e6), m.description);
    return kExitOk;
  };
  return {app, run};
}

}  // namespace tt::cli
