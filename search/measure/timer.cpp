// Wall-clock timing of a callable under the measurement protocol of timer.h.
#include "search/measure/timer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>

#include "ir/error.h"

namespace tt {

namespace {
double seconds_of(const std::function<void()>& run, int number) {
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < number; ++i) run();
  auto end = std::chrono::steady_clock::now();
  return std::chrono::duration<double>(end - start).count();
}
}  // namespace

double quantile(std::vector<double> samples, double q) {
  TT_ASSERT(!samples.empty(), "quantile of no samples");
  std::sort(samples.begin(), samples.end());
  double pos = q * double(samples.size() - 1);
  size_t lo = size_t(std::floor(pos)), hi = size_t(std::ceil(pos));
  return samples[lo] + (samples[hi] - samples[lo]) * (pos - double(lo));
}

TimingResult summarize(std::vector<double> samples_s) {
  TimingResult r;
  TT_ASSERT(!samples_s.empty(), "no timing samples");
  r.samples_s = samples_s;
  r.median_s = quantile(samples_s, 0.5);
  r.mean_s = std::accumulate(samples_s.begin(), samples_s.end(), 0.0) / double(samples_s.size());
  double var = 0;
  for (double s : samples_s) var += (s - r.mean_s) * (s - r.mean_s);
  r.std_s = std::sqrt(var / double(samples_s.size()));
  r.min_s = *std::min_element(samples_s.begin(), samples_s.end());
  return r;
}

TimingResult time_function(const std::function<void()>& run, const TimingOptions& options) {
  if (options.repeat < 1) user_error("--repeat must be at least 1, got {}", options.repeat);
  std::vector<double> samples;
  int number = 1;
  if (options.before_run) {
    auto timed_once = [&] {
      options.before_run();
      return seconds_of(run, 1);
    };
    for (int i = 0; i < options.warmup; ++i) timed_once();
    samples.push_back(timed_once());
    bool cut = options.repeat > 1 && samples[0] > options.cut_short_above_s;
    for (int g = 1; g < options.repeat && !cut; ++g) samples.push_back(timed_once());
    TimingResult r = summarize(samples);
    r.cut_short = cut;
    return r;
  }
  for (int i = 0; i < options.warmup; ++i) run();
  // Grow `number` until a group is long enough that timer resolution and call overhead vanish.
  double min_s = options.min_repeat_ms / 1000.0;
  double t = seconds_of(run, number);
  while (t < min_s && number < options.max_number) {
    int next = t > 0
                   ? int(std::min<double>(options.max_number, std::ceil(number * 1.2 * min_s / t)))
                   : number * 10;
    number = std::max(next, number + 1);
    t = seconds_of(run, number);
  }
  samples.push_back(t / number);
  bool cut = options.repeat > 1 && samples[0] > options.cut_short_above_s;
  for (int g = 1; g < options.repeat && !cut; ++g)
    samples.push_back(seconds_of(run, number) / number);
  TimingResult r = summarize(samples);
  r.number = number;
  r.cut_short = cut;
  return r;
}

}  // namespace tt
