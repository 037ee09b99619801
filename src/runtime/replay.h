// Replay: building a model's schedules from a tuning log without searching — every task's record
// chosen together with the layouts they imply (layout_choice.h), the default schedule where no
// record applies. The same log always gives the same choice.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "codegen/target.h"
#include "ir/graph/fusion.h"
#include "ir/graph/graph.h"
#include "ir/graph/task.h"
#include "src/runtime/layout_choice.h"

namespace tt {

// A tuning log replayed onto a model: every task's record chosen with the layouts they imply and
// the measured cost of the conversions between them (layout_choice.h), and the chosen schedules by
// workload key (ExecutorOptions::task_schedules). UserError when the log does not exist or is not
// a tuning log; corrupt records are skipped with a line in `warnings`.
struct ReplayedLog {
  LayoutChoice layout;  // its `choices`: per task
  std::map<std::string, std::vector<Step>> schedules;  // one per task that a record applies to
  std::set<int> log_threads;  // thread counts the log holds records of these tasks at
};
ReplayedLog replay_log(const std::string& path, const graph::Graph& graph, const std::vector<graph::FusedGroup>& groups,
                       const graph::TaskTable& tasks, const Target& target, int num_threads,
                       std::vector<std::string>* warnings);

}  // namespace tt
