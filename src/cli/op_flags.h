// The shape and attribute flags of catalogue operators as CLI11 options, shared by the commands that
// take an operator on the line (`op <name>`, `tune op <name>`): each operator is a sub-subcommand
// whose flags are exactly its catalogue flags.
#pragma once

#include <CLI/CLI.hpp>
#include <map>
#include <string>

#include "src/cli/op_catalog.h"

namespace tt::cli {

// The text of one operator's flags as CLI11 fills it in.
struct OpFlagValues {
  std::map<std::string, std::string> text;
  std::map<std::string, bool> switches;

  OpArgs args(const OpSpec& spec) const { return OpArgs(&spec.flags, text, switches); }
};

// Adds the operator's flags to `app`, bound to `values` (which must outlive the parse).
void add_op_flags(CLI::App* app, const OpSpec& spec, OpFlagValues& values);

}  // namespace tt::cli
