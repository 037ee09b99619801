// Tests of task extraction: canonical lowering of groups, stable workload keys shared by identical
// groups across models, weights, FLOPs, and running the tasks' TE group by group against the naive
// graph evaluation.
#include <gtest/gtest.h>

#include <map>

#include "graph_test_util.h"
#include "ir/graph/evaluate.h"
#include "ir/graph/passes/passes.h"
#include "ir/graph/task.h"
#include "ir/te/interpreter.h"

namespace tt {
namespace {

using graph::Graph;
using graph::NodeId;

using graph::extract_tasks;
using graph::fuse_operators;
using graph::TaskTable;

TEST(ExtractTasks, IdenticalGroupsShareOneWeightedTask) {
  Graph g = graph::simplify_graph(test::resnet_like(2));
  auto groups = fuse_operators(g);
  TaskTable table = extract_tasks(g, groups);
  ASSERT_EQ(table.task_of_group.size(), groups.size());
  // Stem and both first convs are one task; both residual convs another.
  EXPECT_EQ(table.task_of_group, (std::vector<int>{0, 0, 1, 0, 1, 2, 3, 4}));
  ASSERT_EQ(table.tasks.size(), 5u);
  EXPECT_EQ(table.tasks[0].weight, 3);
  EXPECT_EQ(table.tasks[1].weight, 2);
  EXPECT_EQ(table.tasks[4].weight, 1);
  EXPECT_EQ(table.tasks[0].description, "conv2d+relu 1x8x8x8 <- 1x8x8x8, 8x8x3x3, 8");
  EXPECT_EQ(table.tasks[1].description, "conv2d+add+relu 1x8x8x8 <- 1x8x8x8, 8x8x3x3, 8, 1x8x8x8");
  EXPECT_EQ(table.tasks[4].description, "dense 1x10 <- 1x8, 10x8, 10");
  // conv: 2·K·C·R·S per output point, plus the bias add and relu; dense: 2·N·K plus the bias.
  EXPECT_EQ(table.tasks[0].flops, 8 * 8 * 8 * (2 * 8 * 9 + 2));
  EXPECT_EQ(table.tasks[1].flops, 8 * 8 * 8 * (2 * 8 * 9 + 3));
  EXPECT_EQ(table.tasks[4].flops, 10 * (2 * 8 + 1));
  std::map<std::string, int> keys;
  for (const graph::Task& t : table.tasks) {
    EXPECT_EQ(t.workload_key.size(), 16u);
    EXPECT_EQ(t.workload_key.find_first_not_of("0123456789abcdef"), std::string::npos);
    EXPECT_EQ(t.outputs.size(), 1u);
    keys[t.workload_key]++;
  }
  EXPECT_EQ(keys.size(), table.tasks.size());
  // Placeholders are p0, p1, ... in the group's input order, whatever the model called them.
  ASSERT_EQ(table.tasks[1].inputs.size(), 4u);
  EXPECT_EQ(table.tasks[1].inputs[3].name(), "p3");
  EXPECT_EQ(table.tasks[1].outputs[0].name(), "relu");
}

TEST(ExtractTasks, KeysDependOnStructureAndShapesOnly) {
  // Different node names and weights, same structure: the same keys, in the same order.
  TaskTable a = extract_tasks(graph::simplify_graph(test::resnet_like(1, "a_", 1)),
                              fuse_operators(graph::simplify_graph(test::resnet_like(1, "a_", 1))));
  Graph gb = graph::simplify_graph(test::resnet_like(3, "model_b/", 99));
  TaskTable b = extract_tasks(gb, fuse_operators(gb));
  ASSERT_EQ(a.tasks.size(), b.tasks.size());
  for (size_t i = 0; i < a.tasks.size(); ++i) {
    EXPECT_EQ(a.tasks[i].workload_key, b.tasks[i].workload_key) << a.tasks[i].description;
    EXPECT_EQ(to_string(a.tasks[i].outputs), to_string(b.tasks[i].outputs));
  }
  EXPECT_EQ(b.tasks[1].weight, 3);
  // Other channel counts: every key differs.
  Graph gc = graph::simplify_graph(test::resnet_like(1, "", 1, 16));
  TaskTable c = extract_tasks(gc, fuse_operators(gc));
  for (size_t i = 0; i < a.tasks.size(); ++i)
    EXPECT_NE(a.tasks[i].workload_key, c.tasks[i].workload_key);
}

TEST(ExtractTasks, RunningTheTasksReproducesTheGraph) {
  Graph original = test::resnet_like(1);
  Graph g = graph::simplify_graph(original);
  auto groups = fuse_operators(g);
  TaskTable table = extract_tasks(g, groups);
  NDArray x = test::random_array(g.node(g.inputs()[0]).type.shape, 5);
  std::map<NodeId, NDArray> values = {{g.inputs()[0], x}};
  for (const graph::Node& n : g.nodes())
    if (n.kind == graph::NodeKind::Constant) values[n.id] = n.value;
  for (size_t i = 0; i < groups.size(); ++i) {
    const graph::Task& task = table.tasks[table.task_of_group[i]];
    std::vector<std::pair<Tensor, NDArray>> bindings;
    for (size_t k = 0; k < groups[i].inputs.size(); ++k)
      bindings.emplace_back(task.inputs[k], values.at(groups[i].inputs[k]));
    values[groups[i].output] = evaluate(task.outputs, bindings)[0];
  }
  NDArray expected = graph::evaluate_graph(original, {x})[0];
  EXPECT_CLOSE(values.at(g.outputs()[0]), expected, 1e-4, 1e-4);
}

TEST(LowerGroup, NamesAreCanonicalWithinTheGroup) {
  Graph g;
  NodeId x = g.add_input("some_input", {{4}});
  NodeId a = g.add_call("add", {x, x}, {}, "first_add");
  NodeId b = g.add_call("add", {a, x}, {}, "second_add");
  g.set_outputs({g.add_call("relu", {b}, {}, "act")});
  auto groups = fuse_operators(g);
  ASSERT_EQ(groups.size(), 1u);
  graph::Task task = graph::lower_group(g, groups[0]);
  EXPECT_EQ(to_string(task.outputs),
            "p0[4] float32 = placeholder\n"
            "add[4] float32 = compute(i) p0(i) + p0(i)  # elemwise\n"
            "add_1[4] float32 = compute(i) add(i) + p0(i)  # elemwise\n"
            "relu[4] float32 = compute(i) max(add_1(i), 0.0f)  # elemwise\n");
  EXPECT_EQ(task.description, "add+add+relu 4 <- 4");
  EXPECT_EQ(task.flops, 12);
  EXPECT_EQ(task.weight, 0);  // lower_group alone counts no uses
  // Pinned: keys index tuning logs, so a change here (in the hash, the canonical workload text of
  // ir/te/canonical.cpp or the lowering of groups) invalidates every log written before it, and
  // must be deliberate (bump kCanonicalWorkloadVersion). The TE printer no longer affects it.
  EXPECT_EQ(task.workload_key, "ffa5022948153130");
}

}  // namespace
}  // namespace tt
