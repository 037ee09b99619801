// The kernel workloads of bench_kernels (matmul 1024³ and the distinct ResNet-18 convolutions) and
// one measurement of one implementation — tensortune's default schedule, OpenBLAS or oneDNN — on
// one of them at one thread count. bench_kernels runs each measurement in its own process.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "search/measure/timer.h"

namespace tt::bench {

enum class Impl { Tensortune, OpenBLAS, OneDNN };
inline constexpr Impl kAllImpls[] = {Impl::Tensortune, Impl::OpenBLAS, Impl::OneDNN};

// "tensortune", "openblas", "onednn": the spelling of --only.
const char* impl_id(Impl impl);
// "tensortune", "OpenBLAS", "oneDNN": the spelling of the tables.
const char* impl_label(Impl impl);
std::optional<Impl> parse_impl(const std::string& id);

struct ConvLayer {
  int64_t in_channels, size, out_channels, kernel, stride, pad;
};

struct Workload {
  std::string id;    // short, for --workload: "matmul", "conv1" ... "conv11"
  std::string name;  // for the tables: "3x3/2 64->128 @56"
  bool is_matmul = false;
  int64_t m = 0, n = 0, k = 0;  // matmul
  ConvLayer conv{};             // convolution (batch 1, NCHW input, OIHW weights, no bias)
  int64_t flops = 0;            // 2·M·N·K, or 2·K·OH·OW·C·R·S with padding taps counted
};

// matmul 1024³ first, then the distinct ResNet-18 (torchvision) convolutions.
const std::vector<Workload>& workloads();
const Workload* find_workload(const std::string& id);
// OpenBLAS has no convolution; the others run every workload.
bool implements(Impl impl, const Workload& workload);

struct Measurement {
  double median_s = 0;
  double gflops = 0;
  // Process CPU seconds per wall second over the timing (warm-up included): below the thread
  // count when other processes take the cores.
  double utilization = 0;
  // Threads of the process that ran at least a quarter as long as the busiest one while timed:
  // the check that the runtime obeyed the thread setting, independent of machine load.
  int working_threads = 0;
  int runs_per_group = 0;
  std::vector<double> samples_s;
};

// One implementation measured once on one workload at one thread count.
struct ImplRun {
  Impl impl = Impl::Tensortune;
  std::string workload;  // Workload::id
  int threads = 1;
  std::optional<Measurement> measurement;  // absent when the kernel was wrong or failed
  std::string impl_info;                   // oneDNN's implementation name ("brg:avx512_core", ...)
  // tensortune's check ("... vs oneDNN" or "WRONG: ..." or "error: ..."), and oneDNN's matmul
  // against OpenBLAS (its weights go through a reorder); empty for the others.
  std::string check;
  bool wrong = false;
  std::string steps;  // tensortune's schedule, kept only for a wrong kernel so it can be replayed
};

// Sets the thread count of the runtime `impl` uses (tensortune's oneTBB arena,
// openblas_set_num_threads, omp_set_num_threads for oneDNN's OpenMP pool) and measures it with
// tt::time_function. Before tensortune is timed its output is compared with a peer's (OpenBLAS for
// matmul, oneDNN reordered to NCHW for convolutions), computed at one thread so that no peer pool
// has threads waiting beside the timed kernel.
ImplRun run_implementation(Impl impl, const Workload& workload, int threads,
                           const TimingOptions& timing);

nlohmann::json to_json(const ImplRun& run);
ImplRun impl_run_from_json(const nlohmann::json& j);

// "key: value" lines about the peers as this process sees them: OpenBLAS's version, the core
// kernels it picked (openblas_get_corename) and threading; oneDNN's version, runtime and ISA.
std::vector<std::pair<std::string, std::string>> peer_descriptions();

// Empty, or why the OpenBLAS kernel set this process picked weakens it on this CPU: Debian's
// 0.3.21 has picked its SSE3 Prescott kernels on Sapphire Rapids (~30 GFLOP/s against 77–83 with
// OPENBLAS_CORETYPE=Haswell). A kernel set without AVX2 FMA on a CPU with it is a weakened peer.
std::string openblas_weakness(bool host_has_avx2, bool host_has_avx512);

}  // namespace tt::bench
