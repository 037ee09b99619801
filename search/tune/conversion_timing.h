// Timing layout conversions for replay's layout choice (src/runtime/layout_choice.h): each
// conversion kernel is built, checked against the reference copy and timed like any candidate, and
// stored in the tuning log as a record of strategy "conversion" (config {"bytes": moved}), one
// transaction per conversion so that an interrupted run keeps every one already timed.
#pragma once

#include <atomic>
#include <vector>

#include "codegen/target.h"
#include "ir/schedule/layout_conversion.h"
#include "search/measure/measurer.h"
#include "search/record/tuning_log.h"

namespace tt {

struct ConversionTiming {
  int measured = 0;  // records written
  int failed = 0;    // of them, ones whose kernel failed its check or did not run
  double seconds = 0;  // wall time spent
};

// Times `kernels` that `log` holds no record of yet at options.num_threads threads on `target`;
// stops between two when *stop becomes true.
ConversionTiming time_conversions(const std::vector<LayoutConversionKernel>& kernels, const MeasureOptions& options,
                                  const Target& target, uint64_t seed, TuningLog& log,
                                  const std::atomic<bool>* stop = nullptr);

}  // namespace tt
