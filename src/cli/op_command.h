// `tensortune op <name> [shape flags] [run flags]`: builds one operator of the catalogue with the
// naive or default schedule, checks it against a reference and times it. `op --list` prints the
// catalogue.
#pragma once

#include <CLI/CLI.hpp>

#include "src/cli/subcommand.h"

namespace tt::cli {

// Adds `op` (and one sub-subcommand per catalogue operator) to `parent`.
Subcommand add_op_command(CLI::App& parent);

}  // namespace tt::cli
