// One implementation on one workload: set its threads, prepare its data, check (tensortune only),
// time. Peers are set up as their users run them at their best: OpenBLAS cblas_sgemm on row-major
// arrays, oneDNN's matmul primitive on row-major A and C with B in the layout it picks, and
// oneDNN's direct convolution on the layouts it picks (format_tag::any), with the reorders into
// and out of them not timed.
#include "bench/kernel_peers.h"

#include <cblas.h>
#include <fmt/format.h>
#include <omp.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <oneapi/dnnl/dnnl.hpp>
#include <unordered_map>

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

namespace tt::bench {

namespace {

// Tolerance of the check of tensortune's output against a peer's (numpy.allclose rule). Both
// accumulate in float32 in different orders, so exact equality is not expected.
constexpr double kCheckRtol = 1e-3;
constexpr double kCheckAtol = 1e-4;
constexpr uint64_t kInputSeed = 2026;

using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

// ---- process statistics ----

double seconds(clockid_t clock) {
  timespec ts;
  clock_gettime(clock, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
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

Measurement measure(const std::function<void()>& run, int64_t flops, const TimingOptions& timing) {
  std::map<std::string, double> threads0 = thread_run_times();
  double wall0 = seconds(CLOCK_MONOTONIC), cpu0 = seconds(CLOCK_PROCESS_CPUTIME_ID);
  TimingResult result = time_function(run, timing);
  double wall = seconds(CLOCK_MONOTONIC) - wall0, cpu = seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
  Measurement m;
  m.working_threads = count_working_threads(threads0, thread_run_times());
  m.median_s = result.median_s;
  m.gflops = double(flops) / result.median_s * 1e-9;
  m.utilization = cpu / wall;
  m.runs_per_group = result.number;
  m.samples_s = result.samples_s;
  return m;
}

// ---- the workloads' data ----

struct MatmulData {
  Tensor a, b, c;
  std::vector<NDArray> values;  // A, B
};

MatmulData matmul_data(const Workload& w) {
  MatmulData d;
  d.a = placeholder({w.m, w.k}, DType::float32(), "A");
  d.b = placeholder({w.k, w.n}, DType::float32(), "B");
  d.c = ops::matmul(d.a, d.b);
  d.values = random_inputs({d.a, d.b}, kInputSeed);
  return d;
}

struct ConvData {
  Tensor input, weight, output;
  std::vector<NDArray> values;  // input, weight
  int64_t out_size = 0;
};

ConvData conv_data(const Workload& w) {
  const ConvLayer& l = w.conv;
  ConvData d;
  d.input = placeholder({1, l.in_channels, l.size, l.size}, DType::float32(), "input");
  d.weight =
      placeholder({l.out_channels, l.in_channels, l.kernel, l.kernel}, DType::float32(), "weight");
  ops::Conv2dParams params;
  params.stride = {l.stride, l.stride};
  params.padding = {l.pad, l.pad, l.pad, l.pad};
  d.output = ops::conv2d(d.input, d.weight, params);
  d.out_size = (l.size + 2 * l.pad - l.kernel) / l.stride + 1;
  TT_ASSERT(d.output.shape() == (std::vector<int64_t>{1, l.out_channels, d.out_size, d.out_size}),
            "conv2d output {}", shape_to_string(d.output.shape()));
  d.values = random_inputs({d.input, d.weight}, kInputSeed);
  return d;
}

// ---- the peers ----

void run_sgemm(const Workload& w, const float* a, const float* b, float* c) {
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, int(w.m), int(w.n), int(w.k), 1.0f, a,
              int(w.k), b, int(w.n), 0.0f, c, int(w.n));
}

// oneDNN's matmul primitive: A and C row-major (activations as a caller has them), B in the layout
// oneDNN picks (format_tag::any), reordered into it once before timing, as an inference engine
// packs constant weights. Created after the thread count is set: oneDNN sizes its work split at
// creation.
struct OneDnnMatmul {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
  dnnl::matmul primitive;
  std::unordered_map<int, dnnl::memory> args;
  std::string impl_info;

  OneDnnMatmul(const Workload& w, float* a, float* b, float* c) {
    dnnl::memory::desc a_md({w.m, w.k}, dt::f32, tag::ab), b_any({w.k, w.n}, dt::f32, tag::any),
        c_md({w.m, w.n}, dt::f32, tag::ab);
    dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(a_md, b_any, c_md), engine);
    impl_info = pd.impl_info_str();
    primitive = dnnl::matmul(pd);
    dnnl::memory user_b({{w.k, w.n}, dt::f32, tag::ab}, engine, b);
    dnnl::memory packed_b(pd.weights_desc(), engine);
    dnnl::reorder(user_b, packed_b).execute(stream, user_b, packed_b);
    stream.wait();
    if (pd.weights_desc() != user_b.get_desc()) impl_info += ", B packed";
    args = {{DNNL_ARG_SRC, dnnl::memory(a_md, engine, a)},
            {DNNL_ARG_WEIGHTS, packed_b},
            {DNNL_ARG_DST, dnnl::memory(c_md, engine, c)}};
  }
  void run() {
    primitive.execute(stream, args);
    stream.wait();
  }
};

// oneDNN's direct convolution on the layouts it picks; inputs reordered in at construction,
// output_nchw() reorders the last result out.
struct OneDnnConv {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
  dnnl::convolution_forward primitive;
  dnnl::memory src, wei, dst;
  std::unordered_map<int, dnnl::memory> args;
  std::string impl_info;
  dnnl::memory::dims dst_dims;

  OneDnnConv(const Workload& w, ConvData& d) {
    const ConvLayer& l = w.conv;
    dnnl::memory::dims src_dims{1, l.in_channels, l.size, l.size},
        wei_dims{l.out_channels, l.in_channels, l.kernel, l.kernel};
    dst_dims = {1, l.out_channels, d.out_size, d.out_size};
    dnnl::memory::dims strides{l.stride, l.stride}, pad{l.pad, l.pad};
    dnnl::convolution_forward::desc desc(
        dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
        dnnl::memory::desc(src_dims, dt::f32, tag::any),
        dnnl::memory::desc(wei_dims, dt::f32, tag::any),
        dnnl::memory::desc(dst_dims, dt::f32, tag::any), strides, pad, pad);
    dnnl::convolution_forward::primitive_desc pd(desc, engine);
    impl_info = pd.impl_info_str();
    primitive = dnnl::convolution_forward(pd);
    dnnl::memory user_src({src_dims, dt::f32, tag::nchw}, engine, d.values[0].data());
    dnnl::memory user_wei({wei_dims, dt::f32, tag::oihw}, engine, d.values[1].data());
    src = dnnl::memory(pd.src_desc(), engine);
    wei = dnnl::memory(pd.weights_desc(), engine);
    dst = dnnl::memory(pd.dst_desc(), engine);
    dnnl::reorder(user_src, src).execute(stream, user_src, src);
    dnnl::reorder(user_wei, wei).execute(stream, user_wei, wei);
    stream.wait();
    args = {{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, wei}, {DNNL_ARG_DST, dst}};
  }
  void run() {
    primitive.execute(stream, args);
    stream.wait();
  }
  NDArray output_nchw() {
    NDArray out(std::vector<int64_t>(dst_dims.begin(), dst_dims.end()), DType::float32());
    dnnl::memory user_dst({dst_dims, dt::f32, tag::nchw}, engine, out.data());
    dnnl::reorder(dst, user_dst).execute(stream, dst, user_dst);
    stream.wait();
    return out;
  }
};

// ---- tensortune ----

// tensortune's kernel for `output` with its default schedule at `threads`, its argument pointers
// in parameter order (matched by buffer name) and its output array.
struct TensortuneKernel {
  BuiltKernel built;
  std::vector<void*> args;
  NDArray output;
  std::string steps;
};

TensortuneKernel build_tensortune(KernelCompiler& compiler, const std::string& name,
                                  const Tensor& output,
                                  const std::vector<std::pair<Tensor, NDArray*>>& inputs,
                                  int threads) {
  std::vector<Step> steps = default_schedule({output}, hardware_params(compiler.target(), threads));
  TensortuneKernel k{build_kernel({output}, steps, compiler, name),
                     {},
                     NDArray(output.shape(), output.dtype()),
                     {}};
  for (const Step& step : steps) k.steps += to_string(step) + "\n";
  for (const Buffer& param : k.built.kernel.params()) {
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

// The peer's output tensortune is checked against, computed with every peer pool at one thread.
NDArray peer_reference(const Workload& w, MatmulData* md, ConvData* cd) {
  openblas_set_num_threads(1);
  omp_set_num_threads(1);
  if (w.is_matmul) {
    NDArray c({w.m, w.n}, DType::float32());
    run_sgemm(w, md->values[0].as<float>(), md->values[1].as<float>(), c.as<float>());
    return c;
  }
  OneDnnConv conv(w, *cd);
  conv.run();
  return conv.output_nchw();
}

void run_tensortune(const Workload& w, int threads, const TimingOptions& timing, ImplRun& out) {
  std::optional<MatmulData> md;
  std::optional<ConvData> cd;
  if (w.is_matmul)
    md = matmul_data(w);
  else
    cd = conv_data(w);
  NDArray expected = peer_reference(w, md ? &*md : nullptr, cd ? &*cd : nullptr);
  const char* peer = w.is_matmul ? "OpenBLAS" : "oneDNN";
  set_num_threads(threads);
  try {
    KernelCompiler compiler(Target::host());
    TensortuneKernel kernel =
        w.is_matmul ? build_tensortune(compiler, "matmul", md->c,
                                       {{md->a, &md->values[0]}, {md->b, &md->values[1]}}, threads)
                    : build_tensortune(compiler, "conv2d", cd->output,
                                       {{cd->input, &cd->values[0]}, {cd->weight, &cd->values[1]}},
                                       threads);
    kernel.built.kernel.run_raw(kernel.args);
    CompareResult result = compare(kernel.output, expected, kCheckRtol, kCheckAtol);
    out.wrong = !result.ok;
    out.check = (result.ok ? "" : "WRONG: ") + result.describe() + " vs " + peer;
    if (!result.ok) {
      out.steps = kernel.steps;
      return;
    }
    auto fn = kernel.built.kernel.packed_function();
    out.measurement = measure([&] { fn(kernel.args.data()); }, w.flops, timing);
  } catch (const std::exception& e) {
    out.check = std::string("error: ") + e.what();
    out.wrong = true;
  }
}

void run_openblas(const Workload& w, int threads, const TimingOptions& timing, ImplRun& out) {
  TT_ASSERT(w.is_matmul, "OpenBLAS runs only the matmul");
  openblas_set_num_threads(threads);
  // The kernel set this process picked (OPENBLAS_CORETYPE or its CPU detection), beside its figure.
  out.impl_info = std::string("core ") + openblas_get_corename();
  MatmulData d = matmul_data(w);
  NDArray c({w.m, w.n}, DType::float32());
  const float *a = d.values[0].as<float>(), *b = d.values[1].as<float>();
  float* pc = c.as<float>();
  out.measurement = measure([&] { run_sgemm(w, a, b, pc); }, w.flops, timing);
}

void run_onednn(const Workload& w, int threads, const TimingOptions& timing, ImplRun& out) {
  omp_set_num_threads(threads);
  if (w.is_matmul) {
    MatmulData d = matmul_data(w);
    NDArray c({w.m, w.n}, DType::float32());
    OneDnnMatmul matmul(w, d.values[0].as<float>(), d.values[1].as<float>(), c.as<float>());
    out.impl_info = matmul.impl_info;
    // B went through a reorder: check the result against OpenBLAS (one thread) before timing.
    matmul.run();
    NDArray expected = peer_reference(w, &d, nullptr);
    omp_set_num_threads(threads);
    CompareResult result = compare(c, expected, kCheckRtol, kCheckAtol);
    out.wrong = !result.ok;
    out.check = (result.ok ? "" : "WRONG: ") + result.describe() + " vs OpenBLAS";
    if (!result.ok) return;
    out.measurement = measure([&] { matmul.run(); }, w.flops, timing);
  } else {
    ConvData d = conv_data(w);
    OneDnnConv conv(w, d);
    out.impl_info = conv.impl_info;
    out.measurement = measure([&] { conv.run(); }, w.flops, timing);
  }
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

std::string trim(std::string text) {
  size_t begin = text.find_first_not_of(' '), end = text.find_last_not_of(' ');
  return begin == std::string::npos ? "" : text.substr(begin, end - begin + 1);
}

Workload conv_workload(int index, const std::string& name, ConvLayer l) {
  Workload w;
  w.id = fmt::format("conv{}", index);
  w.name = name;
  w.conv = l;
  int64_t out = (l.size + 2 * l.pad - l.kernel) / l.stride + 1;
  w.flops = 2 * l.out_channels * out * out * l.in_channels * l.kernel * l.kernel;
  return w;
}

}  // namespace

const char* impl_id(Impl impl) {
  switch (impl) {
    case Impl::Tensortune:
      return "tensortune";
    case Impl::OpenBLAS:
      return "openblas";
    case Impl::OneDNN:
      return "onednn";
  }
  internal_error("bad Impl");
}

const char* impl_label(Impl impl) {
  switch (impl) {
    case Impl::Tensortune:
      return "tensortune";
    case Impl::OpenBLAS:
      return "OpenBLAS";
    case Impl::OneDNN:
      return "oneDNN";
  }
  internal_error("bad Impl");
}

std::optional<Impl> parse_impl(const std::string& id) {
  for (Impl impl : kAllImpls) {
    if (id == impl_id(impl)) return impl;
  }
  return std::nullopt;
}

const std::vector<Workload>& workloads() {
  static const std::vector<Workload> list = [] {
    std::vector<Workload> v;
    Workload mm;
    mm.id = "matmul";
    mm.name = "matmul 1024x1024x1024";
    mm.is_matmul = true;
    mm.m = mm.n = mm.k = 1024;
    mm.flops = 2 * mm.m * mm.n * mm.k;
    v.push_back(mm);
    // The distinct convolutions of ResNet-18 (torchvision), batch 1, square inputs.
    v.push_back(conv_workload(1, "conv1 7x7/2 3->64 @224", {3, 224, 64, 7, 2, 3}));
    v.push_back(conv_workload(2, "3x3 64->64 @56", {64, 56, 64, 3, 1, 1}));
    v.push_back(conv_workload(3, "3x3/2 64->128 @56", {64, 56, 128, 3, 2, 1}));
    v.push_back(conv_workload(4, "1x1/2 64->128 @56", {64, 56, 128, 1, 2, 0}));
    v.push_back(conv_workload(5, "3x3 128->128 @28", {128, 28, 128, 3, 1, 1}));
    v.push_back(conv_workload(6, "3x3/2 128->256 @28", {128, 28, 256, 3, 2, 1}));
    v.push_back(conv_workload(7, "1x1/2 128->256 @28", {128, 28, 256, 1, 2, 0}));
    v.push_back(conv_workload(8, "3x3 256->256 @14", {256, 14, 256, 3, 1, 1}));
    v.push_back(conv_workload(9, "3x3/2 256->512 @14", {256, 14, 512, 3, 2, 1}));
    v.push_back(conv_workload(10, "1x1/2 256->512 @14", {256, 14, 512, 1, 2, 0}));
    v.push_back(conv_workload(11, "3x3 512->512 @7", {512, 7, 512, 3, 1, 1}));
    return v;
  }();
  return list;
}

const Workload* find_workload(const std::string& id) {
  for (const Workload& w : workloads()) {
    if (w.id == id) return &w;
  }
  return nullptr;
}

bool implements(Impl impl, const Workload& workload) {
  return impl != Impl::OpenBLAS || workload.is_matmul;
}

ImplRun run_implementation(Impl impl, const Workload& workload, int threads,
                           const TimingOptions& timing) {
  TT_ASSERT(implements(impl, workload), "{} does not implement {}", impl_label(impl),
            workload.name);
  ImplRun out;
  out.impl = impl;
  out.workload = workload.id;
  out.threads = threads;
  switch (impl) {
    case Impl::Tensortune:
      run_tensortune(workload, threads, timing, out);
      break;
    case Impl::OpenBLAS:
      run_openblas(workload, threads, timing, out);
      break;
    case Impl::OneDNN:
      run_onednn(workload, threads, timing, out);
      break;
  }
  return out;
}

nlohmann::json to_json(const ImplRun& run) {
  nlohmann::json j{{"impl", impl_id(run.impl)}, {"workload", run.workload},
                   {"threads", run.threads},    {"impl_info", run.impl_info},
                   {"check", run.check},        {"wrong", run.wrong},
                   {"steps", run.steps},        {"measurement", nullptr}};
  if (run.measurement) {
    const Measurement& m = *run.measurement;
    j["measurement"] = {{"median_s", m.median_s},
                        {"gflops", m.gflops},
                        {"cpu_utilization", m.utilization},
                        {"working_threads", m.working_threads},
                        {"runs_per_group", m.runs_per_group},
                        {"samples_s", m.samples_s}};
  }
  return j;
}

ImplRun impl_run_from_json(const nlohmann::json& j) {
  ImplRun run;
  std::optional<Impl> impl = parse_impl(j.at("impl").get<std::string>());
  TT_ASSERT(impl.has_value(), "worker reported unknown implementation {}", j.at("impl").dump());
  run.impl = *impl;
  run.workload = j.at("workload").get<std::string>();
  run.threads = j.at("threads").get<int>();
  run.impl_info = j.at("impl_info").get<std::string>();
  run.check = j.at("check").get<std::string>();
  run.wrong = j.at("wrong").get<bool>();
  run.steps = j.at("steps").get<std::string>();
  const nlohmann::json& m = j.at("measurement");
  if (!m.is_null()) {
    Measurement value;
    value.median_s = m.at("median_s").get<double>();
    value.gflops = m.at("gflops").get<double>();
    value.utilization = m.at("cpu_utilization").get<double>();
    value.working_threads = m.at("working_threads").get<int>();
    value.runs_per_group = m.at("runs_per_group").get<int>();
    value.samples_s = m.at("samples_s").get<std::vector<double>>();
    run.measurement = value;
  }
  return run;
}

std::vector<std::pair<std::string, std::string>> peer_descriptions() {
  const dnnl_version_t* v = dnnl::version();
  int parallel = openblas_get_parallel();
  return {
      {"OpenBLAS", fmt::format("{}, core {}, {}", trim(OPENBLAS_VERSION), openblas_get_corename(),
                               parallel == 1   ? "pthreads"
                               : parallel == 2 ? "OpenMP"
                                               : "sequential")},
      {"oneDNN", fmt::format("{}.{}.{}, CPU runtime {}, ISA {}", v->major, v->minor, v->patch,
                             DNNL_CPU_RUNTIME == DNNL_RUNTIME_OMP
                                 ? "OpenMP"
                                 : "other (omp_set_num_threads may not apply)",
                             onednn_isa_name(dnnl::get_effective_cpu_isa()))},
  };
}

std::string openblas_weakness(bool host_has_avx2, bool host_has_avx512) {
  std::string core = openblas_get_corename();
  std::string lower = core;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  // OpenBLAS's x86-64 kernel sets with AVX2 FMA (or wider).
  static const std::vector<std::string> fma_cores = {"haswell", "zen", "skylakex", "cooperlake",
                                                     "sapphirerapids"};
  bool has_fma_kernels = std::find(fma_cores.begin(), fma_cores.end(), lower) != fma_cores.end();
  if (!host_has_avx2 || has_fma_kernels) return "";
  return fmt::format(
      "OpenBLAS picked its {} kernels on a CPU with {}: a weakened peer. Re-run with "
      "OPENBLAS_CORETYPE={} (the environment is passed to every measurement).",
      core, host_has_avx512 ? "AVX-512" : "AVX2", host_has_avx512 ? "SkylakeX" : "Haswell");
}

}  // namespace tt::bench
