// Helpers for the graph tests: random constants and a small ResNet-like model (stem conv, basic
// blocks with batch norm and a residual add, global pooling, flatten, dense) to run passes, fusion
// and task extraction on.
#pragma once

#include <string>

#include "ir/graph/graph.h"
#include "te_test_util.h"

namespace tt::test {

using graph::Attrs;
using graph::Graph;
using graph::NodeId;

// Values in [0.5, 1.5): batch-norm variances and scales that keep the folding well conditioned.
inline NDArray positive_array(const std::vector<int64_t>& shape, uint64_t seed) {
  return random_array(shape, seed, 0.5f, 1.5f);
}

// conv2d (3x3, padding 1, optional bias) followed by batch_norm, all parameters constants.
inline NodeId conv_bn(Graph& g, NodeId x, int64_t in_channels, int64_t out_channels, uint64_t seed,
                      const std::string& name, bool bias = false) {
  NodeId w = g.add_constant(name + ".w", random_array({out_channels, in_channels, 3, 3}, seed));
  std::vector<NodeId> inputs = {x, w};
  if (bias) inputs.push_back(g.add_constant(name + ".b", random_array({out_channels}, seed + 1)));
  NodeId conv = g.add_call("conv2d", inputs, {{"padding", std::vector<int64_t>{1, 1, 1, 1}}}, name);
  NodeId gamma = g.add_constant(name + ".gamma", positive_array({out_channels}, seed + 2));
  NodeId beta = g.add_constant(name + ".beta", random_array({out_channels}, seed + 3));
  NodeId mean = g.add_constant(name + ".mean", random_array({out_channels}, seed + 4));
  NodeId var = g.add_constant(name + ".var", positive_array({out_channels}, seed + 5));
  return g.add_call("batch_norm", {conv, gamma, beta, mean, var}, {{"epsilon", 1e-5}},
                    name + ".bn");
}

// x[1, C, 8, 8] -> stem conv+bn+relu -> `blocks` basic blocks (conv+bn+relu, conv+bn, add the
// block input, relu) -> global_avg_pool2d -> flatten -> dense with bias [10]. Node names start with
// `prefix` and weights come from `seed`, so two calls differ in everything but structure.
inline Graph resnet_like(int blocks, const std::string& prefix = "", uint64_t seed = 1,
                         int64_t channels = 8) {
  Graph g;
  NodeId x = g.add_input(prefix + "data", {{1, channels, 8, 8}});
  NodeId h = g.add_call("relu", {conv_bn(g, x, channels, channels, seed, prefix + "stem")}, {},
                        prefix + "stem.relu");
  for (int b = 0; b < blocks; ++b) {
    std::string name = prefix + "block" + std::to_string(b);
    uint64_t s = seed + 100 * uint64_t(b + 1);
    NodeId a = g.add_call("relu", {conv_bn(g, h, channels, channels, s, name + ".conv1")}, {},
                          name + ".relu1");
    NodeId c = conv_bn(g, a, channels, channels, s + 10, name + ".conv2");
    NodeId sum = g.add_call("add", {c, h}, {}, name + ".add");
    h = g.add_call("relu", {sum}, {}, name + ".relu2");
  }
  NodeId pooled = g.add_call("global_avg_pool2d", {h}, {}, prefix + "pool");
  NodeId flat = g.add_call("flatten", {pooled}, {}, prefix + "flatten");
  NodeId w = g.add_constant(prefix + "fc.w", random_array({10, channels}, seed + 7));
  NodeId bias = g.add_constant(prefix + "fc.b", random_array({10}, seed + 8));
  g.set_outputs({g.add_call("dense", {flat, w, bias}, {}, prefix + "fc")});
  return g;
}

// The ops of the calls of a graph, in order.
inline std::vector<std::string> call_ops(const Graph& g) {
  std::vector<std::string> ops;
  for (const graph::Node& n : g.nodes())
    if (n.kind == graph::NodeKind::Call) ops.push_back(n.op);
  return ops;
}

}  // namespace tt::test
