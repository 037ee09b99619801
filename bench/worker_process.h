// Running this program again as a worker: a fresh process per measurement, started with the
// thread variables of the library it measures, its stdout read back as JSON. A fresh process keeps
// one library's idle thread pool from sharing the cores with another's timed kernel.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace tt::bench {

// The thread variables a measurement's process starts with: the pool of `only` (an --only value)
// sized to `threads` before the process starts (as users run these libraries), every other pool at
// one thread so no idle pool shares the cores.
std::map<std::string, std::string> thread_environment(const std::string& only, int threads);

// Runs this program (/proc/self/exe) with `args`, this environment plus `overrides` (and without
// GOTO_NUM_THREADS); returns its stdout parsed as JSON. Its stderr goes to ours. A worker that
// fails or prints no JSON is a std::runtime_error naming its arguments and exit status.
nlohmann::json run_worker(const std::vector<std::string>& args,
                          const std::map<std::string, std::string>& overrides);

}  // namespace tt::bench
