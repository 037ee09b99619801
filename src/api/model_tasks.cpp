// Loading a model into tuning tasks; see model_tasks.h.
#include "src/api/model_tasks.h"

#include <algorithm>

#include "ir/error.h"
#include "ir/graph/passes/passes.h"
#include "ir/schedule/state.h"
#include "ir/te/canonical.h"
#include "ir/te/flop_count.h"
#include "src/frontend/load_model.h"

namespace tt {

LoadedModel load_and_fuse(const std::string& name_or_path) {
  return load_and_fuse(name_or_path, frontend::load_model(name_or_path));
}

LoadedModel load_and_fuse(const std::string& name, const graph::Graph& graph) {
  LoadedModel m;
  m.name = name;
  m.graph = graph::simplify_graph(graph);
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
    for (size_t i = 0; i < t.inputs.size(); ++i)
      if (t.constant_inputs[i]) tt.constant_inputs.push_back(t.inputs[i].name());
    tt.weight = t.weight;
    tt.flops = t.flops;
    tt.operator_kinds = t.description.substr(0, t.description.find(' '));
    out.push_back(std::move(tt));
  }
  return out;
}

TuneTask operator_task(const std::string& description, const std::vector<Tensor>& outputs,
                       const std::vector<std::string>& constant_inputs) {
  TuneTask t;
  t.outputs = outputs;
  t.inputs = ScheduleState(outputs).inputs();
  std::vector<bool> constant;
  for (const Tensor& in : t.inputs) {
    bool c = std::find(constant_inputs.begin(), constant_inputs.end(), in.name()) != constant_inputs.end();
    constant.push_back(c);
    if (c) t.constant_inputs.push_back(in.name());
  }
  if (t.constant_inputs.size() != constant_inputs.size())
    internal_error("operator task '{}': a constant input is not among its placeholders", description);
  t.workload_key = canonical_workload_key(canonical_workload_text(t.outputs, t.inputs, constant));
  t.description = description;
  t.weight = 1;
  t.flops = flop_count(outputs);
  t.operator_kinds = description.substr(0, description.find(' '));
  return t;
}

}  // namespace tt
