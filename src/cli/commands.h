// The subcommands of `tensortune` other than `op`, each defined in its own file.
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "ir/graph/graph.h"
#include "src/cli/subcommand.h"
#include "src/runtime/layout_choice.h"

namespace tt::cli {

Subcommand add_models_command(CLI::App& parent);   // models_command.cpp
Subcommand add_inspect_command(CLI::App& parent);  // inspect_command.cpp
Subcommand add_run_command(CLI::App& parent);      // run_command.cpp
Subcommand add_tune_command(CLI::App& parent);     // tune_command.cpp
Subcommand add_compare_command(CLI::App& parent);  // compare_command.cpp
Subcommand add_measure_worker_command(CLI::App& parent);  // worker_command.cpp (hidden)
Subcommand add_log_command(CLI::App& parent);      // log_command.cpp

// A duration as the reports print it: "42s", "3m07s", "1h05m"; "?" when not finite (tune_command.cpp).
std::string duration(double seconds);

// A layout conversion of the executor's plan as `run` and `inspect` report it: value, layouts, and
// its cost as replay's layout choice weighed it ("ms", "measured") when the choice has it
// (run_command.cpp); and the line they print for it.
nlohmann::json conversion_json(const graph::Graph& graph, const LayoutConversion& c, const LayoutChoice& choice);
std::string conversion_line(const nlohmann::json& c);

}  // namespace tt::cli
