// Node-by-node interpretation of a graph. Each value is freed after its last user runs, so a whole
// model fits in memory at once only as much as its widest point needs.
#include "ir/graph/evaluate.h"

#include "ir/error.h"
#include "ir/graph/op_registry.h"
#include "ir/te/interpreter.h"

namespace tt::graph {

CallExpression call_expression(const Node& node, const std::vector<NDArray>& inputs) {
  TT_ASSERT(node.kind == NodeKind::Call, "call_expression on non-call node {}", node.name);
  CallExpression e;
  std::vector<Tensor> placeholders;
  for (size_t i = 0; i < inputs.size(); ++i) {
    Tensor p = placeholder(inputs[i].shape(), inputs[i].dtype(), "in" + std::to_string(i));
    placeholders.push_back(p);
    e.bindings.emplace_back(p, inputs[i]);
  }
  e.output = lookup_op(node.op).to_te(node, placeholders);
  return e;
}

NDArray evaluate_call(const Node& node, const std::vector<NDArray>& inputs) {
  CallExpression e = call_expression(node, inputs);
  return evaluate({e.output}, e.bindings)[0];
}

std::vector<NDArray> evaluate_graph(const Graph& graph, const std::vector<NDArray>& inputs) {
  std::vector<NodeId> graph_inputs = graph.inputs();
  if (inputs.size() != graph_inputs.size()) {
    user_error("the graph takes {} inputs, got {}", graph_inputs.size(), inputs.size());
  }
  // The last reader of each node (an output is read at the end), to free values early.
  std::vector<NodeId> last_use(graph.nodes().size(), -1);
  for (const Node& n : graph.nodes())
    for (NodeId in : n.inputs) last_use[in] = n.id;
  for (NodeId o : graph.outputs()) last_use[o] = NodeId(graph.nodes().size());

  std::vector<NDArray> values(graph.nodes().size());
  size_t next_input = 0;
  for (const Node& n : graph.nodes()) {
    if (n.kind == NodeKind::Input) {
      const NDArray& v = inputs[next_input++];
      if (v.shape() != n.type.shape || v.dtype() != n.type.dtype) {
        user_error("input '{}' expects {}, got {}", n.name, n.type.to_string(),
                   TensorType{v.shape(), v.dtype()}.to_string());
      }
      values[n.id] = v;
    } else if (n.kind == NodeKind::Constant) {
      values[n.id] = n.value;
    } else {
      std::vector<NDArray> args;
      for (NodeId in : n.inputs) args.push_back(values[in]);
      values[n.id] = evaluate_call(n, args);
      for (NodeId in : n.inputs)
        if (last_use[in] == n.id) values[in] = NDArray();
    }
  }
  std::vector<NDArray> outputs;
  for (NodeId o : graph.outputs()) outputs.push_back(values[o]);
  return outputs;
}

}  // namespace tt::graph
