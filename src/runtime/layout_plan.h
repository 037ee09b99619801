// The graph-level layout pass (TVM's AlterOpLayout, driven by records instead of rules): where a
// tuned schedule asks for an activation in a blocked layout (a conv2d_nchwc record stores its data,
// residual and output channel-blocked), the values between the groups that agree stay in that
// layout, and a conversion is inserted only where a producer's layout differs from what a consumer
// reads. Groups that do not ask for layouts themselves — default schedules, and tuned pooling,
// element-wise and injective groups — adopt their neighbours' layouts instead of forcing a
// conversion: such a group reads its inputs in the layout they are stored in and writes its output
// in the layout its fixed consumers read (or, for a group of its input's shape, in its input's
// layout), so the conversions are fused into it. Tuned convolutions, dense and batch_matmul keep
// the layout their record was timed in — depthwise ones too when their record asks for blocked
// layouts (depthwise_conv2d_nchwc); an NCHW depthwise record (memory-bound) adopts instead.
// Without records nothing changes.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ir/graph/fusion.h"
#include "ir/graph/graph.h"
#include "ir/graph/task.h"
#include "ir/schedule/step.h"

namespace tt {

// A storage layout of a value: a layout_rewrite's factors and order (its tensor name is the reading
// or writing task's own and is ignored in comparisons). Empty optional: the model's layout.
using ValueLayout = std::optional<LayoutRewriteStep>;
bool same_layout(const ValueLayout& a, const ValueLayout& b);
std::string layout_to_string(const ValueLayout& layout, const std::vector<int64_t>& shape);

struct GroupLayout {
  std::vector<ValueLayout> inputs;  // per group input position: the layout its kernel reads it in
  ValueLayout output;               // the layout its kernel writes its output in
  // Layout steps the pass adds to a default-scheduled group's schedule (adopted layouts).
  std::vector<Step> adopted;
};

// A value converted from the layout it is stored in to the one a group reads it in; done once per
// value and target layout, right after the value is produced (or at the start, for graph inputs).
struct LayoutConversion {
  graph::NodeId value = -1;
  ValueLayout from, to;
};

struct LayoutPlan {
  std::vector<GroupLayout> groups;
  std::vector<LayoutConversion> conversions;
  std::vector<ValueLayout> stored;  // per node: the layout its value is kept in (groups' outputs)
};

// What one task's schedule reads and writes: per input the layout its kernel reads it in, the layout
// it writes its output in, and whether it keeps them (`fixed`: it asks for blocked activations, or
// it is a tuned compute-bound reduction) or adopts its neighbours' layouts.
struct TaskLayouts {
  std::vector<ValueLayout> inputs;
  ValueLayout output;
  bool fixed = false;
};
TaskLayouts task_layouts(const graph::Task& task, const std::vector<Step>& steps, bool tuned);

// The plan from each task's layouts (task_layouts); cheap, so a layout choice can weigh many.
LayoutPlan plan_layouts(const graph::Graph& graph, const std::vector<graph::FusedGroup>& groups,
                        const graph::TaskTable& tasks, const std::vector<TaskLayouts>& layouts);

// `steps`: each task's schedule (tuned or default); `tuned`: whether it came from a record. Graph outputs are always converted back to the model's layout
// by the executor, not here.
LayoutPlan plan_layouts(const graph::Graph& graph, const std::vector<graph::FusedGroup>& groups,
                        const graph::TaskTable& tasks, const std::vector<std::vector<Step>>& steps,
                        const std::vector<bool>& tuned);

}  // namespace tt
