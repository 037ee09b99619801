// `tensortune measure-worker`: the hidden subcommand the measurer starts its worker processes with
// (search/measure/worker.h). Not for users, so it is left out of --help (an empty CLI11 group).
#include <CLI/CLI.hpp>

#include "search/measure/worker.h"
#include "src/cli/commands.h"

namespace tt::cli {

Subcommand add_measure_worker_command(CLI::App& parent) {
  CLI::App* app = parent.add_subcommand("measure-worker",
                                        "Measure candidates for a parent tensortune (internal)");
  app->group("");
  return {app, [] { return run_measure_worker(kWorkerInputFd, kWorkerOutputFd); }};
}

}  // namespace tt::cli
