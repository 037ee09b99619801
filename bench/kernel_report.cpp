// bench_kernels' report: medians over rounds, per-round ratios, shares of the FMA peak, tables.
#include "bench/kernel_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace tt::bench {

double median(std::vector<double> v) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

std::vector<double> Cell::gflops(Impl impl) const {
  std::vector<double> v;
  auto it = runs.find(impl);
  if (it == runs.end()) return v;
  for (const ImplRun& r : it->second) {
    if (r.measurement) v.push_back(r.measurement->gflops);
  }
  return v;
}

double Cell::median_gflops(Impl impl) const { return median(gflops(impl)); }

std::vector<double> Cell::round_ratios() const {
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

bool Cell::wrong() const {
  auto it = runs.find(Impl::Tensortune);
  if (it == runs.end()) return false;
  return std::any_of(it->second.begin(), it->second.end(),
                     [](const ImplRun& r) { return r.wrong; });
}

std::string Cell::check() const {
  auto it = runs.find(Impl::Tensortune);
  if (it == runs.end() || it->second.empty()) return "";
  for (const ImplRun& r : it->second) {
    if (r.wrong) return r.check;
  }
  return it->second.front().check;
}

std::string Cell::impl_info(Impl impl) const {
  auto it = runs.find(impl);
  return it == runs.end() || it->second.empty() ? "" : it->second.front().impl_info;
}

std::string Cell::peer_impls() const {
  // bench_kernels marks a oneDNN round won under OMP_WAIT_POLICY=passive with this suffix.
  static const std::string kPassive = " (OMP_WAIT_POLICY=passive)";
  std::string text = impl_info(Impl::OneDNN);
  if (size_t at = text.find(kPassive); at != std::string::npos) text.erase(at);
  auto it = runs.find(Impl::OneDNN);
  if (it != runs.end()) {
    size_t passive = std::count_if(it->second.begin(), it->second.end(), [](const ImplRun& r) {
      return r.impl_info.find(kPassive) != std::string::npos;
    });
    if (passive > 0)
      text += fmt::format(" (OMP_WAIT_POLICY=passive faster in {}/{} rounds)", passive,
                          it->second.size());
  }
  std::string blas = impl_info(Impl::OpenBLAS);
  if (!blas.empty()) text += (text.empty() ? "OpenBLAS " : "; OpenBLAS ") + blas;
  return text;
}

namespace {

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

}  // namespace

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

std::vector<std::string> thread_control_report(const std::vector<Cell>& cells) {
  std::vector<std::string> lines;
  if (cells.empty()) return lines;
  const Workload* first = cells.front().workload;
  for (Impl impl : kAllImpls) {
    if (!implements(impl, *first)) continue;
    std::string text = fmt::format("{} on {}:", impl_label(impl), first->name);
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
    for (const ImplRun& r : runs) rounds.push_back(to_json(r));
    double g = cell.median_gflops(impl);
    impls[impl_id(impl)] = {
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

}  // namespace tt::bench
