// Batch-norm folding: an inference batch_norm right after a conv2d or dense with constant weights
// is an affine map per output channel, so it folds into that op's weight and bias and costs nothing
// at run time. With s = gamma / sqrt(var + epsilon): w'[k, ...] = w[k, ...] · s[k] and
// b'[k] = (b[k] - mean[k]) · s[k] + beta[k] (b = 0 without a bias).
#include <cmath>

#include "ir/error.h"
#include "ir/graph/passes/passes.h"

namespace tt::graph {

namespace {

bool is_float32_constant(const Graph& graph, NodeId id) {
  const Node& n = graph.node(id);
  return n.kind == NodeKind::Constant && n.value.dtype() == DType::float32();
}

// The conv2d / dense that `bn` can fold into, or -1. Its output channels are weight dimension 0
// and output axis 1, the axis batch_norm normalizes.
NodeId foldable_producer(const Graph& graph, const Node& bn,
                         const std::vector<std::vector<NodeId>>& users,
                         const std::vector<bool>& is_output) {
  if (bn.kind != NodeKind::Call || bn.op != "batch_norm") return -1;
  for (size_t i = 1; i < 5; ++i)
    if (!is_float32_constant(graph, bn.inputs[i])) return -1;
  const Node& producer = graph.node(bn.inputs[0]);
  if (producer.kind != NodeKind::Call || (producer.op != "conv2d" && producer.op != "dense"))
    return -1;
  // Another reader (or a graph output) needs the unnormalized value, which folding would change.
  if (users[producer.id].size() != 1 || is_output[producer.id]) return -1;
  for (size_t i = 1; i < producer.inputs.size(); ++i)
    if (!is_float32_constant(graph, producer.inputs[i])) return -1;
  return producer.id;
}

}  // namespace

Graph fold_batch_norm(const Graph& graph) {
  const std::vector<Node>& nodes = graph.nodes();
  std::vector<std::vector<NodeId>> users = graph.users();
  std::vector<bool> is_output(nodes.size(), false);
  for (NodeId o : graph.outputs()) is_output[o] = true;
  std::vector<NodeId> folded_into(nodes.size(), -1);  // producer id -> the batch_norm it absorbs
  bool any = false;
  for (const Node& n : nodes) {
    NodeId producer = foldable_producer(graph, n, users, is_output);
    if (producer >= 0) folded_into[producer] = n.id, any = true;
  }
  if (!any) return graph;

  // Copy node by node; a folding producer is re-added with new weight and bias constants and takes
  // the batch_norm's place. The old weights are left for eliminate_dead_code.
  Graph out;
  std::vector<NodeId> new_id(nodes.size(), -1);
  for (const Node& n : nodes) {
    if (n.kind == NodeKind::Input) {
      new_id[n.id] = out.add_input(n.name, n.type);
      continue;
    }
    if (n.kind == NodeKind::Constant) {
      new_id[n.id] = out.add_constant(n.name, n.value);
      continue;
    }
    if (n.op == "batch_norm" && new_id[n.id] >= 0) continue;  // folded into its producer
    std::vector<NodeId> inputs;
    for (NodeId in : n.inputs) inputs.push_back(new_id[in]);
    if (folded_into[n.id] < 0) {
      new_id[n.id] = out.add_call(n.op, inputs, n.attrs, n.name);
      continue;
    }
    const Node& bn = graph.node(folded_into[n.id]);
    const NDArray& weight = graph.node(n.inputs[1]).value;
    const float* gamma = graph.node(bn.inputs[1]).value.as<float>();
    const float* beta = graph.node(bn.inputs[2]).value.as<float>();
    const float* mean = graph.node(bn.inputs[3]).value.as<float>();
    const float* var = graph.node(bn.inputs[4]).value.as<float>();
    double epsilon = bn.attr_float("epsilon", 1e-5);
    int64_t channels = weight.shape().at(0);
    // batch_norm's type relation checked that its parameters have shape [channels].
    TT_ASSERT(graph.node(bn.inputs[1]).value.num_elements() == channels, "batch_norm {} channels",
              bn.name);
    int64_t per_channel = weight.num_elements() / channels;
    NDArray new_weight(weight.shape(), weight.dtype());
    NDArray new_bias({channels}, DType::float32());
    const float* bias = n.inputs.size() == 3 ? graph.node(n.inputs[2]).value.as<float>() : nullptr;
    for (int64_t k = 0; k < channels; ++k) {
      double scale = double(gamma[k]) / std::sqrt(double(var[k]) + epsilon);
      for (int64_t i = 0; i < per_channel; ++i) {
        new_weight.as<float>()[k * per_channel + i] =
            float(weight.as<float>()[k * per_channel + i] * scale);
      }
      double b = bias ? bias[k] : 0.0;
      new_bias.as<float>()[k] = float((b - mean[k]) * scale + beta[k]);
    }
    NodeId w = out.add_constant(n.name + ".folded_weight", std::move(new_weight));
    NodeId b = out.add_constant(n.name + ".folded_bias", std::move(new_bias));
    NodeId folded = out.add_call(n.op, {inputs[0], w, b}, n.attrs, n.name);
    new_id[n.id] = folded;
    new_id[bn.id] = folded;
  }
  std::vector<NodeId> outputs;
  for (NodeId o : graph.outputs()) outputs.push_back(new_id[o]);
  out.set_outputs(outputs, graph.output_names());
  return out;
}

}  // namespace tt::graph
