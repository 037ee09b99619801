// The measurement protocol (DESIGN.md): warm up, then `repeat` groups of `number` runs, with
// `number` grown until one group lasts at least `min_repeat_ms`; the per-run time of each group is
// one sample, and the report gives their median, mean, std and min.
#pragma once

#include <functional>
#include <vector>

namespace tt {

struct TimingOptions {
  int warmup = 1;             // untimed runs before the first group
  int repeat = 5;             // groups, each one sample
  double min_repeat_ms = 50;  // a group is grown until it lasts at least this long
  int max_number = 1 << 20;   // runs per group never exceed this
};

struct TimingResult {
  std::vector<double> samples_s;  // seconds per run, one per group
  int number = 1;                 // runs per group
  double median_s = 0, mean_s = 0, std_s = 0, min_s = 0;
};

TimingResult time_function(const std::function<void()>& run, const TimingOptions& options = {});

// Statistics of a sample list (median, mean, population std, min, and the p-quantile).
TimingResult summarize(std::vector<double> samples_s);
double quantile(std::vector<double> samples, double q);

}  // namespace tt
