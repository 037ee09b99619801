// Latency-against-trials curves from a log, and their SVG plot; see history.h.
#include "search/tune/history.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "search/record/apply_history.h"

namespace tt {

namespace {

std::string xml_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '&') out += "&amp;";
    else if (c == '"') out += "&quot;";
    else out += c;
  }
  return out;
}

}  // namespace

TuningHistory tuning_history(const std::vector<TuningRecord>& records, const std::vector<HistoryTask>& tasks,
                             const Target& target, int num_threads) {
  TuningHistory h;
  h.tasks = tasks;
  h.per_task.resize(tasks.size());
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < tasks.size(); ++i) index[tasks[i].workload_key] = i;
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> best(tasks.size(), inf);
  auto counts = [&](const TuningRecord& r) {
    return index.count(r.workload_key) && target_compatible(r.target, target) &&
           (num_threads <= 0 || r.num_threads == num_threads);
  };
  // Until a task's first trial, the model runs it with its default schedule: the end-to-end estimate
  // takes the default's measured cost (every task's first trial) from the start.
  std::vector<double> untuned(tasks.size(), inf);
  for (const TuningRecord& r : records)
    if (counts(r) && r.strategy == "default" && r.valid())
      untuned[index[r.workload_key]] = std::min(untuned[index[r.workload_key]], r.cost());
  int total = 0;
  std::vector<TuningRecord> counted;
  for (const TuningRecord& r : records)
    if (counts(r)) counted.push_back(r);
  std::vector<double> elapsed = tuning_seconds(counted);
  for (size_t k = 0; k < counted.size(); ++k) {
    const TuningRecord& r = counted[k];
    size_t t = index[r.workload_key];
    if (r.valid() && !r.cut_short) best[t] = std::min(best[t], r.cost());
    h.per_task[t].push_back({int(h.per_task[t].size()) + 1, best[t], elapsed[k]});
    ++total;
    double sum = 0;
    for (size_t i = 0; i < tasks.size(); ++i) sum += tasks[i].weight * std::min(best[i], untuned[i]);
    if (std::isfinite(sum)) h.end_to_end.push_back({total, sum, elapsed[k]});
  }
  return h;
}

// Records committed within this of the first belong to the first batch.
constexpr double kSameBatchS = 1.0;

std::vector<double> tuning_seconds(const std::vector<TuningRecord>& records, double resume_gap_s) {
  std::vector<double> out;
  // The first batch's records are written together once it is measured: its start is not in the
  // log, so it counts as its records' build and run time.
  double total = 0;
  for (const TuningRecord& r : records)
    if (r.timestamp <= records[0].timestamp + kSameBatchS) total += r.build_s + r.run_s;
  for (size_t i = 0; i < records.size(); ++i) {
    double own = records[i].build_s + records[i].run_s;
    double gap = i == 0 ? 0 : records[i].timestamp - records[i - 1].timestamp;
    total += gap >= 0 && gap <= resume_gap_s ? gap : own;
    out.push_back(total);
  }
  return out;
}

CurvePoint at_trials(const std::vector<CurvePoint>& curve, int trials) {
  CurvePoint out{0, std::numeric_limits<double>::infinity(), 0};
  for (const CurvePoint& p : curve) {
    if (p.trials > trials) break;
    out = p;
  }
  return out;
}

std::vector<CurvePoint> improvements(const std::vector<CurvePoint>& curve) {
  std::vector<CurvePoint> out;
  for (size_t i = 0; i < curve.size(); ++i) {
    bool changed = out.empty() || curve[i].latency_s != out.back().latency_s;
    if (changed || i + 1 == curve.size()) out.push_back(curve[i]);
  }
  return out;
}

std::string svg_plot(const std::vector<std::pair<std::string, std::vector<CurvePoint>>>& curves,
                     const std::string& title) {
  constexpr double kWidth = 720, kHeight = 440, kLeft = 70, kRight = 180, kTop = 40, kBottom = 50;
  const char* colours[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"};
  double max_trials = 1, min_ms = std::numeric_limits<double>::infinity(), max_ms = 0;
  for (const auto& [name, curve] : curves)
    for (const CurvePoint& p : curve) {
      if (!std::isfinite(p.latency_s)) continue;
      max_trials = std::max(max_trials, double(p.trials));
      min_ms = std::min(min_ms, p.latency_s * 1e3);
      max_ms = std::max(max_ms, p.latency_s * 1e3);
    }
  if (!std::isfinite(min_ms)) min_ms = 0, max_ms = 1;
  if (max_ms <= min_ms) max_ms = min_ms + 1e-3;
  double pad = 0.05 * (max_ms - min_ms);
  double y0 = std::max(0.0, min_ms - pad), y1 = max_ms + pad;
  double plot_w = kWidth - kLeft - kRight, plot_h = kHeight - kTop - kBottom;
  auto x = [&](double trials) { return kLeft + plot_w * trials / max_trials; };
  auto y = [&](double ms) { return kTop + plot_h * (1 - (ms - y0) / (y1 - y0)); };
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
      "font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      "<text x=\"{2}\" y=\"22\" font-size=\"15\">{3}</text>\n",
      kWidth, kHeight, kLeft, xml_escape(title));
  svg += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#444\"/>\n", kLeft, kTop,
                     plot_w, plot_h);
  for (int i = 0; i <= 5; ++i) {
    double trials = max_trials * i / 5, ms = y0 + (y1 - y0) * i / 5;
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{:.0f}</text>\n", x(trials),
                       kHeight - kBottom + 18, trials);
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{:.3g}</text>\n", kLeft - 6, y(ms) + 4, ms);
    svg += fmt::format("<line x1=\"{0:.1f}\" x2=\"{1:.1f}\" y1=\"{2:.1f}\" y2=\"{2:.1f}\" stroke=\"#ddd\"/>\n", kLeft,
                       kLeft + plot_w, y(ms));
  }
  svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">trials</text>\n", kLeft + plot_w / 2,
                     kHeight - 12);
  svg += fmt::format("<text x=\"16\" y=\"{:.1f}\" transform=\"rotate(-90 16 {:.1f})\" text-anchor=\"middle\">best "
                     "latency (ms)</text>\n",
                     kTop + plot_h / 2, kTop + plot_h / 2);
  for (size_t c = 0; c < curves.size(); ++c) {
    const char* colour = colours[c % std::size(colours)];
    std::string points;
    double last_ms = -1;
    for (const CurvePoint& p : curves[c].second) {
      if (!std::isfinite(p.latency_s)) continue;
      double ms = p.latency_s * 1e3;
      // A step plot: the best so far holds until the trial that improves it.
      if (last_ms >= 0) points += fmt::format("{:.1f},{:.1f} ", x(p.trials), y(last_ms));
      points += fmt::format("{:.1f},{:.1f} ", x(p.trials), y(ms));
      last_ms = ms;
    }
    svg += fmt::format("<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"2\" points=\"{}\"/>\n", colour, points);
    double ly = kTop + 16 + 18 * double(c);
    svg += fmt::format("<line x1=\"{0:.1f}\" x2=\"{1:.1f}\" y1=\"{2:.1f}\" y2=\"{2:.1f}\" stroke=\"{3}\" "
                       "stroke-width=\"2\"/>\n<text x=\"{4:.1f}\" y=\"{5:.1f}\">{6}</text>\n",
                       kWidth - kRight + 12, kWidth - kRight + 32, ly, colour, kWidth - kRight + 38, ly + 4,
                       xml_escape(curves[c].first));
  }
  return svg + "</svg>\n";
}

}  // namespace tt
