// Constant folding: a call whose inputs are all constants (weights reshaped or transposed by the
// model, shape arithmetic an exporter left behind) becomes a constant, computed once here by the
// TE interpreter instead of by a kernel on every run. Graph inputs are never constants, so nothing
// that depends on them folds. A node too costly to interpret stays a call.
#include "ir/graph/evaluate.h"
#include "ir/graph/passes/passes.h"
#include "ir/te/flop_count.h"
#include "ir/te/interpreter.h"

namespace tt::graph {

namespace {

// The interpreter computes some 10^7 values a second: a node whose value would take it longer than
// a few seconds (or hold gigabytes: a broadcast of two small constants can) is left to run as a
// kernel, like any other call. Weights a model reshapes or transposes are far below this.
constexpr int64_t kMaxFoldedWork = int64_t(1) << 27;

}  // namespace

Graph fold_constants(const Graph& graph) {
  // Folding in place keeps every id and the topological order; the inputs a folded node no longer
  // reads are left for eliminate_dead_code.
  Graph out = graph;
  for (const Node& original : graph.nodes()) {
    if (original.kind != NodeKind::Call) continue;
    std::vector<NDArray> args;
    bool all_constant = true;
    for (NodeId in : original.inputs) {
      const Node& input = out.node(in);  // `out`: inputs folded earlier in this walk count
      all_constant = all_constant && input.kind == NodeKind::Constant;
      if (all_constant) args.push_back(input.value);
    }
    if (!all_constant) continue;
    CallExpression e = call_expression(original, args);
    if (original.type.num_elements() > kMaxFoldedWork || flop_count({e.output}) > kMaxFoldedWork) continue;
    NDArray value = evaluate({e.output}, e.bindings)[0];
    Node& folded = out.mutable_node(original.id);
    folded.kind = NodeKind::Constant;
    folded.op.clear();
    folded.inputs.clear();
    folded.attrs.clear();
    folded.value = std::move(value);
  }
  return out;
}

}  // namespace tt::graph
