// Choosing schedules from a tuning log; see replay.h.
#include "src/runtime/replay.h"

#include <set>

#include "search/record/tuning_log.h"

namespace tt {

ReplayedLog replay_log(const std::string& path, const graph::Graph& graph, const std::vector<graph::FusedGroup>& groups,
                       const graph::TaskTable& tasks, const Target& target, int num_threads,
                       std::vector<std::string>* warnings) {
  TuningLog log = TuningLog::open(path, LogOpenMode::MustExist);
  ReplayedLog out;
  std::vector<TuningRecord> records = log.read_all(warnings);
  out.layout = choose_with_layouts(graph, groups, tasks, records, target, num_threads);
  for (size_t t = 0; t < out.layout.choices.size(); ++t)
    if (out.layout.choices[t].from_log) out.schedules[tasks.tasks[t].workload_key] = out.layout.choices[t].steps;
  std::set<std::string> keys;
  for (const graph::Task& t : tasks.tasks) keys.insert(t.workload_key);
  for (const TuningRecord& r : records)
    if (keys.count(r.workload_key)) out.log_threads.insert(r.num_threads);
  return out;
}

}  // namespace tt
