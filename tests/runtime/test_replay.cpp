// Replay of a real tuning log: every record rebuilds the same loop IR, also after a JSON Lines round
// trip; three builds of a model from one log give bit-identical kernels and outputs; the public API
// tunes, compiles with the log and runs.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <algorithm>
#include <filesystem>
#include <random>
#include <sstream>

#include "codegen/jit.h"
#include "ir/compare.h"
#include "ir/lower/lower.h"
#include "search/record/tuning_log.h"
#include "src/api/model_tasks.h"
#include "src/runtime/executor.h"
#include "src/runtime/replay.h"
#include "tensortune/tensortune.h"

namespace tt {
namespace {

// One small tuned log shared by the tests of this file (tuning takes seconds).
const std::string& tuned_log() {
  static std::string path = [] {
    std::string p = (std::filesystem::path(::testing::TempDir()) / ("replay_" + std::to_string(getpid()) + ".db")).string();
    for (const char* s : {"", "-wal", "-shm", ".model"}) std::filesystem::remove(p + s);
    tensortune::TuneOptions o;
    o.trials = 20;
    o.measures_per_round = 4;
    o.seed = 11;
    o.log = p;
    o.worker_binary = TT_BINARY;
    tensortune::tune(tensortune::Model::load("tiny_cnn"), o);
    return p;
  }();
  return path;
}

std::string loop_ir(const TuneTask& task, const std::vector<Step>& steps) {
  ScheduleState state(task.outputs);
  state.apply(steps);
  return to_string(lower(state, "replay"));
}

TEST(Replay, EveryRecordRebuildsTheSameLoopIRAfterAJsonLinesRoundTrip) {
  LoadedModel model = load_and_fuse("tiny_cnn");
  std::vector<TuneTask> tasks = tune_tasks(model);
  TuningLog log = TuningLog::open(tuned_log());
  std::vector<TuningRecord> records = log.read_all();
  // The 20 trials, and the layout conversions tune timed after them (if its records needed any).
  const auto conversions = std::count_if(records.begin(), records.end(),
                                         [](const TuningRecord& r) { return r.strategy == kConversionStrategy; });
  ASSERT_EQ(records.size() - size_t(conversions), 20u);
  std::stringstream jsonl;
  export_jsonl(log, jsonl);
  std::string copy_path = tuned_log() + ".copy.db";
  for (const char* s : {"", "-wal", "-shm"}) std::filesystem::remove(copy_path + s);
  TuningLog copy = TuningLog::open(copy_path);
  std::vector<std::string> warnings;
  EXPECT_EQ(import_jsonl(jsonl, "export", copy, &warnings), int64_t(records.size()));
  EXPECT_TRUE(warnings.empty());
  std::vector<TuningRecord> copied = copy.read_all();
  ASSERT_EQ(copied.size(), records.size());
  int replayed = 0;
  for (size_t i = 0; i < records.size(); ++i) {
    if (records[i].error == MeasureError::Instantiation || records[i].strategy == kConversionStrategy) continue;
    const TuneTask* task = nullptr;
    for (const TuneTask& t : tasks)
      if (t.workload_key == records[i].workload_key) task = &t;
    ASSERT_NE(task, nullptr);
    EXPECT_EQ(loop_ir(*task, records[i].steps), loop_ir(*task, copied[i].steps)) << records[i].workload;
    EXPECT_EQ(loop_ir(*task, records[i].steps), loop_ir(*task, records[i].steps));
    replayed++;
  }
  EXPECT_GT(replayed, 0);
}

TEST(Replay, ThreeBuildsFromOneLogAreBitIdentical) {
  LoadedModel model = load_and_fuse("tiny_cnn");
  std::vector<TuneTask> tasks = tune_tasks(model);
  TuningLog log = TuningLog::open(tuned_log());
  std::vector<ScheduleChoice> choices = choose_schedules(model.tasks, log.read_all(), Target::host(), 1);
  ASSERT_EQ(choices.size(), tasks.size());
  // The kernels: the same object code byte for byte.
  KernelCompiler compiler;
  for (size_t t = 0; t < tasks.size(); ++t) {
    ASSERT_TRUE(choices[t].from_log) << choices[t].reason;
    std::vector<std::string> objects;
    for (int build = 0; build < 3; ++build) {
      ScheduleState state(tasks[t].outputs);
      state.apply(choices[t].steps);
      objects.push_back(compiler.compile_object(lower(state, "k")).bytes);
    }
    EXPECT_EQ(objects[0], objects[1]);
    EXPECT_EQ(objects[0], objects[2]);
  }
  // The model: the same output bits.
  tensortune::Model m = tensortune::Model::load("tiny_cnn");
  tensortune::Array input;
  input.shape = m.input_shapes()[0];
  int64_t n = 1;
  for (int64_t d : input.shape) n *= d;
  for (int64_t i = 0; i < n; ++i) input.data.push_back(float((i * 7919) % 1000) / 500.0f - 1.0f);
  std::vector<std::vector<float>> outputs;
  for (int build = 0; build < 3; ++build) {
    tensortune::CompiledModel c = tensortune::CompiledModel::compile(m, {.log = tuned_log(), .threads = 1, .target = ""});
    int tuned = 0;
    for (const auto& choice : c.choices()) tuned += choice.from_log;
    EXPECT_EQ(tuned, int(c.choices().size()));
    outputs.push_back(c.run({input})[0].data);
  }
  ASSERT_EQ(outputs[0].size(), outputs[1].size());
  EXPECT_EQ(std::memcmp(outputs[0].data(), outputs[1].data(), outputs[0].size() * 4), 0);
  EXPECT_EQ(std::memcmp(outputs[0].data(), outputs[2].data(), outputs[0].size() * 4), 0);
}

// Records whose schedules store the weights in loop order (layout_rewrite): the executor packs them
// once at load, and the model still computes what the unfused naive execution does.
TEST(Replay, PackedWeightRecordsReplayToTheNaiveOutput) {
  LoadedModel model = load_and_fuse("tiny_cnn");
  ExecutorOptions tuned;
  tuned.num_threads = 1;
  for (const TuningRecord& r : TuningLog::open(tuned_log()).read_all()) {
    if (r.error != MeasureError::None) continue;
    for (const Step& s : r.steps)
      if (std::holds_alternative<LayoutRewriteStep>(s)) tuned.task_schedules[r.workload_key] = r.steps;
  }
  ASSERT_FALSE(tuned.task_schedules.empty()) << "the tuner proposed no candidate with packed weights";
  GraphExecutor executor(model.graph, tuned);
  EXPECT_GT(executor.packed_weight_bytes(), 0);
  // Packed weights are held once: only the originals some group still reads unpacked stay.
  int64_t originals = 0;
  for (const graph::Node& n : model.graph.nodes())
    if (n.kind == graph::NodeKind::Constant) originals += int64_t(n.value.bytes());
  EXPECT_LT(executor.weight_bytes(), originals + executor.packed_weight_bytes());
  ExecutorOptions naive;
  naive.num_threads = 1;
  naive.fuse = false;
  naive.schedule = ScheduleSource::Naive;
  const graph::Node& in = model.graph.node(model.graph.inputs()[0]);
  NDArray input(in.type.shape, in.type.dtype);
  std::mt19937_64 rng(5);
  input.fill_uniform(rng);
  CompareResult r = compare(executor.run({input})[0], GraphExecutor(model.graph, naive).run({input})[0], 1e-3, 1e-4);
  EXPECT_TRUE(r.ok) << r.describe();
}

TEST(Replay, RecordsOfAnotherCpuDoNotApply) {
  LoadedModel model = load_and_fuse("tiny_cnn");
  std::vector<TuningRecord> records = TuningLog::open(tuned_log()).read_all();
  // The same records, as if measured on a CPU with other features.
  Target other = Target::parse(Target::host().has("avx512f") ? "llvm -mcpu=znver3" : "llvm -mcpu=znver4");
  for (const ScheduleChoice& c : choose_schedules(model.tasks, records, other, 1)) {
    EXPECT_FALSE(c.from_log);
    EXPECT_NE(c.reason.find("other targets"), std::string::npos) << c.reason;
  }
}

}  // namespace
}  // namespace tt
