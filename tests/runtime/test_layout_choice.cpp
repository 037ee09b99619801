// Replay's layout choice on ResNet-18: every convolution has two records, its default (NCHW)
// schedule and a channel-blocked conv2d_nchwc one that is faster alone. With cheap conversions the
// blocked records win everywhere; once the log says conversions are expensive, the choice moves
// the tasks whose layouts need them back to NCHW records, says why in their reasons, and never
// estimates the model slower than each task's fastest record would. The costs are given (the
// choice is a function of the log); tune's own timings of conversions are tested end to end in
// tests/cli/test_tune_command.cpp.
#include <gtest/gtest.h>

#include "ir/schedule/default_schedule.h"
#include "search/autotvm/schedule_template.h"
#include "search/measure/build.h"
#include "src/api/model_tasks.h"
#include "src/runtime/layout_choice.h"

namespace tt {
namespace {

TuningRecord record_of(const TuneTask& task, std::vector<Step> steps, double cost_s, int64_t trial,
                       const std::string& strategy) {
  TuningRecord r;
  r.workload_key = task.workload_key;
  r.workload = task.description;
  r.target = Target::host().to_string();
  r.strategy = strategy;
  r.steps = std::move(steps);
  r.costs_s = {cost_s, cost_s, cost_s};
  r.trial = trial;
  r.num_threads = 1;
  return r;
}

TuningRecord conversion_record(const LayoutConversionKernel& k, double cost_s) {
  TuningRecord r;
  r.workload_key = k.workload_key;
  r.workload = k.description;
  r.target = Target::host().to_string();
  r.strategy = kConversionStrategy;
  r.steps = k.steps;
  r.config = {{"bytes", k.bytes}};
  r.costs_s = {cost_s, cost_s, cost_s};
  r.num_threads = 1;
  return r;
}

class LayoutChoiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    model_ = load_and_fuse("resnet18");
    HardwareParams hw = hardware_params(Target::host(), 1);
    std::vector<TuneTask> tasks = tune_tasks(model_);
    for (size_t t = 0; t < tasks.size(); ++t) {
      auto tmpl = autotvm::ScheduleTemplate::match(tasks[t].outputs, hw, tasks[t].constant_inputs, nullptr, {});
      if (!tmpl || tmpl->name() != "conv2d_nchwc") continue;
      // 10 ms direct, 9 ms blocked (trial 1).
      records_.push_back(record_of(tasks[t], default_schedule(tasks[t].outputs, hw), 10e-3, 0, "default"));
      std::vector<int> picks(tmpl->space().knobs().size(), 0);
      records_.push_back(record_of(tasks[t], tmpl->instantiate(tmpl->space().from_picks(picks)), 9e-3, 1, "autotvm"));
      ++convolutions_;
    }
    ASSERT_GT(convolutions_, 10);
  }

  LayoutChoice choose(const std::vector<TuningRecord>& records) const {
    return choose_with_layouts(model_.graph, model_.groups, model_.tasks, records, Target::host(), 1);
  }

  LoadedModel model_;
  std::vector<TuningRecord> records_;
  int convolutions_ = 0;
};

std::string chosen_steps(const LayoutChoice& c) {
  std::string text;
  for (const ScheduleChoice& s : c.choices) text += steps_to_json(s.steps).dump() + "\n";
  return text;
}

TEST_F(LayoutChoiceTest, CheapConversionsKeepTheFastestRecords) {
  LayoutChoice c = choose(records_);
  EXPECT_EQ(c.tasks_changed, 0);
  EXPECT_DOUBLE_EQ(c.kernels_s, c.independent_kernels_s);
  EXPECT_DOUBLE_EQ(c.conversions_s, c.independent_conversions_s);
  // At least the graph input is converted to the stem's blocked layout; without records of
  // conversions their costs are estimates, and they are what tune would time.
  ASSERT_FALSE(c.conversions.empty());
  for (const ConversionCost& k : c.conversions) EXPECT_FALSE(k.measured);
  EXPECT_GE(c.unmeasured.size(), c.conversions.size());
  int blocked = 0;
  for (const ScheduleChoice& s : c.choices) blocked += s.from_log && s.record_s == 9e-3;
  EXPECT_EQ(blocked, convolutions_);
  // The same records, the same choice.
  EXPECT_EQ(chosen_steps(choose(records_)), chosen_steps(c));
}

TEST_F(LayoutChoiceTest, ExpensiveConversionsMoveTasksToLayoutsThatAvoidThem) {
  // Every conversion the choice considers costs 1 s, as tune would time them: repeat until the
  // choice needs no conversion it has not seen.
  std::vector<TuningRecord> records = records_;
  LayoutChoice c = choose(records);
  int rounds = 0;
  for (; !c.unmeasured.empty() && rounds < 5; ++rounds) {
    for (const LayoutConversionKernel& k : c.unmeasured) records.push_back(conversion_record(k, 1.0));
    c = choose(records);
  }
  EXPECT_TRUE(c.unmeasured.empty()) << "after " << rounds << " rounds";
  const double independent_s = c.independent_kernels_s + c.independent_conversions_s;
  // Converting would cost more than any kernel saves: no conversion is left, the tasks that
  // avoided one say so, and the estimate is far below what the fastest records alone give.
  EXPECT_TRUE(c.conversions.empty()) << c.conversions.size() << " conversions, " << c.conversions_s << " s";
  EXPECT_GT(c.tasks_changed, 0);
  EXPECT_LT(c.kernels_s + c.conversions_s, independent_s);
  EXPECT_GT(c.independent_conversions_s, 0.9);
  int explained = 0;
  for (const ScheduleChoice& s : c.choices) explained += s.reason.find("chosen over the fastest record") != std::string::npos;
  EXPECT_EQ(explained, c.tasks_changed);
  EXPECT_EQ(chosen_steps(choose(records)), chosen_steps(c));

  // Conversions measured cheap again: back to the blocked records everywhere.
  for (TuningRecord& r : records)
    if (r.strategy == kConversionStrategy) r.costs_s = {1e-6, 1e-6, 1e-6};
  LayoutChoice cheap = choose(records);
  EXPECT_EQ(cheap.tasks_changed, 0);
  for (const ConversionCost& k : cheap.conversions) EXPECT_TRUE(k.measured);
}

TEST_F(LayoutChoiceTest, RecordsOfOtherThreadCountsOrTargetsAreNotCandidates) {
  std::vector<TuningRecord> records = records_;
  for (TuningRecord& r : records) r.num_threads = 2;
  LayoutChoice c = choose(records);
  for (const ScheduleChoice& s : c.choices) EXPECT_FALSE(s.from_log) << s.reason;
  EXPECT_TRUE(c.conversions.empty());
}

}  // namespace
}  // namespace tt
