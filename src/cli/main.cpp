// The tensortune command-line tool: one CLI11 subcommand per file in src/cli/, dispatched here.
// Errors become exit codes in one place: bad input 2 ("error: ..."), bugs 3 ("internal error:
// ...").
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <exception>

#include "ir/error.h"
#include "src/cli/commands.h"
#include "src/cli/op_command.h"
#include "src/cli/subcommand.h"

namespace {

constexpr const char* kVersion = "tensortune 0.1.0";

}  // namespace

int main(int argc, char** argv) {
  using namespace tt::cli;
  CLI::App app("tensortune: a search-based tensor program autotuner", "tensortune");
  app.set_version_flag("--version", kVersion);
  app.require_subcommand(0, 1);
  try {
    // One line per subcommand.
    std::vector<Subcommand> commands = {
        add_op_command(app),
        add_models_command(app),
        add_inspect_command(app),
        add_run_command(app),
        add_tune_command(app),
        add_compare_command(app),
        add_measure_worker_command(app),
        add_log_command(app),
    };
    // Set after the subcommands exist, as they would inherit it: strays are kept only at the top,
    // so that an unknown command name is reported as one.
    app.allow_extras();
    try {
      app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
      // --help and --version are "errors" with exit code 0; every real parse error exits 2 with
      // CLI11's message, worded like our own errors.
      if (e.get_exit_code() == 0) return app.exit(e);
      fmt::print(stderr, "error: {}\nRun with --help for more information.\n", e.what());
      return kExitUsage;
    }
    for (const Subcommand& command : commands)
      if (command.app->parsed()) return command.run();
    std::vector<std::string> extras = app.remaining();
    if (extras.empty()) tt::user_error("missing command; see tensortune --help");
    if (extras.front().starts_with("-"))
      tt::user_error("unexpected argument '{}'; see tensortune --help", extras.front());
    tt::user_error("unknown command '{}'; see tensortune --help", extras.front());
  } catch (const tt::UserError& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return kExitUsage;
  } catch (const std::exception& e) {
    fmt::print(stderr, "internal error: {}\n", e.what());
    return kExitInternal;
  }
}
