// Choosing schedules from a tuning log; see replay.h.
#include "src/runtime/replay.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <map>

#include "search/record/apply_history.h"
#include "search/record/tuning_log.h"

namespace tt {

namespace {

// "ansor", or "autotvm conv2d_nchwc/xgb config 172" for a template record.
std::string strategy_of(const TuningRecord& r) {
  if (!r.config.is_object()) return r.strategy;
  return fmt::format("{} {}/{} config {}", r.strategy, r.config.value("template", "?"), r.config.value("tuner", "?"),
                     r.config.value("index", int64_t(-1)));
}

}  // namespace

std::vector<ScheduleChoice> choose_schedules(const graph::TaskTable& tasks, const std::vector<TuningRecord>& records,
                                             const Target& target, int num_threads) {
  std::map<std::string, std::vector<TuningRecord>> by_key;
  for (const TuningRecord& r : records) by_key[r.workload_key].push_back(r);
  const std::vector<TuningRecord> no_records;
  std::vector<ScheduleChoice> choices;
  for (const graph::Task& task : tasks.tasks) {
    ScheduleChoice c;
    auto it = by_key.find(task.workload_key);
    const std::vector<TuningRecord>& mine = it == by_key.end() ? no_records : it->second;
    std::optional<TuningRecord> best = best_record(mine, task.workload_key, target, num_threads);
    if (!best) {
      c.reason = why_no_record(mine, task.workload_key, target, num_threads);
      choices.push_back(c);
      continue;
    }
    c.record_s = best->cost();
    c.from_log = true;
    c.steps = best->steps;
    c.reason = best->strategy == "default"
                   ? fmt::format("trial {}: the default schedule, faster than every tuned record ({:.3f} ms)",
                                 best->trial, c.record_s * 1e3)
                   : fmt::format("trial {} ({}), {:.3f} ms", best->trial, strategy_of(*best), c.record_s * 1e3);
    // Say which weights the record stores repacked (the executor packs them once at load) and which
    // activations it reads or writes channel-blocked (the layout pass keeps them so between groups).
    std::vector<std::string> packed, blocked;
    for (const Step& s : c.steps) {
      const auto* layout = std::get_if<LayoutRewriteStep>(&s);
      if (!layout) continue;
      for (size_t i = 0; i < task.inputs.size(); ++i) {
        if (task.inputs[i].name() != layout->tensor) continue;
        std::string text = fmt::format("{} ({})", task.inputs[i].name(), shape_to_string(task.inputs[i].shape()));
        (i < task.constant_inputs.size() && task.constant_inputs[i] ? packed : blocked).push_back(text);
      }
      if (layout->tensor == task.outputs[0].name()) blocked.push_back("the output");
    }
    if (!packed.empty()) c.reason += fmt::format("; weights {} packed in loop order", fmt::join(packed, ", "));
    if (!blocked.empty()) c.reason += fmt::format("; {} stored channel-blocked", fmt::join(blocked, ", "));
    choices.push_back(c);
  }
  return choices;
}

ReplayedLog replay_log(const std::string& path, const graph::TaskTable& tasks, const Target& target, int num_threads,
                       std::vector<std::string>* warnings) {
  TuningLog log = TuningLog::open(path, LogOpenMode::MustExist);
  ReplayedLog out;
  out.choices = choose_schedules(tasks, log.read_all(warnings), target, num_threads);
  for (size_t t = 0; t < out.choices.size(); ++t)
    if (out.choices[t].from_log) out.schedules[tasks.tasks[t].workload_key] = out.choices[t].steps;
  return out;
}

}  // namespace tt
