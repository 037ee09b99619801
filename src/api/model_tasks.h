// A model as the tuning path sees it: loaded, simplified, fused, and split into tuning tasks. The public
// API (src/api/tensortune.cpp) and the command line share it.
#pragma once

#include <string>
#include <vector>

#include "ir/graph/fusion.h"
#include "ir/graph/graph.h"
#include "ir/graph/task.h"
#include "search/tune/tuner.h"

namespace tt {

struct LoadedModel {
  std::string name;
  graph::Graph graph;  // simplified
  std::vector<graph::FusedGroup> groups;
  graph::TaskTable tasks;
};

LoadedModel load_and_fuse(const std::string& name_or_path);

// The tuner's view of the model's tasks.
std::vector<TuneTask> tune_tasks(const LoadedModel& model);

}  // namespace tt
