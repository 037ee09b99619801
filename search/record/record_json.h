// The JSON form of a tuning record: one compact object per line in JSON Lines files and the text
// the SQLite log stores per row. Only the tuning log (tuning_log.cpp) and its tests use it.
#pragma once

#include <nlohmann/json.hpp>

#include "ir/error.h"
#include "search/record/tuning_record.h"

namespace tt {

// A record whose "v" this build does not know (written by a newer tensortune, or garbage). It is a
// UserError, so callers that do not care treat it like any malformed record; readers catch it
// first to report "unknown version N" on its own.
class UnknownRecordVersion : public UserError {
 public:
  UnknownRecordVersion(const std::string& message, int64_t version) : UserError(message), version_(version) {}
  int64_t version() const { return version_; }

 private:
  int64_t version_;
};

// {"v": 1, "workload_key": "...", "workload": "...", "target": "...", "strategy": "...",
//  "steps": [...steps_to_json...], "costs_s": [...], "error": "none", "error_message": "",
//  "cut_short": false, "seed": 7, "trial": 12, "timestamp": 1.7e9, "build_s": 0.01, "run_s": 0.2,
//  "num_threads": 1}; the error is stored by name (measure_error_name), not by number.
nlohmann::json to_json(const TuningRecord& record);

// The inverse of to_json. Throws UnknownRecordVersion when "v" is an integer other than
// kTuningRecordVersion, and UserError naming the field for a missing field or a value of the wrong
// type or range. Fields it does not know are ignored, so a newer writer may add optional ones
// without a version bump; a field added later must therefore be optional here.
TuningRecord record_from_json(const nlohmann::json& j);

}  // namespace tt
