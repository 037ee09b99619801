// `tensortune compare --log FILE`: best latency against search trials, per task and estimated end to
// end, as a table, CSV, an SVG plot, or JSON — what more tuning bought, and what it might still buy.
#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "codegen/target.h"
#include "ir/error.h"
#include "search/record/tuning_log.h"
#include "search/tune/history.h"
#include "src/api/model_tasks.h"
#include "src/cli/commands.h"

namespace tt::cli {

namespace {

struct CompareOptions {
  std::string log, model, csv, svg, target;
  int threads = 0;
  int rows = 10;
  bool json = false;
};

// The trial count at which a curve first came within `fraction` of its final value.
int trials_to_within(const std::vector<CurvePoint>& curve, double fraction) {
  if (curve.empty() || !std::isfinite(curve.back().latency_s)) return 0;
  for (const CurvePoint& p : curve)
    if (p.latency_s <= curve.back().latency_s * (1 + fraction)) return p.trials;
  return curve.back().trials;
}

std::vector<HistoryTask> tasks_of(const CompareOptions& o, const TuningLog& log) {
  std::vector<HistoryTask> tasks;
  if (!o.model.empty()) {
    LoadedModel m = load_and_fuse(o.model);
    for (const graph::Task& t : m.tasks.tasks) tasks.push_back({t.workload_key, t.description, t.weight});
    return tasks;
  }
  std::optional<std::string> meta = log.get_meta("tasks");
  if (!meta) user_error("{}: the log does not say which model it tuned; give --model", o.log);
  nlohmann::json j = nlohmann::json::parse(*meta, nullptr, false);
  if (!j.is_array()) user_error("{}: its task list is corrupt; give --model", o.log);
  for (const auto& t : j)
    tasks.push_back({t.value("workload_key", ""), t.value("description", ""), t.value("weight", 1)});
  return tasks;
}

int run_compare(const CompareOptions& o) {
  TuningLog log = TuningLog::open(o.log, LogOpenMode::MustExist);
  std::vector<HistoryTask> tasks = tasks_of(o, log);
  std::vector<std::string> warnings;
  std::vector<TuningRecord> records = log.read_all(&warnings);
  for (const std::string& w : warnings) fmt::print(stderr, "warning: {}\n", w);
  Target target = Target::parse_or_host(o.target);
  int threads = o.threads;
  if (threads == 0)
    if (auto t = log.get_meta("threads")) threads = std::atoi(t->c_str());
  TuningHistory h = tuning_history(records, tasks, target, threads);
  std::string model = o.model.empty() ? log.get_meta("model").value_or("?") : o.model;

  if (!o.csv.empty()) {
    std::ofstream csv(o.csv);
    if (!csv) user_error("cannot write '{}'", o.csv);
    csv << "curve,trials,latency_ms\n";
    for (const CurvePoint& p : h.end_to_end) csv << "end_to_end," << p.trials << "," << p.latency_s * 1e3 << "\n";
    for (size_t t = 0; t < tasks.size(); ++t)
      for (const CurvePoint& p : h.per_task[t])
        if (std::isfinite(p.latency_s)) csv << "task" << t << "," << p.trials << "," << p.latency_s * 1e3 << "\n";
  }
  if (!o.svg.empty()) {
    std::ofstream svg(o.svg);
    if (!svg) user_error("cannot write '{}'", o.svg);
    svg << svg_plot({{"estimated end to end", improvements(h.end_to_end)}},
                    fmt::format("{}: estimated latency against trials", model));
  }
  if (o.json) {
    nlohmann::json curve = nlohmann::json::array();
    for (const CurvePoint& p : improvements(h.end_to_end)) curve.push_back({{"trials", p.trials}, {"latency_ms", p.latency_s * 1e3}});
    fmt::print("{}\n", curve.dump(2));
    return kExitOk;
  }
  fmt::print("model {} ({} tasks), log {}, {} records for this CPU\n", model, tasks.size(), o.log,
             h.end_to_end.empty() ? 0 : h.end_to_end.back().trials);
  if (h.end_to_end.empty()) {
    fmt::print("no estimate yet: not every task has a valid measurement\n");
  } else {
    fmt::print("\n{:>8}  {:>14}  {:>9}\n", "trials", "est. latency", "speedup");
    double first = h.end_to_end.front().latency_s;
    size_t n = h.end_to_end.size();
    int rows = std::max(o.rows, 2);
    size_t last_printed = SIZE_MAX;
    for (int r = 0; r < rows; ++r) {
      size_t i = r + 1 == rows ? n - 1 : size_t(double(n - 1) * r / (rows - 1));
      if (i == last_printed) continue;
      last_printed = i;
      const CurvePoint& p = h.end_to_end[i];
      fmt::print("{:>8}  {:>11.3f} ms  {:>8.2f}x\n", p.trials, p.latency_s * 1e3, first / p.latency_s);
    }
    fmt::print("within 10% of the final estimate after {} trials\n", trials_to_within(h.end_to_end, 0.1));
  }
  fmt::print("\n{:>3}  {:<58} {:>6} {:>12} {:>12} {:>10}\n", "#", "task", "trials", "first ms", "best ms", "to 10%");
  for (size_t t = 0; t < tasks.size(); ++t) {
    const auto& c = h.per_task[t];
    double first = NAN;
    for (const CurvePoint& p : c)
      if (std::isfinite(p.latency_s)) {
        first = p.latency_s;
        break;
      }
    std::string d = tasks[t].description.size() > 58 ? tasks[t].description.substr(0, 55) + "..." : tasks[t].description;
    fmt::print("{:>3}  {:<58} {:>6} {:>12.4f} {:>12.4f} {:>10}\n", t, d, c.size(), first * 1e3,
               c.empty() ? NAN : c.back().latency_s * 1e3, trials_to_within(c, 0.1));
  }
  return kExitOk;
}

}  // namespace

Subcommand add_compare_command(CLI::App& parent) {
  auto o = std::make_shared<CompareOptions>();
  CLI::App* app = parent.add_subcommand("compare", "Best latency against search trials, per task and end to end");
  app->add_option("--log", o->log, "Tuning log (SQLite)")->required();
  app->add_option("--model", o->model, "Model whose tasks to report (default: the one the log was tuned for)");
  app->add_option("--csv", o->csv, "Also write every curve point to this CSV file");
  app->add_option("--svg", o->svg, "Also plot the end-to-end curve to this SVG file");
  app->add_option("--threads", o->threads, "Only records timed with this many threads (default: the log's)");
  app->add_option("--target", o->target, "Only records of this target (default: this machine)");
  app->add_option("--rows", o->rows, "Rows of the end-to-end table")->check(CLI::PositiveNumber)->capture_default_str();
  app->add_flag("--json", o->json, "Print the end-to-end curve as [{\"trials\", \"latency_ms\"}, ...]");
  return {app, [o]() { return run_compare(*o); }};
}

}  // namespace tt::cli
