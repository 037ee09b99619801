// Dead-code elimination: drops the calls and constants that no graph output depends on (left over
// by folding and merging). Graph inputs stay even when unused, so the model's input signature does
// not change under a pass.
#include "ir/graph/passes/passes.h"

namespace tt::graph {

Graph eliminate_dead_code(const Graph& graph) {
  const std::vector<Node>& nodes = graph.nodes();
  std::vector<bool> live(nodes.size(), false);
  for (NodeId o : graph.outputs()) live[o] = true;
  // Users come after their inputs, so one backward walk sees every user before its inputs.
  for (auto it = nodes.rbegin(); it != nodes.rend(); ++it) {
    if (it->kind == NodeKind::Input) live[it->id] = true;
    if (!live[it->id]) continue;
    for (NodeId in : it->inputs) live[in] = true;
  }
  std::vector<NodeId> replacement(nodes.size());
  for (const Node& n : nodes) replacement[n.id] = live[n.id] ? n.id : -1;
  return rebuild(graph, replacement);
}

}  // namespace tt::graph
