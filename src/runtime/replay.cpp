// Choosing schedules from a tuning log; see replay.h.
#include "src/runtime/replay.h"

#include "search/record/tuning_log.h"

namespace tt {

ReplayedLog replay_log(const std::string& path, const graph::Graph& graph, const std::vector<graph::FusedGroup>& groups,
                       const graph::TaskTable& tasks, const Target& target, int num_threads,
                       std::vector<std::string>* warnings) {
  TuningLog log = TuningLog::open(path, LogOpenMode::MustExist);
  ReplayedLog out;
  out.layout = choose_with_layouts(graph, groups, tasks, log.read_all(warnings), target, num_threads);
  out.choices = out.layout.choices;
  for (size_t t = 0; t < out.choices.size(); ++t)
    if (out.choices[t].from_log) out.schedules[tasks.tasks[t].workload_key] = out.choices[t].steps;
  return out;
}

}  // namespace tt
