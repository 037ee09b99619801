// Tests of best-record lookup (search/record/apply_history.h): target compatibility by CPU name and
// tracked features, the choice of the fastest usable record with a deterministic tie-break, and the
// sentence that says why nothing applies.
#include <gtest/gtest.h>

#include <algorithm>

#include "search/record/apply_history.h"
#include "test_tuning_log_util.h"

namespace tt {
namespace {

const char* kKey = "0123456789abcdef";

Target make_target(const std::string& cpu, std::vector<std::string> features) {
  Target t;
  t.cpu = cpu;
  t.features = std::move(features);
  t.triple = Target::host().triple;  // to_string() then leaves the triple out, as on this machine
  return t;
}

const std::vector<std::string> kAvx2 = {"+sse4.2", "+avx", "+avx2", "+fma", "+f16c"};
const std::vector<std::string> kAvx512 = {"+sse4.2",  "+avx",      "+avx2",     "+fma",     "+f16c",
                                          "+avx512f", "+avx512bw", "+avx512vl", "+avx512dq"};

TuningRecord record(const Target& target, double cost_s, int64_t trial, int num_threads = 1) {
  TuningRecord r = test::sample_record(trial, cost_s, kKey);
  r.target = target.to_string();
  r.costs_s = {cost_s};
  r.cut_short = false;
  r.num_threads = num_threads;
  return r;
}

TEST(TargetCompatible, SameCpuAndTrackedFeaturesOnly) {
  Target zen3 = make_target("znver3", kAvx2);
  EXPECT_TRUE(target_compatible(zen3.to_string(), zen3));
  EXPECT_TRUE(target_compatible("llvm -mcpu=znver3 -mattr=+avx2,+fma,+avx,+f16c,+sse4.2",
                                zen3));  // any order
  // A feature no schedule depends on does not matter; a removed one that was never there neither.
  EXPECT_TRUE(target_compatible(zen3.to_string() + ",+popcnt,-avx512f", zen3));
  // Same CPU name, features masked differently (a virtual machine hiding AVX-512 from a Zen 4).
  Target zen4 = make_target("znver4", kAvx512), zen4_masked = make_target("znver4", kAvx2);
  EXPECT_FALSE(target_compatible(zen4.to_string(), zen4_masked));
  EXPECT_FALSE(target_compatible(zen4_masked.to_string(), zen4));
  EXPECT_TRUE(target_compatible(zen4_masked.to_string(), zen4_masked));
  // Same features, another CPU: schedules tuned for one microarchitecture are not replayed on
  // another.
  EXPECT_FALSE(target_compatible(make_target("haswell", kAvx2).to_string(), zen3));
  EXPECT_FALSE(target_compatible(zen3.to_string() + " -mtriple=aarch64-linux-gnu", zen3));
  // Texts that are not target strings, or that leave the CPU out.
  for (const char* text : {"", "llvm", "cuda -mcpu=znver3", "llvm -mcpu=znver3 -O3", "llvm -mcpu=znver3 -mattr=avx2"})
    EXPECT_FALSE(target_compatible(text, zen3)) << text;
}

TEST(BestRecord, FastestValidCompatibleRecordWins) {
  Target here = make_target("znver3", kAvx2), elsewhere = make_target("znver4", kAvx512);
  std::vector<TuningRecord> records;
  records.push_back(record(here, 3e-4, 0));
  records.push_back(record(here, 2e-4, 1));  // the one
  records.push_back(record(elsewhere, 1e-4, 2));
  TuningRecord failed = record(here, 0.5e-4, 3);
  failed.error = MeasureError::WrongAnswer;  // costs measured, but the output was wrong
  records.push_back(failed);
  TuningRecord cut = record(here, 0.5e-4, 4);
  cut.cut_short = true;
  records.push_back(cut);
  TuningRecord no_costs = record(here, 0.5e-4, 5);
  no_costs.costs_s.clear();
  records.push_back(no_costs);
  records.push_back(record(here, 0.1e-4, 6, /*num_threads=*/2));
  TuningRecord other_workload = record(here, 0.1e-4, 7);
  other_workload.workload_key = "ffffffffffffffff";
  records.push_back(other_workload);

  std::optional<TuningRecord> best = best_record(records, kKey, here, 1);
  ASSERT_TRUE(best);
  EXPECT_EQ(best->trial, 1);
  EXPECT_EQ(why_no_record(records, kKey, here, 1), "");
  // The median of the repeats ranks records, not the first or the minimum.
  records[0].costs_s = {1e-4, 5e-4, 1.5e-4};  // median 1.5e-4 beats 2e-4
  EXPECT_EQ(best_record(records, kKey, here, 1)->trial, 0);

  EXPECT_EQ(best_record(records, kKey, elsewhere, 1)->trial, 2);
  EXPECT_EQ(best_record(records, kKey, here, 2)->trial, 6);
  EXPECT_EQ(best_record(records, "ffffffffffffffff", here, 1)->trial, 7);
  EXPECT_FALSE(best_record(records, "no such key", here, 1));
}

TEST(BestRecord, TiesBreakByTrialThenTimestampWhateverTheOrder) {
  Target here = make_target("znver3", kAvx2);
  std::vector<TuningRecord> records = {record(here, 2e-4, 9), record(here, 2e-4, 4), record(here, 2e-4, 4),
                                       record(here, 2e-4, 7), record(here, 3e-4, 1)};
  records[1].timestamp = 2000;
  records[2].timestamp = 1000;  // the one: lowest trial among the fastest, then earliest
  records[2].seed = 42;
  for (int round = 0; round < 4; ++round) {
    std::optional<TuningRecord> best = best_record(records, kKey, here, 1);
    ASSERT_TRUE(best);
    EXPECT_EQ(best->trial, 4);
    EXPECT_EQ(best->timestamp, 1000);
    EXPECT_EQ(best->seed, 42u);
    std::rotate(records.begin(), records.begin() + 1, records.end());
  }
  std::reverse(records.begin(), records.end());
  EXPECT_EQ(best_record(records, kKey, here, 1)->seed, 42u);
}

TEST(WhyNoRecord, NamesWhatTheLogHolds) {
  Target here = make_target("znver3", kAvx2), zen4 = make_target("znver4", kAvx512);
  EXPECT_EQ(why_no_record({}, kKey, here, 1), "no records for workload 0123456789abcdef");

  std::vector<TuningRecord> records = {record(zen4, 1e-4, 0), record(zen4, 1e-4, 1),
                                       record(make_target("haswell", kAvx2), 1e-4, 2)};
  EXPECT_EQ(why_no_record(records, kKey, here, 1),
            "the 3 records for workload 0123456789abcdef were measured on other targets only: '" +
                make_target("haswell", kAvx2).to_string() + "' (1), '" + zen4.to_string() + "' (2); this target is '" +
                here.to_string() + "'");

  records = {record(here, 1e-4, 0, 4), record(here, 1e-4, 1, 4), record(here, 1e-4, 2, 1)};
  EXPECT_EQ(why_no_record(records, kKey, here, 2),
            "the records for workload 0123456789abcdef on this target were timed with other thread "
            "counts only: 1 (1 record), 4 (2 records); wanted 2");

  records = {record(here, 1e-4, 0), record(here, 1e-4, 1), record(here, 1e-4, 2), record(here, 1e-4, 3),
             record(zen4, 1e-4, 4)};
  records[0].error = MeasureError::Compile;
  records[1].error = MeasureError::RunTimeout;
  records[2].error = MeasureError::Compile;
  records[3].cut_short = true;
  EXPECT_EQ(why_no_record(records, kKey, here, 1),
            "none of the 4 records for workload 0123456789abcdef on this target at 1 thread is valid: "
            "compile 2, run_timeout 1, cut short 1");
}

}  // namespace
}  // namespace tt
