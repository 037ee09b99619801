// Tests of the JSON form of tuning records (search/record/record_json.h): every field and error
// code round-trips, the line is compact, and each malformed field is a UserError naming it, with
// unknown versions told apart.
#include <gtest/gtest.h>

#include "search/record/record_json.h"
#include "test_tuning_log_util.h"

namespace tt {
namespace {

TEST(RecordJson, EveryFieldRoundTripsThroughText) {
  TuningRecord r = test::sample_record();
  std::string line = to_json(r).dump();
  EXPECT_EQ(line.find('\n'), std::string::npos);  // one record, one line
  EXPECT_EQ(line.find(": "), std::string::npos);  // compact
  nlohmann::json j = nlohmann::json::parse(line);
  EXPECT_EQ(j.at("v"), 1);
  EXPECT_EQ(j.at("error"), "none");
  EXPECT_EQ(j.at("steps"), steps_to_json(r.steps));
  test::expect_same_record(record_from_json(j), r);
  // And the text of the read-back record is the same text.
  EXPECT_EQ(to_json(record_from_json(j)).dump(), line);
}

TEST(RecordJson, EveryMeasureErrorIsStoredByName) {
  for (int code = 0; code < kNumMeasureErrors; ++code) {
    TuningRecord r = test::sample_record();
    r.error = MeasureError(code);
    if (r.error != MeasureError::None) r.costs_s.clear();
    nlohmann::json j = nlohmann::json::parse(to_json(r).dump());
    EXPECT_EQ(j.at("error"), measure_error_name(r.error));
    TuningRecord back = record_from_json(j);
    EXPECT_EQ(back.error, r.error) << measure_error_name(r.error);
    EXPECT_EQ(back.valid(), r.error == MeasureError::None);
  }
}

TEST(RecordJson, DefaultRecordAndEmptyStepsRoundTrip) {
  TuningRecord r;
  r.workload_key = "k";
  test::expect_same_record(record_from_json(nlohmann::json::parse(to_json(r).dump())), r);
}

TEST(RecordJson, UnknownFieldsAreIgnored) {
  nlohmann::json j = to_json(test::sample_record());
  j["added_by_a_later_version"] = {1, 2, 3};
  test::expect_same_record(record_from_json(j), test::sample_record());
}

void expect_user_error(const nlohmann::json& j, const std::string& words) {
  try {
    record_from_json(j);
    ADD_FAILURE() << "no error for " << j.dump() << " (expected one mentioning " << words << ")";
  } catch (const UnknownRecordVersion& e) {
    ADD_FAILURE() << "an unknown-version error for a malformed record: " << e.what();
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
  }
}

TEST(RecordJson, EachMissingFieldIsNamed) {
  nlohmann::json full = to_json(test::sample_record());
  for (const auto& [name, value] : full.items()) {
    nlohmann::json j = full;
    j.erase(name);
    expect_user_error(j, "missing field '" + name + "'");
  }
}

TEST(RecordJson, MalformedFieldsAreUserErrorsNamingTheField) {
  nlohmann::json full = to_json(test::sample_record());
  auto with = [&](const char* name, nlohmann::json value) {
    nlohmann::json j = full;
    j[name] = std::move(value);
    return j;
  };
  expect_user_error(nlohmann::json::array({1, 2}), "expected a JSON object");
  expect_user_error(with("v", "1"), "field 'v' must be an integer");
  expect_user_error(with("workload_key", 5), "field 'workload_key' must be a string");
  expect_user_error(with("workload_key", ""), "field 'workload_key' is empty");
  expect_user_error(with("target", nullptr), "field 'target' must be a string");
  expect_user_error(with("steps", nlohmann::json::array({{"split", "C"}})), "field 'steps'");
  expect_user_error(with("steps", "split"), "field 'steps'");
  expect_user_error(with("costs_s", 1.0), "field 'costs_s' must be a list");
  expect_user_error(with("costs_s", {1e-3, nullptr}), "field 'costs_s'[1] must be a number");
  expect_user_error(with("costs_s", {-1e-3}), "field 'costs_s'[0] must be a non-negative");
  expect_user_error(with("error", "segfault"), "field 'error': unknown measure error 'segfault'");
  expect_user_error(with("error", 2), "field 'error' must be a string");
  expect_user_error(with("cut_short", 0), "field 'cut_short' must be true or false");
  expect_user_error(with("seed", -1), "field 'seed' must be a non-negative integer");
  expect_user_error(with("trial", 1.5), "field 'trial' must be an integer");
  expect_user_error(with("trial", -1), "field 'trial' must be at least 0");
  expect_user_error(with("timestamp", "now"), "field 'timestamp' must be a number");
  expect_user_error(with("build_s", -0.5), "field 'build_s' must be a non-negative");
  expect_user_error(with("num_threads", 0), "field 'num_threads' must be at least 1");
  expect_user_error(with("num_threads", int64_t(1) << 40), "field 'num_threads' is too large");
}

TEST(RecordJson, UnknownVersionIsItsOwnError) {
  nlohmann::json j = to_json(test::sample_record());
  for (int64_t version : {int64_t(0), int64_t(2), int64_t(-3)}) {
    j["v"] = version;
    try {
      record_from_json(j);
      ADD_FAILURE() << "version " << version << " was read";
    } catch (const UnknownRecordVersion& e) {
      EXPECT_EQ(e.version(), version);
      EXPECT_NE(std::string(e.what()).find("unknown tuning record version " + std::to_string(version)),
                std::string::npos)
          << e.what();
    }
  }
  // A newer record may change anything else: the version is checked before any other field.
  EXPECT_THROW(record_from_json({{"v", 2}}), UnknownRecordVersion);
}

TEST(RecordJson, NonFiniteFiguresAreBugsNotLogLines) {
  TuningRecord r = test::sample_record();
  r.costs_s.push_back(std::numeric_limits<double>::infinity());
  EXPECT_THROW(to_json(r), InternalError);
}

}  // namespace
}  // namespace tt
