// Choosing the record to replay for a task: the fastest valid record of its workload measured on a
// compatible target at the same thread count, chosen deterministically, and when there is none, a
// sentence saying why (so a user learns what is missing instead of silently getting defaults).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "codegen/target.h"
#include "search/record/tuning_record.h"

namespace tt {

// Whether a record measured on `record_target` (a Target::to_string() text) applies to `target`:
// the same CPU name, triple and tracked features (Target::tracked_features). Coarser matching (any
// "llvm", as TVM does) replays schedules timed on other CPUs; finer matching (every -mattr)
// would refuse records for features no schedule depends on. A text that is not a target string
// is compatible with nothing.
bool target_compatible(const std::string& record_target, const Target& target);

// Whether a record may be replayed at all: it ran without error, its costs were measured, and it
// was not cut short (a partial measurement, stopped once clearly slower than the best).
bool replayable(const TuningRecord& record);

// The order best_record ranks replayable records by: lower cost(), then lower trial, then earlier
// timestamp. Strict: equal records rank neither before the other.
bool ranks_before(const TuningRecord& a, const TuningRecord& b);

// The record to replay for `workload_key` on `target` with kernels run on `num_threads` threads:
// among the records of that workload, compatible target and thread count that are valid (no
// error, costs measured) and were not cut short, the one of lowest cost(); ties go to the lowest
// trial, then the earliest timestamp, then the first in `records`, so replay is reproducible.
std::optional<TuningRecord> best_record(const std::vector<TuningRecord>& records, const std::string& workload_key,
                                        const Target& target, int num_threads);

// Why best_record finds nothing, as one sentence naming what the log does hold for the workload
// (no records at all; records only for other targets, named; only for other thread counts; only
// failed or cut-short ones, with counts per error); empty when best_record finds a record.
std::string why_no_record(const std::vector<TuningRecord>& records, const std::string& workload_key,
                          const Target& target, int num_threads);

}  // namespace tt
