// Choosing schedules from a tuning log; see replay.h.
#include "src/runtime/replay.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <map>
#include <set>

#include "search/record/apply_history.h"

namespace tt {

std::vector<ScheduleChoice> choose_schedules(const graph::TaskTable& tasks, const std::vector<TuningRecord>& records,
                                             const Target& target, int num_threads) {
  std::map<std::string, std::vector<TuningRecord>> by_key;
  for (const TuningRecord& r : records) by_key[r.workload_key].push_back(r);
  std::vector<ScheduleChoice> choices;
  for (const graph::Task& task : tasks.tasks) {
    ScheduleChoice c;
    auto it = by_key.find(task.workload_key);
    if (it == by_key.end()) {
      c.reason = "no record for this workload in the log";
      choices.push_back(c);
      continue;
    }
    const std::vector<TuningRecord>& mine = it->second;
    std::optional<TuningRecord> best = best_record(mine, task.workload_key, target, num_threads);
    std::string note;
    if (!best) {
      best = best_record(mine, task.workload_key, target, 0);
      if (best) note = fmt::format(", timed with {} threads (none at {})", best->num_threads, num_threads);
    }
    if (!best) {
      std::set<std::string> other_targets;
      int valid = 0;
      for (const TuningRecord& r : mine) {
        if (!target_compatible(r.target, target)) other_targets.insert(r.target);
        else if (r.valid()) valid++;
      }
      c.reason = !other_targets.empty() && valid == 0
                     ? fmt::format("{} records, all measured on other CPUs ({})", mine.size(),
                                   fmt::join(other_targets, "; "))
                     : fmt::format("{} records, none valid on this CPU", mine.size());
      choices.push_back(c);
      continue;
    }
    c.record_s = best->cost();
    c.from_log = true;
    c.steps = best->steps;
    c.reason = best->strategy == "default"
                   ? fmt::format("trial {}: the default schedule, faster than every tuned record ({:.3f} ms{})",
                                 best->trial, c.record_s * 1e3, note)
                   : fmt::format("trial {} ({}), {:.3f} ms{}", best->trial, best->strategy, c.record_s * 1e3, note);
    choices.push_back(c);
  }
  return choices;
}

}  // namespace tt
