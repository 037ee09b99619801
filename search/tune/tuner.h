// The tuning loop shared by every search strategy: the task scheduler picks a task, its search policy
// proposes a batch (scored by the shared cost model), the measurer builds and times it, the batch is
// committed to the tuning log in one transaction, the cost model retrains, and the policy sees the
// results. A run resumes from its log: nothing measured is measured again, and the cost model starts
// from the one saved beside the log.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "codegen/target.h"
#include "ir/schedule/hardware.h"
#include "ir/te/tensor.h"
#include "search/cost_model/cost_model.h"
#include "search/cost_model/features.h"
#include "search/autotvm/config_tuner.h"
#include "search/autotvm/schedule_template.h"
#include "search/cost_model/ranking.h"
#include "search/measure/measurer.h"
#include "search/record/tuning_log.h"
#include "search/search_policy.h"
#include "search/sketch/sketch_policy.h"
#include "search/tune/task_scheduler.h"

namespace tt {

// One task of the model as the tuner sees it.
struct TuneTask {
  std::string workload_key;
  std::string description;
  std::vector<Tensor> inputs, outputs;
  // Names of the inputs that are constants of the model (weights): the search may store them in
  // the layout its loops read them in (SketchParams::layout_rewrite), packed once at load.
  std::vector<std::string> constant_inputs;
  int weight = 1;
  int64_t flops = 0;
  std::string operator_kinds;  // "conv2d+bias_add+relu": with the FLOPs, the scheduler's similarity tag
};

struct TuneOptions {
  // Measurements the log should hold for these tasks when the run ends, the default schedule of
  // each task (its first trial) included. A resumed run counts what the log already has.
  int trials = 200;
  // Candidates measured per round of one task (Ansor: 64), capped so that the warm-up round every
  // task gets first takes at most `warmup_share` of the budget. Ansor caps at trials / tasks, which
  // with a small budget spends all of it on the warm-up and leaves the gradient scheduler nothing.
  int measures_per_round = 64;
  double warmup_share = 0.5;
  uint64_t seed = 0;
  // "ansor": the template-free sketch search. "autotvm": each task's schedule template searched by
  // `tuner`; tasks without a template get the sketch search (TaskReport::search says which).
  std::string strategy = "ansor";
  // The template search's tuner: "xgb", "ga", "random" or "grid" (search/autotvm/config_tuner.h).
  std::string tuner = "xgb";
  autotvm::TemplateOptions templates;
  autotvm::GAParams ga;
  autotvm::AnnealingParams annealing;
  // "xgb" (XGBoost, trained online) or "random" (random scores: pure random sampling of the space).
  std::string cost_model = "xgb";
  // A saved cost model to start from (another log's); default: the one beside this log, if any.
  std::string warm_start_model;
  // The XGBoost model's parameters; it retrains on every sample after each measured batch.
  XGBoostParams xgboost;
  TaskSchedulerParams scheduler;
  MeasureOptions measure;
  SketchParams sketch;
  int num_threads = 1;  // the kernels' thread count (measurement and schedules)
};

// What the run knows of one task.
struct TaskReport {
  std::string workload_key, description;
  int weight = 1;
  int64_t flops = 0;
  int trials = 0;                            // records in the log, this run and earlier ones
  double best_s = 0;                         // infinity when none is valid
  double default_s = 0;                      // the default schedule's cost; infinity if unmeasured
  std::array<int, kNumMeasureErrors> errors{};  // records by code (index = MeasureError)
  int cut_short = 0;
  // How the task is searched: "ansor", or "autotvm conv2d_nchw (xgb, 1.2e6 configs)"; with the
  // reason when a template search fell back to the sketch search.
  std::string search;
};

// Seconds spent in each part of the loop (this run).
struct TimeBreakdown {
  double search_s = 0, build_s = 0, run_s = 0, model_s = 0, log_s = 0;
};

struct TuneProgress {
  int trials_done = 0, trials_total = 0;  // over all tasks, the log's earlier records included
  int measured_this_run = 0;
  int round = 0;
  int current_task = -1;
  double elapsed_s = 0, eta_s = 0;
  double estimated_latency_s = 0;  // sum of weight x best over tasks (infinity until every task has one)
  std::vector<TaskReport> tasks;
  // The cost model's ranking of the last batch before it trained on it.
  std::optional<RankingQuality> last_quality;
  TimeBreakdown time;
};

// A measurement of one batch of candidates of task `task`; the real one builds and runs them through
// the Measurer. Tests substitute recorded costs to check that a seed reproduces a search.
using MeasureFunction =
    std::function<std::vector<MeasureResult>(int task, const std::vector<Candidate>& batch, double best_so_far_s)>;

class Tuner {
 public:
  Tuner(std::vector<TuneTask> tasks, TuneOptions options, Target target, TuningLog& log);
  ~Tuner();

  void set_measure_function(MeasureFunction f);
  // Called after every measured batch (and once at the start with what the log held).
  void set_progress_callback(std::function<void(const TuneProgress&)> f);

  // Tunes until the log holds options.trials measurements for these tasks, no task can propose
  // anything new, or *stop becomes true (checked between batches: the batch in flight is finished and
  // committed first).
  TuneProgress run(const std::atomic<bool>* stop = nullptr);

  // The sketches of each task's policy, printed (for `tune --show-sketches`).
  std::vector<std::string> describe_sketches() const;

  // Where the cost model of a log is saved.
  static std::string model_path(const std::string& log_path);

 private:
  struct TaskState;
  std::vector<TuneTask> tasks_;
  TuneOptions options_;
  Target target_;
  HardwareParams hw_;
  TuningLog& log_;
  MeasureFunction measure_;
  std::function<void(const TuneProgress&)> on_progress_;
  std::vector<std::unique_ptr<TaskState>> states_;
  std::unique_ptr<CostModel> model_;
  TimeBreakdown time_;
  bool any_policy_uses_model_ = false;

  void load_log();
  int round_size() const;
  std::vector<double> score(int task, const std::vector<Candidate>& candidates);
  ProgramFeatures features_of(int task, const Candidate& candidate);
  void retrain();
  TuneProgress progress(int current_task, int round, int measured_this_run, double elapsed_s) const;
  std::vector<MeasureResult> measure_with_measurer(int task, const std::vector<Candidate>& batch, double best_s);
};

}  // namespace tt
