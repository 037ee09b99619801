// bench_kernels: tensortune's default-scheduled kernels against library peers on this machine —
// matmul 1024³ against OpenBLAS (cblas_sgemm) and oneDNN (matmul primitive), every distinct
// ResNet-18 convolution (batch 1, NCHW) against oneDNN's convolution_forward — at 1 and 2 threads,
// each against the host's measured FMA peak.
//
// Protocol: rounds. In each round every implementation is timed once, in its own process started
// for that measurement (this program again, with --only), the order rotated from round to round;
// the report gives each implementation's median over rounds and the median of the per-round
// ratios. Separate processes keep one library's thread pool (OpenMP threads spin-waiting, the
// oneTBB arena's workers looking for work) from running beside another's timed kernel: one run with
// all of them in one process measured oneDNN's 1-thread matmul at 79 GFLOP/s where its own process
// got 134–151. --same-process times them all in this process instead, to show that effect.
//
// Usage: bench_kernels [--quick] [--json] [--rounds N] [--repeat N] [--min-repeat-ms MS]
//                      [--threads 1,2] [--workloads matmul,conv1,...] [--same-process]
//                      [--one-policy]
//        bench_kernels --only tensortune|openblas|onednn|fma-peak [--threads T] [--workloads ...]
//                      (one measurement per workload and thread count, as JSON: what a round runs)
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "bench/fma_peak.h"
#include "bench/kernel_peers.h"
#include "bench/kernel_report.h"
#include "bench/worker_process.h"
#include "codegen/target.h"
#include "ir/error.h"

namespace {

using tt::bench::Cell;
using tt::bench::FmaPeak;
using tt::bench::Impl;
using tt::bench::ImplRun;
using tt::bench::median;
using tt::bench::run_worker;
using tt::bench::thread_environment;
using tt::bench::Workload;

// ---- parameters ----

// A measurement whose process got less CPU time than this per wall second and thread shared its
// cores with another process: the report then warns that its figures are noisy.
constexpr double kQuietShare = 0.9;
// Each FMA-peak process runs its loop this many times for this long and reports the median.
constexpr int kPeakRepeat = 3;
constexpr double kPeakRunMs = 100;

struct Options {
  bool quick = false;  // matmul only, fewer rounds and shorter groups
  bool json = false;   // a JSON object on stdout instead of the tables
  bool same_process = false;
  // oneDNN at T > 1 measured twice per round, with libgomp's default wait policy and with
  // OMP_WAIT_POLICY=passive, keeping the faster: its 2-thread convolutions collapse under load
  // with the default spinning, and a peer is measured at its best. Off with --one-policy, and
  // whenever OMP_WAIT_POLICY is given (then that is what runs) or in one process (libgomp reads the
  // policy only at start).
  bool both_policies = true;
  int rounds = 5;
  std::vector<int> threads{1, 2};
  std::vector<std::string> workloads;  // ids; empty = all (matmul only with --quick)
  std::string only;                    // worker mode: the implementation (or "fma-peak") to measure
  // Per measurement (one process): a short warm-up and a few groups; the rounds give the repeats.
  tt::TimingOptions timing{.warmup = 2, .repeat = 3, .min_repeat_ms = 100};
};

[[noreturn]] void usage_error(const std::string& message) {
  std::fprintf(
      stderr,
      "bench_kernels: %s\nusage: bench_kernels [--quick] [--json] [--rounds N] [--repeat N] "
      "[--min-repeat-ms MS] [--threads 1,2] [--workloads matmul,conv1,...] [--same-process] "
      "[--one-policy]\n"
      "       bench_kernels --only tensortune|openblas|onednn|fma-peak [--threads T] [--workloads "
      "...]\n",
      message.c_str());
  std::exit(2);
}

int parse_positive(const std::string& flag, const std::string& text) {
  try {
    size_t used = 0;
    int value = std::stoi(text, &used);
    if (used == text.size() && value > 0) return value;
  } catch (const std::exception&) {
  }
  usage_error(fmt::format("{} wants a positive integer, not '{}'", flag, text));
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> items;
  std::stringstream list(text);
  for (std::string item; std::getline(list, item, ',');) {
    if (!item.empty()) items.push_back(item);
  }
  return items;
}

Options parse_options(int argc, char** argv) {
  Options options;
  bool rounds_given = false, repeat_given = false, min_ms_given = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage_error(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--quick") {
      options.quick = true;
    } else if (arg == "--json") {
      options.json = true;
    } else if (arg == "--one-policy") {
      options.both_policies = false;
    } else if (arg == "--same-process") {
      options.same_process = true;
    } else if (arg == "--rounds") {
      options.rounds = parse_positive(arg, value());
      rounds_given = true;
    } else if (arg == "--repeat") {
      options.timing.repeat = parse_positive(arg, value());
      repeat_given = true;
    } else if (arg == "--min-repeat-ms") {
      options.timing.min_repeat_ms = parse_positive(arg, value());
      min_ms_given = true;
    } else if (arg == "--threads") {
      options.threads.clear();
      for (const std::string& item : split_list(value()))
        options.threads.push_back(parse_positive(arg, item));
      if (options.threads.empty()) usage_error("--threads wants a list such as 1,2");
    } else if (arg == "--workloads") {
      options.workloads = split_list(value());
      for (const std::string& id : options.workloads) {
        if (!tt::bench::find_workload(id)) {
          std::string known;
          for (const Workload& w : tt::bench::workloads()) known += " " + w.id;
          usage_error(fmt::format("--workloads: no workload '{}' (known:{})", id, known));
        }
      }
    } else if (arg == "--only") {
      options.only = value();
      if (options.only != "fma-peak" && !tt::bench::parse_impl(options.only))
        usage_error(fmt::format("--only wants tensortune, openblas, onednn or fma-peak, not '{}'",
                                options.only));
    } else if (arg == "--help" || arg == "-h") {
      usage_error("help");
    } else {
      usage_error(fmt::format("unknown argument '{}'", arg));
    }
  }
  if (options.quick) {
    if (!rounds_given) options.rounds = 3;
    if (!repeat_given) options.timing.repeat = 2;
    if (!min_ms_given) options.timing.min_repeat_ms = 50;
  }
  return options;
}

std::vector<const Workload*> selected_workloads(const Options& options) {
  std::vector<const Workload*> list;
  if (!options.workloads.empty()) {
    for (const std::string& id : options.workloads) list.push_back(tt::bench::find_workload(id));
  } else {
    for (const Workload& w : tt::bench::workloads()) {
      if (!options.quick || w.is_matmul) list.push_back(&w);
    }
  }
  return list;
}

// ---- the machine ----

std::string cpu_model_name() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);) {
    if (line.rfind("model name", 0) == 0) {
      size_t colon = line.find(':');
      return colon == std::string::npos ? line : line.substr(colon + 2);
    }
  }
  return "unknown";
}

std::string utc_now() {
  std::time_t now = std::time(nullptr);
  char text[64];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M UTC", std::gmtime(&now));
  return text;
}

// The 1, 5 and 15 minute load averages: above the core count, other processes share the cores.
std::string load_average() {
  std::ifstream file("/proc/loadavg");
  std::string one, five, fifteen;
  file >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

std::string env_or(const char* name, const char* fallback) {
  const char* value = std::getenv(name);
  return value ? value : fallback;
}

std::vector<std::string> timing_args(const tt::TimingOptions& timing) {
  return {"--repeat", std::to_string(timing.repeat), "--min-repeat-ms",
          fmt::format("{}", timing.min_repeat_ms)};
}

// One measurement of `impl` on `w` at `threads` in round `round`: in a new process, or here with
// --same-process. oneDNN may be measured under both wait policies (see Options::both_policies).
ImplRun measure_once(const Options& options, Impl impl, const Workload& w, int threads, int round) {
  if (options.same_process) return tt::bench::run_implementation(impl, w, threads, options.timing);
  std::vector<std::string> args{"--only",      tt::bench::impl_id(impl),
                                "--threads",   std::to_string(threads),
                                "--workloads", w.id};
  for (const std::string& a : timing_args(options.timing)) args.push_back(a);
  std::map<std::string, std::string> env = thread_environment(tt::bench::impl_id(impl), threads);
  bool both = options.both_policies && impl == Impl::OneDNN && threads > 1 &&
              std::getenv("OMP_WAIT_POLICY") == nullptr;
  if (!both) return tt::bench::impl_run_from_json(run_worker(args, env).at("runs").at(0));
  // The two policies in alternating order from round to round, like the implementations.
  std::vector<std::string> policies{"", "passive"};
  if (round % 2) std::swap(policies[0], policies[1]);
  std::optional<ImplRun> best;
  for (const std::string& policy : policies) {
    std::map<std::string, std::string> policy_env = env;
    if (!policy.empty()) policy_env["OMP_WAIT_POLICY"] = policy;
    ImplRun run = tt::bench::impl_run_from_json(run_worker(args, policy_env).at("runs").at(0));
    if (!policy.empty()) run.impl_info += " (OMP_WAIT_POLICY=passive)";
    bool better = !best || !best->measurement ||
                  (run.measurement && run.measurement->gflops > best->measurement->gflops);
    if (run.wrong || better) best = std::move(run);
    if (best->wrong) break;
  }
  return *best;
}

nlohmann::json peak_json(const FmaPeak& p) {
  return {{"threads", p.threads},
          {"gflops", p.gflops},
          {"isa", p.isa},
          {"vector_bits", p.vector_bits},
          {"accumulators", p.accumulators},
          {"samples", p.samples}};
}

FmaPeak peak_from_json(const nlohmann::json& j) {
  FmaPeak p;
  p.threads = j.at("threads").get<int>();
  p.gflops = j.at("gflops").get<double>();
  p.isa = j.at("isa").get<std::string>();
  p.vector_bits = j.at("vector_bits").get<int>();
  p.accumulators = j.at("accumulators").get<int>();
  p.samples = j.at("samples").get<std::vector<double>>();
  return p;
}

FmaPeak measure_peak_once(const Options& options, int threads) {
  if (options.same_process) return tt::bench::measure_fma_peak({threads, kPeakRunMs, kPeakRepeat});
  nlohmann::json j = run_worker({"--only", "fma-peak", "--threads", std::to_string(threads)},
                                thread_environment("fma-peak", threads));
  return peak_from_json(j.at("peaks").at(0));
}

// Worker mode: measure one implementation on each selected workload at each thread count, in this
// process, and print them as {"runs": [...]} (or {"peaks": [...]}).
int worker_main(const Options& options) {
  nlohmann::json out;
  if (options.only == "fma-peak") {
    out["peaks"] = nlohmann::json::array();
    for (int t : options.threads)
      out["peaks"].push_back(peak_json(tt::bench::measure_fma_peak({t, kPeakRunMs, kPeakRepeat})));
  } else {
    Impl impl = *tt::bench::parse_impl(options.only);
    out["runs"] = nlohmann::json::array();
    for (int t : options.threads) {
      for (const Workload* w : selected_workloads(options)) {
        if (tt::bench::implements(impl, *w))
          out["runs"].push_back(
              tt::bench::to_json(tt::bench::run_implementation(impl, *w, t, options.timing)));
      }
    }
  }
  fmt::print("{}\n", out.dump());
  return 0;
}

int driver_main(const Options& options) {
  tt::Target target = tt::Target::host();
  std::vector<std::pair<std::string, std::string>> header = {
      {"date", utc_now()},
      {"cpu", fmt::format("{} ({} hardware threads)", cpu_model_name(), target.num_cores)},
      {"LLVM host", target.to_string()},
      {"load average at start", load_average()},
  };
  for (const auto& line : tt::bench::peer_descriptions()) header.push_back(line);
  header.push_back(
      {"FMA peak loop", fmt::format("{} (chosen at run time)", tt::bench::fma_peak_isa())});
  header.push_back(
      {"environment given",
       fmt::format("OMP_NUM_THREADS={} OPENBLAS_NUM_THREADS={} OPENBLAS_CORETYPE={} "
                   "OMP_WAIT_POLICY={} GOMP_SPINCOUNT={}",
                   env_or("OMP_NUM_THREADS", "unset"), env_or("OPENBLAS_NUM_THREADS", "unset"),
                   env_or("OPENBLAS_CORETYPE", "unset"), env_or("OMP_WAIT_POLICY", "unset"),
                   env_or("GOMP_SPINCOUNT", "unset"))});
  header.push_back(
      {"protocol",
       fmt::format("{} rounds; in each round every implementation timed once, {}, order rotated "
                   "each round; one "
                   "timing = {} warm-up runs then the median of {} groups each grown to >= {} ms; "
                   "reported: the "
                   "median over rounds, and the median (range) of the per-round ratios tensortune "
                   "/ best peer; "
                   "GFLOP/s = 2·M·N·K or 2·K·OH·OW·C·R·S (padding taps counted) / time",
                   options.rounds,
                   options.same_process
                       ? "all in this one process (--same-process)"
                       : "each in its own new process (OMP_NUM_THREADS / OPENBLAS_NUM_THREADS = T "
                         "for the measured library, 1 for the others, set before it starts)",
                   options.timing.warmup, options.timing.repeat, options.timing.min_repeat_ms)});
  header.push_back(
      {"oneDNN wait policy",
       options.same_process || !options.both_policies || std::getenv("OMP_WAIT_POLICY")
           ? std::string("as given (OMP_WAIT_POLICY=") + env_or("OMP_WAIT_POLICY", "unset") + ")"
           : "above 1 thread measured with libgomp's default and with OMP_WAIT_POLICY=passive in "
             "every round, the faster kept (the implementation column says in how many rounds "
             "passive was faster)"});
  header.push_back(
      {"threads",
       "tensortune: tt::set_num_threads (oneTBB arena); OpenBLAS: OPENBLAS_NUM_THREADS + "
       "openblas_set_num_threads; oneDNN: OMP_NUM_THREADS + omp_set_num_threads, "
       "primitives created after"});
  header.push_back(
      {"layouts",
       "tensortune and OpenBLAS on row-major / NCHW-OIHW data; oneDNN matmul on row-major A and C "
       "with B in the layout it picks, oneDNN convolution_direct on the layouts it picks "
       "(format_tag::any); reorders not timed"});
  std::string blas_weakness =
      tt::bench::openblas_weakness(target.has("avx2"), target.has("avx512f"));
  if (!blas_weakness.empty()) {
    header.push_back({"WARNING", blas_weakness});
    std::fprintf(stderr, "warning: %s\n", blas_weakness.c_str());
  }
  if (!options.json) {
    fmt::print("## tensortune kernel benchmarks\n\n");
    for (const auto& [key, value] : header) fmt::print("- {}: {}\n", key, value);
    std::fflush(stdout);
  }

  std::map<int, std::vector<FmaPeak>> peaks;
  std::vector<Cell> cells;
  std::vector<const Workload*> list = selected_workloads(options);
  for (int threads : options.threads) {
    for (int r = 0; r < options.rounds; ++r) {
      try {
        peaks[threads].push_back(measure_peak_once(options, threads));
        std::fprintf(stderr, "[%d thread%s] FMA peak round %d: %.1f GFLOP/s\n", threads,
                     threads == 1 ? "" : "s", r + 1, peaks[threads].back().gflops);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "FMA peak: %s\n", e.what());
      }
    }
    for (const Workload* w : list) {
      Cell cell;
      cell.workload = w;
      cell.threads = threads;
      std::vector<Impl> impls;
      for (Impl impl : tt::bench::kAllImpls) {
        if (tt::bench::implements(impl, *w)) impls.push_back(impl);
      }
      for (int r = 0; r < options.rounds; ++r) {
        std::string progress;
        for (size_t i = 0; i < impls.size(); ++i) {
          Impl impl = impls[(i + size_t(r)) % impls.size()];
          try {
            ImplRun run = measure_once(options, impl, *w, threads, r);
            progress +=
                fmt::format(" {} {}", tt::bench::impl_label(impl),
                            run.measurement ? fmt::format("{:.1f}", run.measurement->gflops) : "–");
            if (run.wrong && impl != Impl::Tensortune)
              cell.errors.push_back(fmt::format("{}: {}", tt::bench::impl_label(impl), run.check));
            if (run.wrong) {
              std::fprintf(stderr, "%s: %s\n", w->name.c_str(), run.check.c_str());
              if (!run.steps.empty())
                std::fprintf(stderr, "schedule of the wrong kernel:\n%s\n", run.steps.c_str());
            }
            cell.runs[impl].push_back(std::move(run));
          } catch (const std::exception& e) {
            cell.errors.push_back(e.what());
            std::fprintf(stderr, "%s\n", e.what());
          }
        }
        std::fprintf(stderr, "[%d thread%s] %-24s round %d:%s GFLOP/s\n", threads,
                     threads == 1 ? "" : "s", w->name.c_str(), r + 1, progress.c_str());
      }
      cells.push_back(std::move(cell));
    }
  }

  // The peak is a capability, and other load can only slow the loop down: the highest round is
  // the best estimate of it (the implementations, by contrast, report their median round).
  std::map<int, double> peak_gflops;
  for (const auto& [threads, list_of] : peaks) {
    double best = NAN;
    for (const FmaPeak& p : list_of) {
      if (!(p.gflops <= best)) best = p.gflops;
    }
    peak_gflops[threads] = best;
  }
  auto peak_of = [&](int threads) {
    auto it = peak_gflops.find(threads);
    return it == peak_gflops.end() || std::isnan(it->second) ? 0.0 : it->second;
  };
  std::vector<std::string> thread_report = thread_control_report(cells);
  for (const std::string& line : thread_report)
    std::fprintf(stderr, "thread control: %s\n", line.c_str());
  bool any_wrong = std::any_of(cells.begin(), cells.end(), [](const Cell& c) { return c.wrong(); });
  bool any_error =
      std::any_of(cells.begin(), cells.end(), [](const Cell& c) { return !c.errors.empty(); });

  if (options.json) {
    nlohmann::json meta = nlohmann::json::object();
    for (const auto& [key, value] : header) meta[key] = value;
    meta["load average at end"] = load_average();
    nlohmann::json peak_list = nlohmann::json::array();
    for (const auto& [threads, list_of] : peaks) {
      nlohmann::json rounds = nlohmann::json::array();
      for (const FmaPeak& p : list_of) rounds.push_back(peak_json(p));
      peak_list.push_back({{"threads", threads}, {"gflops", peak_of(threads)}, {"rounds", rounds}});
    }
    nlohmann::json results = nlohmann::json::array();
    for (const Cell& cell : cells) results.push_back(cell_json(cell, peak_of(cell.threads)));
    fmt::print("{}\n", nlohmann::json{{"meta", meta},
                                      {"fma_peak", peak_list},
                                      {"thread_control", thread_report},
                                      {"results", results}}
                           .dump(2));
  } else {
    fmt::print("- FMA peak (highest of {} rounds, each the median of {} runs):", options.rounds,
               kPeakRepeat);
    for (const auto& [threads, g] : peak_gflops)
      fmt::print(" {} thread{} {:.1f} GFLOP/s;", threads, threads == 1 ? "" : "s", g);
    fmt::print("\n");
    // The share of its cores a measurement got is a direct measure of competing load.
    double worst_share = 1;
    int worst_threads = 1;
    for (const Cell& cell : cells) {
      for (const auto& [impl, runs] : cell.runs) {
        for (const ImplRun& r : runs) {
          if (r.measurement && r.measurement->utilization / cell.threads < worst_share) {
            worst_share = r.measurement->utilization / cell.threads;
            worst_threads = cell.threads;
          }
        }
      }
    }
    if (worst_share < kQuietShare) {
      fmt::print(
          "\n**Warning: the machine was busy** — a {}-thread measurement got as little as {:.2f} "
          "of its cores, so other processes were competing for the CPU. These figures are noisy, "
          "oneDNN's 2-thread ones most of all: libgomp's threads spin-wait for each other, and a "
          "preempted one stalls the rest (on a loaded 2-core machine its 1x1 convolutions fell "
          "below 2 GFLOP/s, and to 32-91 with OMP_WAIT_POLICY=passive). Re-run on a quiet machine; "
          "where there is none, run with OMP_WAIT_POLICY=passive as well and quote oneDNN's "
          "better figure.\n",
          worst_threads, worst_share);
    }
    for (int threads : options.threads) print_table(cells, threads, peak_of(threads));
    // Nothing runs above the FMA peak: a share above it means the peak loop itself was slowed.
    for (const Cell& cell : cells) {
      double peak = peak_of(cell.threads);
      bool above = false;
      for (Impl impl : tt::bench::kAllImpls) above |= peak > 0 && cell.median_gflops(impl) > peak;
      if (above) {
        fmt::print(
            "\n**Warning: some figures exceed the measured FMA peak** ({} at {} thread(s)): the "
            "peak loop ran "
            "while the machine was busy, so the shares of the peak are too high. Re-run on a quiet "
            "machine.\n",
            cell.workload->name, cell.threads);
        break;
      }
    }
    fmt::print(
        "\nCells: median GFLOP/s over rounds (its share of the FMA peak at that thread count); the "
        "ratio is the "
        "median over rounds of tensortune / the best peer of the same round, with the lowest and "
        "highest.\n");
    fmt::print(
        "Correctness: tensortune's output checked against OpenBLAS (matmul) or oneDNN (conv, "
        "reordered to NCHW), "
        "computed at one thread in the same process before timing, in every round; a wrong kernel "
        "reports no "
        "number.\n");
    for (const Cell& cell : cells) {
      if (cell.wrong())
        fmt::print("- {} at {} thread(s): {}\n", cell.workload->name, cell.threads, cell.check());
      for (const std::string& e : cell.errors)
        fmt::print("- {} at {} thread(s): **{}**\n", cell.workload->name, cell.threads, e);
    }
    fmt::print("\nLoad average at the end: {}.\n", load_average());
    if (!thread_report.empty()) {
      fmt::print(
          "\nThread control (threads that did the work while timed, medians over rounds):\n\n");
      for (const std::string& line : thread_report) fmt::print("- {}\n", line);
    }
  }
  return any_wrong || any_error ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options options = parse_options(argc, argv);
  try {
    return options.only.empty() ? driver_main(options) : worker_main(options);
  } catch (const tt::UserError& e) {
    std::fprintf(stderr, "bench_kernels: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_kernels: %s\n", e.what());
    return 1;
  }
}
