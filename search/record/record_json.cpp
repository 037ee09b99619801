// Tuning records to and from JSON (see record_json.h). Reading is strict about every field it
// knows, because a record that parses into nonsense would be replayed or ranked as if it were real.
#include "search/record/record_json.h"

#include <cmath>

namespace tt {

namespace {

// The value as the error message shows it: its JSON text, cut short if long.
std::string shown(const nlohmann::json& value) {
  constexpr size_t kMaxShown = 60;
  std::string text = value.dump();
  return text.size() <= kMaxShown ? text : text.substr(0, kMaxShown) + "...";
}

const nlohmann::json& field(const nlohmann::json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end()) user_error("tuning record: missing field '{}'", name);
  return *it;
}

std::string string_field(const nlohmann::json& j, const char* name) {
  const nlohmann::json& v = field(j, name);
  if (!v.is_string()) user_error("tuning record: field '{}' must be a string, got {}", name, shown(v));
  return v.get<std::string>();
}

bool bool_field(const nlohmann::json& j, const char* name) {
  const nlohmann::json& v = field(j, name);
  if (!v.is_boolean()) user_error("tuning record: field '{}' must be true or false, got {}", name, shown(v));
  return v.get<bool>();
}

int64_t int_field(const nlohmann::json& j, const char* name, int64_t min_value) {
  const nlohmann::json& v = field(j, name);
  // An unsigned value above INT64_MAX is out of range too; nlohmann keeps it unsigned.
  if (!v.is_number_integer() || (v.is_number_unsigned() && v.get<uint64_t>() > uint64_t(INT64_MAX)))
    user_error("tuning record: field '{}' must be an integer, got {}", name, shown(v));
  int64_t value = v.get<int64_t>();
  if (value < min_value) user_error("tuning record: field '{}' must be at least {}, got {}", name, min_value, value);
  return value;
}

uint64_t uint_field(const nlohmann::json& j, const char* name) {
  const nlohmann::json& v = field(j, name);
  if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<int64_t>() >= 0))
    user_error("tuning record: field '{}' must be a non-negative integer, got {}", name, shown(v));
  return v.get<uint64_t>();
}

double number_value(const nlohmann::json& v, const std::string& what, bool non_negative) {
  if (!v.is_number()) user_error("tuning record: {} must be a number, got {}", what, shown(v));
  double value = v.get<double>();
  if (!std::isfinite(value) || (non_negative && value < 0))
    user_error("tuning record: {} must be a {}finite number, got {}", what, non_negative ? "non-negative " : "",
               shown(v));
  return value;
}

double number_field(const nlohmann::json& j, const char* name, bool non_negative) {
  return number_value(field(j, name), fmt::format("field '{}'", name), non_negative);
}

void check_finite(double value, const char* name) {
  TT_ASSERT(std::isfinite(value), "tuning record with a non-finite {} ({})", name, value);
}

}  // namespace

nlohmann::json to_json(const TuningRecord& r) {
  // JSON has no infinity or NaN (nlohmann would write null): a non-finite figure is a bug upstream.
  for (double c : r.costs_s) check_finite(c, "cost");
  check_finite(r.timestamp, "timestamp");
  check_finite(r.build_s, "build time");
  check_finite(r.run_s, "run time");
  nlohmann::json j = {{"v", r.version},
          {"workload_key", r.workload_key},
          {"workload", r.workload},
          {"target", r.target},
          {"strategy", r.strategy},
          {"steps", steps_to_json(r.steps)},
          {"costs_s", r.costs_s},
          {"error", measure_error_name(r.error)},
          {"error_message", r.error_message},
          {"cut_short", r.cut_short},
          {"seed", r.seed},
          {"trial", r.trial},
          {"timestamp", r.timestamp},
          {"build_s", r.build_s},
          {"run_s", r.run_s},
          {"num_threads", r.num_threads}};
  // Written only when there is one, so records of the other strategies keep their form.
  if (!r.config.is_null()) j["config"] = r.config;
  return j;
}

TuningRecord record_from_json(const nlohmann::json& j) {
  if (!j.is_object()) user_error("tuning record: expected a JSON object, got {}", shown(j));
  // The version first: a newer record may have changed any other field.
  const nlohmann::json& v = field(j, "v");
  if (!v.is_number_integer()) user_error("tuning record: field 'v' must be an integer, got {}", shown(v));
  int64_t version = v.is_number_unsigned() && v.get<uint64_t>() > uint64_t(INT64_MAX) ? INT64_MAX : v.get<int64_t>();
  if (version != kTuningRecordVersion) {
    throw UnknownRecordVersion(fmt::format("unknown tuning record version {} (this tensortune reads "
                                           "version {})",
                                           version, kTuningRecordVersion),
                               version);
  }

  TuningRecord r;
  r.version = int(version);
  r.workload_key = string_field(j, "workload_key");
  if (r.workload_key.empty()) user_error("tuning record: field 'workload_key' is empty");
  r.workload = string_field(j, "workload");
  r.target = string_field(j, "target");
  r.strategy = string_field(j, "strategy");
  try {
    r.steps = steps_from_json(field(j, "steps"));
  } catch (const UserError& e) {
    user_error("tuning record: field 'steps': {}", e.what());
  }
  const nlohmann::json& costs = field(j, "costs_s");
  if (!costs.is_array()) user_error("tuning record: field 'costs_s' must be a list, got {}", shown(costs));
  for (size_t i = 0; i < costs.size(); ++i)
    r.costs_s.push_back(number_value(costs[i], fmt::format("field 'costs_s'[{}]", i), true));
  std::string error = string_field(j, "error");
  std::optional<MeasureError> code = measure_error_from_name(error);
  if (!code) user_error("tuning record: field 'error': unknown measure error '{}'", error);
  r.error = *code;
  r.error_message = string_field(j, "error_message");
  r.cut_short = bool_field(j, "cut_short");
  r.seed = uint_field(j, "seed");
  r.trial = int_field(j, "trial", 0);
  r.timestamp = number_field(j, "timestamp", false);
  r.build_s = number_field(j, "build_s", true);
  r.run_s = number_field(j, "run_s", true);
  int64_t threads = int_field(j, "num_threads", 1);
  if (threads > INT32_MAX) user_error("tuning record: field 'num_threads' is too large ({})", threads);
  r.num_threads = int(threads);
  if (auto it = j.find("config"); it != j.end() && !it->is_null()) {
    // A template's config names its index in the space; a conversion's, the bytes it moves.
    const char* key = r.strategy == kConversionStrategy ? "bytes" : "index";
    if (!it->is_object() || !it->contains(key) || !(*it)[key].is_number_integer())
      user_error("tuning record: field 'config' must be an object with an integer '{}', got {}", key, shown(*it));
    r.config = *it;
  }
  return r;
}

}  // namespace tt
