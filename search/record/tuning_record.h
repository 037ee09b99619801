// One measured candidate as the tuning log stores it (DESIGN.md, tuning record). Plain data: the log
// (tuning_log.h) is the only code that knows how it is serialized.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ir/schedule/step.h"
#include "search/measure/measure_error.h"

namespace tt {

// Bumped when a field changes meaning; readers skip (and report) records of unknown versions.
inline constexpr int kTuningRecordVersion = 1;

inline constexpr const char* kConversionStrategy = "conversion";

struct TuningRecord {
  int version = kTuningRecordVersion;
  std::string workload_key;   // the task's canonical hash (graph::Task::workload_key)
  std::string workload;       // its readable form ("conv2d+bias_add+relu 1x64x56x56 <- ...")
  std::string target;         // Target::to_string() of the machine it was measured on
  // "default" (the hand-written schedule), "ansor", "autotvm", or kConversionStrategy: the timing of
  // a layout conversion between two tasks (ir/schedule/layout_conversion.h), not a task's schedule.
  std::string strategy;
  std::vector<Step> steps;    // the schedule; replay applies these to the task's TE
  // A template search's config beside the steps it produced ({"template", "tuner", "index",
  // "knobs"}, search/autotvm/config_space.h); a conversion's {"bytes": read plus written}; null for
  // the other strategies. Replay uses the steps.
  nlohmann::json config;
  std::vector<double> costs_s;  // seconds per run, one per repeat group; empty on error
  MeasureError error = MeasureError::None;
  std::string error_message;
  bool cut_short = false;     // stopped after its first repeat group: clearly slower than the best
  uint64_t seed = 0;          // the search seed of the run that proposed it
  int64_t trial = 0;          // 0-based index of this measurement within its task
  double timestamp = 0;       // seconds since the Unix epoch
  double build_s = 0, run_s = 0;  // wall time spent building and running it
  int num_threads = 1;        // threads the kernel was timed with

  bool valid() const { return error == MeasureError::None && !costs_s.empty(); }
  // The figure records are ranked by: the median of costs_s (infinity when not valid).
  double cost() const;
};

}  // namespace tt
