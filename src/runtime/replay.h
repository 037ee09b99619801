// Replay: choosing each task's schedule from a tuning log — the fastest valid record measured on a
// compatible CPU with the same thread count, else the default schedule with the reason none applied. No search; the same log always gives the same choice.
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

std::vector<ScheduleChoice> choose_schedules(const graph::TaskTable& tasks, const std::vector<TuningRecord>& records,
                                             const Target& target, int num_threads);

}  // namespace tt
