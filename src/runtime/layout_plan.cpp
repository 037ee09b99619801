// The graph-level layout pass; see layout_plan.h.
#include "src/runtime/layout_plan.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "ir/error.h"
#include "ir/schedule/layout.h"
#include "ir/schedule/state.h"
#include "ir/te/ops.h"
#include "ir/te/winograd.h"

namespace tt {

bool same_layout(const ValueLayout& a, const ValueLayout& b) {
  if (!a || !b) return !a && !b;
  return a->factors == b->factors && a->order == b->order;
}

std::string layout_to_string(const ValueLayout& layout, const std::vector<int64_t>& shape) {
  if (!layout) return shape_to_string(shape);
  return fmt::format("{} blocked as {}", shape_to_string(shape), shape_to_string(packed_shape(*layout, shape)));
}

namespace {

bool is_activation(const graph::Graph& graph, graph::NodeId id) {
  return graph.node(id).kind != graph::NodeKind::Constant;
}

ValueLayout renamed(const ValueLayout& layout, const std::string& tensor) {
  if (!layout) return layout;
  LayoutRewriteStep s = *layout;
  s.tensor = tensor;
  return s;
}

// Whether an input's layout carries over to the output: the same rank, and the same extent in every
// dimension it splits (a pooling's channel-blocked input gives its output the same blocks, though
// the map is smaller).
bool layout_fits(const LayoutRewriteStep& layout, const std::vector<int64_t>& input, const std::vector<int64_t>& output) {
  if (input.size() != output.size() || layout.factors.size() != output.size()) return false;
  for (size_t d = 0; d < output.size(); ++d)
    if (!layout.factors[d].empty() && input[d] != output[d]) return false;
  return true;
}

}  // namespace

TaskLayouts task_layouts(const graph::Task& task, const std::vector<Step>& steps, bool tuned) {
  TaskLayouts out;
  ScheduleState state(task.outputs);
  state.apply(steps);
  for (const Tensor& in : task.inputs) {
    const LayoutRewriteStep* l = state.layout_of(in.name());
    out.inputs.push_back(l ? ValueLayout(*l) : std::nullopt);
  }
  const LayoutRewriteStep* written = state.layout_of(task.outputs[0].name());
  out.output = written ? ValueLayout(*written) : std::nullopt;
  // A group keeps its own layouts when its schedule asks for blocked activations, or when it is a
  // tuned compute-bound reduction (its record's vector loads assume its layout); the others (default
  // schedules, pooling, element-wise and injective groups) only index their buffers and adopt their
  // neighbours' layouts.
  bool asks = out.output.has_value();
  for (size_t i = 0; i < task.inputs.size(); ++i)
    asks |= out.inputs[i].has_value() && !(i < task.constant_inputs.size() && task.constant_inputs[i]);
  bool compute_bound = false;
  for (const Stage& st : state.stages())
    compute_bound |= st.has_reduction() && (st.op->tag == ops::kTagConv2d || st.op->tag == ops::kTagDense ||
                                            st.op->tag == ops::kTagBatchMatmul || st.op->tag == winograd::kTagGemm);
  out.fixed = asks || (tuned && compute_bound);
  return out;
}

LayoutPlan plan_layouts(const graph::Graph& graph, const std::vector<graph::FusedGroup>& groups,
                        const graph::TaskTable& tasks, const std::vector<std::vector<Step>>& steps,
                        const std::vector<bool>& tuned) {
  TT_ASSERT(steps.size() == tasks.tasks.size() && tuned.size() == tasks.tasks.size(),
            "plan_layouts: {} schedules for {} tasks", steps.size(), tasks.tasks.size());
  std::vector<TaskLayouts> layouts;
  for (size_t t = 0; t < tasks.tasks.size(); ++t) layouts.push_back(task_layouts(tasks.tasks[t], steps[t], tuned[t]));
  return plan_layouts(graph, groups, tasks, layouts);
}

LayoutPlan plan_layouts(const graph::Graph& graph, const std::vector<graph::FusedGroup>& groups,
                        const graph::TaskTable& tasks, const std::vector<TaskLayouts>& layouts) {
  TT_ASSERT(layouts.size() == tasks.tasks.size(), "plan_layouts: {} layouts for {} tasks", layouts.size(),
            tasks.tasks.size());
  auto fixed = [&](int t) { return layouts[size_t(t)].fixed; };
  // The layouts tuned groups read each value in.
  std::map<graph::NodeId, std::vector<ValueLayout>> tuned_wants;
  for (size_t g = 0; g < groups.size(); ++g) {
    int t = tasks.task_of_group[g];
    if (!fixed(t)) continue;
    for (size_t p = 0; p < groups[g].inputs.size(); ++p)
      if (is_activation(graph, groups[g].inputs[p])) tuned_wants[groups[g].inputs[p]].push_back(layouts[size_t(t)].inputs[p]);
  }
  std::vector<graph::NodeId> graph_outputs = graph.outputs();

  LayoutPlan plan;
  plan.groups.resize(groups.size());
  plan.stored.assign(graph.nodes().size(), std::nullopt);
  for (size_t g = 0; g < groups.size(); ++g) {
    const int t = tasks.task_of_group[g];
    const graph::Task& task = tasks.tasks[size_t(t)];
    GroupLayout& gl = plan.groups[g];
    gl.inputs = layouts[size_t(t)].inputs;
    const graph::NodeId out = groups[g].output;
    if (fixed(t)) {
      gl.output = layouts[size_t(t)].output;
    } else {
      ValueLayout same_shape_input;
      for (size_t p = 0; p < groups[g].inputs.size(); ++p) {
        graph::NodeId v = groups[g].inputs[p];
        if (!is_activation(graph, v) || gl.inputs[p]) continue;
        if (!plan.stored[size_t(v)]) continue;
        gl.inputs[p] = renamed(plan.stored[size_t(v)], task.inputs[p].name());
        gl.adopted.push_back(*gl.inputs[p]);
        if (layout_fits(*gl.inputs[p], graph.node(v).type.shape, graph.node(out).type.shape))
          same_shape_input = gl.inputs[p];
      }
      const bool graph_output = std::find(graph_outputs.begin(), graph_outputs.end(), out) != graph_outputs.end();
      if (!graph_output && !layouts[size_t(t)].output) {
        ValueLayout chosen;
        auto wants = tuned_wants.find(out);
        bool agree = wants != tuned_wants.end() && !wants->second.empty();
        for (size_t i = 1; agree && i < wants->second.size(); ++i) agree = same_layout(wants->second[i], wants->second[0]);
        if (agree) chosen = wants->second[0];
        else if (wants == tuned_wants.end()) chosen = same_shape_input;
        gl.output = renamed(chosen, task.outputs[0].name());
        if (gl.output) gl.adopted.push_back(*gl.output);
      } else {
        gl.output = layouts[size_t(t)].output;
      }
    }
    plan.stored[size_t(out)] = gl.output;
  }
  for (size_t g = 0; g < groups.size(); ++g)
    for (size_t p = 0; p < groups[g].inputs.size(); ++p) {
      graph::NodeId v = groups[g].inputs[p];
      if (!is_activation(graph, v)) continue;
      const ValueLayout& want = plan.groups[g].inputs[p];
      if (same_layout(want, plan.stored[size_t(v)])) continue;
      bool known = false;
      for (const LayoutConversion& c : plan.conversions) known |= c.value == v && same_layout(c.to, want);
      if (!known) plan.conversions.push_back({v, plan.stored[size_t(v)], want});
    }
  return plan;
}

}  // namespace tt
