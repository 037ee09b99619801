// The FMA peak loop: each accumulator is its own dependency chain acc = acc * a + b, so the only
// limit is how many FMAs the core issues per cycle. 16 chains of zmm (AVX-512: 32 registers; two
// 512-bit FMA units of latency 4 need 8 in flight) or 12 of ymm (AVX2: 16 registers; two 256-bit
// units of latency 4-5 need 8-10). The ISA-specific bodies carry target attributes and run only
// after __builtin_cpu_supports (which also checks that the OS saves the wide registers) says so.
#include "bench/fma_peak.h"

#include <immintrin.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>

namespace tt::bench {

namespace {

// a close to 1 and a small b keep every chain finite and away from denormals for any length.
constexpr float kMultiplier = 0.99999f;
constexpr float kAddend = 1e-5f;
// The calibration run that sizes the timed loop.
constexpr int64_t kCalibrationIterations = 1 << 20;

constexpr int kAvx512Chains = 16;
constexpr int kAvx2Chains = 12;

#define TT_FMA_CHAINS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)
#define TT_FMA_CHAINS_EXTRA(X) X(12) X(13) X(14) X(15)

__attribute__((target("avx512f"))) float fma_loop_avx512(int64_t iterations) {
  const __m512 a = _mm512_set1_ps(kMultiplier), b = _mm512_set1_ps(kAddend);
#define DECLARE(i) __m512 acc##i = _mm512_set1_ps(float(i) * 1e-3f);
  TT_FMA_CHAINS(DECLARE)
  TT_FMA_CHAINS_EXTRA(DECLARE)
#undef DECLARE
  for (int64_t it = 0; it < iterations; ++it) {
#define STEP(i) acc##i = _mm512_fmadd_ps(acc##i, a, b);
    TT_FMA_CHAINS(STEP) TT_FMA_CHAINS_EXTRA(STEP)
#undef STEP
  }
  __m512 sum = _mm512_setzero_ps();
#define SUM(i) sum = _mm512_add_ps(sum, acc##i);
  TT_FMA_CHAINS(SUM)
  TT_FMA_CHAINS_EXTRA(SUM)
#undef SUM
  // Summed through memory: GCC 12's _mm512_reduce_add_ps warns about an uninitialized
  // temporary.
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, sum);
  float total = 0;
  for (float lane : lanes) total += lane;
  return total;
}

__attribute__((target("avx2,fma"))) float fma_loop_avx2(int64_t iterations) {
  const __m256 a = _mm256_set1_ps(kMultiplier), b = _mm256_set1_ps(kAddend);
#define DECLARE(i) __m256 acc##i = _mm256_set1_ps(float(i) * 1e-3f);
  TT_FMA_CHAINS(DECLARE)
#undef DECLARE
  for (int64_t it = 0; it < iterations; ++it) {
#define STEP(i) acc##i = _mm256_fmadd_ps(acc##i, a, b);
    TT_FMA_CHAINS(STEP)
#undef STEP
  }
  __m256 sum = _mm256_setzero_ps();
#define SUM(i) sum = _mm256_add_ps(sum, acc##i);
  TT_FMA_CHAINS(SUM)
#undef SUM
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, sum);
  float total = 0;
  for (float lane : lanes) total += lane;
  return total;
}

struct Loop {
  float (*body)(int64_t) = nullptr;
  double flops_per_iteration = 0;
};

Loop pick_loop(FmaPeak& peak) {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) {
    peak.isa = "avx512f";
    peak.vector_bits = 512;
    peak.accumulators = kAvx512Chains;
    return {fma_loop_avx512, 2.0 * 16 * kAvx512Chains};
  }
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    peak.isa = "avx2+fma";
    peak.vector_bits = 256;
    peak.accumulators = kAvx2Chains;
    return {fma_loop_avx2, 2.0 * 8 * kAvx2Chains};
  }
  peak.isa = "none";
  return {};
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// One timed run: every thread waits for the release, runs `iterations`, and the wall time from
// release to the last thread's end is the run's time.
double timed_run(const Loop& loop, int threads, int64_t iterations) {
  std::atomic<bool> go{false};
  std::atomic<int> ready{0};
  std::vector<float> sink(threads);
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      ready.fetch_add(1);
      while (!go.load(std::memory_order_acquire)) {
      }
      sink[t] = loop.body(iterations);
    });
  }
  while (ready.load() < threads) {
  }
  auto start = std::chrono::steady_clock::now();
  go.store(true, std::memory_order_release);
  for (std::thread& thread : pool) thread.join();
  double elapsed = seconds_since(start);
  // The sums are data the compiler cannot prove unused: the chains cannot be optimized away.
  volatile float keep = 0;
  for (float value : sink) keep = keep + value;
  return elapsed;
}

}  // namespace

std::string fma_peak_isa() {
  FmaPeak peak;
  pick_loop(peak);
  return peak.isa;
}

FmaPeak measure_fma_peak(const FmaPeakOptions& options) {
  FmaPeak peak;
  peak.threads = std::max(1, options.threads);
  Loop loop = pick_loop(peak);
  if (!loop.body) return peak;
  auto start = std::chrono::steady_clock::now();
  loop.body(kCalibrationIterations);
  double per_iteration = seconds_since(start) / double(kCalibrationIterations);
  int64_t iterations = std::max<int64_t>(1, int64_t(options.run_ms * 1e-3 / per_iteration));
  for (int r = 0; r < std::max(1, options.repeat); ++r) {
    double elapsed = timed_run(loop, peak.threads, iterations);
    peak.samples.push_back(double(peak.threads) * double(iterations) * loop.flops_per_iteration /
                           elapsed * 1e-9);
  }
  std::vector<double> sorted = peak.samples;
  std::sort(sorted.begin(), sorted.end());
  size_t n = sorted.size();
  peak.gflops = n % 2 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
  return peak;
}

}  // namespace tt::bench
