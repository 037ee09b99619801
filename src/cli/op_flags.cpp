// Catalogue operator flags as CLI11 options; see op_flags.h.
#include "src/cli/op_flags.h"

namespace tt::cli {

void add_op_flags(CLI::App* app, const OpSpec& spec, OpFlagValues& values) {
  for (const FlagSpec& flag : spec.flags) {
    std::string name = "--" + flag.name;
    if (flag.kind == FlagKind::Bool) {
      values.switches[flag.name] = false;
      app->add_flag(name, values.switches[flag.name], flag.help);
      continue;
    }
    values.text[flag.name] = flag.default_value;
    const char* type = flag.kind == FlagKind::Int     ? "INT"
                       : flag.kind == FlagKind::Float ? "NUMBER"
                                                      : "INT,...";
    CLI::Option* option = app->add_option(name, values.text[flag.name], flag.help);
    option->type_name(type);
    if (!flag.default_value.empty()) option->default_str(flag.default_value);
  }
}

}  // namespace tt::cli
