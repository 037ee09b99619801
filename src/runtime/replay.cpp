// Choosing schedules from a tuning log; see replay.h.
#include "src/runtime/replay.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <map>

#include "search/record/apply_history.h"

namespace tt {

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
                   : fmt::format("trial {} ({}), {:.3f} ms", best->trial, best->strategy, c.record_s * 1e3);
    // Say which weights the record stores repacked (the executor packs them once at load).
    std::vector<std::string> packed;
    for (const Step& s : c.steps)
      if (const auto* layout = std::get_if<LayoutRewriteStep>(&s))
        for (const Tensor& in : task.inputs)
          if (in.name() == layout->tensor) packed.push_back(fmt::format("{} ({})", in.name(), shape_to_string(in.shape())));
    if (!packed.empty()) c.reason += fmt::format("; weights {} packed in loop order", fmt::join(packed, ", "));
    choices.push_back(c);
  }
  return choices;
}

}  // namespace tt
