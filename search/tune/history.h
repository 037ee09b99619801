// Search iterations against latency, from a tuning log: for each task the best latency after each of
// its trials, and for the model the estimated end-to-end latency (sum of weight x best over its tasks)
// after each trial of the whole run, once every task has a valid measurement. `tensortune compare`
// prints these; they are what users read to decide whether more tuning is worth it.
#pragma once

#include <string>
#include <vector>

#include "codegen/target.h"
#include "search/record/tuning_record.h"

namespace tt {

struct HistoryTask {
  std::string workload_key, description;
  int weight = 1;
};

struct CurvePoint {
  int trials = 0;        // measurements so far (of the task, or of the whole run)
  double latency_s = 0;  // best so far (task) or estimated end to end (model)
  double elapsed_s = 0;  // tuning time until this trial's batch was in the log (tuning_seconds)
};

struct TuningHistory {
  std::vector<HistoryTask> tasks;
  std::vector<std::vector<CurvePoint>> per_task;  // one point per trial of that task
  std::vector<CurvePoint> end_to_end;             // one point per trial: a task not yet tried counts
                                                  // at its default schedule's cost (its first trial);
                                                  // from the first point where every task has one
};

// `records` in log order; only records of the given tasks measured on a compatible target with
// `num_threads` threads (0: any) count.
TuningHistory tuning_history(const std::vector<TuningRecord>& records, const std::vector<HistoryTask>& tasks,
                             const Target& target, int num_threads);

// Tuning time from a log's records in log order: the first batch's build and run time (the
// records written within a second of the first), then the gaps between consecutive records' timestamps (a batch is written at once, so its records share
// one), each gap longer than `resume_gap_s` — a run stopped and resumed later — counted as that
// record's build and run time instead. Element i: seconds spent when record i was written.
std::vector<double> tuning_seconds(const std::vector<TuningRecord>& records, double resume_gap_s = 600);

// The curve's value after `trials` trials: its last point with at most that many (infinity-latency
// point with trials 0 when the curve has none so early).
CurvePoint at_trials(const std::vector<CurvePoint>& curve, int trials);

// The points of a curve at which it changed, plus its last point (for plots and JSON).
std::vector<CurvePoint> improvements(const std::vector<CurvePoint>& curve);

// An SVG line plot of latency against trials (several curves, one colour each).
std::string svg_plot(const std::vector<std::pair<std::string, std::vector<CurvePoint>>>& curves,
                     const std::string& title);

}  // namespace tt
