// The standard pass pipeline before fusion. Order matters: constant folding first, so a weight an
// exporter computes (a transposed or reshaped constant) is a constant when batch-norm folding looks
// for one; then batch-norm folding; then merging duplicates (folded constants may now be equal);
// dead-code elimination last sweeps up the old weights and folded inputs.
#include "ir/graph/passes/passes.h"

namespace tt::graph {

Graph simplify_graph(const Graph& graph) {
  Graph g = fold_constants(graph);
  g = fold_batch_norm(g);
  g = eliminate_common_subexpressions(g);
  return eliminate_dead_code(g);
}

}  // namespace tt::graph
