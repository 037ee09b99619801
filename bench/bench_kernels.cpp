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
//        bench_kernels --only tensortune|openblas|onednn|fma-peak [--threads T] [--workloads ...]
//                      (one measurement per workload and thread count, as JSON: what a round runs)
#include <fcntl.h>
#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

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
#include "codegen/target.h"
#include "ir/error.h"

extern char** environ;

namespace {

using tt::bench::FmaPeak;
using tt::bench::Impl;
using tt::bench::ImplRun;
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
      "[--min-repeat-ms MS] [--threads 1,2] [--workloads matmul,conv1,...] [--same-process]\n"
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

// ---- worker processes ----

// The thread variables a measurement's process starts with: its own runtime's pool sized to the
// thread count before the process starts (as users run these libraries), every other pool at one
// thread so no idle pool shares the cores.
std::map<std::string, std::string> thread_environment(const std::string& only, int threads) {
  std::string t = std::to_string(threads);
  std::map<std::string, std::string> env{{"OMP_NUM_THREADS", "1"}, {"OPENBLAS_NUM_THREADS", "1"}};
  if (only == "openblas") env["OPENBLAS_NUM_THREADS"] = t;
  if (only == "onednn") env["OMP_NUM_THREADS"] = t;
  return env;
}

std::string self_path() {
  char path[4096];
  ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
  if (n <= 0) tt::internal_error("cannot read /proc/self/exe");
  return std::string(path, size_t(n));
}

// Runs this program with `args` and the thread environment; returns its stdout parsed as JSON.
// Its stderr goes to ours. A failed or silent worker is an error with its exit status.
nlohmann::json run_worker(const std::vector<std::string>& args,
                          const std::map<std::string, std::string>& overrides) {
  std::vector<std::string> env_text;
  for (char** e = environ; *e; ++e) {
    std::string entry = *e;
    std::string key = entry.substr(0, entry.find('='));
    if (!overrides.count(key) && key != "GOTO_NUM_THREADS") env_text.push_back(entry);
  }
  for (const auto& [key, value] : overrides) env_text.push_back(key + "=" + value);
  std::vector<char*> envp, argv;
  for (std::string& e : env_text) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<std::string> arg_text{self_path()};
  arg_text.insert(arg_text.end(), args.begin(), args.end());
  for (std::string& a : arg_text) argv.push_back(a.data());
  argv.push_back(nullptr);

  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) tt::internal_error("pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  pid_t pid = 0;
  int spawned = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  if (spawned != 0) {
    close(fds[0]);
    tt::internal_error("cannot start {}: error {}", argv[0], spawned);
  }
  std::string output;
  char buffer[65536];
  for (ssize_t n; (n = read(fds[0], buffer, sizeof buffer)) > 0;) output.append(buffer, size_t(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  std::string command;
  for (const std::string& a : args) command += " " + a;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw std::runtime_error(fmt::format("worker{} failed ({})", command,
                                         WIFSIGNALED(status)
                                             ? fmt::format("signal {}", WTERMSIG(status))
                                             : fmt::format("exit {}", WEXITSTATUS(status))));
  }
  try {
    return nlohmann::json::parse(output);
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(fmt::format("worker{} printed no JSON: {}", command, e.what()));
  }
}

std::vector<std::string> timing_args(const tt::TimingOptions& timing) {
  return {"--repeat", std::to_string(timing.repeat), "--min-repeat-ms",
          fmt::format("{}", timing.min_repeat_ms)};
}

// One measurement of `impl` on `w` at `threads`: in a new process, or here with --same-process.
ImplRun measure_once(const Options& options, Impl impl, const Workload& w, int threads) {
  if (options.same_process) return tt::bench::run_implementation(impl, w, threads, options.timing);
  std::vector<std::string> args{"--only",      tt::bench::impl_id(impl),
                                "--threads",   std::to_string(threads),
                                "--workloads", w.id};
  for (const std::string& a : timing_args(options.timing)) args.push_back(a);
  nlohmann::json j = run_worker(args, thread_environment(tt::bench::impl_id(impl), threads));
  return tt::bench::impl_run_from_json(j.at("runs").at(0));
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

// ---- statistics over rounds ----

double median(std::vector<double> v) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// One workload at one thread count: every implementation's measurement in every round.
struct Cell {
  const Workload* workload = nullptr;
  int threads = 1;
  std::map<Impl, std::vector<ImplRun>> runs;  // by implementation, one per round
  std::vector<std::string> errors;            // workers that failed

  std::vector<double> gflops(Impl impl) const {
    std::vector<double> v;
    auto it = runs.find(impl);
    if (it == runs.end()) return v;
    for (const ImplRun& r : it->second) {
      if (r.measurement) v.push_back(r.measurement->gflops);
    }
    return v;
  }
  double median_gflops(Impl impl) const { return median(gflops(impl)); }
  // tensortune / best peer in each round where both were measured.
  std::vector<double> round_ratios() const {
    std::vector<double> ratios;
    auto tt_runs = runs.find(Impl::Tensortune);
    if (tt_runs == runs.end()) return ratios;
    for (size_t r = 0; r < tt_runs->second.size(); ++r) {
      const ImplRun& mine = tt_runs->second[r];
      if (!mine.measurement) continue;
      double best = NAN;
      for (Impl peer : {Impl::OpenBLAS, Impl::OneDNN}) {
        auto it = runs.find(peer);
        if (it == runs.end() || r >= it->second.size() || !it->second[r].measurement) continue;
        double g = it->second[r].measurement->gflops;
        if (!(g <= best)) best = g;
      }
      if (!std::isnan(best)) ratios.push_back(mine.measurement->gflops / best);
    }
    return ratios;
  }
  bool wrong() const {
    auto it = runs.find(Impl::Tensortune);
    if (it == runs.end()) return false;
    return std::any_of(it->second.begin(), it->second.end(),
                       [](const ImplRun& r) { return r.wrong; });
  }
  std::string check() const {
    auto it = runs.find(Impl::Tensortune);
    if (it == runs.end() || it->second.empty()) return "";
    for (const ImplRun& r : it->second) {
      if (r.wrong) return r.check;
    }
    return it->second.front().check;
  }
  std::string impl_info(Impl impl) const {
    auto it = runs.find(impl);
    return it == runs.end() || it->second.empty() ? "" : it->second.front().impl_info;
  }
  // What the peers ran: oneDNN's implementation name, OpenBLAS's kernel set.
  std::string peer_impls() const {
    std::string text = impl_info(Impl::OneDNN);
    std::string blas = impl_info(Impl::OpenBLAS);
    if (!blas.empty()) text += (text.empty() ? "OpenBLAS " : "; OpenBLAS ") + blas;
    return text;
  }
};

std::string gflops_cell(const Cell& cell, Impl impl, double peak) {
  double g = cell.median_gflops(impl);
  if (std::isnan(g)) return "–";
  return peak > 0 ? fmt::format("{:.1f} ({:.0f}%)", g, 100 * g / peak) : fmt::format("{:.1f}", g);
}

std::string ratio_cell(const Cell& cell) {
  std::vector<double> ratios = cell.round_ratios();
  if (ratios.empty()) return cell.wrong() ? "**WRONG**" : "–";
  auto [lo, hi] = std::minmax_element(ratios.begin(), ratios.end());
  return fmt::format("{:.2f} ({:.2f}–{:.2f})", median(ratios), *lo, *hi);
}

void print_table(const std::vector<Cell>& cells, int threads, double peak) {
  fmt::print("\n### {} thread{}{}\n\n", threads, threads == 1 ? "" : "s",
             peak > 0 ? fmt::format(" (FMA peak {:.1f} GFLOP/s)", peak) : "");
  fmt::print(
      "| workload | tensortune GFLOP/s (% peak) | OpenBLAS GFLOP/s (% peak) | oneDNN GFLOP/s (% "
      "peak) | "
      "tensortune / best peer, median of rounds (range) | tensortune ms | peer implementations "
      "|\n");
  fmt::print("|---|--:|--:|--:|--:|--:|---|\n");
  for (const Cell& cell : cells) {
    if (cell.threads != threads) continue;
    double g = cell.median_gflops(Impl::Tensortune);
    std::string ms = std::isnan(g) ? (cell.wrong() ? "**WRONG**" : "–")
                                   : fmt::format("{:.3f}", double(cell.workload->flops) / g * 1e-6);
    fmt::print("| {} | {} | {} | {} | {} | {} | {} |\n", cell.workload->name,
               gflops_cell(cell, Impl::Tensortune, peak), gflops_cell(cell, Impl::OpenBLAS, peak),
               gflops_cell(cell, Impl::OneDNN, peak), ratio_cell(cell), ms, cell.peer_impls());
  }
}

// How each runtime obeyed the thread setting on the first workload: the threads that did the
// work (load-independent), CPU seconds per wall second, and the speed-up over one thread.
std::vector<std::string> thread_control_report(const std::vector<Cell>& cells) {
  std::vector<std::string> lines;
  if (cells.empty()) return lines;
  const Workload* first = cells.front().workload;
  for (Impl impl : tt::bench::kAllImpls) {
    if (!tt::bench::implements(impl, *first)) continue;
    std::string text = fmt::format("{} on {}:", tt::bench::impl_label(impl), first->name);
    double single = NAN;
    bool suspect = false, any = false;
    for (const Cell& cell : cells) {
      if (cell.workload != first) continue;
      auto it = cell.runs.find(impl);
      if (it == cell.runs.end()) continue;
      std::vector<double> working, share;
      for (const ImplRun& r : it->second) {
        if (!r.measurement) continue;
        working.push_back(r.measurement->working_threads);
        share.push_back(r.measurement->utilization);
        suspect |= r.measurement->working_threads != cell.threads;
      }
      if (working.empty()) continue;
      any = true;
      double g = cell.median_gflops(impl);
      if (cell.threads == 1) single = g;
      text += fmt::format(" {} thread{}: {:.0f} working, {:.2f} CPU s/wall s{};", cell.threads,
                          cell.threads == 1 ? "" : "s", median(working), median(share),
                          cell.threads > 1 && !std::isnan(single)
                              ? fmt::format(", {:.2f}x the 1-thread speed", g / single)
                              : "");
    }
    if (!any) continue;
    if (suspect) text += " <-- SUSPECT: in some round the working threads differ from the setting";
    lines.push_back(text);
  }
  return lines;
}

nlohmann::json cell_json(const Cell& cell, double peak) {
  nlohmann::json impls = nlohmann::json::object();
  for (const auto& [impl, runs] : cell.runs) {
    nlohmann::json rounds = nlohmann::json::array();
    for (const ImplRun& r : runs) rounds.push_back(tt::bench::to_json(r));
    double g = cell.median_gflops(impl);
    impls[tt::bench::impl_id(impl)] = {
        {"median_gflops", std::isnan(g) ? nlohmann::json(nullptr) : nlohmann::json(g)},
        {"fraction_of_peak",
         std::isnan(g) || peak <= 0 ? nlohmann::json(nullptr) : nlohmann::json(g / peak)},
        {"rounds", rounds}};
  }
  std::vector<double> ratios = cell.round_ratios();
  return {{"workload", cell.workload->id},
          {"name", cell.workload->name},
          {"threads", cell.threads},
          {"flops", cell.workload->flops},
          {"implementations", impls},
          {"round_ratios", ratios},
          {"ratio_to_best_peer",
           ratios.empty() ? nlohmann::json(nullptr) : nlohmann::json(median(ratios))},
          {"onednn_impl", cell.impl_info(Impl::OneDNN)},
          {"openblas_impl", cell.impl_info(Impl::OpenBLAS)},
          {"check", cell.check()},
          {"wrong", cell.wrong()},
          {"errors", cell.errors}};
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
      {"threads",
       "tensortune: tt::set_num_threads (oneTBB arena); OpenBLAS: OPENBLAS_NUM_THREADS + "
       "openblas_set_num_threads; oneDNN: OMP_NUM_THREADS + omp_set_num_threads, "
       "primitives created after"});
  header.push_back(
      {"layouts",
       "tensortune and OpenBLAS on row-major / NCHW-OIHW data; oneDNN matmul on row-major "
       "data, oneDNN convolution_direct on the layouts it picks (format_tag::any), reorders "
       "not timed"});
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
            ImplRun run = measure_once(options, impl, *w, threads);
            progress +=
                fmt::format(" {} {}", tt::bench::impl_label(impl),
                            run.measurement ? fmt::format("{:.1f}", run.measurement->gflops) : "–");
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
          "of its cores, so "
          "other processes were competing for the CPU. These figures are noisy, the 2-thread ones "
          "most of all "
          "(OpenMP threads spin-wait for each other; a preempted thread stalls the rest). Re-run "
          "on a quiet "
          "machine.\n",
          worst_threads, worst_share);
    }
    for (int threads : options.threads) print_table(cells, threads, peak_of(threads));
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
