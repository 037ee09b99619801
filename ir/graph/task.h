// Tuning tasks: each fused group lowered to one tensor-expression subgraph with canonical names
// (placeholders p0, p1, ...; stages named after their operators), so identical groups anywhere in a
// model produce the same workload key and share one task.
#pragma once

#include <string>
#include <vector>

#include "ir/graph/fusion.h"
#include "ir/te/tensor.h"

namespace tt::graph {

struct Task {
  std::string workload_key;   // 16 hex digits: hash of the canonical workload text (ir/te/canonical.h)
  std::string description;    // readable: "conv2d+bias_add+relu 1x64x56x56 <- 1x64x56x56, 64x64x3x3, 64"
  std::vector<Tensor> inputs;   // placeholders, in the group's input order
  std::vector<bool> constant_inputs;  // per input: a constant of the model (a weight), part of the key
  std::vector<Tensor> outputs;  // one output: the group's value
  int weight = 0;               // how many groups of the model use this task
  int64_t flops = 0;            // of one execution
};

// The TE subgraph of one group.
Task lower_group(const Graph& graph, const FusedGroup& group);

struct TaskTable {
  std::vector<Task> tasks;         // distinct tasks, in order of first appearance
  std::vector<int> task_of_group;  // for each group, its task's index
};

TaskTable extract_tasks(const Graph& graph, const std::vector<FusedGroup>& groups);

}  // namespace tt::graph
