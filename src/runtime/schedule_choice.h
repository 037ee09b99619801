// One task's schedule as replay chooses it from a tuning log: the record (or the default schedule,
// with the reason none applied), and the per-task choice that ignores layouts — each task's fastest
// valid record measured on a compatible CPU with the same thread count. No search; the same log
// always gives the same choice.
#pragma once

#include <string>
#include <vector>

#include "codegen/target.h"
#include "ir/graph/task.h"
#include "search/record/tuning_record.h"

namespace tt {

struct ScheduleChoice {
  bool from_log = false;
  std::vector<Step> steps;  // from_log only
  std::string reason;       // what was chosen, or why no record applied
  double record_s = 0;      // the chosen record's measured cost
};

// The choice of one record for `task` (its reason names the record, packed weights, blocked
// activations); `fastest`: it is the task's fastest record.
ScheduleChoice schedule_choice(const graph::Task& task, const TuningRecord& record, bool fastest = true);

// Each task's fastest record on its own, ignoring what its layouts cost its neighbours.
std::vector<ScheduleChoice> choose_schedules(const graph::TaskTable& tasks, const std::vector<TuningRecord>& records,
                                             const Target& target, int num_threads);

}  // namespace tt
