// A model as the tuning path sees it: loaded, simplified, fused, and split into tuning tasks. The public
// API (src/api/tensortune.cpp) and the command line share it.
#pragma once

#include <string>
#include <vector>

#include "ir/graph/fusion.h"
#include "ir/graph/graph.h"
#include "ir/graph/task.h"
#include "search/tune/tuner.h"
#include "tensortune/tensortune.h"

namespace tt {

struct LoadedModel {
  std::string name;
  graph::Graph graph;  // simplified
  std::vector<graph::FusedGroup> groups;
  graph::TaskTable tasks;
};

LoadedModel load_and_fuse(const std::string& name_or_path);
// The same for a graph built in memory, called `name`.
LoadedModel load_and_fuse(const std::string& name, const graph::Graph& graph);

// The tuner's view of the model's tasks.
std::vector<TuneTask> tune_tasks(const LoadedModel& model);

// One operator's TE graph as a tuning task (weight 1), keyed like a model's tasks: the placeholders
// named in `constant_inputs` are what a model holds as constants (its weights).
TuneTask operator_task(const std::string& description, const std::vector<Tensor>& outputs,
                       const std::vector<std::string>& constant_inputs = {});

// Tunes `tasks` (a model's, or one operator's) into options.log, recording `name` and the tasks in the
// log's metadata for `compare`; tensortune::tune and `tune op` both run through it.
tensortune::TuneProgress tune_task_list(const std::string& name, const std::vector<TuneTask>& tasks,
                                        const tensortune::TuneOptions& options);

}  // namespace tt
