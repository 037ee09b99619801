// End-to-end tests of tune, replay (run --log) and compare through the real binary: a small model is
// tuned into a real SQLite log, resumed without re-measuring, replayed with its output checked, its
// curve reported; a tune killed with SIGKILL keeps its finished batches; bad input exits 2.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "search/record/tuning_log.h"
#include "search/search_policy.h"
#include "tests/cli/cli_test_util.h"

namespace tt {
namespace {

std::string temp_log(const std::string& name) {
  std::filesystem::path p = std::filesystem::path(::testing::TempDir()) / (name + "_" + std::to_string(::getpid()) + ".db");
  for (const char* suffix : {"", "-wal", "-shm", ".model"}) std::filesystem::remove(p.string() + suffix);
  return p.string();
}

// Per workload: no candidate measured twice.
void expect_no_duplicates(const std::string& log_path) {
  TuningLog log = TuningLog::open(log_path);
  std::set<std::pair<std::string, std::string>> seen;
  for (const TuningRecord& r : log.read_all())
    EXPECT_TRUE(seen.insert({r.workload_key, candidate_key(r.steps)}).second) << "measured twice: " << r.workload;
}

// Records of the model's tasks (tune also writes the timings of layout conversions it measured
// once the tasks were tuned: strategy "conversion").
int64_t task_records(const std::string& log) {
  int64_t n = 0;
  for (const TuningRecord& r : TuningLog::open(log).read_all()) n += r.strategy != kConversionStrategy;
  return n;
}

TEST(TuneCommand, TunesResumesReplaysAndCompares) {
  std::string log = temp_log("tune_tiny");
  std::string args = "tune tiny_cnn --trials 24 --per-round 4 --seed 3 --log " + log + " --json";
  test::Result r = test::run(args);
  ASSERT_EQ(r.exit_code, 0) << test::describe(args, r);
  nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["trials"].get<int>(), 24);
  EXPECT_EQ(j["measured_this_run"].get<int>(), 24);
  EXPECT_GT(j["tuning_seconds"].get<double>(), 0);
  ASSERT_TRUE(j["estimated_latency_ms"].is_number()) << r.out;
  int trials = 0;
  for (const auto& t : j["tasks"]) {
    EXPECT_TRUE(t.contains("workload_key") && t.contains("weight") && t.contains("errors"));
    trials += t["trials"].get<int>();
    // The default schedule is every task's first trial, so the best can only be at least as fast.
    if (t["best_latency_ms"].is_number() && t["default_latency_ms"].is_number()) {
      EXPECT_LE(t["best_latency_ms"].get<double>(), t["default_latency_ms"].get<double>());
    }
  }
  EXPECT_EQ(trials, 24);
  EXPECT_TRUE(std::filesystem::exists(log + ".model")) << "the cost model is saved beside the log";
  EXPECT_EQ(task_records(log), 24);

  // Rerun with the same budget: nothing to do. A larger budget measures only the difference.
  r = test::run(args);
  ASSERT_EQ(r.exit_code, 0) << test::describe(args, r);
  EXPECT_EQ(nlohmann::json::parse(r.out)["measured_this_run"].get<int>(), 0);
  std::string more = "tune tiny_cnn --trials 32 --per-round 4 --seed 3 --log " + log + " --json";
  r = test::run(more);
  ASSERT_EQ(r.exit_code, 0) << test::describe(more, r);
  EXPECT_EQ(nlohmann::json::parse(r.out)["measured_this_run"].get<int>(), 8);
  EXPECT_EQ(task_records(log), 32);
  expect_no_duplicates(log);

  // Replay: the tuned model runs and matches the unfused naive execution.
  std::string run = "run tiny_cnn --log " + log + " --threads 1 --repeat 3 --check --json";
  r = test::run(run);
  ASSERT_EQ(r.exit_code, 0) << test::describe(run, r);
  nlohmann::json rj = nlohmann::json::parse(r.out);
  EXPECT_TRUE(rj["check"]["correct"].get<bool>());
  ASSERT_TRUE(rj.contains("schedules"));
  int from_log = 0;
  for (const auto& s : rj["schedules"]) from_log += s["from_log"].get<bool>();
  EXPECT_GT(from_log, 0) << r.out;

  // Compare: JSON curve, CSV and SVG.
  std::string svg = log + ".svg", csv = log + ".csv";
  std::string cmp = "compare --log " + log + " --svg " + svg + " --csv " + csv + " --json";
  r = test::run(cmp);
  ASSERT_EQ(r.exit_code, 0) << test::describe(cmp, r);
  nlohmann::json compared = nlohmann::json::parse(r.out);
  ASSERT_EQ(compared["logs"].size(), 1u) << r.out;
  nlohmann::json curve = compared["logs"][0]["end_to_end"];
  ASSERT_TRUE(curve.is_array());
  ASSERT_FALSE(curve.empty());
  double last = 1e30, elapsed = 0;
  for (const auto& p : curve) {
    EXPECT_LE(p["latency_ms"].get<double>(), last) << "best-so-far never gets worse";
    EXPECT_GE(p["elapsed_s"].get<double>(), elapsed) << "tuning time only grows";
    last = p["latency_ms"].get<double>();
    elapsed = p["elapsed_s"].get<double>();
  }
  EXPECT_GT(elapsed, 0);
  EXPECT_EQ(curve.back()["trials"].get<int>(), 32);
  EXPECT_EQ(compared["logs"][0]["strategies"], "ansor");
  EXPECT_NE(test::read_file(svg).find("<polyline"), std::string::npos);
  EXPECT_NE(test::read_file(csv).find(",end_to_end,32,"), std::string::npos);
  r = test::run("compare --log " + log);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("est. latency"), std::string::npos) << r.out;
}

TEST(TuneCommand, TemplateSearchTunesAndComparesSideBySide) {
  // The same model tuned by both strategies; compare lays the two logs side by side.
  std::string ansor = temp_log("tune_side_ansor"), autotvm = temp_log("tune_side_autotvm");
  std::string a = "tune tiny_cnn --trials 16 --per-round 4 --seed 3 --log " + ansor + " --json";
  test::Result r = test::run(a);
  ASSERT_EQ(r.exit_code, 0) << test::describe(a, r);
  std::string b = "tune tiny_cnn --strategy autotvm --tuner ga --trials 16 --per-round 4 --seed 3 --log " + autotvm +
                  " --json";
  r = test::run(b);
  ASSERT_EQ(r.exit_code, 0) << test::describe(b, r);
  nlohmann::json j = nlohmann::json::parse(r.out);
  int templated = 0;
  for (const auto& t : j["tasks"]) {
    std::string search = t["search"].get<std::string>();
    // Every task is searched by a template or says why it fell back to the sketch search.
    EXPECT_TRUE(search.rfind("autotvm ", 0) == 0 || search.rfind("ansor (no template: ", 0) == 0) << search;
    templated += search.rfind("autotvm conv2d_nchwc", 0) == 0 && search.find(" (ga, ") != std::string::npos;
  }
  EXPECT_GT(templated, 0) << r.out;
  int conversion_records = 0;
  for (const TuningRecord& rec : TuningLog::open(autotvm).read_all()) {
    if (rec.strategy == "autotvm") {
      EXPECT_EQ(rec.config.value("tuner", ""), "ga");
    }
    if (rec.strategy == kConversionStrategy) {
      // A layout conversion the layout choice weighed, timed and checked like a candidate.
      ++conversion_records;
      EXPECT_TRUE(rec.valid()) << rec.workload << ": " << rec.error_message;
      EXPECT_GT(rec.config.value("bytes", int64_t(0)), 0) << rec.workload;
      EXPECT_EQ(rec.workload.rfind("layout conversion ", 0), 0u) << rec.workload;
    }
  }
  EXPECT_EQ(j["layouts"]["conversions_timed"].get<int>(), conversion_records) << r.out;
  EXPECT_GT(conversion_records, 0) << "the blocked convolutions' neighbours read NCHW: " << r.out;
  EXPECT_EQ(j["layouts"]["conversions_failed"].get<int>(), 0);
  // Rerunning the finished run times nothing again.
  test::Result again = test::run(b);
  ASSERT_EQ(again.exit_code, 0) << test::describe(b, again);
  nlohmann::json j2 = nlohmann::json::parse(again.out);
  EXPECT_EQ(j2["layouts"]["conversions_timed"].get<int>(), 0);
  EXPECT_EQ(j2["layouts"]["replay_conversions"], j["layouts"]["replay_conversions"]);

  // Replay of the template log runs and matches the naive execution.
  std::string run = "run tiny_cnn --log " + autotvm + " --threads 1 --repeat 2 --check --json";
  r = test::run(run);
  ASSERT_EQ(r.exit_code, 0) << test::describe(run, r);
  nlohmann::json replayed = nlohmann::json::parse(r.out);
  EXPECT_TRUE(replayed["check"]["correct"].get<bool>());
  // Each task says which algorithm its schedule computes it with.
  for (const auto& s : replayed["schedules"]) {
    std::string f = s["formulation"].get<std::string>();
    EXPECT_TRUE(f == "direct" || f.rfind("winograd F(", 0) == 0) << f;
  }

  // inspect --log shows the graph that replay builds: the same per-task formulations, the same
  // layout conversions, every group's stored layout, without compiling a kernel.
  std::string ins = "inspect tiny_cnn --log " + autotvm + " --threads 1 --show tuned --json";
  r = test::run(ins);
  ASSERT_EQ(r.exit_code, 0) << test::describe(ins, r);
  nlohmann::json tg = nlohmann::json::parse(r.out)["tuned_graph"];
  ASSERT_TRUE(tg.is_object()) << r.out;
  EXPECT_EQ(tg["tasks"].get<size_t>(), replayed["schedules"].size());
  int tuned_tasks = 0;
  for (const auto& s : replayed["schedules"]) tuned_tasks += s["from_log"].get<bool>();
  EXPECT_EQ(tg["tasks_from_log"].get<int>(), tuned_tasks);
  ASSERT_EQ(tg["groups"].size(), replayed["groups"].get<size_t>());
  int blocked = 0;
  for (const auto& g : tg["groups"]) {
    const auto& s = replayed["schedules"][g["task"].get<size_t>()];
    EXPECT_EQ(g["formulation"], s["formulation"]);
    EXPECT_EQ(g["from_log"], s["from_log"]);
    blocked += g["output_layout"].get<std::string>().find("blocked as") != std::string::npos;
  }
  EXPECT_EQ(blocked, replayed["layouts"]["blocked_values"].get<int>());
  ASSERT_EQ(tg["conversions"].size(), replayed["layouts"]["conversions"].size());
  for (size_t i = 0; i < tg["conversions"].size(); ++i) {
    for (const char* key : {"value", "from", "to", "ms", "measured"})
      EXPECT_EQ(tg["conversions"][i][key], replayed["layouts"]["conversions"][i][key]) << key;
    // tune timed every conversion replay runs.
    EXPECT_TRUE(tg["conversions"][i]["measured"].get<bool>()) << tg["conversions"][i].dump();
  }
  EXPECT_EQ(tg["estimate_ms"]["tasks_off_fastest"], j["layouts"]["replay_tasks_off_fastest"]);
  EXPECT_EQ(tg["conversions"].size(), j["layouts"]["replay_conversions"].get<size_t>());
  r = test::run("inspect tiny_cnn --log " + autotvm + " --threads 1 --show tuned");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("== tuned graph ("), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("record"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("estimate: kernels"), std::string::npos) << r.out;
  // At a thread count the log has no records of, it says which it has.
  r = test::run("inspect tiny_cnn --log " + autotvm + " --threads 2 --show tuned");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("0 of"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("records for these tasks at 1 thread(s) only"), std::string::npos) << r.out;

  std::string svg = autotvm + ".svg";
  std::string cmp = "compare --log " + ansor + " --log " + autotvm + " --svg " + svg + " --json --budgets 4,8";
  r = test::run(cmp);
  ASSERT_EQ(r.exit_code, 0) << test::describe(cmp, r);
  nlohmann::json c = nlohmann::json::parse(r.out);
  ASSERT_EQ(c["logs"].size(), 2u);
  EXPECT_EQ(c["logs"][0]["strategies"], "ansor");
  EXPECT_NE(c["logs"][1]["strategies"].get<std::string>().find("autotvm/ga"), std::string::npos);
  for (const auto& l : c["logs"]) {
    EXPECT_EQ(l["records"].get<int>(), 16);
    std::vector<int> budgets;
    for (const auto& p : l["budgets"]) budgets.push_back(p["budget"].get<int>());
    EXPECT_EQ(budgets, (std::vector<int>{4, 8, 16}));
  }
  std::string plot = test::read_file(svg);
  size_t lines = 0;
  for (size_t at = plot.find("<polyline"); at != std::string::npos; at = plot.find("<polyline", at + 1)) ++lines;
  EXPECT_EQ(lines, 2u) << "one line per log";
  r = test::run("compare --log " + ansor + " --log " + autotvm);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("estimated end-to-end latency after N trials"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("autotvm/ga"), std::string::npos) << r.out;
}

TEST(TuneCommand, KilledRunKeepsFinishedBatchesAndResumes) {
  std::string log = temp_log("tune_killed");
  std::string command = std::string(TT_BINARY) + " tune tiny_cnn --trials 400 --per-round 2 --log " + log +
                        " >/dev/null 2>&1";
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    setpgid(0, 0);  // its own group: the kill reaches the tuner and its workers
    execl("/bin/sh", "sh", "-c", ("exec " + command).c_str(), nullptr);
    _exit(127);
  }
  // Wait until a few batches are committed, then kill the whole process group without warning.
  int64_t count = 0;
  for (int i = 0; i < 600 && count < 6; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (std::filesystem::exists(log)) count = TuningLog::open(log).count();
  }
  kill(-pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  ASSERT_GE(count, 6) << "the tuner never committed a batch";
  int64_t kept = TuningLog::open(log).count();
  EXPECT_GE(kept, count) << "a committed batch was lost";
  EXPECT_EQ(kept % 2, 0) << "batches are committed whole";
  // Resume to a budget just past what was kept.
  std::string resume = "tune tiny_cnn --trials " + std::to_string(kept + 4) + " --per-round 2 --log " + log + " --json";
  test::Result r = test::run(resume);
  ASSERT_EQ(r.exit_code, 0) << test::describe(resume, r);
  EXPECT_EQ(nlohmann::json::parse(r.out)["measured_this_run"].get<int>(), 4);
  expect_no_duplicates(log);
}

TEST(TuneCommand, BadInputIsOneClearError) {
  std::string log = temp_log("tune_bad");
  struct Case {
    std::string args, message;
  };
  std::vector<Case> cases = {
      {"tune tiny_cnn --trials 10", "--log"},
      {"tune no_such_model --trials 10 --log " + log, "no_such_model"},
      {"tune tiny_cnn --trials -3 --log " + log, "--trials"},
      {"tune tiny_cnn --cost-model magic --log " + log, "--cost-model"},
      {"run tiny_cnn --log /nonexistent/x.db", "/nonexistent/x.db"},
      {"compare --log /nonexistent/x.db", "/nonexistent/x.db"},
      {"inspect tiny_cnn --log /nonexistent/x.db", "/nonexistent/x.db"},
      {"inspect tiny_cnn --show tuned", "--log"},
  };
  for (const Case& c : cases) {
    test::Result r = test::run(c.args);
    EXPECT_EQ(r.exit_code, 2) << test::describe(c.args, r);
    EXPECT_NE(r.err.find(c.message), std::string::npos) << test::describe(c.args, r);
    EXPECT_EQ(r.err.find("internal error"), std::string::npos) << test::describe(c.args, r);
  }
  // A file that is not a tuning log.
  std::string text = log + ".txt";
  std::ofstream(text) << "not a database\n";
  test::Result r = test::run("run tiny_cnn --log " + text);
  EXPECT_EQ(r.exit_code, 2) << test::describe("run --log text", r);
}

TEST(TuneCommand, ShowSketchesPrintsEachTask) {
  test::Result r = test::run("tune tiny_cnn --show-sketches");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("== task 0:"), std::string::npos) << r.out;
}

TEST(TuneCommand, HelpListsTheFlags) {
  for (const char* cmd : {"tune --help", "compare --help", "run --help"}) {
    test::Result r = test::run(cmd);
    EXPECT_EQ(r.exit_code, 0) << r.err;
  }
  test::Result r = test::run("tune --help");
  for (const char* flag : {"--trials", "--log", "--seed", "--threads", "--timeout", "--rtol", "--json"})
    EXPECT_NE(r.out.find(flag), std::string::npos) << flag;
}

}  // namespace
}  // namespace tt

namespace tt {
namespace {

TEST(TuneCommand, TunesOneOperatorOfTheCatalogue) {
  std::string log = temp_log("tune_op");
  std::string args =
      "tune op matmul --m 32 --n 32 --k 32 --trials 6 --per-round 3 --flush-cache --log " + log + " --json";
  test::Result r = test::run(args);
  ASSERT_EQ(r.exit_code, 0) << test::describe(args, r);
  nlohmann::json j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["tasks"].size(), 1u);
  EXPECT_EQ(j["tasks"][0]["trials"].get<int>(), 6);
  EXPECT_NE(j["tasks"][0]["description"].get<std::string>().find("matmul m=32 n=32 k=32"), std::string::npos);
  test::Result bad = test::run("tune op no_such_op --trials 6 --log " + log);
  EXPECT_EQ(bad.exit_code, 2) << test::describe("tune op no_such_op", bad);
  test::Result sketches = test::run("tune op matmul --m 64 --n 64 --k 64 --show-sketches");
  ASSERT_EQ(sketches.exit_code, 0) << sketches.err;
  EXPECT_NE(sketches.out.find("== task 0: matmul"), std::string::npos) << sketches.out;
}

}  // namespace
}  // namespace tt
