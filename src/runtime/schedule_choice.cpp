// Choosing one task's record from a tuning log; see schedule_choice.h.
#include "src/runtime/schedule_choice.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <map>

#include "search/record/apply_history.h"

namespace tt {

namespace {

// "ansor", or "autotvm conv2d_nchwc/xgb config 172" for a template record.
std::string strategy_of(const TuningRecord& r) {
  if (!r.config.is_object()) return r.strategy;
  return fmt::format("{} {}/{} config {}", r.strategy, r.config.value("template", "?"), r.config.value("tuner", "?"),
                     r.config.value("index", int64_t(-1)));
}

}  // namespace

ScheduleChoice schedule_choice(const graph::Task& task, const TuningRecord& record, bool fastest) {
  ScheduleChoice c;
  c.record_s = record.cost();
  c.from_log = true;
  c.steps = record.steps;
  c.reason = record.strategy == "default"
                 ? fmt::format("trial {}: the default schedule{} ({:.3f} ms)", record.trial,
                               fastest ? ", faster than every tuned record" : "", c.record_s * 1e3)
                 : fmt::format("trial {} ({}), {:.3f} ms", record.trial, strategy_of(record), c.record_s * 1e3);
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
  return c;
}

std::vector<ScheduleChoice> choose_schedules(const graph::TaskTable& tasks, const std::vector<TuningRecord>& records,
                                             const Target& target, int num_threads) {
  std::map<std::string, std::vector<TuningRecord>> by_key;
  for (const TuningRecord& r : records) by_key[r.workload_key].push_back(r);
  const std::vector<TuningRecord> no_records;
  std::vector<ScheduleChoice> choices;
  for (const graph::Task& task : tasks.tasks) {
    auto it = by_key.find(task.workload_key);
    const std::vector<TuningRecord>& mine = it == by_key.end() ? no_records : it->second;
    std::optional<TuningRecord> best = best_record(mine, task.workload_key, target, num_threads);
    if (best) {
      choices.push_back(schedule_choice(task, *best));
    } else {
      ScheduleChoice c;
      c.reason = why_no_record(mine, task.workload_key, target, num_threads);
      choices.push_back(c);
    }
  }
  return choices;
}

}  // namespace tt
