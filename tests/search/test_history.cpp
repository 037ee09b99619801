// Tests of the latency-against-trials curves: per-task best-so-far, the end-to-end estimate (weighted,
// with not-yet-tried tasks at their default schedule's cost), filtering by target and threads, and
// the SVG plot's escaping.
#include <gtest/gtest.h>

#include <cmath>

#include "search/tune/history.h"

namespace tt {
namespace {

TuningRecord record(const std::string& key, const std::string& strategy, double cost_s, int threads = 1) {
  TuningRecord r;
  r.workload_key = key;
  r.target = Target::host().to_string();
  r.strategy = strategy;
  r.num_threads = threads;
  if (cost_s > 0) r.costs_s = {cost_s};
  else r.error = MeasureError::Runtime;
  return r;
}

TEST(TuningHistory, EndToEndStartsAtTheDefaultsAndTracksWeightedBests) {
  std::vector<HistoryTask> tasks = {{"a", "task a", 1}, {"b", "task b", 2}};
  std::vector<TuningRecord> records = {
      record("a", "default", 4e-3), record("a", "ansor", 3e-3), record("a", "ansor", -1),
      record("b", "default", 2e-3), record("b", "ansor", 1e-3),
      record("b", "ansor", 5e-4, 2),  // other thread count: ignored
  };
  TuningHistory h = tuning_history(records, tasks, Target::host(), 1);
  ASSERT_EQ(h.per_task[0].size(), 3u);
  EXPECT_DOUBLE_EQ(h.per_task[0][2].latency_s, 3e-3);  // a failed trial keeps the best
  ASSERT_EQ(h.end_to_end.size(), 5u);
  // Task b has not run yet at trial 1: it counts at its default's 2 ms (weight 2).
  EXPECT_DOUBLE_EQ(h.end_to_end[0].latency_s, 4e-3 + 2 * 2e-3);
  EXPECT_DOUBLE_EQ(h.end_to_end[1].latency_s, 3e-3 + 2 * 2e-3);
  EXPECT_DOUBLE_EQ(h.end_to_end.back().latency_s, 3e-3 + 2 * 1e-3);
  EXPECT_EQ(h.end_to_end.back().trials, 5);
  std::vector<CurvePoint> changes = improvements(h.end_to_end);
  ASSERT_EQ(changes.size(), 3u);  // 8 ms, 7 ms, then 5 ms at trial 5 (also the last point)
  EXPECT_EQ(changes[2].trials, 5);
}

TEST(TuningHistory, TuningTimeSumsTheGapsButNotAResumedRunsPause) {
  std::vector<TuningRecord> records;
  for (double t : {100.0, 100.0, 103.0, 103.0, 5000.0, 5002.0}) {
    TuningRecord r = record("a", "ansor", 1e-3);
    r.timestamp = t;
    r.build_s = 0.25;
    r.run_s = 0.75;
    records.push_back(r);
  }
  // The first batch's build and run time (its two records, 1 s each); then the gaps; the 4897 s
  // pause (a stopped run resumed later) counts as that record's build and run time.
  EXPECT_EQ(tuning_seconds(records), (std::vector<double>{2, 2, 5, 5, 6, 8}));
  std::vector<HistoryTask> tasks = {{"a", "task a", 1}};
  TuningHistory h = tuning_history(records, tasks, Target::host(), 1);
  EXPECT_DOUBLE_EQ(h.end_to_end.back().elapsed_s, 8);
  EXPECT_EQ(at_trials(h.end_to_end, 4).trials, 4);
  EXPECT_DOUBLE_EQ(at_trials(h.end_to_end, 4).elapsed_s, 5);
  EXPECT_EQ(at_trials(h.end_to_end, 100).trials, 6);
  EXPECT_FALSE(std::isfinite(at_trials(h.end_to_end, 0).latency_s));
}

TEST(TuningHistory, RecordsOfOtherTargetsDoNotCount) {
  std::vector<HistoryTask> tasks = {{"a", "task a", 1}};
  TuningRecord other = record("a", "default", 1e-3);
  other.target = Target::host().has("avx512f") ? "llvm -mcpu=znver3" : "llvm -mcpu=znver4";
  TuningHistory h = tuning_history({other}, tasks, Target::host(), 0);
  EXPECT_TRUE(h.per_task[0].empty());
  EXPECT_TRUE(h.end_to_end.empty());
}

TEST(TuningHistory, SvgEscapesNamesAndDrawsEachCurve) {
  std::string svg = svg_plot({{"conv2d 1x64 <- 1x3 & more", {{1, 2e-3}, {5, 1e-3}}}, {"b", {{1, 1e-3}}}}, "t<1>");
  EXPECT_NE(svg.find("conv2d 1x64 &lt;- 1x3 &amp; more"), std::string::npos);
  EXPECT_NE(svg.find("t&lt;1&gt;"), std::string::npos);
  EXPECT_EQ(svg.find("<- 1x3"), std::string::npos);
  size_t lines = 0;
  for (size_t at = svg.find("<polyline"); at != std::string::npos; at = svg.find("<polyline", at + 1)) ++lines;
  EXPECT_EQ(lines, 2u);
}

}  // namespace
}  // namespace tt
