// Tests of operator fusion: the groups a ResNet-like model and small graphs fall into under the
// documented rules, and the structural invariants of groups (inputs, output, anchor).
#include <gtest/gtest.h>

#include "graph_test_util.h"
#include "ir/graph/fusion.h"
#include "ir/graph/passes/passes.h"

namespace tt {
namespace {

using graph::Graph;
using graph::NodeId;

using graph::fuse_operators;
using graph::FusedGroup;

std::vector<std::string> describe_all(const Graph& g, const std::vector<FusedGroup>& groups) {
  std::vector<std::string> text;
  for (const FusedGroup& group : groups) text.push_back(group.describe(g));
  return text;
}

TEST(FuseOperators, ResnetLikeBlocks) {
  Graph g = graph::simplify_graph(test::resnet_like(2));
  auto groups = fuse_operators(g);
  EXPECT_EQ(
      describe_all(g, groups),
      (std::vector<std::string>{"conv2d+relu", "conv2d+relu", "conv2d+add+relu", "conv2d+relu",
                                "conv2d+add+relu", "global_avg_pool2d", "flatten", "dense"}));
  // The second conv of the first block reads the stem's output as its residual.
  const FusedGroup& residual = groups[2];
  EXPECT_EQ(g.node(residual.anchor).op, "conv2d");
  EXPECT_EQ(residual.anchor, residual.nodes[0]);
  EXPECT_EQ(residual.output, residual.nodes.back());
  ASSERT_EQ(residual.inputs.size(), 4u);  // data, weight, bias, shortcut
  EXPECT_EQ(residual.inputs[0], groups[1].output);
  EXPECT_EQ(g.node(residual.inputs[1]).kind, graph::NodeKind::Constant);
  EXPECT_EQ(residual.inputs[3], groups[0].output);
  EXPECT_EQ(groups[6].anchor, -1);  // flatten
  EXPECT_EQ(groups[7].output, g.outputs()[0]);
}

TEST(FuseOperators, ResidualFirstOperandStillFusesWithTheConv) {
  Graph g;
  NodeId x = g.add_input("x", {{1, 4, 6, 6}});
  NodeId w = g.add_constant("w", test::random_array({4, 4, 3, 3}, 1));
  NodeId conv = g.add_call("conv2d", {x, w}, {{"padding", std::vector<int64_t>{1}}});
  NodeId add = g.add_call("add", {x, conv});
  g.set_outputs({g.add_call("sigmoid", {add})});
  auto groups = fuse_operators(g);
  EXPECT_EQ(describe_all(g, groups), std::vector<std::string>{"conv2d+add+sigmoid"});
  EXPECT_EQ(groups[0].inputs, (std::vector<NodeId>{x, w}));  // x read twice, listed once
}

TEST(FuseOperators, SharedOrOutputProducersEndTheirGroup) {
  Graph g;
  NodeId x = g.add_input("x", {{2, 8}});
  NodeId w = g.add_constant("w", test::random_array({8, 8}, 1));
  NodeId d = g.add_call("dense", {x, w});
  NodeId a = g.add_call("relu", {d});
  NodeId b = g.add_call("tanh", {d});  // d has two users: neither fuses
  NodeId e = g.add_call("exp", {a});   // a is a graph output: e does not fuse
  g.set_outputs({a, g.add_call("add", {b, e})});
  auto groups = fuse_operators(g);
  // add joins tanh's group (its first fusable operand), reading exp's group.
  EXPECT_EQ(describe_all(g, groups),
            (std::vector<std::string>{"dense", "relu", "exp", "tanh+add"}));
  EXPECT_EQ(groups[3].inputs, (std::vector<NodeId>{d, e}));
  (void)b;
}

TEST(FuseOperators, InjectiveRules) {
  Graph g;
  NodeId x = g.add_input("x", {{2, 3, 4}});
  NodeId r = g.add_call("relu", {x});
  NodeId t = g.add_call("transpose", {r}, {{"perm", std::vector<int64_t>{0, 2, 1}}});
  NodeId s = g.add_call("reshape", {t}, {{"newshape", std::vector<int64_t>{2, 12}}});
  NodeId e = g.add_call("exp", {s});
  NodeId w = g.add_constant("w", test::random_array({5, 12}, 2));
  NodeId d = g.add_call("dense", {e, w});
  NodeId m = g.add_call("multiply", {d, d});
  NodeId f = g.add_call("flatten", {m});  // injective after a dense epilogue: its own group
  NodeId sm = g.add_call("softmax", {f});
  NodeId rs =
      g.add_call("reduce_sum", {g.add_call("negative", {sm})}, {{"axes", std::vector<int64_t>{1}}});
  g.set_outputs({g.add_call("sqrt", {rs})});
  auto groups = fuse_operators(g);
  EXPECT_EQ(describe_all(g, groups),
            (std::vector<std::string>{"relu+transpose+reshape+exp", "dense+multiply", "flatten",
                                      "softmax", "negative", "reduce_sum", "sqrt"}));
  EXPECT_EQ(groups[0].anchor, -1);
  EXPECT_EQ(groups[3].anchor, sm);
  EXPECT_EQ(groups[1].inputs, (std::vector<NodeId>{e, w}));
  (void)t, (void)f;
}

TEST(FuseOperators, ConcatenateJoinsItsFirstSingleUserProducer) {
  Graph g;
  NodeId x = g.add_input("x", {{2, 3}});
  NodeId y = g.add_input("y", {{2, 3}});
  NodeId a = g.add_call("exp", {x});
  NodeId b = g.add_call("log", {y});
  NodeId c = g.add_call("concatenate", {a, b}, {{"axis", int64_t(0)}});
  g.set_outputs({g.add_call("relu", {c})});
  auto groups = fuse_operators(g);
  EXPECT_EQ(describe_all(g, groups), (std::vector<std::string>{"log", "exp+concatenate+relu"}));
  EXPECT_EQ(groups[1].inputs, (std::vector<NodeId>{x, b}));
}

}  // namespace
}  // namespace tt
