// Choosing schedules from a tuning log; see replay.h.
#include "src/runtime/replay.h"

#include <fmt/format.h>

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
    choices.push_back(c);
  }
  return choices;
}

}  // namespace tt
