// Operator fusion by pattern kind (TVM's FuseOps, simplified): chains of elementwise / broadcast
// ops fuse into the output of the conv2d / dense / matmul / pooling op before them, injective ops
// fuse with each other and into their consumer, and everything else stands alone. Each group
// becomes one kernel.
#pragma once

#include <string>
#include <vector>

#include "ir/graph/graph.h"
#include "ir/graph/op_registry.h"

namespace tt::graph {

struct FusedGroup {
  std::vector<NodeId> nodes;   // the calls of the group, in topological order
  NodeId output = -1;          // the node whose value leaves the group (the last one)
  std::vector<NodeId> inputs;  // the nodes outside the group it reads (inputs, constants, other groups), first-use order
  NodeId anchor = -1;          // the out-elementwise-fusable, reduction or opaque op that starts it, or -1
  std::string describe(const Graph& graph) const;  // "conv2d+bias_add+relu"
};

// Groups in topological order (a group's inputs come from earlier groups or graph inputs/constants).
// Every call node belongs to exactly one group; inputs and constants to none.
std::vector<FusedGroup> fuse_operators(const Graph& graph);

}  // namespace tt::graph
