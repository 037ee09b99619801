// The embedding API of tensortune: load a model, tune it into a log, compile it with a log, run it.
// Plain C++ types only (no LLVM, XGBoost or ONNX types); errors are tensortune::UserError for bad
// input and tensortune::InternalError for bugs (error.h). The `tensortune` command line is built on it.
//
//   auto model = tensortune::Model::load("resnet18");            // zoo name or an .onnx file
//   tensortune::TuneOptions tune; tune.trials = 200; tune.log = "resnet18.db";
//   tensortune::tune(model, tune);                               // resumable: rerun to continue
//   auto compiled = tensortune::CompiledModel::compile(model, {.log = "resnet18.db"});
//   std::vector<tensortune::Array> out = compiled.run({input});
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tensortune/error.h"

namespace tensortune {

// A dense float32 tensor in row-major order.
struct Array {
  std::vector<int64_t> shape;
  std::vector<float> data;
};

// One tuning task of a model: a fused group's kernel, shared by every group with the same workload.
struct TaskInfo {
  std::string workload_key;
  std::string description;  // "conv2d+bias_add+relu 1x64x56x56 <- 1x64x56x56, 64x64x3x3, 64"
  int weight = 1;           // groups of the model that run it
  int64_t flops = 0;
};

class Model {
 public:
  // A built-in model name (`tensortune models`) or a path to an .onnx file. UserError otherwise.
  static Model load(const std::string& name_or_path);
  const std::string& name() const;
  // The model's distinct tasks after graph simplification and fusion, in order of first use.
  std::vector<TaskInfo> tasks() const;
  std::vector<std::vector<int64_t>> input_shapes() const;

  struct Impl;
  std::shared_ptr<const Impl> impl;
};

// How one task stands in a tuning run.
struct TaskResult {
  TaskInfo task;
  int trials = 0;                    // measurements in the log (this run and earlier ones)
  double best_ms = 0;                // infinity when no valid measurement yet
  double default_ms = 0;             // the default schedule's time; infinity if not measured
  std::map<std::string, int> errors;  // by error code name ("compile", "wrong_answer", ...), nonzero only
  int cut_short = 0;                 // candidates stopped after one repeat as clearly slower than the best
  // How the task is searched: "ansor", "autotvm conv2d_nchw (xgb, 1.2e6 configs)", or "ansor (no
  // template: ...)" when the template search has none for it.
  std::string search;
};

struct TuneProgress {
  int trials_done = 0, trials_total = 0;
  int measured_this_run = 0;
  int current_task = -1;  // index into tasks, -1 between rounds
  double elapsed_s = 0, eta_s = 0;
  double estimated_latency_ms = 0;  // sum over tasks of weight x best; infinity until each has one
  std::vector<TaskResult> tasks;
  // The cost model's ranking of the last measured batch, judged before it trained on it.
  std::optional<double> pairwise_accuracy, best_of_top_k;
  // Seconds this run spent searching, building, running, updating the model, writing the log.
  double search_s = 0, build_s = 0, run_s = 0, model_s = 0, log_s = 0;
  // Layouts, once the tasks are tuned (a model's run only): the conversions between tasks that
  // replay's layout choice considers, timed into the log (this run; failed ones included), and
  // the choice replay then makes from the log — its conversions and their cost, and how many tasks
  // take a record other than their fastest because its layouts save more in conversions.
  int conversions_timed = 0, conversions_failed = 0;
  double conversions_timing_s = 0;
  int replay_conversions = 0;
  double replay_conversions_ms = 0;
  int replay_tasks_off_fastest = 0;
};

struct TuneOptions {
  int trials = 200;        // measurements the log should hold for the model's tasks when done
  std::string log;         // the tuning log (SQLite), created if missing; required
  uint64_t seed = 0;
  int threads = 1;         // threads the kernels run (and are timed) with
  double timeout_s = 10;   // a candidate running longer is recorded as run_timeout
  double rtol = 1e-3, atol = 1e-5;
  // Evict the candidate's buffers from the caches before every timed run (one run per timing
  // group), as a kernel inside a model meets its weights: slower to tune, closer to end to end.
  bool flush_cache = false;
  int measures_per_round = 64;
  // Let schedules store each weight a reduction reads in the order their loops read it (packed
  // once when the model loads); false keeps every weight in the model's layout.
  bool layout_rewrite = true;
  // "ansor" (template-free sketches) or "autotvm" (schedule templates with knobs, searched by
  // `tuner`: "xgb", "ga", "random" or "grid"; tasks without a template fall back to ansor).
  std::string strategy = "ansor";
  std::string tuner = "xgb";
  // The autotvm convolution template: "nchwc" (channel-blocked, as TVM's x86 templates; activations
  // stay blocked between convolutions that agree) or "nchw" (direct).
  std::string conv_layout = "nchwc";
  // Block every channel dimension of the nchwc template by this instead of searching the block
  // sizes, so consecutive convolutions agree and replay converts no activations between them;
  // -1: the native vector width (16 with AVX-512, 8 with AVX2); 0: search the blocks per task.
  int conv_block = -1;
  // Output tiles of the Winograd formulations F(m×m, 3×3) searched beside the direct form of every
  // 3×3 stride-1 convolution with constant weights, by either strategy; empty: direct only.
  std::vector<int> winograd_tiles = {2, 4};
  // The ga tuner: configs per generation, the best carried over unchanged, and the probability
  // that each knob of a child is redrawn (AutoTVM's GATuner, population 64 instead of 100 so one
  // generation is one 64-candidate round).
  int ga_population = 64;
  int ga_elites = 3;
  double ga_mutation_prob = 0.1;
  std::string cost_model = "xgb";     // or "random": random sampling of the same space
  std::string scheduler = "gradient";  // or "round-robin"
  std::string warm_start_model;       // a cost model saved beside another log
  std::string target;                 // LLVM target string; empty: this machine
  // Candidates run in worker processes started from the `tensortune` executable (a crash or hang
  // there is a recorded result, not the end of the run). Empty: this program if it is tensortune,
  // else a `tensortune` beside this program, else one on PATH.
  std::string worker_binary;
  std::function<void(const TuneProgress&)> on_progress;
  const std::atomic<bool>* stop = nullptr;  // set to stop after the batch in flight
};

// Tunes the model's tasks; returns the final state. Resumes from an existing log.
TuneProgress tune(const Model& model, const TuneOptions& options);
// The sketches the template-free search generates for each task, printed.
std::vector<std::string> describe_sketches(const Model& model, const TuneOptions& options);

// Which schedule replay chose for one task.
struct TaskChoice {
  TaskInfo task;
  bool from_log = false;  // false: the default schedule
  std::string reason;     // from_log: "record #12 (ansor), 0.412 ms"; else why no record applied
  double record_ms = 0;
};

struct CompileOptions {
  std::string log;     // empty: default schedules everywhere
  int threads = 0;     // 0: all cores
  std::string target;  // empty: this machine
};

class CompiledModel {
 public:
  static CompiledModel compile(const Model& model, const CompileOptions& options);
  // One array per model input; returns one per model output. UserError on a wrong shape.
  std::vector<Array> run(const std::vector<Array>& inputs);
  const std::vector<TaskChoice>& choices() const;

  struct Impl;
  std::shared_ptr<Impl> impl;
};

}  // namespace tensortune
