// The host's measured fp32 FMA peak: independent fused multiply-adds on several accumulators in the
// widest vectors this CPU runs (AVX-512 or AVX2, detected at run time), on 1..T threads. The
// benchmarks divide every implementation's GFLOP/s by it to say how close to the machine each gets.
#pragma once

#include <string>
#include <vector>

namespace tt::bench {

struct FmaPeakOptions {
  int threads = 1;
  // Each repeat runs the FMA loop on every thread for about this long; the median is reported.
  double run_ms = 100;
  int repeat = 5;
};

struct FmaPeak {
  std::string isa;       // "avx512f", "avx2+fma" or "none" (no FMA vectors: gflops is 0)
  int vector_bits = 0;   // 512 or 256
  int accumulators = 0;  // independent FMA chains per thread (enough to cover latency x pipes)
  int threads = 1;
  double gflops = 0;  // median over repeats, all threads together (2 FLOP per lane per FMA)
  std::vector<double> samples;  // GFLOP/s of each repeat
};

// The vector ISA the peak loop will use on this CPU ("avx512f", "avx2+fma" or "none").
std::string fma_peak_isa();

// Runs the loop on `options.threads` threads at once (released together) and times them.
FmaPeak measure_fma_peak(const FmaPeakOptions& options);

}  // namespace tt::bench
