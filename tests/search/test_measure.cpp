// The measurer end to end, with the real tensortune binary as its worker: a correct candidate is
// timed, crashes and hangs are contained and the worker replaced, a wrong kernel is caught, an
// invalid step is an instantiation error, slow candidates are cut short, and parallel builds give
// the same objects as sequential ones.
#include <gtest/gtest.h>

#include <fstream>
#include <limits>
#include <sstream>

#include "ir/error.h"
#include "ir/lower/lower.h"
#include "ir/sanitizers.h"
#include "ir/schedule/default_schedule.h"
#include "ir/te/ops.h"
#include "search/measure/build.h"
#include "search/measure/measurer.h"
#include "search/measure/worker_process.h"

namespace tt {
namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

// Fast settings: the tests check behaviour, not speed.
MeasureOptions test_options() {
  MeasureOptions o;
  o.repeat = 3;
  o.min_repeat_ms = 1;
  o.build_threads = 2;
  o.worker_binary = TT_BINARY;
  return o;
}

struct Matmul {
  Tensor a = placeholder({64, 64}, DType::float32(), "A");
  Tensor b = placeholder({64, 64}, DType::float32(), "B");
  Tensor c = ops::matmul(a, b);
  MeasureTask task() const { return MeasureTask{"matmul_64", {a, b}, {c}, 0, {}}; }
};

std::vector<Step> default_steps(const Tensor& out) {
  return default_schedule({out}, hardware_params(Target::host(), 1));
}

TEST(Measurer, CorrectCandidateMeasuresNoneWithRepeatCosts) {
  Matmul mm;
  Measurer measurer(test_options(), Target::host());
  measurer.set_task(mm.task());
  EXPECT_EQ(measurer.reference(), MeasureReference::Interpreter);
  // The naive schedule first: measured in full, it sets the best for the default schedule after
  // it, which is faster and so not cut short either.
  std::vector<MeasureResult> results = measurer.measure({{}, default_steps(mm.c)});
  ASSERT_EQ(results.size(), 2u);
  for (const MeasureResult& r : results) {
    EXPECT_EQ(r.error, MeasureError::None) << r.message;
    EXPECT_EQ(r.costs_s.size(), 3u);
    for (double c : r.costs_s) EXPECT_GT(c, 0);
    EXPECT_FALSE(r.cut_short);
    EXPECT_GE(r.number, 1);
    EXPECT_GT(r.build_s, 0);
    EXPECT_GT(r.run_s, 0);
    EXPECT_EQ(r.check.rfind("ok", 0), 0u) << r.check;
    EXPECT_LT(r.max_abs_error, 1e-3);
    EXPECT_TRUE(std::isfinite(r.mean_cost_s()));
  }
  EXPECT_EQ(measurer.worker_starts(), 1);
}

// Each fault kills or wedges the worker on the first candidate; the second candidate of the same
// batch runs in a replacement worker and measures normally.
void expect_fault_contained(const std::string& fault, MeasureError expected,
                            const std::string& message_part) {
  Matmul mm;
  MeasureOptions o = test_options();
  o.test_fault = fault;
  o.test_fault_index = 0;
  o.run_timeout_s = 1;
  Measurer measurer(o, Target::host());
  measurer.set_task(mm.task());
  std::vector<MeasureResult> results = measurer.measure({default_steps(mm.c), default_steps(mm.c)});
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].error, expected)
      << measure_error_name(results[0].error) << ": " << results[0].message;
  EXPECT_NE(results[0].message.find(message_part), std::string::npos) << results[0].message;
  EXPECT_TRUE(results[0].costs_s.empty());
  EXPECT_TRUE(std::isinf(results[0].mean_cost_s()));
  EXPECT_EQ(results[1].error, MeasureError::None) << results[1].message;
  EXPECT_EQ(results[1].costs_s.size(), 3u);
  EXPECT_EQ(measurer.worker_starts(), 2);
}

TEST(Measurer, SegfaultIsRuntimeAndTheWorkerIsReplaced) {
  expect_fault_contained("segfault", MeasureError::Runtime, "SIGSEGV");
}

TEST(Measurer, AbortIsRuntimeAndTheWorkerIsReplaced) {
  expect_fault_contained("abort", MeasureError::Runtime, "SIGABRT");
}

TEST(Measurer, HangIsRunTimeoutAndTheWorkerIsReplaced) {
  expect_fault_contained("hang", MeasureError::RunTimeout, "run timeout of 1 s");
}

// A kernel that takes the whole CPU (no sleeping, unlike "hang") is killed at its timeout all the same.
TEST(Measurer, CpuHogIsRunTimeoutAndTheWorkerIsReplaced) {
  expect_fault_contained("spin", MeasureError::RunTimeout, "run timeout of 1 s");
}

// A kernel that allocates without end meets the worker's address-space cap (the kernels' allocator
// aborts when it fails), not the machine's memory.
TEST(Measurer, UnboundedAllocationIsRuntimeAndTheWorkerIsReplaced) {
  if (kAddressSanitizer) GTEST_SKIP() << "under AddressSanitizer the worker has no address-space cap";
  expect_fault_contained("allocate", MeasureError::Runtime, "SIGABRT");
}

// An object with the task's signature that computes something else: C = A·B + 1.
TEST(Measurer, WrongKernelIsWrongAnswer) {
  Matmul mm;
  Measurer measurer(test_options(), Target::host());
  measurer.set_task(mm.task());
  // A reduction must be a compute's whole body, so the +1 is spread over the 64 terms.
  IterVar k = reduce_axis(64, "k");
  Tensor shifted = compute(
      {64, 64},
      [&](const std::vector<Var>& i) {
        return sum(mm.a(i[0], k.var) * mm.b(k.var, i[1]) + 1.0f / 64, {k});
      },
      "matmul");
  LoweredFunc func = lower(ScheduleState({shifted}), "shifted_matmul");
  ASSERT_EQ(func.params.size(), 3u);
  KernelCompiler compiler;
  BuildResult wrong;
  wrong.object = compiler.compile_object(func);
  std::vector<MeasureResult> results = measurer.run({wrong});
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].error, MeasureError::WrongAnswer) << results[0].message;
  EXPECT_NE(results[0].message.find("differ"), std::string::npos) << results[0].message;
  EXPECT_NEAR(results[0].max_abs_error, 1.0, 1e-3);
  EXPECT_TRUE(results[0].costs_s.empty());
  // The same worker goes on: a wrong answer is not a crash.
  EXPECT_EQ(measurer.measure({default_steps(mm.c)})[0].error, MeasureError::None);
  EXPECT_EQ(measurer.worker_starts(), 1);
}

TEST(Measurer, InvalidStepIsInstantiation) {
  Matmul mm;
  Measurer measurer(test_options(), Target::host());
  measurer.set_task(mm.task());
  std::vector<MeasureResult> results = measurer.measure({
      {SplitStep{"no_such_stage", "i", {4}, false}},
      {SplitStep{"matmul", "no_such_loop", {4}, false}},
  });
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].error, MeasureError::Instantiation);
  EXPECT_NE(results[0].message.find("no_such_stage"), std::string::npos) << results[0].message;
  EXPECT_EQ(results[1].error, MeasureError::Instantiation);
  EXPECT_NE(results[1].message.find("no_such_loop"), std::string::npos) << results[1].message;
  EXPECT_TRUE(results[1].costs_s.empty());
}

TEST(Measurer, BuildPastItsTimeoutIsCompileTimeout) {
  Matmul mm;
  MeasureOptions o = test_options();
  o.build_timeout_s = 1e-9;
  Measurer measurer(o, Target::host());
  measurer.set_task(mm.task());
  std::vector<MeasureResult> results = measurer.measure({default_steps(mm.c)});
  EXPECT_EQ(results[0].error, MeasureError::CompileTimeout) << results[0].message;
  EXPECT_NE(results[0].message.find("build timeout"), std::string::npos) << results[0].message;
  EXPECT_GT(results[0].build_s, 1e-9);
  EXPECT_TRUE(results[0].costs_s.empty());
}

TEST(Measurer, SlowerThanTheBestIsCutShortAfterOneSample) {
  Matmul mm;
  Measurer measurer(test_options(), Target::host());
  measurer.set_task(mm.task());
  std::vector<MeasureResult> cut = measurer.measure({default_steps(mm.c)}, /*best_so_far_s=*/1e-12);
  ASSERT_EQ(cut.size(), 1u);
  EXPECT_EQ(cut[0].error, MeasureError::None) << cut[0].message;
  EXPECT_TRUE(cut[0].cut_short);
  EXPECT_EQ(cut[0].costs_s.size(), 1u);
  // Against a best far slower than anything, every group is taken.
  std::vector<MeasureResult> full = measurer.measure({default_steps(mm.c)}, /*best_so_far_s=*/1e3);
  EXPECT_FALSE(full[0].cut_short);
  EXPECT_EQ(full[0].costs_s.size(), 3u);
}

TEST(Measurer, ParallelBuildGivesTheSequentialObjects) {
  Matmul mm;
  std::vector<std::vector<Step>> candidates;
  for (int64_t factor : {2, 4, 8, 16}) {
    candidates.push_back({SplitStep{"matmul", "j", {factor}, false}});
    candidates.push_back({SplitStep{"matmul", "j", {factor}, false},
                          ReorderStep{"matmul", {"i", "j.0", "rk", "j.1"}},
                          AnnotateStep{"matmul", "j.1", LoopAnnotation::Vectorize}});
  }
  MeasureOptions sequential = test_options(), parallel = test_options();
  sequential.build_threads = 1;
  parallel.build_threads = 8;
  Measurer one(sequential, Target::host()), many(parallel, Target::host());
  one.set_task(mm.task());
  many.set_task(mm.task());
  std::vector<BuildResult> a = one.build(candidates), b = many.build(candidates);
  ASSERT_EQ(a.size(), 8u);
  ASSERT_EQ(b.size(), 8u);
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].error, MeasureError::None) << i << ": " << a[i].message;
    EXPECT_EQ(b[i].error, MeasureError::None) << i << ": " << b[i].message;
    EXPECT_FALSE(a[i].object.bytes.empty());
    EXPECT_TRUE(a[i].object.bytes == b[i].object.bytes) << "candidate " << i;
    if (i > 0) {
      EXPECT_FALSE(a[i].object.bytes == a[i - 1].object.bytes)
          << "candidates " << i - 1 << ", " << i;
    }
  }
  // And they all run correctly.
  for (const MeasureResult& r : many.run(b)) EXPECT_EQ(r.error, MeasureError::None) << r.message;
}

TEST(Measurer, NaiveReferenceForLargeTasksOrOnRequest) {
  Matmul mm;
  MeasureOptions o = test_options();
  o.reference = MeasureReference::Naive;
  Measurer measurer(o, Target::host());
  measurer.set_task(mm.task());
  EXPECT_EQ(measurer.reference(), MeasureReference::Naive);
  EXPECT_EQ(measurer.measure({default_steps(mm.c)})[0].error, MeasureError::None);
  // Auto picks naive above the interpreter's FLOP limit (the task's declared FLOPs decide).
  Measurer automatic(test_options(), Target::host());
  MeasureTask big = mm.task();
  big.flops = int64_t(kInterpreterFlopLimit) + 1;
  automatic.set_task(big);
  EXPECT_EQ(automatic.reference(), MeasureReference::Naive);
}

TEST(Measurer, CacheFlushTimesSingleRuns) {
  Matmul mm;
  MeasureOptions o = test_options();
  o.flush_cache = true;
  Measurer measurer(o, Target::host());
  measurer.set_task(mm.task());
  MeasureResult r = measurer.measure({default_steps(mm.c)})[0];
  EXPECT_EQ(r.error, MeasureError::None) << r.message;
  EXPECT_EQ(r.costs_s.size(), 3u);
  EXPECT_EQ(r.number, 1);
}

// The worker lowers its own address-space limit to what the task says, so a kernel that allocates
// without end fails there and not in the machine.
TEST(WorkerProcess, LimitsItsAddressSpace) {
  if (kAddressSanitizer) GTEST_SKIP() << "under AddressSanitizer the worker has no address-space cap";
  WorkerTask task;
  task.target = Target::host().to_string();
  task.params = {BufferNode::make("x", DType::float32(), {4}, BufferScope::Param)};
  task.expected = {NDArray({4}, DType::float32())};
  task.memory_limit_bytes = int64_t(6) << 30;
  WorkerProcess worker(TT_BINARY);
  worker.set_task(task);
  ASSERT_GT(worker.pid(), 0);
  std::ifstream limits("/proc/" + std::to_string(worker.pid()) + "/limits");
  std::string line, soft;
  while (std::getline(limits, line)) {
    if (line.rfind("Max address space", 0) != 0) continue;
    std::istringstream fields(line.substr(std::string("Max address space").size()));
    fields >> soft;
  }
  EXPECT_EQ(soft, std::to_string(int64_t(6) << 30));
}

TEST(Measurer, BadOptionsAndTasksAreUserErrors) {
  MeasureOptions o = test_options();
  o.repeat = 0;
  EXPECT_THROW(Measurer(o, Target::host()), UserError);
  o = test_options();
  o.test_fault = "explode";
  EXPECT_THROW(Measurer(o, Target::host()), UserError);

  Matmul mm;
  Measurer measurer(test_options(), Target::host());
  MeasureTask wrong_inputs = mm.task();
  wrong_inputs.inputs = {mm.a};
  EXPECT_THROW(measurer.set_task(wrong_inputs), UserError);

  o = test_options();
  o.worker_binary = "/nonexistent/tensortune";
  Measurer missing(o, Target::host());
  try {
    missing.set_task(mm.task());
    ADD_FAILURE() << "a missing worker binary must be a UserError";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/tensortune"), std::string::npos) << e.what();
  }
  o.worker_binary = "/bin/true";
  Measurer not_ours(o, Target::host());
  EXPECT_THROW(not_ours.set_task(mm.task()), UserError);
}

}  // namespace
}  // namespace tt
