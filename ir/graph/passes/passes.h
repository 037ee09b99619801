// Graph passes. Each takes a graph and returns a new one computing the same outputs (within float
// rounding); a test checks that on every zoo model.
#pragma once

#include "ir/graph/graph.h"

namespace tt::graph {

// Evaluates calls whose inputs are all constants (through the TE interpreter) into constants.
Graph fold_constants(const Graph& graph);

// Folds an inference batch_norm that follows a conv2d or dense (whose weights are constants) into
// that op's weights and bias; a batch_norm elsewhere stays.
Graph fold_batch_norm(const Graph& graph);

// Drops nodes no output depends on.
Graph eliminate_dead_code(const Graph& graph);

// Merges calls with the same operator, attributes and inputs, and constants with equal values.
Graph eliminate_common_subexpressions(const Graph& graph);

// The standard pipeline before fusion: constant folding, BN folding, CSE, DCE.
Graph simplify_graph(const Graph& graph);

}  // namespace tt::graph
