// The graph executor: compiles one kernel per distinct task of a fused graph and runs the groups in
// order over a static memory plan. Intermediate values live in one arena whose slots are reused
// once a value's last reader has run (greedy best fit by liveness); weights are bound once.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "codegen/jit.h"
#include "ir/graph/fusion.h"
#include "ir/graph/task.h"
#include "ir/ndarray.h"
#include "ir/schedule/hardware.h"
#include "ir/schedule/step.h"
#include "src/runtime/layout_plan.h"

namespace tt {

// How kernels are scheduled: the hand-written defaults, or plain loops (the reference).
enum class ScheduleSource : uint8_t { Default, Naive };

struct ExecutorOptions {
  ScheduleSource schedule = ScheduleSource::Default;
  bool fuse = true;  // false: one group per operator (the unfused reference execution)
  int num_threads = 0;  // 0: all cores
  std::string target;   // empty: the host
  // Tuned schedules by workload key (replay of a tuning log); tasks not listed use `schedule`.
  std::map<std::string, std::vector<Step>> task_schedules;
};

// Each task's schedule as the executor builds it: the tuned one where `options` has one, else the
// default (no steps for the naive reference); `tuned` says which came from `options`.
struct TaskSchedules {
  std::vector<std::vector<Step>> steps;  // per task
  std::vector<bool> tuned;
};
TaskSchedules schedules_for_tasks(const graph::TaskTable& tasks, const ExecutorOptions& options,
                                  const HardwareParams& hw);

struct MemoryPlan {
  std::vector<int64_t> offset;  // per group: byte offset of its output in the arena
  int64_t arena_bytes = 0;      // peak bytes of intermediates with reuse
  int64_t no_reuse_bytes = 0;   // what they would take without reuse
};

class GraphExecutor {
 public:
  // Takes a graph that the caller has already simplified (passes run) as it wants.
  GraphExecutor(graph::Graph graph, const ExecutorOptions& options);
  ~GraphExecutor();

  // Runs the model: one array per graph input, in Graph::inputs() order; returns one array per
  // graph output. UserError on a wrong count, shape or dtype (naming the input).
  std::vector<NDArray> run(const std::vector<NDArray>& inputs);
  // Runs the model `repeat` times timing each group; returns each group's median seconds.
  std::vector<double> profile(const std::vector<NDArray>& inputs, int repeat);

  const graph::Graph& graph() const { return graph_; }
  const std::vector<graph::FusedGroup>& groups() const { return groups_; }
  const graph::TaskTable& tasks() const { return tasks_; }
  const MemoryPlan& memory_plan() const { return plan_; }
  // Bytes of weights (constants) the kernels are bound to, packed ones included: a weight that every
  // group reading it takes packed is held only packed (its original is released at load).
  int64_t weight_bytes() const;
  // Of those, the bytes of the weights packed at load for schedules that rewrite their layout.
  int64_t packed_weight_bytes() const;
  double compile_seconds() const { return compile_seconds_; }
  // Where values are kept in blocked layouts and which conversions run between groups.
  const LayoutPlan& layout_plan() const { return layout_plan_; }
  // Whether group `g` adopts a channel-blocked layout and computes in its order
  // (blocked_schedule.h) instead of by its task's schedule, which was made for the model's layout.
  bool computes_in_blocked_order(int g) const {
    return blocked_order_of_kernel_[size_t(kernel_of_group_[size_t(g)])];
  }

 private:
  graph::Graph graph_;
  std::vector<graph::FusedGroup> groups_;
  graph::TaskTable tasks_;
  std::unique_ptr<KernelCompiler> compiler_;
  // Kernels per variant: a task's schedule, plus the layouts a default-scheduled group adopts.
  std::vector<CompiledKernel> kernels_;
  std::vector<std::vector<int>> argument_order_;  // per variant: kernel param -> group input position (-1: output)
  std::vector<int> kernel_of_group_;
  std::vector<bool> blocked_order_of_kernel_;  // per variant: computes_in_blocked_order
  LayoutPlan layout_plan_;
  std::vector<NDArray> conversion_buffers_;  // per layout_plan_.conversions entry
  std::vector<CompiledKernel> conversion_kernels_;  // per entry: a compiled copy between the layouts
  MemoryPlan plan_;
  NDArray arena_;
  std::vector<int> group_of_node_;  // node id -> group producing it, or -1
  // Weights that a task's schedule reads in a rewritten layout, packed once here: by weight node,
  // then task.
  std::map<std::pair<graph::NodeId, int>, NDArray> packed_;
  // Per group: its kernel's arguments, bound at construction (weights, packed or not, and arena
  // slots); null for a graph input, whose address each run supplies.
  std::vector<std::vector<void*>> bound_args_;
  double compile_seconds_ = 0;

  // Runs every group in order; with `group_seconds`, adds each group's time to it.
  std::vector<NDArray> execute(const std::vector<NDArray>& inputs, std::vector<double>* group_seconds);
};

// One group per call node, in graph order: the unfused execution.
std::vector<graph::FusedGroup> singleton_groups(const graph::Graph& graph);

// `output_bytes`: per group, the bytes its output takes (a value stored blocked may take more than
// its logical shape); empty: the logical sizes.
MemoryPlan plan_memory(const graph::Graph& graph, const std::vector<graph::FusedGroup>& groups,
                       const std::vector<int64_t>& output_bytes = {});

}  // namespace tt
