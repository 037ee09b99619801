// Tests of the graph IR itself: building, printing, users, type errors naming the node, rebuild,
// and the naive node-by-node evaluation that the pass tests and the executor's check rely on.
#include <gtest/gtest.h>

#include "graph_test_util.h"
#include "ir/graph/evaluate.h"
#include "ir/graph/op_registry.h"

namespace tt {
namespace {

using graph::Graph;
using graph::NodeId;

using graph::evaluate_graph;
using graph::NodeKind;
using graph::TensorType;
using test::expect_user_error;
using test::random_array;

TEST(Graph, BuildsInfersTypesAndPrints) {
  Graph g;
  NodeId x = g.add_input("x", {{1, 3, 8, 8}});
  NodeId w = g.add_constant("w", random_array({4, 3, 3, 3}, 1));
  NodeId conv = g.add_call(
      "conv2d", {x, w},
      {{"padding", std::vector<int64_t>{1}}, {"strides", std::vector<int64_t>{2, 2}}}, "conv");
  NodeId r = g.add_call("relu", {conv});
  g.set_outputs({r});
  EXPECT_EQ(g.node(conv).type, (TensorType{{1, 4, 4, 4}}));
  EXPECT_EQ(g.node(r).name, "relu");  // unnamed calls are named after their operator
  EXPECT_EQ(g.inputs(), std::vector<NodeId>{x});
  auto users = g.users();
  EXPECT_EQ(users[x], std::vector<NodeId>{conv});
  EXPECT_EQ(users[conv], std::vector<NodeId>{r});
  EXPECT_TRUE(users[r].empty());
  EXPECT_EQ(g.to_string(),
            "%0 x = input : float32[1, 3, 8, 8]\n"
            "%1 w = constant : float32[4, 3, 3, 3]\n"
            "%2 conv = conv2d(%0, %1) {padding=[1], strides=[2, 2]} : float32[1, 4, 4, 4]\n"
            "%3 relu = relu(%2) : float32[1, 4, 4, 4]\n"
            "outputs: %3\n");
}

TEST(Graph, NamesStayUnique) {
  Graph g;
  NodeId x = g.add_input("x", {{4}});
  NodeId a = g.add_call("relu", {x});
  NodeId b = g.add_call("relu", {a});
  NodeId c = g.add_call("relu", {b}, {}, "relu_1");
  EXPECT_EQ(g.node(a).name, "relu");
  EXPECT_EQ(g.node(b).name, "relu_1");
  EXPECT_NE(g.node(c).name, g.node(b).name);
}

TEST(Graph, TypeErrorsNameTheNode) {
  Graph g;
  NodeId x = g.add_input("x", {{1, 3, 8, 8}});
  NodeId w = g.add_constant("w", random_array({4, 5, 3, 3}, 1));
  expect_user_error([&] { g.add_call("conv2d", {x, w}, {}, "bad_conv"); }, {"bad_conv", "conv2d"});
  expect_user_error([&] { g.add_call("frobnicate", {x}, {}, "f"); },
                    {"unknown operator", "frobnicate"});
  expect_user_error([&] { g.add_call("relu", {x, x}, {}, "two_relu"); }, {"two_relu", "inputs"});
  NodeId v = g.add_input("v", {{5}});
  expect_user_error([&] { g.add_call("add", {x, v}, {}, "bad_add"); }, {"bad_add", "add"});
  expect_user_error(
      [&] {
        g.add_call("reshape", {x}, {{"newshape", int64_t(3)}}, "bad_attr");
      },
      {"bad_attr", "newshape"});
  expect_user_error([&] { g.add_call("reshape", {x}, {}, "no_attr"); },
                    {"no_attr", "missing attribute", "newshape"});
  // An axis past 32 bits is refused, not wrapped into axis 1.
  expect_user_error([&] { g.add_call("softmax", {x}, {{"axis", (int64_t(1) << 32) + 1}}, "wide_axis"); },
                    {"wide_axis", "attribute 'axis' value 4294967297 is out of range"});
  expect_user_error([&] { g.add_call("transpose", {x}, {{"perm", std::vector<int64_t>{0, 1, 2, int64_t(1) << 40}}}, "p"); },
                    {"attribute 'perm' value 1099511627776 is out of range"});
  // A failed call adds nothing.
  EXPECT_EQ(g.nodes().size(), 3u);
}

// A value with a zero dimension or more elements than a tensor may hold is refused where it enters
// the graph, naming it, before a pass or a schedule divides by its extents.
TEST(Graph, EmptyAndOversizedValuesAreRefusedWhereTheyEnter) {
  Graph g;
  expect_user_error([&] { g.add_input("empty", {{1, 0, 4}}); }, {"input 'empty'", "1x0x4", "dimension 0"});
  expect_user_error([&] { g.add_constant("nothing", NDArray({3, 0}, DType::float32())); },
                    {"constant 'nothing'", "dimension 0"});
  expect_user_error([&] { g.add_input("huge", {{65536, 65536}}); }, {"input 'huge'", "more than 2147483647 elements"});
  NodeId x = g.add_input("x", {{1, 3, 8, 8}});
  expect_user_error(
      [&] { g.add_call("reshape", {x}, {{"newshape", std::vector<int64_t>{0, 192}}}, "to_empty"); },
      {"to_empty"});
  EXPECT_EQ(g.nodes().size(), 1u);
}

TEST(Graph, InferTypesAfterEdit) {
  Graph g;
  NodeId x = g.add_input("x", {{2, 6}});
  NodeId r = g.add_call("reshape", {x}, {{"newshape", std::vector<int64_t>{3, 4}}});
  g.mutable_node(r).attrs["newshape"] = std::vector<int64_t>{4, -1};
  g.infer_types();
  EXPECT_EQ(g.node(r).type.shape, (std::vector<int64_t>{4, 3}));
  g.mutable_node(r).attrs["newshape"] = std::vector<int64_t>{5, 5};
  expect_user_error([&] { g.infer_types(); }, {"reshape"});
}

TEST(Graph, RebuildKeepsDropsAndForwards) {
  Graph g;
  NodeId x = g.add_input("x", {{4}});
  NodeId a = g.add_call("relu", {x}, {}, "a");
  NodeId b = g.add_call("relu", {x}, {}, "b");
  NodeId dead = g.add_call("exp", {x}, {}, "dead");
  NodeId c = g.add_call("add", {a, b}, {}, "c");
  g.set_outputs({c});
  std::vector<NodeId> replacement = {x, a, a, -1, c};
  (void)dead;
  Graph out = graph::rebuild(g, replacement);
  EXPECT_EQ(out.to_string(),
            "%0 x = input : float32[4]\n"
            "%1 a = relu(%0) : float32[4]\n"
            "%2 c = add(%1, %1) : float32[4]\n"
            "outputs: %2\n");
  replacement = {x, -1, b, dead, c};  // a dropped while c still reads it
  EXPECT_THROW(graph::rebuild(g, replacement), InternalError);
}

TEST(Graph, EvaluateMatchesHandComputation) {
  Graph g;
  NodeId x = g.add_input("x", {{2, 3}});
  NodeId k = g.add_constant("k", test::array_of({3}, {1, -2, 0.5f}));
  NodeId s = g.add_call("add", {x, k});
  NodeId r = g.add_call("relu", {s});
  NodeId t = g.add_call("transpose", {r}, {{"perm", std::vector<int64_t>{1, 0}}});
  g.set_outputs({t, s});
  NDArray xv = test::array_of({2, 3}, {0, 1, 2, -3, 4, -5});
  auto out = evaluate_graph(g, {xv});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_CLOSE(out[0], test::array_of({3, 2}, {1, 0, 0, 2, 2.5f, 0}));
  EXPECT_CLOSE(out[1], test::array_of({2, 3}, {1, -1, 2.5f, -2, 2, -4.5f}));
  expect_user_error([&] { evaluate_graph(g, {}); }, {"1 inputs", "got 0"});
  expect_user_error([&] { evaluate_graph(g, {random_array({3, 2}, 1)}); }, {"'x'", "[2, 3]"});
}

TEST(Graph, EveryRegisteredOpHasAPatternAndLowering) {
  for (const std::string& name : graph::registered_ops()) {
    const graph::OpDef& def = graph::lookup_op(name);
    EXPECT_TRUE(def.infer_type && def.to_te) << name;
    EXPECT_LE(def.min_inputs, def.max_inputs) << name;
  }
  EXPECT_EQ(graph::lookup_op("conv2d").pattern, graph::PatternKind::OutEWiseFusable);
  EXPECT_EQ(graph::lookup_op("add").pattern, graph::PatternKind::Broadcast);
  EXPECT_EQ(graph::lookup_op("reshape").pattern, graph::PatternKind::Injective);
}

}  // namespace
}  // namespace tt
