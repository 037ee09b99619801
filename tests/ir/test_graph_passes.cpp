// Tests of the graph passes on small hand-built graphs: each pass's effect on the graph's shape,
// and the outputs before and after it, compared through the naive node-by-node evaluation.
#include <gtest/gtest.h>

#include <algorithm>

#include "graph_test_util.h"
#include "ir/graph/evaluate.h"
#include "ir/graph/passes/passes.h"

namespace tt {
namespace {

using graph::Graph;
using graph::NodeId;

using graph::evaluate_graph;
using graph::NodeKind;
using test::call_ops;
using test::random_array;

bool has_op(const Graph& g, const std::string& op) {
  auto ops = call_ops(g);
  return std::find(ops.begin(), ops.end(), op) != ops.end();
}

// Checks that `before` and `after` compute the same outputs on random inputs.
void expect_same_outputs(const Graph& before, const Graph& after, double rtol = 1e-4,
                         double atol = 1e-4) {
  std::vector<NDArray> inputs;
  uint64_t seed = 7;
  for (NodeId id : before.inputs())
    inputs.push_back(random_array(before.node(id).type.shape, seed++));
  auto expected = evaluate_graph(before, inputs);
  auto actual = evaluate_graph(after, inputs);
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i) EXPECT_CLOSE(actual[i], expected[i], rtol, atol);
}

TEST(FoldConstants, FoldsWeightTransformsButNotInputs) {
  Graph g;
  NodeId x = g.add_input("x", {{2, 6}});
  // A weight stored transposed and reshaped, as exporters leave them.
  NodeId raw = g.add_constant("raw", random_array({3, 2, 4}, 1));
  NodeId flat = g.add_call("reshape", {raw}, {{"newshape", std::vector<int64_t>{6, 4}}});
  NodeId w = g.add_call("transpose", {flat}, {{"perm", std::vector<int64_t>{1, 0}}});
  NodeId y = g.add_call("dense", {x, w});
  NodeId z = g.add_call("relu", {y});
  g.set_outputs({z});
  Graph folded = graph::fold_constants(g);
  EXPECT_EQ(folded.node(w).kind, NodeKind::Constant);
  EXPECT_EQ(folded.node(w).type, g.node(w).type);
  EXPECT_EQ(call_ops(folded), (std::vector<std::string>{"dense", "relu"}));
  expect_same_outputs(g, folded, 1e-6, 1e-6);
  // The raw constant is dead now; DCE removes it and the reshape's leftover.
  Graph clean = graph::eliminate_dead_code(folded);
  EXPECT_EQ(clean.nodes().size(), 4u);  // x, w, dense, relu
  expect_same_outputs(g, clean, 1e-6, 1e-6);
}

TEST(FoldConstants, FoldsChainsAndLeavesInputComputations) {
  Graph g;
  NodeId x = g.add_input("x", {{4}});
  NodeId a = g.add_constant("a", test::array_of({4}, {1, 4, 9, 16}));
  NodeId s = g.add_call("sqrt", {a});
  NodeId n = g.add_call("negative", {s});
  NodeId sum = g.add_call("add", {x, n});
  g.set_outputs({sum});
  Graph folded = graph::eliminate_dead_code(graph::fold_constants(g));
  EXPECT_EQ(call_ops(folded), std::vector<std::string>{"add"});
  const graph::Node& c = folded.node(folded.node(folded.outputs()[0]).inputs[1]);
  ASSERT_EQ(c.kind, NodeKind::Constant);
  EXPECT_CLOSE(c.value, test::array_of({4}, {-1, -2, -3, -4}));
}

TEST(FoldBatchNorm, ConvWithoutAndWithBias) {
  for (bool bias : {false, true}) {
    Graph g;
    NodeId x = g.add_input("x", {{1, 3, 6, 6}});
    NodeId bn = test::conv_bn(g, x, 3, 5, 11, "conv", bias);
    g.set_outputs({g.add_call("relu", {bn})});
    Graph folded = graph::fold_batch_norm(g);
    EXPECT_EQ(call_ops(folded), (std::vector<std::string>{"conv2d", "relu"})) << folded.to_string();
    const graph::Node& conv = folded.node(folded.node(folded.outputs()[0]).inputs[0]);
    EXPECT_EQ(conv.inputs.size(), 3u);  // a bias now in every case
    EXPECT_EQ(conv.name, "conv");
    expect_same_outputs(g, folded);
    expect_same_outputs(g, graph::simplify_graph(g));
  }
}

TEST(FoldBatchNorm, GroupedConvAndDense) {
  Graph g;
  NodeId x = g.add_input("x", {{1, 4, 5, 5}});
  NodeId w = g.add_constant("w", random_array({8, 2, 3, 3}, 3));
  NodeId conv = g.add_call("conv2d", {x, w},
                           {{"groups", int64_t(2)}, {"strides", std::vector<int64_t>{2, 2}}});
  auto params = [&](int64_t c, uint64_t seed) {
    return std::vector<NodeId>{g.add_constant("", test::positive_array({c}, seed)),
                               g.add_constant("", random_array({c}, seed + 1)),
                               g.add_constant("", random_array({c}, seed + 2)),
                               g.add_constant("", test::positive_array({c}, seed + 3))};
  };
  auto p = params(8, 20);
  NodeId bn = g.add_call("batch_norm", {conv, p[0], p[1], p[2], p[3]}, {{"epsilon", 1e-3}});
  NodeId flat = g.add_call("flatten", {bn});
  NodeId dw = g.add_constant("dw", random_array({6, 32}, 4));
  NodeId db = g.add_constant("db", random_array({6}, 5));
  NodeId dense = g.add_call("dense", {flat, dw, db});
  auto q = params(6, 30);
  g.set_outputs({g.add_call("batch_norm", {dense, q[0], q[1], q[2], q[3]})});
  Graph folded = graph::simplify_graph(g);
  EXPECT_EQ(call_ops(folded), (std::vector<std::string>{"conv2d", "flatten", "dense"}))
      << folded.to_string();
  expect_same_outputs(g, folded);
}

TEST(SimplifyGraph, FoldsComputedWeightsBeforeBatchNorm) {
  // An exporter's weight reshaped at run time: constant folding must run first for BN folding.
  Graph g;
  NodeId x = g.add_input("x", {{1, 2, 4, 4}});
  NodeId raw = g.add_constant("raw", random_array({12}, 1));
  NodeId w = g.add_call("reshape", {raw}, {{"newshape", std::vector<int64_t>{3, 2, 2, 1}}});
  NodeId conv = g.add_call("conv2d", {x, w});
  NodeId c = g.add_constant("c", test::positive_array({3}, 2));
  g.set_outputs({g.add_call("batch_norm", {conv, c, c, c, c})});
  Graph s = graph::simplify_graph(g);
  EXPECT_EQ(call_ops(s), std::vector<std::string>{"conv2d"}) << s.to_string();
  expect_same_outputs(g, s);
}

TEST(FoldBatchNorm, LeavesUnsafeCasesAlone) {
  // The conv's raw output is also a graph output: folding would change it.
  {
    Graph g;
    NodeId x = g.add_input("x", {{1, 2, 4, 4}});
    NodeId bn = test::conv_bn(g, x, 2, 2, 1, "conv");
    g.set_outputs({bn, g.node(bn).inputs[0]});
    EXPECT_TRUE(has_op(graph::fold_batch_norm(g), "batch_norm"));
  }
  // The conv has a second user.
  {
    Graph g;
    NodeId x = g.add_input("x", {{1, 2, 4, 4}});
    NodeId bn = test::conv_bn(g, x, 2, 2, 1, "conv");
    NodeId other = g.add_call("relu", {g.node(bn).inputs[0]});
    g.set_outputs({g.add_call("add", {bn, other})});
    Graph folded = graph::simplify_graph(g);
    EXPECT_TRUE(has_op(folded, "batch_norm"));
    expect_same_outputs(g, folded);
  }
  // Scale from a graph input, and a batch_norm after a non-conv op.
  {
    Graph g;
    NodeId x = g.add_input("x", {{1, 2, 4, 4}});
    NodeId gamma = g.add_input("gamma", {{2}});
    NodeId w = g.add_constant("w", random_array({2, 2, 1, 1}, 2));
    NodeId conv = g.add_call("conv2d", {x, w});
    NodeId c = g.add_constant("c", test::positive_array({2}, 3));
    NodeId bn1 = g.add_call("batch_norm", {conv, gamma, c, c, c});
    NodeId bn2 = g.add_call("batch_norm", {g.add_call("relu", {bn1}), c, c, c, c});
    g.set_outputs({bn2});
    Graph folded = graph::simplify_graph(g);
    EXPECT_EQ(call_ops(folded),
              (std::vector<std::string>{"conv2d", "batch_norm", "relu", "batch_norm"}));
    expect_same_outputs(g, folded);
  }
}

TEST(EliminateCommonSubexpressions, MergesDuplicatesOnly) {
  Graph g;
  NodeId x = g.add_input("x", {{2, 4}});
  NodeId c1 = g.add_constant("c1", test::iota_array({4}));
  NodeId c2 = g.add_constant("c2", test::iota_array({4}));     // same bytes: merged
  NodeId c3 = g.add_constant("c3", test::iota_array({1, 4}));  // same bytes, other shape: kept
  NodeId a1 = g.add_call("add", {x, c1});
  NodeId a2 = g.add_call("add", {x, c2});  // equal to a1 once c2 is c1
  NodeId r1 = g.add_call("relu", {a1});
  NodeId r2 = g.add_call("relu", {a2});  // equal to r1 once a2 is a1: chains merge in one pass
  NodeId s1 = g.add_call("softmax", {r1}, {{"axis", int64_t(1)}});
  NodeId s2 = g.add_call("softmax", {r2}, {{"axis", int64_t(0)}});  // other attribute: kept
  NodeId m = g.add_call("multiply", {s1, s2});
  NodeId k = g.add_call("add", {m, c3});
  g.set_outputs({k, r2});
  Graph merged = graph::eliminate_common_subexpressions(g);
  EXPECT_EQ(call_ops(merged),
            (std::vector<std::string>{"add", "relu", "softmax", "softmax", "multiply", "add"}))
      << merged.to_string();
  int constants = 0;
  for (const graph::Node& n : merged.nodes()) constants += n.kind == NodeKind::Constant;
  EXPECT_EQ(constants, 2);
  EXPECT_EQ(merged.node(merged.outputs()[1]).op, "relu");  // r2's output forwarded to the kept relu
  expect_same_outputs(g, merged, 1e-6, 1e-6);
}

TEST(EliminateDeadCode, DropsUnreachableKeepsInputs) {
  Graph g;
  NodeId x = g.add_input("x", {{4}});
  NodeId unused = g.add_input("unused", {{3}});
  NodeId c = g.add_constant("c", test::iota_array({4}));
  NodeId dead = g.add_call("exp", {g.add_call("add", {x, c})});
  NodeId live = g.add_call("relu", {x});
  g.set_outputs({live});
  (void)dead;
  Graph out = graph::eliminate_dead_code(g);
  EXPECT_EQ(out.to_string(),
            "%0 x = input : float32[4]\n"
            "%1 unused = input : float32[3]\n"
            "%2 relu = relu(%0) : float32[4]\n"
            "outputs: %2\n");
  EXPECT_EQ(out.inputs().size(), 2u);
  (void)unused;
}

TEST(SimplifyGraph, ResnetLikeLosesEveryBatchNormAndKeepsItsOutputs) {
  Graph g = test::resnet_like(2);
  Graph s = graph::simplify_graph(g);
  EXPECT_FALSE(has_op(s, "batch_norm"));
  std::vector<std::string> ops = call_ops(s);
  EXPECT_EQ(std::count(ops.begin(), ops.end(), "conv2d"), 5);
  auto users = s.users();
  for (const graph::Node& n : s.nodes()) {
    if (n.kind == NodeKind::Constant) {
      EXPECT_FALSE(users[n.id].empty()) << n.name << " is dead";
    }
  }
  expect_same_outputs(g, s);
  // Idempotent: a second run changes nothing.
  EXPECT_EQ(graph::simplify_graph(s).to_string(), s.to_string());
}

}  // namespace
}  // namespace tt
