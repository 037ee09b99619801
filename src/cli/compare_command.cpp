// `tensortune compare --log A.db [--log B.db ...]`: best latency against search trials, per task and
// estimated end to end, for one log or several side by side (strategies and tuners compared on the
// same tasks): the best reached after 50, 100, 200, 500, 1000... trials and the tuning time each
// took, as a table, CSV, JSON and one SVG plot with a line per log.
#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "codegen/target.h"
#include "ir/error.h"
#include "search/record/tuning_log.h"
#include "search/tune/history.h"
#include "src/api/model_tasks.h"
#include "src/cli/commands.h"
#include "src/cli/validators.h"

namespace tt::cli {

namespace {

// The budgets the tables report, as TVM users quote them; a log's own total is added as "final".
const std::vector<int> kDefaultBudgets = {50, 100, 200, 500, 1000, 2000, 5000, 10000};

struct CompareOptions {
  std::vector<std::string> logs;
  std::string model, csv, svg, target;
  std::vector<int> budgets;
  int threads = 0;
  int rows = 10;
  bool json = false;
};

struct LogCurves {
  std::string path, label;
  TuningHistory history;
  int records = 0;     // records that count (this target and thread count, these tasks)
  double tuning_s = 0;  // tuning_seconds of the last of them
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
  if (!meta) user_error("{}: the log does not say which model it tuned; give --model", log.path());
  nlohmann::json j = nlohmann::json::parse(*meta, nullptr, false);
  if (!j.is_array()) user_error("{}: its task list is corrupt; give --model", log.path());
  for (const auto& t : j)
    tasks.push_back({t.value("workload_key", ""), t.value("description", ""), t.value("weight", 1)});
  return tasks;
}

// "ansor", "autotvm/xgb", "ansor+autotvm/ga": the strategies (and the template search's tuners) of
// the searched records. The Winograd templates an ansor run measures beside its sketches are part
// of that strategy, not a tuner of their own.
std::string strategies_of(const std::vector<TuningRecord>& records) {
  std::set<std::string> names;
  for (const TuningRecord& r : records) {
    if (r.strategy == "default" || r.strategy == kConversionStrategy) continue;  // not a search
    std::string name = r.strategy;
    if (r.strategy == "autotvm" && r.config.is_object() && r.config.contains("tuner") && r.config["tuner"].is_string())
      name += "/" + r.config["tuner"].get<std::string>();
    names.insert(name);
  }
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : "+") + n;
  return out.empty() ? "default only" : out;
}

std::vector<int> budgets_for(const CompareOptions& o, int max_trials) {
  std::vector<int> out;
  for (int b : o.budgets.empty() ? kDefaultBudgets : o.budgets)
    if (b < max_trials) out.push_back(b);
  out.push_back(max_trials);
  return out;
}

std::string ms_cell(double s) { return std::isfinite(s) ? fmt::format("{:.4g}", s * 1e3) : "-"; }

nlohmann::json point_json(const CurvePoint& p) {
  return {{"trials", p.trials},
          {"latency_ms", std::isfinite(p.latency_s) ? nlohmann::json(p.latency_s * 1e3) : nlohmann::json(nullptr)},
          {"elapsed_s", p.elapsed_s}};
}

nlohmann::json budgets_json(const std::vector<CurvePoint>& curve, const std::vector<int>& budgets) {
  nlohmann::json out = nlohmann::json::array();
  for (int b : budgets) {
    nlohmann::json p = point_json(at_trials(curve, b));
    p["budget"] = b;
    out.push_back(p);
  }
  return out;
}

// The single-log report: the end-to-end curve sampled in `rows` rows, then the tasks.
void print_one(const CompareOptions& o, const LogCurves& l, const std::string& model) {
  const TuningHistory& h = l.history;
  fmt::print("model {} ({} tasks), log {} ({}), {} records for this CPU, {} of tuning\n", model, h.tasks.size(),
             l.path, l.label, l.records, duration(l.tuning_s));
  if (h.end_to_end.empty()) {
    fmt::print("no estimate yet: not every task has a valid measurement\n");
  } else {
    fmt::print("\n{:>8}  {:>14}  {:>9}  {:>9}\n", "trials", "est. latency", "speedup", "time");
    double first = h.end_to_end.front().latency_s;
    size_t n = h.end_to_end.size();
    int rows = std::max(o.rows, 2);
    size_t last_printed = SIZE_MAX;
    for (int r = 0; r < rows; ++r) {
      size_t i = r + 1 == rows ? n - 1 : size_t(double(n - 1) * r / (rows - 1));
      if (i == last_printed) continue;
      last_printed = i;
      const CurvePoint& p = h.end_to_end[i];
      fmt::print("{:>8}  {:>11.3f} ms  {:>8.2f}x  {:>9}\n", p.trials, p.latency_s * 1e3, first / p.latency_s,
                 duration(p.elapsed_s));
    }
    fmt::print("within 10% of the final estimate after {} trials\n", trials_to_within(h.end_to_end, 0.1));
  }
  fmt::print("\n{:>3}  {:<58} {:>6} {:>12} {:>12} {:>10}\n", "#", "task", "trials", "first ms", "best ms", "to 10%");
  for (size_t t = 0; t < h.tasks.size(); ++t) {
    const auto& c = h.per_task[t];
    double first = NAN;
    for (const CurvePoint& p : c)
      if (std::isfinite(p.latency_s)) {
        first = p.latency_s;
        break;
      }
    std::string d = h.tasks[t].description.size() > 58 ? h.tasks[t].description.substr(0, 55) + "..." : h.tasks[t].description;
    fmt::print("{:>3}  {:<58} {:>6} {:>12.4f} {:>12.4f} {:>10}\n", t, d, c.size(), first * 1e3,
               c.empty() ? NAN : c.back().latency_s * 1e3, trials_to_within(c, 0.1));
  }
}

// Several logs side by side: end to end by budget, then each task by budget.
void print_side_by_side(const CompareOptions& o, const std::vector<LogCurves>& logs, const std::string& model) {
  fmt::print("model {} ({} tasks)\n", model, logs[0].history.tasks.size());
  int max_trials = 0;
  for (size_t i = 0; i < logs.size(); ++i) {
    fmt::print("  {}  {}  {}: {} records, {} of tuning\n", char('A' + i), logs[i].path, logs[i].label,
               logs[i].records, duration(logs[i].tuning_s));
    max_trials = std::max(max_trials, logs[i].records);
  }
  std::vector<int> budgets = budgets_for(o, max_trials);
  std::string header = fmt::format("{:>8}", "trials");
  for (size_t i = 0; i < logs.size(); ++i) header += fmt::format("  {:>12} {:>8}", fmt::format("{} ms", char('A' + i)), "time");
  fmt::print("\nestimated end-to-end latency after N trials (time: tuning time to reach N)\n{}\n", header);
  for (int b : budgets) {
    std::string row = fmt::format("{:>8}", b);
    for (const LogCurves& l : logs) {
      CurvePoint p = at_trials(l.history.end_to_end, b);
      bool reached = l.records >= b || b == max_trials;
      row += fmt::format("  {:>12} {:>8}", ms_cell(p.latency_s), reached && p.trials ? duration(p.elapsed_s) : "-");
    }
    fmt::print("{}\n", row);
  }
  fmt::print("\nbest latency of each task after N of its trials (ms)\n");
  for (size_t t = 0; t < logs[0].history.tasks.size(); ++t) {
    fmt::print("{:>3}  {}\n", t, logs[0].history.tasks[t].description);
    int task_max = 0;
    for (const LogCurves& l : logs) task_max = std::max(task_max, int(l.history.per_task[t].size()));
    std::vector<int> task_budgets = budgets_for(o, task_max);
    std::string head = "       ";
    for (int b : task_budgets) head += fmt::format(" {:>10}", b);
    fmt::print("{} {:>9}\n", head, "last at");
    for (size_t i = 0; i < logs.size(); ++i) {
      const auto& curve = logs[i].history.per_task[t];
      std::string row = fmt::format("     {} ", char('A' + i));
      for (int b : task_budgets) row += fmt::format(" {:>10}", ms_cell(at_trials(curve, b).latency_s));
      fmt::print("{} {:>9}\n", row, curve.empty() ? "-" : duration(curve.back().elapsed_s));
    }
  }
}

int run_compare(const CompareOptions& o) {
  if (o.logs.empty()) user_error("compare needs --log FILE (one or more)");
  Target target = Target::parse_or_host(o.target);
  std::vector<LogCurves> logs;
  std::vector<HistoryTask> tasks;
  std::string model = o.model;
  for (const std::string& path : o.logs) {
    TuningLog log = TuningLog::open(path, LogOpenMode::MustExist);
    if (tasks.empty()) tasks = tasks_of(o, log);
    if (model.empty()) model = log.get_meta("model").value_or("?");
    std::vector<std::string> warnings;
    std::vector<TuningRecord> records = log.read_all(&warnings);
    for (const std::string& w : warnings) fmt::print(stderr, "warning: {}\n", w);
    int threads = o.threads;
    if (threads == 0)
      if (auto t = log.get_meta("threads")) threads = std::atoi(t->c_str());
    LogCurves l;
    l.path = path;
    l.label = strategies_of(records);
    l.history = tuning_history(records, tasks, target, threads);
    for (const auto& c : l.history.per_task) {
      l.records += int(c.size());
      if (!c.empty()) l.tuning_s = std::max(l.tuning_s, c.back().elapsed_s);
    }
    logs.push_back(std::move(l));
  }

  if (!o.csv.empty()) {
    std::ofstream csv(o.csv);
    if (!csv) user_error("cannot write '{}'", o.csv);
    csv << "log,curve,trials,latency_ms,elapsed_s\n";
    for (const LogCurves& l : logs) {
      for (const CurvePoint& p : l.history.end_to_end)
        csv << l.path << ",end_to_end," << p.trials << "," << p.latency_s * 1e3 << "," << p.elapsed_s << "\n";
      for (size_t t = 0; t < tasks.size(); ++t)
        for (const CurvePoint& p : l.history.per_task[t])
          if (std::isfinite(p.latency_s))
            csv << l.path << ",task" << t << "," << p.trials << "," << p.latency_s * 1e3 << "," << p.elapsed_s << "\n";
    }
  }
  if (!o.svg.empty()) {
    std::ofstream svg(o.svg);
    if (!svg) user_error("cannot write '{}'", o.svg);
    std::vector<std::pair<std::string, std::vector<CurvePoint>>> curves;
    for (size_t i = 0; i < logs.size(); ++i) {
      std::string name = logs.size() == 1 ? "estimated end to end"
                                          : fmt::format("{} {}", std::filesystem::path(logs[i].path).stem().string(),
                                                        logs[i].label);
      curves.push_back({name, improvements(logs[i].history.end_to_end)});
    }
    svg << svg_plot(curves, fmt::format("{}: estimated latency against trials", model));
  }
  if (o.json) {
    nlohmann::json out = {{"model", model}, {"logs", nlohmann::json::array()}};
    for (const LogCurves& l : logs) {
      nlohmann::json curve = nlohmann::json::array();
      for (const CurvePoint& p : improvements(l.history.end_to_end)) curve.push_back(point_json(p));
      nlohmann::json task_list = nlohmann::json::array();
      for (size_t t = 0; t < tasks.size(); ++t) {
        const auto& c = l.history.per_task[t];
        task_list.push_back({{"workload_key", tasks[t].workload_key},
                             {"description", tasks[t].description},
                             {"trials", c.size()},
                             {"budgets", budgets_json(c, budgets_for(o, int(c.size())))}});
      }
      out["logs"].push_back({{"path", l.path},
                             {"strategies", l.label},
                             {"records", l.records},
                             {"tuning_s", l.tuning_s},
                             {"end_to_end", curve},
                             {"budgets", budgets_json(l.history.end_to_end, budgets_for(o, l.records))},
                             {"tasks", task_list}});
    }
    fmt::print("{}\n", out.dump(2));
    return kExitOk;
  }
  if (logs.size() == 1) print_one(o, logs[0], model);
  else print_side_by_side(o, logs, model);
  return kExitOk;
}

}  // namespace

Subcommand add_compare_command(CLI::App& parent) {
  auto o = std::make_shared<CompareOptions>();
  CLI::App* app = parent.add_subcommand(
      "compare", "Best latency against search trials, per task and end to end, for one log or several side by side");
  app->add_option("--log", o->logs, "Tuning log (SQLite); repeat to compare logs (strategies, tuners) side by side")
      ->required();
  app->add_option("--model", o->model, "Model whose tasks to report (default: the one the first log was tuned for)");
  app->add_option("--budgets", o->budgets, "Trial counts the side-by-side tables report (default 50,100,200,500,...)")
      ->delimiter(',')
      ->check(integer_at_least(1));
  app->add_option("--csv", o->csv, "Also write every curve point to this CSV file (log, curve, trials, latency, time)");
  app->add_option("--svg", o->svg, "Also plot the end-to-end curves (one line per log) to this SVG file");
  app->add_option("--threads", o->threads, "Only records timed with this many threads (default: each log's)")
      ->check(integer_in(1, 1024));
  app->add_option("--target", o->target, "Only records of this target (default: this machine)");
  app->add_option("--rows", o->rows, "Rows of the single-log end-to-end table")->check(integer_at_least(1))->capture_default_str();
  app->add_flag("--json", o->json,
                "Print {\"model\", \"logs\": [{\"path\", \"strategies\", \"end_to_end\": [{\"trials\", \"latency_ms\", "
                "\"elapsed_s\"}], \"budgets\", \"tasks\"}]}");
  return {app, [o]() { return run_compare(*o); }};
}

}  // namespace tt::cli
