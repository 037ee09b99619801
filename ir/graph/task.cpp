// Task extraction: each fused group lowered to one tensor-expression subgraph under canonical
// names, keyed by a hash of its canonical workload text (ir/te/canonical.h, not the printer), and
// identical groups merged into one weighted task.
#include "ir/graph/task.h"

#include <fmt/format.h>

#include <map>

#include "ir/error.h"
#include "ir/te/canonical.h"
#include "ir/te/flop_count.h"

namespace tt::graph {

Task lower_group(const Graph& graph, const FusedGroup& group) {
  Task task;
  std::map<NodeId, Tensor> value;
  std::string shapes;
  for (size_t i = 0; i < group.inputs.size(); ++i) {
    const TensorType& type = graph.node(group.inputs[i]).type;
    Tensor p = placeholder(type.shape, type.dtype, fmt::format("p{}", i));
    value[group.inputs[i]] = p;
    task.inputs.push_back(p);
    task.constant_inputs.push_back(graph.node(group.inputs[i]).kind == NodeKind::Constant);
    shapes += (i ? ", " : "") + shape_to_string(type.shape);
  }
  // Stages are named after their operators, numbered within the group ("add", "add_1"), never after
  // the model's node names, so the same group anywhere in any model prints the same text.
  std::map<std::string, int> count;
  for (NodeId id : group.nodes) {
    Node canonical = graph.node(id);
    TT_ASSERT(canonical.kind == NodeKind::Call, "group holds non-call node {}", canonical.name);
    int k = count[canonical.op]++;
    canonical.name = k == 0 ? canonical.op : fmt::format("{}_{}", canonical.op, k);
    std::vector<Tensor> args;
    for (NodeId in : canonical.inputs) {
      auto it = value.find(in);
      TT_ASSERT(it != value.end(), "group {} reads node {} that is neither inside nor an input",
                group.describe(graph), graph.node(in).name);
      args.push_back(it->second);
    }
    value[id] = lookup_op(canonical.op).to_te(canonical, args);
  }
  Tensor output = value.at(group.output);
  task.outputs = {output};
  // With the inputs in argument order, so groups that merge into one task also agree on which
  // argument is which: the executor binds every group's inputs to its task's kernel by position.
  task.workload_key =
      canonical_workload_key(canonical_workload_text(task.outputs, task.inputs, task.constant_inputs));
  task.description =
      fmt::format("{} {} <- {}", group.describe(graph), shape_to_string(output.shape()), shapes);
  task.flops = flop_count(task.outputs);
  return task;
}

TaskTable extract_tasks(const Graph& graph, const std::vector<FusedGroup>& groups) {
  TaskTable table;
  std::map<std::string, int> index_of_key;
  for (const FusedGroup& group : groups) {
    Task task = lower_group(graph, group);
    auto [it, inserted] = index_of_key.emplace(task.workload_key, int(table.tasks.size()));
    if (inserted) table.tasks.push_back(std::move(task));
    table.tasks[it->second].weight += 1;
    table.task_of_group.push_back(it->second);
  }
  return table;
}

}  // namespace tt::graph
