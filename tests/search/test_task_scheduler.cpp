// Tests of the task scheduler: warm-up order, the gradient's preference for tasks where a round buys
// the most weighted latency, round-robin, dead tasks, and seeded tie-breaking.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "search/tune/task_scheduler.h"

namespace tt {
namespace {

TaskProgress progress(std::vector<double> history, bool alive = true) {
  TaskProgress p;
  p.rounds = int(history.size());
  p.best_history_s = std::move(history);
  p.alive = alive;
  return p;
}

TEST(TaskScheduler, WarmsUpEveryTaskInOrderFirst) {
  TaskScheduler s({{1, 100, "a"}, {1, 100, "b"}, {1, 100, "c"}}, {}, 1);
  std::vector<TaskProgress> p(3);
  EXPECT_EQ(s.next_task(p), 0);
  p[0] = progress({1.0});
  EXPECT_EQ(s.next_task(p), 1);
  p[1] = progress({1.0});
  p[2].alive = false;  // a dead task is never warmed up
  EXPECT_NE(s.next_task(p), 2);
}

TEST(TaskScheduler, GradientPrefersTheTaskThatDominatesWeightedLatency) {
  // Same progress pattern, but task 1 runs 10x as often: a round there buys 10x the latency.
  TaskScheduler s({{1, 1000, "a"}, {10, 1000, "b"}}, {}, 1);
  std::vector<TaskProgress> p = {progress({2e-3, 1.5e-3, 1.2e-3, 1.1e-3}), progress({2e-3, 1.5e-3, 1.2e-3, 1.1e-3})};
  std::vector<double> g = s.gradients(p);
  EXPECT_LT(g[1], g[0]);
  EXPECT_LE(g[0], 0.0);
  EXPECT_EQ(s.next_task(p), 1);
}

TEST(TaskScheduler, GradientPrefersAStillImprovingTaskOverAConvergedOne) {
  TaskSchedulerParams params;
  params.alpha = 0.9;  // weigh measured progress heavily
  TaskScheduler s({{1, 1000, "a"}, {1, 1000, "b"}}, params, 1);
  std::vector<TaskProgress> p = {progress({1e-3, 1e-3, 1e-3, 1e-3, 1e-3, 1e-3}),
                                 progress({4e-3, 3e-3, 2e-3, 1.5e-3, 1.2e-3, 1e-3})};
  EXPECT_EQ(s.next_task(p), 1);
}

TEST(TaskScheduler, SlowTaskAmongSimilarOnesIsPickedThroughTheForwardTerm) {
  // Same tag, same FLOPs, no recent progress on either: the one at a quarter of the other's FLOP rate
  // is expected to gain more.
  TaskScheduler s({{1, 1000000, "conv"}, {1, 1000000, "conv"}}, {}, 1);
  std::vector<TaskProgress> p = {progress({1e-3, 1e-3, 1e-3, 1e-3}), progress({4e-3, 4e-3, 4e-3, 4e-3})};
  EXPECT_EQ(s.next_task(p), 1);
}

TEST(TaskScheduler, TaskWithoutAValidResultIsStillScheduled) {
  double inf = std::numeric_limits<double>::infinity();
  TaskScheduler s({{1, 1000, "a"}, {1, 1000, "b"}}, {}, 1);
  std::vector<TaskProgress> p = {progress({1e-3, 1e-3}), progress({inf, inf})};
  std::vector<double> g = s.gradients(p);
  EXPECT_TRUE(std::isfinite(g[1]));
  EXPECT_EQ(s.next_task(p), 1);
  EXPECT_TRUE(std::isinf(s.objective(p)));
}

TEST(TaskScheduler, RoundRobinCyclesOverLiveTasks) {
  TaskSchedulerParams params;
  params.strategy = TaskSchedulerStrategy::RoundRobin;
  TaskScheduler s({{1, 1, "a"}, {1, 1, "b"}, {1, 1, "c"}}, params, 1);
  std::vector<TaskProgress> p = {progress({1.0}), progress({1.0}, false), progress({1.0})};
  EXPECT_EQ(s.next_task(p), 0);
  EXPECT_EQ(s.next_task(p), 2);
  EXPECT_EQ(s.next_task(p), 0);
  p[0].alive = p[2].alive = false;
  EXPECT_EQ(s.next_task(p), -1);
}

TEST(TaskScheduler, TiesAreBrokenBySeedDeterministically) {
  std::vector<TaskProgress> p = {progress({1e-3, 1e-3}), progress({1e-3, 1e-3}), progress({1e-3, 1e-3})};
  auto picks = [&](uint64_t seed) {
    TaskScheduler s({{1, 10, "a"}, {1, 10, "b"}, {1, 10, "c"}}, {}, seed);
    std::vector<int> out;
    for (int i = 0; i < 20; ++i) out.push_back(s.next_task(p));
    return out;
  };
  EXPECT_EQ(picks(7), picks(7));
  std::vector<int> a = picks(7);
  EXPECT_NE(std::count(a.begin(), a.end(), a[0]), 20) << "ties should not always go to one task";
}

TEST(TaskScheduler, ObjectiveIsTheWeightedSum) {
  TaskScheduler s({{2, 1, "a"}, {3, 1, "b"}}, {}, 1);
  EXPECT_DOUBLE_EQ(s.objective({progress({1.0, 0.5}), progress({0.25})}), 2 * 0.5 + 3 * 0.25);
}

}  // namespace
}  // namespace tt
