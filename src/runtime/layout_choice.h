// Choosing every task's record at once, layouts included (TVM's graph tuner, by measurement): a
// task's records differ in the layouts they read and write activations in (NCHW, NHWC, NCHW[x]c
// with their block sizes), and the fastest record of each task alone can leave the model paying
// for conversions between neighbours that disagree. The choice minimises the model's estimated
// latency: the sum over groups of the chosen records' measured costs plus the measured cost of every
// conversion the resulting layout plan runs (layout_plan.h). Conversion costs are records of their
// own (strategy "conversion", ir/schedule/layout_conversion.h) that `tune` measures at its end;
// one the log lacks is estimated from the bytes it moves and says so.
//
// The search: each task's candidates are its fastest record per distinct activation layout; it
// starts from each task's fastest record and applies the best improving move — one task to another
// candidate, or two neighbouring tasks (connected through groups that adopt layouts) together —
// until none improves. Deterministic: the same records give the same choice.
#pragma once

#include <string>
#include <vector>

#include "codegen/target.h"
#include "ir/graph/fusion.h"
#include "ir/graph/graph.h"
#include "ir/graph/task.h"
#include "ir/schedule/layout_conversion.h"
#include "search/record/tuning_record.h"
#include "src/runtime/layout_plan.h"
#include "src/runtime/schedule_choice.h"

namespace tt {

// Seconds per byte moved (read plus written) assumed for a conversion the log has no record of,
// when it has no measured conversion to take the rate from either (otherwise the median rate of
// those): 0.1 ns per byte, the slow end of what a 2-core Xeon measured (161 conversions of the
// eight zoo CNNs: median 0.07 ns per byte at 1 thread, 0.05 at 2; 90% below 0.11).
inline constexpr double kDefaultConversionSecondsPerByte = 1e-10;

// One conversion of the chosen plan with its cost.
struct ConversionCost {
  graph::NodeId value = -1;
  ValueLayout from, to;
  double seconds = 0;
  bool measured = false;  // false: estimated from its bytes
  std::string workload_key;
};

struct LayoutChoice {
  std::vector<ScheduleChoice> choices;  // per task
  std::vector<ConversionCost> conversions;  // of the chosen plan
  double kernels_s = 0;      // the sum over groups of the chosen records' costs (tasks with one)
  double conversions_s = 0;  // the sum of `conversions`' costs
  // What the fastest record of every task alone would cost in conversions, for the report.
  double independent_conversions_s = 0, independent_kernels_s = 0;
  int tasks_changed = 0;  // tasks whose chosen record is not their fastest one
  // Every conversion the search considered whose cost it had to estimate: what `tune` measures.
  std::vector<LayoutConversionKernel> unmeasured;
};

LayoutChoice choose_with_layouts(const graph::Graph& graph, const std::vector<graph::FusedGroup>& groups,
                                 const graph::TaskTable& tasks, const std::vector<TuningRecord>& records,
                                 const Target& target, int num_threads);

}  // namespace tt
