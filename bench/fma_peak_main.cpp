// fma_peak: prints the host's measured fp32 FMA peak at each thread count (the reference every
// benchmark's fraction of peak is taken against), as text or one JSON object.
//
// Usage: fma_peak [--threads 1,2] [--json] [--run-ms MS] [--repeat N]
#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "bench/fma_peak.h"

namespace {

[[noreturn]] void usage_error(const std::string& message) {
  std::fprintf(
      stderr, "fma_peak: %s\nusage: fma_peak [--threads 1,2] [--json] [--run-ms MS] [--repeat N]\n",
      message.c_str());
  std::exit(2);
}

int positive(const std::string& flag, const std::string& text) {
  try {
    size_t used = 0;
    int value = std::stoi(text, &used);
    if (used == text.size() && value > 0) return value;
  } catch (const std::exception&) {
  }
  usage_error(fmt::format("{} wants a positive integer, not '{}'", flag, text));
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int> threads{1, 2};
  bool json = false;
  tt::bench::FmaPeakOptions options;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage_error(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--json") {
      json = true;
    } else if (arg == "--threads") {
      threads.clear();
      std::stringstream list(value());
      for (std::string item; std::getline(list, item, ',');) threads.push_back(positive(arg, item));
      if (threads.empty()) usage_error("--threads wants a list such as 1,2");
    } else if (arg == "--run-ms") {
      options.run_ms = positive(arg, value());
    } else if (arg == "--repeat") {
      options.repeat = positive(arg, value());
    } else {
      usage_error(fmt::format("unknown argument '{}'", arg));
    }
  }
  nlohmann::json list = nlohmann::json::array();
  for (int t : threads) {
    options.threads = t;
    tt::bench::FmaPeak peak = tt::bench::measure_fma_peak(options);
    if (json) {
      list.push_back({{"threads", t},
                      {"gflops", peak.gflops},
                      {"gflops_per_thread", peak.gflops / t},
                      {"isa", peak.isa},
                      {"vector_bits", peak.vector_bits},
                      {"accumulators", peak.accumulators},
                      {"samples", peak.samples}});
    } else {
      fmt::print(
          "{} thread{}: {:.1f} GFLOP/s fp32 FMA peak ({:.1f} per thread; {}, {} independent "
          "chains)\n",
          t, t == 1 ? "" : "s", peak.gflops, peak.gflops / t, peak.isa, peak.accumulators);
    }
  }
  if (json) fmt::print("{}\n", list.dump(2));
  return 0;
}
