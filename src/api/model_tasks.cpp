// Loading a model into tuning tasks; see model_tasks.h.
#include "src/api/model_tasks.h"

#include "ir/graph/passes/passes.h"
#include "src/frontend/load_model.h"

namespace tt {

LoadedModel load_and_fuse(const std::string& name_or_path) {
  LoadedModel m;
  m.name = name_or_path;
  m.graph = graph::simplify_graph(frontend::load_model(name_or_path));
  m.groups = graph::fuse_operators(m.graph);
  m.tasks = graph::extract_tasks(m.graph, m.groups);
  return m;
}

std::vector<TuneTask> tune_tasks(const LoadedModel& model) {
  std::vector<TuneTask> out;
  for (const graph::Task& t : model.tasks.tasks) {
    TuneTask tt;
    tt.workload_key = t.workload_key;
    tt.description = t.description;
    tt.inputs = t.inputs;
    tt.outputs = t.outputs;
    tt.weight = t.weight;
    tt.flops = t.flops;
    tt.operator_kinds = t.description.substr(0, t.description.find(' '));
    out.push_back(std::move(tt));
  }
  return out;
}

}  // namespace tt
