// bench_kernels: tensortune's default-scheduled kernels against library peers on this machine —
// matmul 1024³ against OpenBLAS (cblas_sgemm) and oneDNN (matmul primitive), and every distinct
// ResNet-18 convolution (batch 1, NCHW) against oneDNN's convolution_forward — at 1 and 2 threads.
// All peers run in the same process with the same timing protocol (tt::time_function), and
// tensortune's output is checked against a peer's before its time is reported.
//
// Usage: bench_kernels [--quick] [--json] [--repeat N] [--min-repeat-ms MS] [--threads 1,2]
#include <cblas.h>
#include <fmt/format.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <oneapi/dnnl/dnnl.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include "codegen/jit.h"
#include "codegen/runtime.h"
#include "codegen/target.h"
#include "ir/compare.h"
#include "ir/error.h"
#include "ir/schedule/default_schedule.h"
#include "ir/schedule/step.h"
#include "ir/te/ops.h"
#include "ir/te/tensor.h"
#include "search/measure/build.h"
#include "search/measure/timer.h"

namespace {

using tt::NDArray;
using tt::Tensor;

// ---- parameters ----

// Tolerance of the correctness check of tensortune's output against a peer's (numpy.allclose
// rule). Both sides accumulate in float32 in different orders, so exact equality is not expected.
constexpr double kCheckRtol = 1e-3;
constexpr double kCheckAtol = 1e-4;
constexpr uint64_t kInputSeed = 2026;
// A 1-thread run that gets less CPU time than this per wall second shared its core with another
// process: the report then warns that its figures are noisy.
constexpr double kQuietShare = 0.9;

struct Options {
  bool quick = false;  // matmul only, fewer and shorter groups
  bool json = false;   // a JSON list on stdout instead of the tables
  std::vector<int> threads{1, 2};
  tt::TimingOptions timing{.warmup = 2, .repeat = 5, .min_repeat_ms = 200};
};

[[noreturn]] void usage_error(const std::string& message) {
  std::fprintf(stderr,
               "bench_kernels: %s\nusage: bench_kernels [--quick] [--json] [--repeat N] "
               "[--min-repeat-ms MS] [--threads 1,2]\n",
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

Options parse_options(int argc, char** argv) {
  Options options;
  bool repeat_given = false, min_ms_given = false;
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
    } else if (arg == "--repeat") {
      options.timing.repeat = parse_positive(arg, value());
      repeat_given = true;
    } else if (arg == "--min-repeat-ms") {
      options.timing.min_repeat_ms = parse_positive(arg, value());
      min_ms_given = true;
    } else if (arg == "--threads") {
      options.threads.clear();
      std::stringstream list(value());
      for (std::string item; std::getline(list, item, ',');)
        options.threads.push_back(parse_positive(arg, item));
      if (options.threads.empty()) usage_error("--threads wants a list such as 1,2");
    } else if (arg == "--help" || arg == "-h") {
      usage_error("help");
    } else {
      usage_error(fmt::format("unknown argument '{}'", arg));
    }
  }
  if (options.quick) {
    if (!repeat_given) options.timing.repeat = 3;
    if (!min_ms_given) options.timing.min_repeat_ms = 100;
  }
  return options;
}

// ---- the machine and the peers ----

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

std::string trim(std::string text) {
  size_t begin = text.find_first_not_of(' '), end = text.find_last_not_of(' ');
  return begin == std::string::npos ? "" : text.substr(begin, end - begin + 1);
}

// The 1, 5 and 15 minute load averages: above the core count, other processes share the cores and
// the figures below are noisy (2-thread OpenMP runs the most: idle threads spin while waiting).
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

std::string onednn_isa_name(dnnl::cpu_isa isa) {
  switch (isa) {
    case dnnl::cpu_isa::sse41:
      return "sse41";
    case dnnl::cpu_isa::avx:
      return "avx";
    case dnnl::cpu_isa::avx2:
      return "avx2";
    case dnnl::cpu_isa::avx2_vnni:
      return "avx2_vnni";
    case dnnl::cpu_isa::avx512_core:
      return "avx512_core";
    case dnnl::cpu_isa::avx512_core_vnni:
      return "avx512_core_vnni";
    case dnnl::cpu_isa::avx512_core_bf16:
      return "avx512_core_bf16";
    case dnnl::cpu_isa::avx512_core_amx:
      return "avx512_core_amx";
    default:
      return "other";
  }
}

// Every runtime's thread count at once: tensortune's oneTBB arena, OpenBLAS's pthreads pool and
// the OpenMP pool oneDNN runs on (Debian builds oneDNN with DNNL_CPU_RUNTIME=OMP, checked below).
void set_all_threads(int n) {
  tt::set_num_threads(n);
  openblas_set_num_threads(n);
  omp_set_num_threads(n);
}

// ---- timing ----

struct Measurement {
  double median_s = NAN;
  double gflops = NAN;
  // Process CPU seconds per wall second over the whole time_function call (warm-up included).
  // Below the thread count when other processes take cores.
  double utilization = NAN;
  // The threads of this process that ran at least a quarter as long as the busiest one during the
  // call: the check that a runtime obeyed the thread setting, independent of machine load.
  int working_threads = 0;
  int number = 0;
  bool measured() const { return !std::isnan(median_s); }
};

double seconds(clockid_t clock) {
  timespec ts;
  clock_gettime(clock, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

// Nanoseconds each thread of this process has run on a CPU (/proc/self/task/*/schedstat).
std::map<std::string, double> thread_run_times() {
  std::map<std::string, double> times;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/task", error)) {
    std::ifstream schedstat(entry.path() / "schedstat");
    double run_ns = 0;
    if (schedstat >> run_ns) times[entry.path().filename().string()] = run_ns;
  }
  return times;
}

int count_working_threads(const std::map<std::string, double>& before,
                          const std::map<std::string, double>& after) {
  std::vector<double> deltas;
  for (const auto& [tid, ns] : after) {
    auto it = before.find(tid);
    deltas.push_back(ns - (it == before.end() ? 0 : it->second));
  }
  double busiest = deltas.empty() ? 0 : *std::max_element(deltas.begin(), deltas.end());
  return int(
      std::count_if(deltas.begin(), deltas.end(), [&](double d) { return d >= 0.25 * busiest; }));
}

Measurement measure(const std::function<void()>& run, int64_t flops,
                    const tt::TimingOptions& timing) {
  std::map<std::string, double> threads0 = thread_run_times();
  double wall0 = seconds(CLOCK_MONOTONIC), cpu0 = seconds(CLOCK_PROCESS_CPUTIME_ID);
  tt::TimingResult result = tt::time_function(run, timing);
  double wall = seconds(CLOCK_MONOTONIC) - wall0, cpu = seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
  Measurement m;
  m.working_threads = count_working_threads(threads0, thread_run_times());
  m.median_s = result.median_s;
  m.gflops = double(flops) / result.median_s * 1e-9;
  m.utilization = cpu / wall;
  m.number = result.number;
  return m;
}

// ---- workloads ----

struct ConvLayer {
  std::string name;
  int64_t in_channels, size, out_channels, kernel, stride, pad;
};

// The distinct convolutions of ResNet-18 (torchvision), batch 1, NCHW, square inputs.
const std::vector<ConvLayer>& resnet18_convs() {
  static const std::vector<ConvLayer> layers = {
      {"conv1 7x7/2 3->64 @224", 3, 224, 64, 7, 2, 3},
      {"3x3 64->64 @56", 64, 56, 64, 3, 1, 1},
      {"3x3/2 64->128 @56", 64, 56, 128, 3, 2, 1},
      {"1x1/2 64->128 @56", 64, 56, 128, 1, 2, 0},
      {"3x3 128->128 @28", 128, 28, 128, 3, 1, 1},
      {"3x3/2 128->256 @28", 128, 28, 256, 3, 2, 1},
      {"1x1/2 128->256 @28", 128, 28, 256, 1, 2, 0},
      {"3x3 256->256 @14", 256, 14, 256, 3, 1, 1},
      {"3x3/2 256->512 @14", 256, 14, 512, 3, 2, 1},
      {"1x1/2 256->512 @14", 256, 14, 512, 1, 2, 0},
      {"3x3 512->512 @7", 512, 7, 512, 3, 1, 1},
  };
  return layers;
}

// One row of a table: a workload at one thread count, each implementation's measurement, and the
// outcome of the correctness check (tensortune's time is reported only when it passed).
struct Row {
  std::string workload;
  int threads = 1;
  int64_t flops = 0;
  std::optional<Measurement> tensortune, openblas, onednn;
  std::string onednn_impl;
  std::string check;  // "ok (...)" or "WRONG: ..." or "error: ..."
  bool wrong = false;
  // The tensortune schedule's steps, printed only for a wrong kernel so the failure can be
  // replayed.
  std::string steps;

  double best_peer() const {
    double best = NAN;
    for (const auto& m : {openblas, onednn}) {
      if (m && m->measured() && !(m->gflops <= best)) best = m->gflops;
    }
    return best;
  }
};

// A tensortune kernel for `outputs` with its default schedule at `threads`, its argument pointers
// in parameter order (matched by buffer name), and its output array.
struct TensortuneKernel {
  tt::BuiltKernel built;
  std::vector<void*> args;
  NDArray output;
  std::string steps;
};

TensortuneKernel build_tensortune(tt::KernelCompiler& compiler, const std::string& name,
                                  const Tensor& output,
                                  const std::vector<std::pair<Tensor, NDArray*>>& inputs,
                                  int threads) {
  std::vector<tt::Step> steps =
      tt::default_schedule({output}, tt::hardware_params(compiler.target(), threads));
  TensortuneKernel k{tt::build_kernel({output}, steps, compiler, name),
                     {},
                     NDArray(output.shape(), output.dtype()),
                     {}};
  for (const tt::Step& step : steps) k.steps += tt::to_string(step) + "\n";
  for (const tt::Buffer& param : k.built.kernel.params()) {
    void* pointer = nullptr;
    if (param->name == output.name()) pointer = k.output.data();
    for (const auto& [tensor, array] : inputs) {
      if (param->name == tensor.name()) pointer = array->data();
    }
    TT_ASSERT(pointer != nullptr, "kernel parameter '{}' matches no tensor", param->name);
    k.args.push_back(pointer);
  }
  return k;
}

// Runs the tensortune kernel once and compares its output with the peer's; fills row.check.
bool check_tensortune(TensortuneKernel& k, const NDArray& expected, const std::string& peer,
                      Row& row) {
  k.built.kernel.run_raw(k.args);
  tt::CompareResult result = tt::compare(k.output, expected, kCheckRtol, kCheckAtol);
  row.wrong = !result.ok;
  row.check = (result.ok ? "" : "WRONG: ") + result.describe() + " vs " + peer;
  if (!result.ok) row.steps = k.steps;
  return result.ok;
}

Row bench_matmul(tt::KernelCompiler& compiler, dnnl::engine& engine, int64_t m, int64_t n,
                 int64_t k, int threads, const tt::TimingOptions& timing) {
  Row row;
  row.workload = fmt::format("matmul {}x{}x{}", m, n, k);
  row.threads = threads;
  row.flops = 2 * m * n * k;

  Tensor a = tt::placeholder({m, k}, tt::DType::float32(), "A");
  Tensor b = tt::placeholder({k, n}, tt::DType::float32(), "B");
  Tensor c = tt::ops::matmul(a, b);
  std::vector<NDArray> values = tt::random_inputs({a, b}, kInputSeed);
  float* pa = values[0].as<float>();
  float* pb = values[1].as<float>();

  // OpenBLAS: row-major C = A·B, packing inside the call.
  NDArray c_blas({m, n}, tt::DType::float32());
  float* pc = c_blas.as<float>();
  auto run_blas = [&] {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, int(m), int(n), int(k), 1.0f, pa, int(k),
                pb, int(n), 0.0f, pc, int(n));
  };
  run_blas();

  // oneDNN: the matmul primitive on the same row-major arrays (plain layouts, as OpenBLAS sees
  // them). Created after the thread count is set: oneDNN sizes its work split at creation.
  using tag = dnnl::memory::format_tag;
  using dt = dnnl::memory::data_type;
  dnnl::memory::desc a_md({m, k}, dt::f32, tag::ab), b_md({k, n}, dt::f32, tag::ab),
      c_md({m, n}, dt::f32, tag::ab);
  dnnl::matmul::primitive_desc matmul_pd(dnnl::matmul::desc(a_md, b_md, c_md), engine);
  row.onednn_impl = matmul_pd.impl_info_str();
  NDArray c_dnnl({m, n}, tt::DType::float32());
  dnnl::memory a_mem(a_md, engine, pa), b_mem(b_md, engine, pb), c_mem(c_md, engine, c_dnnl.data());
  dnnl::matmul matmul(matmul_pd);
  dnnl::stream stream(engine);
  std::unordered_map<int, dnnl::memory> args{
      {DNNL_ARG_SRC, a_mem}, {DNNL_ARG_WEIGHTS, b_mem}, {DNNL_ARG_DST, c_mem}};
  auto run_dnnl = [&] {
    matmul.execute(stream, args);
    stream.wait();
  };
  run_dnnl();
  tt::CompareResult peers = tt::compare(c_dnnl, c_blas, kCheckRtol, kCheckAtol);
  if (!peers.ok)
    std::fprintf(stderr, "warning: %s: oneDNN and OpenBLAS disagree: %s\n", row.workload.c_str(),
                 peers.describe().c_str());

  try {
    TensortuneKernel kernel =
        build_tensortune(compiler, "matmul", c, {{a, &values[0]}, {b, &values[1]}}, threads);
    if (check_tensortune(kernel, c_blas, "OpenBLAS", row)) {
      auto fn = kernel.built.kernel.packed_function();
      row.tensortune = measure([&] { fn(kernel.args.data()); }, row.flops, timing);
    }
  } catch (const std::exception& e) {
    row.check = std::string("error: ") + e.what();
    row.wrong = true;
  }
  row.openblas = measure(run_blas, row.flops, timing);
  row.onednn = measure(run_dnnl, row.flops, timing);
  return row;
}

Row bench_conv(tt::KernelCompiler& compiler, dnnl::engine& engine, const ConvLayer& layer,
               int threads, const tt::TimingOptions& timing) {
  const int64_t n = 1, c = layer.in_channels, h = layer.size, kc = layer.out_channels,
                r = layer.kernel;
  const int64_t oh = (h + 2 * layer.pad - r) / layer.stride + 1;
  Row row;
  row.workload = layer.name;
  row.threads = threads;
  row.flops = 2 * n * kc * oh * oh * c * r * r;  // every tap, padding included

  Tensor input = tt::placeholder({n, c, h, h}, tt::DType::float32(), "input");
  Tensor weight = tt::placeholder({kc, c, r, r}, tt::DType::float32(), "weight");
  tt::ops::Conv2dParams params;
  params.stride = {layer.stride, layer.stride};
  params.padding = {layer.pad, layer.pad, layer.pad, layer.pad};
  Tensor output = tt::ops::conv2d(input, weight, params);
  TT_ASSERT(output.shape() == (std::vector<int64_t>{n, kc, oh, oh}), "conv2d output {}",
            tt::shape_to_string(output.shape()));
  std::vector<NDArray> values = tt::random_inputs({input, weight}, kInputSeed);

  // oneDNN picks its own layouts (format_tag::any: blocked or channels-last, whatever its fastest
  // implementation wants); the reorders from and to NCHW/OIHW happen outside the timed region.
  using tag = dnnl::memory::format_tag;
  using dt = dnnl::memory::data_type;
  dnnl::memory::dims src_dims{n, c, h, h}, wei_dims{kc, c, r, r}, dst_dims{n, kc, oh, oh};
  dnnl::memory::dims strides{layer.stride, layer.stride}, pad{layer.pad, layer.pad};
  dnnl::convolution_forward::desc conv_desc(
      dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
      dnnl::memory::desc(src_dims, dt::f32, tag::any),
      dnnl::memory::desc(wei_dims, dt::f32, tag::any),
      dnnl::memory::desc(dst_dims, dt::f32, tag::any), strides, pad, pad);
  dnnl::convolution_forward::primitive_desc conv_pd(conv_desc, engine);
  row.onednn_impl = conv_pd.impl_info_str();
  dnnl::stream stream(engine);
  dnnl::memory user_src({src_dims, dt::f32, tag::nchw}, engine, values[0].data());
  dnnl::memory user_wei({wei_dims, dt::f32, tag::oihw}, engine, values[1].data());
  NDArray dnnl_nchw({n, kc, oh, oh}, tt::DType::float32());
  dnnl::memory user_dst({dst_dims, dt::f32, tag::nchw}, engine, dnnl_nchw.data());
  dnnl::memory src(conv_pd.src_desc(), engine), wei(conv_pd.weights_desc(), engine),
      dst(conv_pd.dst_desc(), engine);
  dnnl::reorder(user_src, src).execute(stream, user_src, src);
  dnnl::reorder(user_wei, wei).execute(stream, user_wei, wei);
  stream.wait();
  dnnl::convolution_forward conv(conv_pd);
  std::unordered_map<int, dnnl::memory> args{
      {DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, wei}, {DNNL_ARG_DST, dst}};
  auto run_dnnl = [&] {
    conv.execute(stream, args);
    stream.wait();
  };
  run_dnnl();
  dnnl::reorder(dst, user_dst).execute(stream, dst, user_dst);
  stream.wait();

  try {
    TensortuneKernel kernel = build_tensortune(
        compiler, "conv2d", output, {{input, &values[0]}, {weight, &values[1]}}, threads);
    if (check_tensortune(kernel, dnnl_nchw, "oneDNN", row)) {
      auto fn = kernel.built.kernel.packed_function();
      row.tensortune = measure([&] { fn(kernel.args.data()); }, row.flops, timing);
    }
  } catch (const std::exception& e) {
    row.check = std::string("error: ") + e.what();
    row.wrong = true;
  }
  row.onednn = measure(run_dnnl, row.flops, timing);
  return row;
}

// ---- output ----

std::string gflops_cell(const std::optional<Measurement>& m) {
  return m && m->measured() ? fmt::format("{:.1f}", m->gflops) : "–";
}

std::string ratio_cell(const Row& row) {
  double best = row.best_peer();
  if (!row.tensortune || !row.tensortune->measured() || std::isnan(best)) return "–";
  return fmt::format("{:.2f}", row.tensortune->gflops / best);
}

void print_table(const std::vector<Row>& rows, int threads) {
  fmt::print("\n### {} thread{}\n\n", threads, threads == 1 ? "" : "s");
  fmt::print(
      "| workload | tensortune GFLOP/s | OpenBLAS GFLOP/s | oneDNN GFLOP/s | tensortune / best "
      "peer | "
      "tensortune ms | oneDNN impl |\n");
  fmt::print("|---|--:|--:|--:|--:|--:|---|\n");
  for (const Row& row : rows) {
    if (row.threads != threads) continue;
    std::string ms = row.tensortune && row.tensortune->measured()
                         ? fmt::format("{:.3f}", row.tensortune->median_s * 1e3)
                         : (row.wrong ? "**WRONG**" : "–");
    fmt::print("| {} | {} | {} | {} | {} | {} | {} |\n", row.workload, gflops_cell(row.tensortune),
               gflops_cell(row.openblas), gflops_cell(row.onednn), ratio_cell(row), ms,
               row.onednn_impl);
  }
}

nlohmann::json measurement_json(const std::optional<Measurement>& m) {
  if (!m || !m->measured()) return nullptr;
  return {{"median_s", m->median_s},
          {"gflops", m->gflops},
          {"cpu_utilization", m->utilization},
          {"working_threads", m->working_threads},
          {"runs_per_group", m->number}};
}

// The sanity check of each runtime's thread control, from the first workload (matmul) measured at
// every thread count: how many threads of the process did the work (load-independent), the CPU
// seconds per wall second, and the speed-up over the 1-thread run (meaningful on a quiet machine).
std::vector<std::string> thread_control_report(const std::vector<Row>& rows) {
  std::vector<std::string> lines;
  if (rows.empty()) return lines;
  const std::string& workload = rows.front().workload;
  auto line = [&](const char* peer, std::optional<Measurement> Row::*field) {
    std::string text = fmt::format("{} on {}:", peer, workload);
    const Measurement* single = nullptr;
    bool suspect = false;
    for (const Row& row : rows) {
      const std::optional<Measurement>& m = row.*field;
      if (row.workload != workload || !m || !m->measured()) continue;
      if (row.threads == 1) single = &*m;
      text += fmt::format(" {} thread{}: {} working, {:.2f} CPU s/wall s{};", row.threads,
                          row.threads == 1 ? "" : "s", m->working_threads, m->utilization,
                          single && row.threads > 1 ? fmt::format(", {:.2f}x the 1-thread speed",
                                                                  single->median_s / m->median_s)
                                                    : "");
      suspect |= m->working_threads != row.threads;
    }
    if (suspect) text += " <-- SUSPECT: the working threads differ from the setting";
    lines.push_back(text);
  };
  line("tensortune", &Row::tensortune);
  line("OpenBLAS", &Row::openblas);
  line("oneDNN", &Row::onednn);
  return lines;
}

}  // namespace

int main(int argc, char** argv) {
  Options options = parse_options(argc, argv);
  try {
    tt::Target target = tt::Target::host();
    tt::KernelCompiler compiler(target);
    dnnl::engine engine(dnnl::engine::kind::cpu, 0);
    const dnnl_version_t* dnnl_ver = dnnl::version();
    if (DNNL_CPU_RUNTIME != DNNL_RUNTIME_OMP) {
      std::fprintf(
          stderr,
          "warning: this oneDNN is not built on OpenMP (DNNL_CPU_RUNTIME=%d): omp_set_num_threads "
          "may not control its threads\n",
          DNNL_CPU_RUNTIME);
    }

    struct Header {
      std::string key, value;
    };
    std::vector<Header> header = {
        {"date", utc_now()},
        {"cpu", fmt::format("{} ({} hardware threads)", cpu_model_name(), target.num_cores)},
        {"LLVM host", target.to_string()},
        {"load average at start", load_average()},
        {"OpenBLAS", fmt::format("{}, core {}, {}", trim(OPENBLAS_VERSION), openblas_get_corename(),
                                 openblas_get_parallel() == 1   ? "pthreads"
                                 : openblas_get_parallel() == 2 ? "OpenMP"
                                                                : "sequential")},
        {"oneDNN",
         fmt::format("{}.{}.{}, CPU runtime {}, ISA {}", dnnl_ver->major, dnnl_ver->minor,
                     dnnl_ver->patch, DNNL_CPU_RUNTIME == DNNL_RUNTIME_OMP ? "OpenMP" : "other",
                     onednn_isa_name(dnnl::get_effective_cpu_isa()))},
        {"environment",
         fmt::format(
             "OMP_NUM_THREADS={} OPENBLAS_NUM_THREADS={} OPENBLAS_CORETYPE={} OMP_WAIT_POLICY={}",
             env_or("OMP_NUM_THREADS", "unset"), env_or("OPENBLAS_NUM_THREADS", "unset"),
             env_or("OPENBLAS_CORETYPE", "unset"), env_or("OMP_WAIT_POLICY", "unset"))},
        {"protocol",
         fmt::format("median of {} groups, each grown to >= {} ms, after {} warm-up runs; all "
                     "implementations timed in this one process, one after another per workload; "
                     "GFLOP/s = 2·M·N·K or 2·N·K·OH·OW·C·R·S (padding taps counted) / median",
                     options.timing.repeat, options.timing.min_repeat_ms, options.timing.warmup)},
        {"layouts",
         "tensortune and OpenBLAS on row-major / NCHW-OIHW data; oneDNN matmul on row-major data, "
         "oneDNN convolution_direct on the layouts it picks (format_tag::any), reorders not timed"},
    };
    if (!options.json) {
      fmt::print("## tensortune kernel benchmarks\n\n");
      for (const Header& h : header) fmt::print("- {}: {}\n", h.key, h.value);
    }

    std::vector<Row> rows;
    for (int threads : options.threads) {
      set_all_threads(threads);
      auto record = [&](Row row) {
        std::fprintf(stderr,
                     "[%d thread%s] %-24s tensortune %s, OpenBLAS %s, oneDNN %s GFLOP/s; %s\n",
                     threads, threads == 1 ? "" : "s", row.workload.c_str(),
                     gflops_cell(row.tensortune).c_str(), gflops_cell(row.openblas).c_str(),
                     gflops_cell(row.onednn).c_str(), row.check.c_str());
        if (row.wrong && !row.steps.empty())
          std::fprintf(stderr, "schedule of the wrong kernel:\n%s\n", row.steps.c_str());
        rows.push_back(std::move(row));
      };
      record(bench_matmul(compiler, engine, 1024, 1024, 1024, threads, options.timing));
      if (options.quick) continue;
      for (const ConvLayer& layer : resnet18_convs())
        record(bench_conv(compiler, engine, layer, threads, options.timing));
    }

    std::vector<std::string> thread_report = thread_control_report(rows);
    for (const std::string& line : thread_report)
      std::fprintf(stderr, "thread control: %s\n", line.c_str());
    bool any_wrong = std::any_of(rows.begin(), rows.end(), [](const Row& r) { return r.wrong; });

    if (options.json) {
      nlohmann::json meta = nlohmann::json::object();
      for (const Header& h : header) meta[h.key] = h.value;
      nlohmann::json list = nlohmann::json::array();
      for (const Row& row : rows) {
        double best = row.best_peer();
        list.push_back({{"workload", row.workload},
                        {"threads", row.threads},
                        {"flops", row.flops},
                        {"tensortune", measurement_json(row.tensortune)},
                        {"openblas", measurement_json(row.openblas)},
                        {"onednn", measurement_json(row.onednn)},
                        {"onednn_impl", row.onednn_impl},
                        {"ratio_to_best_peer",
                         row.tensortune && row.tensortune->measured() && !std::isnan(best)
                             ? nlohmann::json(row.tensortune->gflops / best)
                             : nlohmann::json(nullptr)},
                        {"check", row.check},
                        {"wrong", row.wrong}});
      }
      fmt::print(
          "{}\n",
          nlohmann::json{{"meta", meta}, {"thread_control", thread_report}, {"results", list}}.dump(
              2));
    } else {
      // The share of a core a 1-thread run got is a direct measure of competing load.
      double worst_share = 1;
      for (const Row& row : rows) {
        for (const auto& m : {row.tensortune, row.openblas, row.onednn}) {
          if (row.threads == 1 && m && m->measured())
            worst_share = std::min(worst_share, m->utilization);
        }
      }
      if (worst_share < kQuietShare) {
        fmt::print(
            "\n**Warning: the machine was busy** — a 1-thread run got as little as {:.2f} of a "
            "core, so "
            "other processes were competing for the CPU. These figures are noisy, and the 2-thread "
            "oneDNN ones most of all (its OpenMP threads spin-wait for each other; a preempted "
            "thread "
            "stalls the rest). Re-run on a quiet machine.\n",
            worst_share);
      }
      for (int threads : options.threads) print_table(rows, threads);
      fmt::print(
          "\nCorrectness: tensortune's output checked against OpenBLAS (matmul) or oneDNN (conv, "
          "reordered to "
          "NCHW) with rtol {} / atol {} before timing; a wrong kernel reports no number.\n",
          kCheckRtol, kCheckAtol);
      for (const Row& row : rows) {
        if (row.wrong)
          fmt::print("- {} at {} thread(s): {}\n", row.workload, row.threads, row.check);
      }
      fmt::print("\nLoad average at the end: {}.\n", load_average());
      if (!thread_report.empty()) {
        fmt::print("\nThread control (threads that did the work while timed):\n\n");
        for (const std::string& line : thread_report) fmt::print("- {}\n", line);
      }
    }
    return any_wrong ? 1 : 0;
  } catch (const tt::UserError& e) {
    std::fprintf(stderr, "bench_kernels: %s\n", e.what());
    return 1;
  } catch (const dnnl::error& e) {
    std::fprintf(stderr, "bench_kernels: oneDNN: %s (status %d)\n", e.what(), int(e.status));
    return 1;
  }
}
