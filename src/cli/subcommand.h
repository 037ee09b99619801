// What each `tensortune` subcommand hands main(): its CLI11 app, whose flags are bound to state the
// subcommand owns, and the function main() calls when that subcommand was given on the line.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace tt::cli {

// Exit codes shared by every subcommand (main() turns exceptions into the last two).
inline constexpr int kExitOk = 0;
inline constexpr int kExitWrongResult = 1;  // ran, but an output differs from its reference
inline constexpr int kExitUsage = 2;        // bad arguments or input (UserError, CLI11 errors)
inline constexpr int kExitInternal = 3;     // a bug (InternalError, any other exception)

struct Subcommand {
  CLI::App* app = nullptr;
  std::function<int()> run;  // returns the exit code; throws UserError for bad input
};

}  // namespace tt::cli
