// The statistics and tables of bench_kernels: every implementation's measurement of a workload in
// every round, their medians over rounds, the per-round ratio tensortune / best peer, the share of
// the FMA peak, and the check that each runtime used the threads it was given.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bench/kernel_peers.h"

namespace tt::bench {

// NaN for an empty list.
double median(std::vector<double> v);

// One workload at one thread count: every implementation's measurement in every round.
struct Cell {
  const Workload* workload = nullptr;
  int threads = 1;
  std::map<Impl, std::vector<ImplRun>> runs;  // by implementation, one per round
  std::vector<std::string> errors;            // workers that failed

  std::vector<double> gflops(Impl impl) const;
  double median_gflops(Impl impl) const;
  // tensortune / best peer in each round where both were measured.
  std::vector<double> round_ratios() const;
  bool wrong() const;
  // tensortune's check: the first wrong one, else the first round's.
  std::string check() const;
  std::string impl_info(Impl impl) const;
  // What the peers ran: oneDNN's implementation name, OpenBLAS's kernel set.
  std::string peer_impls() const;
};

// The Markdown table of the cells at `threads`; peak <= 0 leaves out the shares of the peak.
void print_table(const std::vector<Cell>& cells, int threads, double peak);

// How each runtime obeyed the thread setting on the first workload: the threads that did the
// work (load-independent), CPU seconds per wall second, and the speed-up over one thread.
std::vector<std::string> thread_control_report(const std::vector<Cell>& cells);

nlohmann::json cell_json(const Cell& cell, double peak);

}  // namespace tt::bench
