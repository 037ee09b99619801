// Tests of the tuning loop on a real task: the same seed with the same measurements proposes the same
// candidates (the second run is fed the first run's recorded costs instead of timing), another seed
// searches differently, a resumed run neither re-measures nor loses the saved cost model, and a run
// whose candidates hog the CPU or allocate without end records them as errors and goes on.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <set>

#include "ir/sanitizers.h"
#include "ir/te/ops.h"
#include "search/tune/tuner.h"
#include "tests/ir/te_test_util.h"
#include "tests/search/tune_test_util.h"

namespace tt {
namespace {

using test::fresh_log;

std::vector<TuneTask> matmul_task() { return {test::matmul_tune_task(48, 40, 64, "test_matmul_48x40x64")}; }

TuneOptions options(uint64_t seed) {
  TuneOptions o;
  o.trials = 24;
  o.measures_per_round = 8;
  o.seed = seed;
  o.measure.min_repeat_ms = 5;
  o.measure.repeat = 2;
  o.measure.worker_binary = TT_BINARY;  // this test binary is not a worker
  o.sketch.population = 64;  // small: the test checks determinism, not search quality
  o.xgboost.num_warmup_samples = 8;  // the model trains from the second round on, so it is under test too
  return o;
}

MeasureResult result(MeasureError error, std::vector<double> costs) {
  MeasureResult m;
  m.error = error;
  m.costs_s = std::move(costs);
  return m;
}

std::vector<std::string> keys_in_order(const std::string& path) {
  std::vector<std::string> keys;
  for (const TuningRecord& r : TuningLog::open(path).read_all()) keys.push_back(candidate_key(r.steps));
  return keys;
}

TEST(Tuner, SameSeedAndMeasurementsProposeTheSameCandidates) {
  std::string first = fresh_log("tuner_first");
  {
    TuningLog log = TuningLog::open(first);
    Tuner tuner(matmul_task(), options(5), Target::host(), log);
    TuneProgress p = tuner.run();
    EXPECT_EQ(p.trials_done, 24);
    EXPECT_EQ(p.tasks[0].errors[int(MeasureError::None)] + p.tasks[0].errors[int(MeasureError::WrongAnswer)] +
                  p.tasks[0].errors[int(MeasureError::Runtime)] + p.tasks[0].errors[int(MeasureError::Compile)] +
                  p.tasks[0].errors[int(MeasureError::Instantiation)] + p.tasks[0].errors[int(MeasureError::RunTimeout)] +
                  p.tasks[0].errors[int(MeasureError::CompileTimeout)],
              24);
    EXPECT_GT(p.tasks[0].errors[int(MeasureError::None)], 0);
  }
  // The recorded results, by candidate.
  std::map<std::string, TuningRecord> recorded;
  for (const TuningRecord& r : TuningLog::open(first).read_all()) recorded[candidate_key(r.steps)] = r;

  std::string second = fresh_log("tuner_second");
  {
    TuningLog log = TuningLog::open(second);
    Tuner tuner(matmul_task(), options(5), Target::host(), log);
    tuner.set_measure_function([&](int, const std::vector<Candidate>& batch, double) {
      std::vector<MeasureResult> out;
      for (const Candidate& c : batch) {
        auto it = recorded.find(candidate_key(c));
        if (it == recorded.end()) {
          ADD_FAILURE() << "the second run proposed a candidate the first did not: " << candidate_key(c);
          out.push_back(result(MeasureError::Runtime, {}));
          continue;
        }
        MeasureResult m;
        m.error = it->second.error;
        m.message = it->second.error_message;
        m.costs_s = it->second.costs_s;
        m.cut_short = it->second.cut_short;
        out.push_back(m);
      }
      return out;
    });
    tuner.run();
  }
  EXPECT_EQ(keys_in_order(first), keys_in_order(second));

  // Another seed explores differently (same default first, then other candidates).
  std::string third = fresh_log("tuner_third");
  {
    TuningLog log = TuningLog::open(third);
    TuneOptions o = options(6);
    o.trials = 8;
    Tuner tuner(matmul_task(), o, Target::host(), log);
    tuner.set_measure_function([](int, const std::vector<Candidate>& batch, double) {
      std::vector<MeasureResult> out;
      for (size_t i = 0; i < batch.size(); ++i) out.push_back(result(MeasureError::None, {1e-3 * double(i + 1)}));
      return out;
    });
    tuner.run();
  }
  std::vector<std::string> a = keys_in_order(first), c = keys_in_order(third);
  a.resize(8);
  EXPECT_EQ(a[0], c[0]) << "both start with the default schedule";
  EXPECT_NE(a, c);
}

TEST(Tuner, ResumeMeasuresNothingTwiceAndStartsFromTheSavedModel) {
  std::string path = fresh_log("tuner_resume");
  int calls = 0;
  auto fake = [&](int, const std::vector<Candidate>& batch, double) {
    std::vector<MeasureResult> out;
    for (size_t i = 0; i < batch.size(); ++i)
      out.push_back(result(MeasureError::None, {1e-3 / double(1 + (calls * 7 + i) % 13)}));
    calls++;
    return out;
  };
  {
    TuningLog log = TuningLog::open(path);
    TuneOptions o = options(1);
    o.trials = 16;
    Tuner tuner(matmul_task(), o, Target::host(), log);
    tuner.set_measure_function(fake);
    EXPECT_EQ(tuner.run().measured_this_run, 16);
  }
  EXPECT_TRUE(std::filesystem::exists(Tuner::model_path(path)));
  {
    TuningLog log = TuningLog::open(path);
    TuneOptions o = options(1);
    o.trials = 24;
    Tuner tuner(matmul_task(), o, Target::host(), log);
    tuner.set_measure_function(fake);
    TuneProgress p = tuner.run();
    EXPECT_EQ(p.measured_this_run, 8);
    EXPECT_EQ(p.trials_done, 24);
  }
  std::vector<std::string> keys = keys_in_order(path);
  std::set<std::string> unique(keys.begin(), keys.end());
  EXPECT_EQ(unique.size(), keys.size());
}

// A tuning run whose candidates misbehave in the real worker — the first of every batch takes the
// whole CPU past its timeout, or allocates without end — records each as an error, measures the
// rest of the batch in a fresh worker, goes on to its budget and keeps every record.
void expect_tuning_survives(const std::string& fault, MeasureError expected) {
  std::string path = fresh_log("tuner_fault_" + fault);
  TuneOptions o = options(3);
  o.trials = 12;
  o.measures_per_round = 4;
  o.measure.test_fault = fault;
  o.measure.test_fault_index = 0;
  o.measure.run_timeout_s = 1;
  TuningLog log = TuningLog::open(path);
  Tuner tuner(matmul_task(), o, Target::host(), log);
  TuneProgress p = tuner.run();
  EXPECT_EQ(p.measured_this_run, 12);
  std::vector<TuningRecord> records = TuningLog::open(path).read_all();
  ASSERT_EQ(records.size(), 12u);
  int faulted = 0, valid = 0;
  for (const TuningRecord& r : records) {
    faulted += r.error == expected;
    valid += r.valid();
  }
  EXPECT_EQ(faulted, 3) << "one faulted candidate per batch of four";
  EXPECT_EQ(valid, 9);
  ASSERT_EQ(p.tasks.size(), 1u);
  EXPECT_TRUE(std::isfinite(p.tasks[0].best_s));
  EXPECT_EQ(p.tasks[0].errors[size_t(expected)], 3);
}

TEST(Tuner, CpuHoggingCandidatesAreTimedOutAndTheRunGoesOn) {
  expect_tuning_survives("spin", MeasureError::RunTimeout);
}

TEST(Tuner, CandidatesAllocatingWithoutEndFailAloneAndTheRunGoesOn) {
  if (kAddressSanitizer) GTEST_SKIP() << "under AddressSanitizer the worker has no address-space cap";
  expect_tuning_survives("allocate", MeasureError::Runtime);
}

}  // namespace
}  // namespace tt
