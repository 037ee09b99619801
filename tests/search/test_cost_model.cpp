// The cost models on real measurements: ~100 schedules of a 128^3 matmul are compiled and timed in
// process, the XGBoost model trains on three quarters and must rank the held-out quarter well
// above chance; save/load and retraining reproduce predictions exactly; warm-up and random scores
// are seeded.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <numeric>
#include <random>

#include "codegen/runtime.h"
#include "ir/error.h"
#include "ir/schedule/default_schedule.h"
#include "ir/te/ops.h"
#include "search/cost_model/cost_model.h"
#include "search/cost_model/ranking.h"
#include "search/measure/build.h"
#include "search/measure/timer.h"
#include "tests/ir/te_test_util.h"

namespace tt {
namespace {

using Rng = std::mt19937_64;

template <typename T>
const T& pick(Rng& rng, const std::vector<T>& v) {
  return v[std::uniform_int_distribution<size_t>(0, v.size() - 1)(rng)];
}
bool coin(Rng& rng) { return std::uniform_int_distribution<int>(0, 1)(rng) == 1; }

// A random tiling of C[i,j] += A[i,rk] * B[rk,j]: split factors, one of several loop orders, and
// maybe vectorize / unroll / parallel. Steps the state rejects are dropped.
std::vector<Step> random_matmul_schedule(Rng& rng, const std::vector<Tensor>& outputs) {
  int64_t ti = pick(rng, std::vector<int64_t>{1, 2, 4, 8, 16, 32});
  int64_t tj = pick(rng, std::vector<int64_t>{1, 4, 8, 16, 32, 64});
  int64_t tk = pick(rng, std::vector<int64_t>{1, 4, 16});
  std::vector<Step> steps;
  auto split = [&](const char* axis, int64_t factor) {
    if (factor > 1) steps.push_back(SplitStep{"matmul", axis, {factor}, false});
  };
  split("i", ti);
  split("j", tj);
  split("rk", tk);
  auto name = [](const char* axis, int64_t factor, int part) {
    return factor > 1  ? fmt::format("{}.{}", axis, part)
           : part == 0 ? std::string(axis)
                       : std::string();
  };
  std::string i0 = name("i", ti, 0), i1 = name("i", ti, 1), j0 = name("j", tj, 0),
              j1 = name("j", tj, 1), k0 = name("rk", tk, 0), k1 = name("rk", tk, 1);
  std::vector<std::vector<std::string>> orders{
      {i0, j0, k0, i1, k1, j1},  // tiled, unit-stride j innermost
      {i0, j0, i1, j1, k0, k1},  // reduction innermost: B walks columns
      {j0, i0, k0, k1, i1, j1},
      {k0, i0, j0, i1, k1, j1},
      {i0, k0, j0, k1, i1, j1}};
  std::vector<std::string> order;
  for (const std::string& loop : pick(rng, orders))
    if (!loop.empty()) order.push_back(loop);
  steps.push_back(ReorderStep{"matmul", order});
  if (order.back() == j1 && tj >= 4 && coin(rng))
    steps.push_back(AnnotateStep{"matmul", j1, LoopAnnotation::Vectorize});
  if (!i1.empty() && ti <= 8 && order.back() != i1 && coin(rng))
    steps.push_back(AnnotateStep{"matmul", i1, LoopAnnotation::Unroll});
  if (coin(rng)) steps.push_back(AnnotateStep{"matmul", order.front(), LoopAnnotation::Parallel});

  ScheduleState state(outputs);
  std::vector<Step> accepted;
  for (const Step& s : steps) {
    try {
      state.apply(s);
      accepted.push_back(s);
    } catch (const UserError&) {
    }
  }
  return accepted;
}

struct MeasuredSchedules {
  std::vector<TrainingSample> samples;
  std::vector<std::string> descriptions;
};

// Compiles and times each schedule once per process (a few seconds for 100): the naive and default
// schedules plus random tilings, on one thread.
MeasuredSchedules measure_matmul_schedules(int random_schedules) {
  {
    std::vector<Tensor> outputs{
        ops::matmul(test::input({128, 128}, "A"), test::input({128, 128}, "B"))};
    std::vector<Tensor> inputs = ScheduleState(outputs).inputs();
    KernelCompiler compiler;
    set_num_threads(1);
    HardwareParams hw = hardware_params(compiler.target(), 1);
    std::vector<std::vector<Step>> schedules{{}, default_schedule(outputs, hw)};
    Rng rng(20261201);
    for (int s = 0; s < random_schedules; ++s)
      schedules.push_back(random_matmul_schedule(rng, outputs));

    std::vector<NDArray> values = random_inputs(inputs, 7);
    NDArray result({128, 128}, DType::float32());
    std::vector<void*> args{values[0].data(), values[1].data(), result.data()};
    TimingOptions timing;
    timing.warmup = 1;
    timing.repeat = 3;
    timing.min_repeat_ms = 3;
    MeasuredSchedules out;
    for (const std::vector<Step>& steps : schedules) {
      BuiltKernel built = build_kernel(outputs, steps, compiler, "candidate");
      CompiledKernel::PackedFunction fn = built.kernel.packed_function();
      void** raw = args.data();
      // The minimum over the groups: the least disturbed by other processes on a shared machine.
      TimingResult t = time_function([&] { fn(raw); }, timing);
      out.samples.push_back({extract_features(built.func, hw), 1.0 / t.min_s, 0});
      std::string text;
      for (const Step& s : steps) text += to_string(s) + "; ";
      out.descriptions.push_back(text);
    }
    return out;
  }
}

// The ranking test needs many schedules (a few seconds to measure); the exactness tests (save/load,
// retraining, labels) only need real ones, and ctest runs every test in its own process.
constexpr int kRankingSchedules = 100;
constexpr int kSmallSchedules = 24;

const MeasuredSchedules& measured_matmul_schedules(int random_schedules) {
  static std::map<int, MeasuredSchedules> measured;
  auto it = measured.find(random_schedules);
  if (it == measured.end())
    it = measured.emplace(random_schedules, measure_matmul_schedules(random_schedules)).first;
  return it->second;
}

XGBoostParams test_params() {
  XGBoostParams p;
  p.num_warmup_samples = 0;
  return p;
}

std::vector<ProgramFeatures> features_of(const std::vector<TrainingSample>& samples) {
  std::vector<ProgramFeatures> f;
  for (const TrainingSample& s : samples) f.push_back(s.features);
  return f;
}

TEST(CostModel, RanksHeldOutMeasuredSchedules) {
  const MeasuredSchedules& data = measured_matmul_schedules(kRankingSchedules);
  // Four folds; fold f holds out the schedules of speed rank r with r % 4 == f, so each held-out
  // quarter spans the whole range (a random quarter could be a narrow band where measurement noise
  // decides the order), and averaging the folds keeps one unlucky split from deciding the test.
  std::vector<size_t> by_speed(data.samples.size());
  std::iota(by_speed.begin(), by_speed.end(), size_t(0));
  std::stable_sort(by_speed.begin(), by_speed.end(), [&](size_t a, size_t b) {
    return data.samples[a].throughput < data.samples[b].throughput;
  });
  std::printf("measured %zu schedules: %.0f to %.0f runs/s\n", by_speed.size(),
              data.samples[by_speed.front()].throughput, data.samples[by_speed.back()].throughput);
  double held_out_accuracy = 0, train_accuracy = 0, peak = 0;
  constexpr int kFolds = 4;
  for (int fold = 0; fold < kFolds; ++fold) {
    std::vector<TrainingSample> train, held_out;
    for (size_t r = 0; r < by_speed.size(); ++r)
      (int(r % kFolds) == fold ? held_out : train).push_back(data.samples[by_speed[r]]);
    XGBoostCostModel model(test_params());
    model.update(train);
    ASSERT_TRUE(model.trained());
    std::vector<double> measured, train_measured;
    for (const TrainingSample& s : held_out) measured.push_back(s.throughput);
    for (const TrainingSample& s : train) train_measured.push_back(s.throughput);
    RankingQuality q = ranking_quality(model.predict(features_of(held_out)), measured, 3);
    RankingQuality t = ranking_quality(model.predict(features_of(train)), train_measured, 3);
    std::printf(
        "fold %d: held-out %d programs, pairwise accuracy %.3f, peak@3 %.3f; training %.3f; %d "
        "rounds\n",
        fold, q.n, q.pairwise_accuracy, q.peak_at_k, t.pairwise_accuracy, model.boosted_rounds());
    EXPECT_GT(q.pairwise_accuracy, 0.58) << "fold " << fold;
    held_out_accuracy += q.pairwise_accuracy / kFolds;
    train_accuracy += t.pairwise_accuracy / kFolds;
    peak += q.peak_at_k / kFolds;
  }
  // Chance is 0.5. Over repeated runs here the model reached 0.73-0.82 held out (single folds
  // 0.70-0.89) and about 0.93 on its training set; the thresholds leave room for a noisier machine.
  // Some pairs are within measurement noise of each other (a cluster of schedules with the
  // reduction innermost all run at ~700/s), so no model reaches 1 here.
  EXPECT_GT(held_out_accuracy, 0.65);
  EXPECT_GT(train_accuracy, 0.85);
  EXPECT_GT(peak, 0.45);  // observed 0.63-0.98; three random picks of 25 reach about 0.4
}

TEST(CostModel, SaveLoadPredictsIdentically) {
  const MeasuredSchedules& data = measured_matmul_schedules(kSmallSchedules);
  XGBoostCostModel model(test_params());
  model.update(data.samples);
  std::vector<double> before = model.predict(features_of(data.samples));
  std::string path = testing::TempDir() + "/tt_cost_model_roundtrip.model";
  model.save(path);
  XGBoostParams other;
  other.max_depth = 3;
  XGBoostCostModel loaded(other);
  loaded.load(path);
  EXPECT_TRUE(loaded.trained());
  EXPECT_EQ(loaded.params().max_depth, model.params().max_depth);
  EXPECT_EQ(loaded.boosted_rounds(), model.boosted_rounds());
  EXPECT_EQ(loaded.predict(features_of(data.samples)), before);
  std::remove(path.c_str());
}

TEST(CostModel, RetrainingOnTheSameSamplesIsDeterministic) {
  const MeasuredSchedules& data = measured_matmul_schedules(kSmallSchedules);
  XGBoostCostModel a(test_params()), b(test_params());
  a.update(data.samples);
  b.update(data.samples);
  std::vector<double> pa = a.predict(features_of(data.samples));
  EXPECT_EQ(pa, b.predict(features_of(data.samples)));
  a.update(data.samples);  // retraining replaces the model with the same one
  EXPECT_EQ(pa, a.predict(features_of(data.samples)));
  EXPECT_GE(a.boosted_rounds(), 1);
  EXPECT_LE(a.boosted_rounds(), a.params().num_rounds);
}

// Labels are normalized per task: a task whose programs run 1000x slower is learned as well as one
// alone (with one global normalization its labels would all be ~0.001 and carry no order).
TEST(CostModel, LabelsAreNormalizedPerTask) {
  const MeasuredSchedules& data = measured_matmul_schedules(kSmallSchedules);
  std::vector<TrainingSample> two_tasks = data.samples;
  std::vector<double> slow_throughput;
  for (const TrainingSample& s : data.samples) {
    two_tasks.push_back({s.features, s.throughput / 1000, 1});
    slow_throughput.push_back(s.throughput / 1000);
  }
  XGBoostCostModel model(test_params());
  model.update(two_tasks);
  RankingQuality q = ranking_quality(model.predict(features_of(data.samples)), slow_throughput, 1);
  EXPECT_GT(q.pairwise_accuracy, 0.85);
}

TEST(CostModel, ProgramsWithoutRowsScoreLowest) {
  const MeasuredSchedules& data = measured_matmul_schedules(kSmallSchedules);
  XGBoostCostModel model(test_params());
  model.update(data.samples);
  std::vector<double> scores = model.predict({ProgramFeatures{}, data.samples[0].features});
  EXPECT_EQ(scores[0], -std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isfinite(scores[1]));
}

TEST(CostModel, WarmupScoresAreSeededRandom) {
  const MeasuredSchedules& data = measured_matmul_schedules(kSmallSchedules);
  XGBoostParams p;
  p.num_warmup_samples = int(data.samples.size()) + 1;
  XGBoostCostModel a(p), b(p);
  a.update(data.samples);  // too few samples: no training
  EXPECT_FALSE(a.trained());
  std::vector<ProgramFeatures> programs = features_of(data.samples);
  std::vector<double> sa = a.predict(programs);
  EXPECT_EQ(sa, b.predict(programs));
  for (double s : sa) {
    EXPECT_GE(s, 0.0);
    EXPECT_LT(s, 1.0);
  }
  EXPECT_NE(sa, a.predict(programs));  // the generator moves on
  p.seed = 44;
  EXPECT_NE(sa, XGBoostCostModel(p).predict(programs));
}

TEST(CostModel, RandomModelIsSeededAndRoundTrips) {
  std::vector<ProgramFeatures> programs(20);
  RandomCostModel a(5), b(5), c(6);
  std::vector<double> first = a.predict(programs);
  EXPECT_EQ(first, b.predict(programs));
  EXPECT_NE(first, c.predict(programs));
  EXPECT_FALSE(a.trained());
  std::string path = testing::TempDir() + "/tt_random_model.model";
  a.save(path);
  RandomCostModel restored(99);
  restored.load(path);
  EXPECT_EQ(restored.predict(programs), a.predict(programs));  // continues the same sequence
  std::remove(path.c_str());
}

TEST(CostModel, LoadRejectsOtherFilesWithUserError) {
  std::string path = testing::TempDir() + "/tt_not_a_model.txt";
  std::ofstream(path) << "hello\n";
  XGBoostCostModel model;
  EXPECT_THROW(model.load(path), UserError);
  RandomCostModel random;
  EXPECT_THROW(random.load(path), UserError);
  EXPECT_THROW(model.load(testing::TempDir() + "/tt_missing_model_file"), UserError);
  std::remove(path.c_str());
}

}  // namespace
}  // namespace tt
