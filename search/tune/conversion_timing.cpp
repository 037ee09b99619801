// Timing layout conversions into the tuning log; see conversion_timing.h.
#include "search/tune/conversion_timing.h"

#include <chrono>

#include "search/record/apply_history.h"

namespace tt {

ConversionTiming time_conversions(const std::vector<LayoutConversionKernel>& kernels, const MeasureOptions& options,
                                  const Target& target, uint64_t seed, TuningLog& log, const std::atomic<bool>* stop) {
  ConversionTiming out;
  if (kernels.empty()) return out;
  auto start = std::chrono::steady_clock::now();
  // Timed like a task's candidates, but never cut short: there is no best to compare with.
  MeasureOptions o = options;
  o.cut_short_ratio = 0;
  Measurer measurer(o, target);
  for (const LayoutConversionKernel& k : kernels) {
    if (stop && stop->load()) break;
    // Timed already: this kernel (its steps: a log may hold timings of an older conversion schedule).
    const std::string steps = steps_to_json(k.steps).dump();
    bool have = false;
    for (const TuningRecord& r : log.records_for(k.workload_key))
      have |= r.num_threads == o.num_threads && target_compatible(r.target, target) &&
              steps_to_json(r.steps).dump() == steps;
    if (have) continue;
    measurer.set_task({"convert", {k.input}, {k.output}, 0, {}});
    MeasureResult m = measurer.measure({k.steps})[0];
    TuningRecord r;
    r.workload_key = k.workload_key;
    r.workload = k.description;
    r.target = target.to_string();
    r.strategy = kConversionStrategy;
    r.steps = k.steps;
    r.config = {{"bytes", k.bytes}};
    r.costs_s = m.costs_s;
    r.error = m.error;
    r.error_message = m.message;
    r.seed = seed;
    r.timestamp = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    r.build_s = m.build_s;
    r.run_s = m.run_s;
    r.num_threads = o.num_threads;
    log.append({r});
    ++out.measured;
    if (!r.valid()) ++out.failed;
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

}  // namespace tt
