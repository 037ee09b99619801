// The measurement protocol (DESIGN.md): warm up, then `repeat` groups of `number` runs, with
// `number` grown until one group lasts at least `min_repeat_ms`; the per-run time of each group is
// one sample, and the report gives their median, mean, std and min. A measurer may cut a slow
// candidate short after its first group, and may flush the caches before every timed run.
#pragma once

#include <functional>
#include <limits>
#include <vector>

namespace tt {

struct TimingOptions {
  int warmup = 1;             // untimed runs before the first group
  int repeat = 5;             // groups, each one sample
  double min_repeat_ms = 50;  // a group is grown until it lasts at least this long
  int max_number = 1 << 20;   // runs per group never exceed this
  // When the first group's time per run is above this, timing stops there with that one sample
  // (TimingResult::cut_short): more samples of a candidate far slower than the best would not
  // change what the search learns from it.
  double cut_short_above_s = std::numeric_limits<double>::infinity();
  // When set, called before every run (warm-up and timed), e.g. to flush the caches. Each group is
  // then a single run (number = 1, min_repeat_ms ignored) and only the run itself is timed, since a
  // flush inside a timed group would be counted as kernel time.
  std::function<void()> before_run;
};

struct TimingResult {
  std::vector<double> samples_s;  // seconds per run, one per group
  int number = 1;                 // runs per group
  bool cut_short = false;         // stopped after the first group (cut_short_above_s)
  double median_s = 0, mean_s = 0, std_s = 0, min_s = 0;
};

TimingResult time_function(const std::function<void()>& run, const TimingOptions& options = {});

// Statistics of a sample list (median, mean, population std, min, and the p-quantile).
TimingResult summarize(std::vector<double> samples_s);
double quantile(std::vector<double> samples, double q);

}  // namespace tt
