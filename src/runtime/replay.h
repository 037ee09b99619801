// Replay: choosing each task's schedule from a tuning log — the fastest valid record measured on a
// compatible CPU with the same thread count, else the default schedule with the reason none applied. No search; the same log always gives the same choice.
#pragma once

#include <map>
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

// A tuning log replayed onto a model's tasks: each task's choice, and the chosen schedules by
// workload key (ExecutorOptions::task_schedules). UserError when the log does not exist or is not
// a tuning log; corrupt records are skipped with a line in `warnings`.
struct ReplayedLog {
  std::vector<ScheduleChoice> choices;  // per task
  std::map<std::string, std::vector<Step>> schedules;  // one per task that a record applies to
};
ReplayedLog replay_log(const std::string& path, const graph::TaskTable& tasks, const Target& target, int num_threads,
                       std::vector<std::string>* warnings);

}  // namespace tt
