// The one measurement path of `op`, `tune` and the tests: a Measurer takes a task (its TE and
// seeded inputs, with reference outputs computed once), builds candidates (steps -> loop IR ->
// object file) on parallel threads, and runs the built ones one at a time in an isolated worker
// process (worker_process.h), each checked against the reference and timed. A failing candidate
// is a result with an error code (measure_error.h), never an exception.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "codegen/jit.h"
#include "ir/schedule/step.h"
#include "ir/te/tensor.h"
#include "search/measure/measure_error.h"
#include "search/measure/task_inputs.h"

namespace tt {

class WorkerProcess;

// Above this many FLOPs the TE interpreter (about 50 MFLOP/s measured on conv2d, so ~6 s here)
// would dominate the task's set-up time, so the automatic reference is the naive schedule compiled
// instead: fast, but it shares the code generator with the kernels under test.
inline constexpr double kInterpreterFlopLimit = 3e8;

enum class MeasureReference : uint8_t {
  Auto,         // the interpreter up to kInterpreterFlopLimit FLOPs, else naive
  Interpreter,  // the TE reference interpreter: independent of codegen
  Naive,        // the naive schedule (every stage at root, plain loops), compiled
};

// Defaults follow Ansor's LocalBuilder/LocalRunner (TVM_FACTS §3.1) where they agree with the
// DESIGN.md protocol, plus what Ansor lacks: a correctness check and cutting slow candidates short.
struct MeasureOptions {
  int warmup = 1;  // untimed runs first (TVM: one); they also page the buffers in
  // Timed groups per candidate; the reported cost is their mean. Ansor takes 1 group of 3 runs;
  // three groups give a median and a spread, which a 2-core VM shared with other work needs.
  int repeat = 3;
  // Each group repeats the kernel until it lasts this long. Ansor's LocalRunner value: groups of
  // 100 ms average over many scheduler ticks and the clock noise of a shared VM, so a candidate
  // costs about 0.4 s of timing (warm-up, growing `number`, three groups).
  double min_repeat_ms = 100;
  bool flush_cache = false;  // evict the buffers before every run (then one run per group)
  // A build running longer than this is CompileTimeout (Ansor: 15 s). Build threads cannot be
  // killed, so the build runs to its end and its result is then discarded; see Measurer::build.
  double build_timeout_s = 15;
  // The worker must answer within this (link + check + all timing; Ansor: 10 s), else it is
  // killed: RunTimeout.
  double run_timeout_s = 10;
  // The check: |actual - expected| <= atol·M + rtol·|expected|, M the largest |expected| of the task's
  // outputs (at least 1), so that values near zero of a long reduction are judged on the scale of
  // its partial sums (a 3x3x512 convolution's rounding error reaches 1e-4 on outputs of magnitude 30).
  double rtol = 1e-3, atol = 1e-5;
  int num_threads = 1;              // threads of the kernels' parallel loops, in the worker
  int build_threads = 0;            // candidates built at once; 0 = one per hardware thread
  // A candidate whose first group is slower than this × the task's best cost so far stops there
  // with one sample (cut_short); 0 turns it off.
  double cut_short_ratio = 2.0;
  // The worker's address-space limit beyond the task's own arrays (which are added on top): room
  // for LLVM's JIT, oneTBB's thread stacks and the kernels' scratch buffers, yet a kernel that
  // allocates without end fails in its worker instead of taking the machine's memory.
  int64_t worker_memory_bytes = int64_t(8) << 30;
  std::string worker_binary;  // path of the tensortune binary; empty = this process's binary
  // TEST ONLY: "segfault", "hang", "abort", "spin" (a CPU hog) or "allocate" (without end) makes
  // the worker stage that fault instead of running the candidate at test_fault_index of every
  // run() batch (-1: every candidate), to test that crashes and hangs are contained. Never set
  // from a flag or the environment; "" in every real use.
  std::string test_fault;
  int test_fault_index = 0;
  uint64_t input_seed = 1;  // seed of the task's random inputs
  MeasureReference reference = MeasureReference::Auto;
};

// One tuning task as measurement sees it.
struct MeasureTask {
  std::string name;  // the kernels' name (sanitized to an identifier)
  // The placeholders (empty: every placeholder of the outputs' graph) and the outputs. The kernel
  // takes the inputs in ScheduleState's order then the outputs; `inputs` must name the same set.
  std::vector<Tensor> inputs, outputs;
  int64_t flops = 0;  // 0: flop_count(outputs)
  // Value ranges by placeholder name that replace the domain analysis of task_inputs.h (e.g. an
  // operator catalogue's documented ranges); empty for search tasks.
  std::map<std::string, InputRange> input_ranges;
};

struct BuildResult {
  MeasureError error = MeasureError::None;
  std::string message;  // why the build failed; empty for None
  ObjectCode object;    // empty unless error is None
  // Per input parameter: the layout a layout_rewrite step gave it (the worker packs the input so),
  // or an empty tensor name when it is stored as it is.
  std::vector<LayoutRewriteStep> input_layouts;
  // Per input parameter: the tile of the winograd step whose transformed weights the kernel reads
  // (the worker transforms the input before packing it), or 0.
  std::vector<int64_t> input_winograd_tiles;
  // Per output: the layout a layout_rewrite step stores it in (the worker unpacks it to compare).
  std::vector<LayoutRewriteStep> output_layouts;
  double build_s = 0;   // wall time of apply + lower + compile
};

struct MeasureResult {
  MeasureError error = MeasureError::None;
  std::string message;          // why it failed; empty for None
  std::vector<double> costs_s;  // seconds per run, one per timing group (repeat, or 1 if cut short)
  bool cut_short = false;
  double build_s = 0, run_s = 0;  // wall time of the build, and of the worker's part
  int number = 0;                 // runs per timing group
  // The comparison with the reference (for None and WrongAnswer): CompareResult::describe and its
  // largest errors.
  std::string check;
  double max_abs_error = 0, max_rel_error = 0;

  // The mean of costs_s (TVM's recorded cost), infinity when the candidate failed.
  double mean_cost_s() const;
};

// One task at a time, one worker process; not for use from several threads at once (a tuner that
// measures tasks side by side gives each its own Measurer).
class Measurer {
 public:
  // UserError naming the field for an option out of its range.
  Measurer(MeasureOptions options, Target target);
  ~Measurer();
  Measurer(const Measurer&) = delete;
  Measurer& operator=(const Measurer&) = delete;

  // Computes the task's seeded inputs and reference outputs once and sends them to a (fresh)
  // worker. UserError when the inputs do not match the graph or the worker cannot be started.
  void set_task(const MeasureTask& task);

  // Applies steps, lowers and compiles each candidate, on build_threads threads; results in input
  // order, deterministic (the same object bytes whatever the thread count). An invalid step or a
  // lowering failure is Instantiation, a codegen failure Compile, and a build that took longer
  // than build_timeout_s CompileTimeout: a thread cannot be stopped, so the build is let finish
  // and its object is then thrown away (it delays the batch, never wedges it: the codegen loops
  // are bounded by the schedule's size).
  std::vector<BuildResult> build(const std::vector<std::vector<Step>>& candidates);

  // Runs built candidates one at a time in the worker (nothing else on the cores meanwhile).
  // best_so_far_s: the task's best mean cost so far (infinity if none), for cutting short; a
  // better candidate within the batch lowers it for the ones after.
  std::vector<MeasureResult> run(const std::vector<BuildResult>& built,
                                 double best_so_far_s = std::numeric_limits<double>::infinity());

  // build, then run.
  std::vector<MeasureResult> measure(
      const std::vector<std::vector<Step>>& candidates,
      double best_so_far_s = std::numeric_limits<double>::infinity());

  const MeasureOptions& options() const { return options_; }
  const Target& target() const { return target_; }
  // The reference the current task is checked against: Interpreter or Naive (never Auto).
  MeasureReference reference() const { return reference_; }
  // The current task's inputs in kernel parameter order, and their values.
  const std::vector<Tensor>& task_inputs() const { return inputs_; }
  const std::vector<NDArray>& task_input_values() const { return input_values_; }
  // How many worker processes were started so far (one per task, plus one per crash or timeout).
  int worker_starts() const;

 private:
  BuildResult build_one(const std::vector<Step>& steps) const;

  MeasureOptions options_;
  Target target_;
  KernelCompiler compiler_;
  std::unique_ptr<WorkerProcess> worker_;
  bool has_task_ = false;
  std::string kernel_name_;
  std::vector<Tensor> outputs_, inputs_;
  std::vector<NDArray> input_values_;
  std::vector<Buffer> params_;
  MeasureReference reference_ = MeasureReference::Interpreter;
};

// "interpreter" or "naive" ("auto" for Auto).
const char* measure_reference_name(MeasureReference reference);

}  // namespace tt
