// What the measurer and its worker process say to each other (framed by wire.h). The worker knows
// nothing of tensor expressions: a task is the kernel's parameter buffers, the input arrays, the
// reference outputs and the timing settings; a candidate is an object file to link and time.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "codegen/jit.h"
#include "ir/ndarray.h"
#include "search/measure/measure_error.h"
#include "search/measure/wire.h"

namespace tt {

// Sent once per task (and again to every replacement worker).
struct WorkerTask {
  std::string target;             // Target::to_string() of the objects to come
  std::vector<Buffer> params;     // the kernel's parameters: the inputs, then the outputs
  std::vector<NDArray> inputs;    // the value of each input parameter
  std::vector<NDArray> expected;  // the reference value of each output parameter
  double rtol = 1e-3, atol = 1e-5;
  int num_threads = 1;  // threads of the kernels' parallel loops
  int warmup = 1, repeat = 3;
  double min_repeat_ms = 100;
  bool flush_cache = false;
  int64_t memory_limit_bytes = 0;  // the worker's address-space limit (RLIMIT_AS); 0: none
};

// Test-only faults a worker stages instead of running a candidate, so tests can check that a
// crashing or hanging kernel is contained. Never reachable from a flag or the environment.
inline const std::vector<std::string>& worker_fault_names() {
  static const std::vector<std::string> names = {"segfault", "hang", "abort", "spin", "allocate"};
  return names;
}

// Sent per candidate; its parameters are the task's.
struct WorkerCandidate {
  std::string name;   // the kernel's name in the object
  std::string bytes;  // the object file
  // Stop after the first timing group when it is slower than this per run (infinity: never).
  double cut_short_above_s = 0;
  std::string fault;  // "" or one of worker_fault_names()
  // Per input parameter: "" (passed as it is), or the JSON of the layout_rewrite step whose layout
  // the kernel reads it in; the worker packs its copy of that input before the run.
  std::vector<std::string> input_layouts;
  // Per input parameter: 0, or the Winograd tile whose transformed weights the kernel reads
  // (winograd::transform_weight, computed once per task and tile, before any packing).
  std::vector<int64_t> input_winograd_tiles;
  // Per output: "" or the layout the kernel stores it in; the worker unpacks it to compare.
  std::vector<std::string> output_layouts;
};

struct WorkerResult {
  MeasureError error = MeasureError::None;
  std::string message;  // why it failed; empty for None
  std::string check;    // the comparison with the reference (CompareResult::describe)
  double max_abs_error = 0, max_rel_error = 0;
  std::vector<double> costs_s;  // seconds per run, one per timing group
  int number = 0;               // runs per group
  bool cut_short = false;
};

WireMessage encode_task(const WorkerTask& task);
WorkerTask decode_task(const WireMessage& message);
WireMessage encode_candidate(const WorkerCandidate& candidate);
WorkerCandidate decode_candidate(const WireMessage& message);
WireMessage encode_result(const WorkerResult& result);
WorkerResult decode_result(const WireMessage& message);
// The worker's answer to a task: ready, or the reason it cannot take it.
WireMessage encode_ready(const std::string& error = "");
// "" when `message` says ready; the worker's reason otherwise.
std::string decode_ready(const WireMessage& message);

// The "type" of a message: "task", "candidate", "result" or "ready".
std::string message_type(const WireMessage& message);

}  // namespace tt
