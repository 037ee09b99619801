// The detection models end to end: YOLOv2 and RetinaNet, at small inputs (the same layers), give
// the same outputs fused with default schedules as unfused with naive ones, after every graph
// pass, on one and two threads; YOLOv2 tunes and replays.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include <unistd.h>

#include <filesystem>

#include "ir/compare.h"
#include "ir/graph/passes/passes.h"
#include "search/record/tuning_log.h"
#include "src/api/model_tasks.h"
#include "src/frontend/zoo_builder.h"
#include "src/runtime/replay.h"
#include "src/runtime/executor.h"
#include "tensortune/tensortune.h"
#include "tests/runtime/runtime_test_util.h"

namespace tt {
namespace {

void expect_matches_naive(const graph::Graph& built, const char* name) {
  graph::Graph g = graph::simplify_graph(built);
  NDArray input = test::random_input(g, 5);
  ExecutorOptions naive;
  naive.num_threads = 1;
  naive.schedule = ScheduleSource::Naive;
  naive.fuse = false;
  std::vector<NDArray> expected = GraphExecutor(g, naive).run({input});
  ASSERT_EQ(expected.size(), built.outputs().size());
  // The passes (batch norm folded into the convolutions) change the rounding, which the 60-odd
  // layers from the input to RetinaNet's heads accumulate: the model as built agrees within a
  // tolerance scaled to each output's magnitude.
  std::vector<NDArray> as_built = GraphExecutor(built, naive).run({input});
  for (size_t i = 0; i < as_built.size(); ++i) {
    float magnitude = 0;
    for (int64_t k = 0; k < expected[i].num_elements(); ++k) magnitude = std::max(magnitude, std::abs(expected[i].as<float>()[k]));
    CompareResult r = compare(expected[i], as_built[i], 1e-3, 2e-3 * std::max(1.0f, magnitude));
    EXPECT_TRUE(r.ok) << name << " output " << built.output_name(i) << " after the passes: " << r.describe();
  }
  for (int threads : {1, 2}) {
    ExecutorOptions options;
    options.num_threads = threads;
    std::vector<NDArray> actual = GraphExecutor(g, options).run({input});
    ASSERT_EQ(actual.size(), expected.size());
    for (size_t i = 0; i < actual.size(); ++i) {
      CompareResult r = compare(actual[i], expected[i], 1e-3, 1e-4);
      EXPECT_TRUE(r.ok) << name << " output " << built.output_name(i) << " at " << threads << " threads: " << r.describe();
    }
  }
}

TEST(DetectionModels, Yolov2MatchesNaive) {
  graph::Graph g = frontend::build_yolov2(7, 1, 96);
  ASSERT_EQ(g.node(g.outputs()[0]).type.shape, (std::vector<int64_t>{1, 425, 3, 3}));
  expect_matches_naive(g, "yolov2");
}

TEST(DetectionModels, RetinanetMatchesNaive) {
  graph::Graph g = frontend::build_retinanet_resnet50_fpn(7, 1, 128);
  // 9 anchors on 16² + 8² + 4² + 2² + 1² positions.
  ASSERT_EQ(g.node(g.outputs()[0]).type.shape, (std::vector<int64_t>{1, 3069, 91}));
  ASSERT_EQ(g.node(g.outputs()[1]).type.shape, (std::vector<int64_t>{1, 3069, 4}));
  EXPECT_EQ(g.output_name(0), "cls_logits");
  EXPECT_EQ(g.output_name(1), "bbox_regression");
  expect_matches_naive(g, "retinanet");
}

// Tuned and replayed like the classification models: YOLOv2 (small input) tuned by both
// strategies on the tasks its new operators are in (the passthrough's space-to-depth, the route's
// concatenation, leaky ReLU epilogues) and the first convolution, two trials each, then built
// from the log; the tasks with a record use it, and the outputs match the naive execution.
TEST(DetectionModels, Yolov2TunesAndReplays) {
  LoadedModel model = load_and_fuse("yolov2_64", frontend::build_yolov2(3, 1, 64));
  std::vector<TuneTask> tasks;
  for (const TuneTask& t : tune_tasks(model))
    if (tasks.empty() || t.description.find("space_to_depth") != std::string::npos ||
        t.description.find("concatenate") != std::string::npos)
      tasks.push_back(t);
  ASSERT_GE(tasks.size(), 2u);
  NDArray input = test::random_input(model.graph, 9);
  ExecutorOptions naive;
  naive.num_threads = 1;
  naive.schedule = ScheduleSource::Naive;
  naive.fuse = false;
  NDArray expected = GraphExecutor(model.graph, naive).run({input})[0];
  for (const char* strategy : {"ansor", "autotvm"}) {
    SCOPED_TRACE(strategy);
    std::string log = (std::filesystem::path(::testing::TempDir()) /
                       fmt::format("yolov2_{}_{}.db", strategy, ::getpid())).string();
    for (const char* suffix : {"", "-wal", "-shm", ".model"}) std::filesystem::remove(log + suffix);
    tensortune::TuneOptions o;
    o.trials = int(2 * tasks.size());
    o.measures_per_round = 2;
    o.scheduler = "round-robin";
    o.strategy = strategy;
    o.log = log;
    o.worker_binary = TT_BINARY;
    tensortune::TuneProgress progress = tune_task_list(model.name, tasks, o);
    EXPECT_EQ(progress.trials_done, o.trials);
    std::vector<TuningRecord> records = TuningLog::open(log).read_all();
    std::vector<ScheduleChoice> choices = choose_schedules(model.tasks, records, Target::host(), 1);
    ExecutorOptions tuned;
    tuned.num_threads = 1;
    int from_log = 0;
    for (size_t t = 0; t < choices.size(); ++t) {
      if (!choices[t].from_log) continue;
      tuned.task_schedules[model.tasks.tasks[t].workload_key] = choices[t].steps;
      ++from_log;
    }
    EXPECT_GT(from_log, 0) << "no tuned task found a schedule better than its default";
    CompareResult r = compare(GraphExecutor(model.graph, tuned).run({input})[0], expected, 1e-3, 1e-4);
    EXPECT_TRUE(r.ok) << r.describe();
  }
}

}  // namespace
}  // namespace tt
