// `tensortune log show|export|import` as a user runs them on real log files: the per-workload
// summary and its JSON form, export to JSON Lines and back with identical text, imports that skip
// bad lines with warnings, and bad paths ending in exit 2 with one clear message.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli_test_util.h"
#include "search/record/record_json.h"
#include "search/record/tuning_log.h"

namespace tt {
namespace {

using test::describe;
using test::Result;
using test::run;

const std::string kConv = "0d10a025692dcab3";
const std::string kAdd = "0ef474646a4142e1";
const char* kTarget = "llvm -mcpu=znver3 -mattr=+sse4.2,+avx,+avx2,+fma,+f16c";

// A fresh path in the test temp directory, removed (with SQLite's companions) at scope exit.
struct Scratch {
  explicit Scratch(const std::string& suffix) {
    static int counter = 0;
    path = (std::filesystem::path(::testing::TempDir()) /
            ("tt_log_cli_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + suffix))
               .string();
    remove();
  }
  ~Scratch() { remove(); }
  void remove() const {
    std::error_code ec;
    for (const char* extra : {"", "-wal", "-shm"}) std::filesystem::remove(path + extra, ec);
  }
  std::string path;
};

TuningRecord make_record(const std::string& key, int64_t trial, double cost_s) {
  TuningRecord r;
  r.workload_key = key;
  r.workload = key == kConv ? "conv2d+relu 1x64x56x56 <- 1x64x56x56, 64x64x3x3, 64" : "add+add+relu 4 <- 4";
  r.target = kTarget;
  r.strategy = "ansor";
  r.steps = {SplitStep{"relu", "i", {4}, false}, AnnotateStep{"relu", "i.0", LoopAnnotation::Parallel}};
  r.costs_s = {cost_s, cost_s * 1.1, cost_s * 0.95};
  r.trial = trial;
  r.timestamp = 1764581371.0 + double(trial);
  return r;
}

// conv: 5 records (the best is trial 3 at 0.2 ms; trial 1 is faster but cut short; two failures);
// add: 2 records, both valid.
void write_sample_log(const std::string& path) {
  TuningLog log = TuningLog::open(path);
  std::vector<TuningRecord> batch = {make_record(kConv, 0, 4e-4), make_record(kConv, 1, 1e-4), make_record(kConv, 2, 0),
                                     make_record(kConv, 3, 2e-4), make_record(kConv, 4, 0)};
  batch[1].cut_short = true;
  batch[2].error = MeasureError::Compile;
  batch[2].costs_s.clear();
  batch[4].error = MeasureError::WrongAnswer;
  batch[4].costs_s.clear();
  log.append(batch);
  log.append({make_record(kAdd, 0, 3e-6), make_record(kAdd, 1, 2e-6)});
}

TEST(LogCommand, ShowSummarizesEachWorkload) {
  Scratch file(".db");
  const std::string& db = file.path;
  write_sample_log(db);
  Result r = run("log show " + db);
  ASSERT_EQ(r.exit_code, 0) << describe("log show", r);
  EXPECT_NE(r.out.find("7 records, 2 workloads"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(kTarget), std::string::npos) << r.out;
  std::istringstream lines(r.out);
  std::string line, conv_line, add_line;
  while (std::getline(lines, line)) {
    if (line.find(kConv) != std::string::npos) conv_line = line;
    if (line.find(kAdd) != std::string::npos) add_line = line;
  }
  // key, records, valid, best ms, best trial, errors, workload
  EXPECT_NE(conv_line.find("5       3      0.2000       3  compile 1, wrong_answer 1; 1 cut short"), std::string::npos)
      << conv_line;
  EXPECT_NE(conv_line.find("conv2d+relu 1x64x56x56 <- 1x64x56x56, 64x64x3x3, 64"), std::string::npos);
  EXPECT_NE(add_line.find("2       2      0.0020       1  -"), std::string::npos) << add_line;
  EXPECT_TRUE(r.err.empty()) << r.err;
}

TEST(LogCommand, ShowJsonIsMachineReadable) {
  Scratch file(".db");
  const std::string& db = file.path;
  write_sample_log(db);
  Result r = run("log show " + db + " --json");
  ASSERT_EQ(r.exit_code, 0) << describe("log show --json", r);
  nlohmann::json out = nlohmann::json::parse(r.out);
  EXPECT_EQ(out["records"], 7);
  EXPECT_EQ(out["skipped_rows"], nlohmann::json::array());
  ASSERT_EQ(out["workloads"].size(), 2u);
  const nlohmann::json& conv = out["workloads"][0];
  EXPECT_EQ(conv["workload_key"], kConv);
  EXPECT_EQ(conv["target"], kTarget);
  EXPECT_EQ(conv["num_threads"], 1);
  EXPECT_EQ(conv["records"], 5);
  EXPECT_EQ(conv["valid"], 3);
  EXPECT_EQ(conv["cut_short"], 1);
  EXPECT_EQ(conv["errors"], (nlohmann::json{{"compile", 1}, {"wrong_answer", 1}}));
  EXPECT_EQ(conv["best_trial"], 3);
  EXPECT_NEAR(conv["best_cost_ms"].get<double>(), 0.2, 1e-12);
  EXPECT_EQ(out["workloads"][1]["best_trial"], 1);

  // One workload only; an unknown one is a mistake, not an empty table.
  Result one = run("log show " + db + " --json --workload " + kAdd);
  ASSERT_EQ(one.exit_code, 0) << describe("--workload", one);
  nlohmann::json only = nlohmann::json::parse(one.out);
  ASSERT_EQ(only["workloads"].size(), 1u);
  EXPECT_EQ(only["workloads"][0]["workload_key"], kAdd);
  EXPECT_EQ(only["records"], 2);
  Result none = run("log show " + db + " --workload 0000000000000000");
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_NE(none.err.find("has no records for workload '0000000000000000'"), std::string::npos) << none.err;
}

TEST(LogCommand, ExportImportExportGivesIdenticalText) {
  Scratch file(".db");
  const std::string& db = file.path;
  write_sample_log(db);
  Result exported = run("log export " + db);
  ASSERT_EQ(exported.exit_code, 0) << describe("log export", exported);
  EXPECT_EQ(std::count(exported.out.begin(), exported.out.end(), '\n'), 7);
  EXPECT_NE(exported.err.find("exported 7 records"), std::string::npos) << exported.err;
  // Every line is a record the library reads back.
  std::istringstream lines(exported.out);
  for (std::string line; std::getline(lines, line);) EXPECT_NO_THROW(record_from_json(nlohmann::json::parse(line)));

  Scratch jsonl_file(".jsonl");
  const std::string& jsonl = jsonl_file.path;
  Result to_file = run("log export " + db + " -o " + jsonl);
  ASSERT_EQ(to_file.exit_code, 0) << describe("log export -o", to_file);
  EXPECT_TRUE(to_file.out.empty());
  EXPECT_EQ(test::read_file(jsonl), exported.out);

  Scratch copy_file(".db");
  const std::string& copy = copy_file.path;
  Result imported = run("log import " + jsonl + " " + copy);
  ASSERT_EQ(imported.exit_code, 0) << describe("log import", imported);
  EXPECT_EQ(imported.out, "imported 7 records from " + jsonl + " into " + copy + "\n");
  Result again = run("log export " + copy);
  ASSERT_EQ(again.exit_code, 0);
  EXPECT_EQ(again.out, exported.out);
}

TEST(LogCommand, ImportSkipsBadLinesWithWarningsAndSucceeds) {
  nlohmann::json newer = to_json(make_record(kAdd, 9, 1e-6));
  newer["v"] = 3;
  Scratch jsonl_file(".jsonl");
  const std::string& jsonl = jsonl_file.path;
  std::ofstream(jsonl) << to_json(make_record(kAdd, 0, 1e-6)).dump() << "\n"
                       << "{\"v\": 1, \"workload_key\"\n"
                       << to_json(make_record(kAdd, 1, 1e-6)).dump() << "\n"
                       << newer.dump() << "\n";
  Scratch file(".db");
  const std::string& db = file.path;
  Result r = run("log import " + jsonl + " " + db);
  ASSERT_EQ(r.exit_code, 0) << describe("log import", r);
  EXPECT_EQ(r.out, "imported 2 records from " + jsonl + " into " + db + " (2 lines skipped)\n");
  EXPECT_NE(r.err.find("warning: " + jsonl + ":2: not valid JSON"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("warning: " + jsonl + ":4: unknown tuning record version 3"), std::string::npos) << r.err;
  EXPECT_EQ(TuningLog::open(db).count(), 2);
  // Importing again appends: the log keeps every measurement it is given.
  ASSERT_EQ(run("log import " + jsonl + " " + db).exit_code, 0);
  EXPECT_EQ(TuningLog::open(db).count(), 4);
}

TEST(LogCommand, BadPathsExitTwoWithOneClearError) {
  Scratch missing_file(".db"), text_file(".txt");
  const std::string &missing = missing_file.path, &text = text_file.path;
  std::ofstream(text) << "this is not a database, just some text that is long enough to be read\n";
  struct Case {
    std::string args, message;
  };
  Scratch file(".db");
  const std::string& db = file.path;
  write_sample_log(db);
  for (const Case& c : std::vector<Case>{
           {"log show " + missing, "error: tuning log '" + missing + "' does not exist"},
           {"log show " + text, "error: '" + text + "' is not a tensortune log (not an SQLite database)"},
           {"log export " + missing, "does not exist"},
           {"log export " + db + " -o /nonexistent_dir_tt/out.jsonl", "cannot write '/nonexistent_dir_tt/out.jsonl'"},
           {"log import " + missing + ".jsonl " + db, "cannot read '" + missing + ".jsonl': no such file"},
           {"log import " + std::string(::testing::TempDir()) + " " + db, "not a regular file"},
           {"log import " + text + " " + text, "not an SQLite database"},
           {"log", "A subcommand is required"},
           {"log show", "FILE is required"},
       }) {
    Result r = run(c.args);
    EXPECT_EQ(r.exit_code, 2) << describe(c.args, r);
    EXPECT_NE(r.err.find(c.message), std::string::npos) << describe(c.args, r);
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), c.args == "log" || c.args == "log show" ? 2 : 1)
        << describe(c.args, r);
  }
  EXPECT_FALSE(std::filesystem::exists(missing));  // reading never creates a log
  for (const char* sub : {"log", "log show", "log export", "log import"}) {
    Result help = run(std::string(sub) + " --help");
    EXPECT_EQ(help.exit_code, 0) << describe(sub, help);
    EXPECT_NE(help.out.find("Usage: tensortune " + std::string(sub)), std::string::npos) << help.out;
  }
}

// The workload key of ResNet-18's layer1 conv2d+relu is pinned in tests/ir/test_workload_key.cpp
// on a hand-built graph; this checks the zoo model's task is that same workload, so logs tuned on
// the model match the pinned key.
TEST(LogCommand, ZooResnet18TaskHasThePinnedKey) {
  Result r = run("inspect resnet18 --json --show tasks");
  ASSERT_EQ(r.exit_code, 0) << describe("inspect resnet18", r);
  bool found = false;
  nlohmann::json out = nlohmann::json::parse(r.out);
  for (const nlohmann::json& t : out["tasks"]) {
    if (t["description"] == "conv2d+relu 1x64x56x56 <- 1x64x56x56, 64x64x3x3, 64") {
      EXPECT_EQ(t["workload_key"], kConv);
      found = true;
    }
  }
  EXPECT_TRUE(found) << out["tasks"].dump(1);
}

}  // namespace
}  // namespace tt
