// Naive graph execution: every call lowered on its own to tensor expressions and run by the TE
// reference interpreter. Constant folding uses it for one node; the executor's --check reference
// and the pass tests use it for a whole graph, as an unfused execution independent of fusion,
// scheduling and code generation.
#pragma once

#include <vector>

#include "ir/graph/graph.h"
#include "ir/ndarray.h"
#include "ir/te/tensor.h"

namespace tt::graph {

// One call as tensor expressions over placeholders bound to its input values, for the interpreter.
struct CallExpression {
  Tensor output;
  std::vector<std::pair<Tensor, NDArray>> bindings;  // (placeholder "in<i>", value of input i)
};
CallExpression call_expression(const Node& node, const std::vector<NDArray>& inputs);

// The value of one call given the values of its inputs (shapes must match the inferred types).
NDArray evaluate_call(const Node& node, const std::vector<NDArray>& inputs);

// The graph's outputs given one array per graph input, in Graph::inputs() order. UserError on a
// wrong count, or on a shape or dtype that differs from the input's type (naming the input).
std::vector<NDArray> evaluate_graph(const Graph& graph, const std::vector<NDArray>& inputs);

}  // namespace tt::graph
