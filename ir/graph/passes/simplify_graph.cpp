// The standard pass pipeline before fusion. Order matters: batch-norm folding first (it leaves the
// old weights dead and needs the batch_norm still in place), then constant folding, then merging
// duplicates (folded constants may now be equal), and dead-code elimination last to sweep up.
#include "ir/graph/passes/passes.h"

namespace tt::graph {

Graph simplify_graph(const Graph& graph) {
  Graph g = fold_batch_norm(graph);
  g = fold_constants(g);
  g = eliminate_common_subexpressions(g);
  return eliminate_dead_code(g);
}

}  // namespace tt::graph
