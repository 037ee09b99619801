// The measurer: task set-up (inputs, reference), parallel builds, and runs in the worker process;
// see measurer.h.
#include "search/measure/measurer.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstring>
#include <set>
#include <thread>

#include "ir/error.h"
#include "ir/lower/lower.h"
#include "ir/schedule/state.h"
#include "ir/te/flop_count.h"
#include "search/measure/build.h"
#include "search/measure/worker_process.h"

namespace tt {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

void check_options(const MeasureOptions& o) {
  auto require = [](bool ok, const char* field, const std::string& value, const char* what) {
    if (!ok) user_error("measure option {} must be {}, got {}", field, what, value);
  };
  require(o.warmup >= 0, "warmup", std::to_string(o.warmup), "at least 0");
  require(o.repeat >= 1, "repeat", std::to_string(o.repeat), "at least 1");
  require(o.min_repeat_ms >= 0, "min_repeat_ms", fmt::format("{:g}", o.min_repeat_ms),
          "at least 0");
  require(o.build_timeout_s > 0, "build_timeout_s", fmt::format("{:g}", o.build_timeout_s),
          "positive");
  require(o.run_timeout_s > 0, "run_timeout_s", fmt::format("{:g}", o.run_timeout_s), "positive");
  require(o.rtol >= 0, "rtol", fmt::format("{:g}", o.rtol), "at least 0");
  require(o.atol >= 0, "atol", fmt::format("{:g}", o.atol), "at least 0");
  require(o.num_threads >= 1, "num_threads", std::to_string(o.num_threads), "at least 1");
  require(o.build_threads >= 0, "build_threads", std::to_string(o.build_threads), "at least 0");
  require(o.cut_short_ratio >= 0, "cut_short_ratio", fmt::format("{:g}", o.cut_short_ratio),
          "at least 0");
  require(o.worker_memory_bytes > 0, "worker_memory_bytes", std::to_string(o.worker_memory_bytes),
          "positive");
  const auto& faults = worker_fault_names();
  require(
      o.test_fault.empty() || std::find(faults.begin(), faults.end(), o.test_fault) != faults.end(),
      "test_fault", "'" + o.test_fault + "'", "empty, segfault, hang, abort, spin or allocate");
}

std::string this_binary() {
  std::string path(4096, '\0');
  ssize_t n = ::readlink("/proc/self/exe", path.data(), path.size());
  if (n <= 0)
    internal_error("cannot find this program's path (/proc/self/exe): {}", std::strerror(errno));
  path.resize(size_t(n));
  return path;
}

// A C identifier: the object's symbols are NAME and NAME_packed.
std::string kernel_name_of(const std::string& task_name) {
  std::string name;
  for (char c : task_name) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) name = "k_" + name;
  return name;
}

int64_t total_bytes(const std::vector<NDArray>& arrays) {
  int64_t bytes = 0;
  for (const NDArray& a : arrays) bytes += int64_t(a.bytes());
  return bytes;
}

std::string tensor_names(const std::vector<Tensor>& tensors) {
  std::string text;
  for (const Tensor& t : tensors) text += (text.empty() ? "" : ", ") + t.name();
  return text;
}

std::string error_text(const std::exception& e) {
  // A bug that surfaces in one candidate is still that candidate's result, but marked as a bug.
  return dynamic_cast<const InternalError*>(&e) ? std::string("internal error: ") + e.what()
                                                : e.what();
}

}  // namespace

double MeasureResult::mean_cost_s() const {
  if (error != MeasureError::None || costs_s.empty())
    return std::numeric_limits<double>::infinity();
  double sum = 0;
  for (double c : costs_s) sum += c;
  return sum / double(costs_s.size());
}

const char* measure_reference_name(MeasureReference reference) {
  switch (reference) {
    case MeasureReference::Auto:
      return "auto";
    case MeasureReference::Interpreter:
      return "interpreter";
    case MeasureReference::Naive:
      return "naive";
  }
  return "unknown";
}

Measurer::Measurer(MeasureOptions options, Target target)
    : options_(std::move(options)), target_(target), compiler_(std::move(target)) {
  check_options(options_);
  if (options_.worker_binary.empty()) options_.worker_binary = this_binary();
  worker_ = std::make_unique<WorkerProcess>(options_.worker_binary);
}

Measurer::~Measurer() = default;

int Measurer::worker_starts() const { return worker_->starts(); }

void Measurer::set_task(const MeasureTask& task) {
  has_task_ = false;
  if (task.outputs.empty()) user_error("measurement task '{}' has no outputs", task.name);
  outputs_ = task.outputs;
  ScheduleState naive(outputs_);
  inputs_ = naive.inputs();
  if (!task.inputs.empty()) {
    std::set<const OperationNode*> given, graph;
    for (const Tensor& t : task.inputs) given.insert(t.op().get());
    for (const Tensor& t : inputs_) graph.insert(t.op().get());
    if (given != graph)
      user_error(
          "measurement task '{}': its inputs ({}) are not the placeholders its outputs read ({})",
          task.name, tensor_names(task.inputs), tensor_names(inputs_));
  }
  for (const auto& [name, range] : task.input_ranges) {
    bool known = std::any_of(inputs_.begin(), inputs_.end(),
                             [&](const Tensor& t) { return t.name() == name; });
    if (!known)
      user_error("measurement task '{}': an input range for '{}', which is not an input", task.name,
                 name);
  }
  kernel_name_ = kernel_name_of(task.name);
  LoweredFunc naive_func = lower(naive, kernel_name_);
  params_ = naive_func.params;
  input_values_ = seeded_inputs(inputs_, outputs_, options_.input_seed, task.input_ranges);

  int64_t flops = task.flops > 0 ? task.flops : flop_count(outputs_);
  reference_ = options_.reference;
  if (reference_ == MeasureReference::Auto)
    reference_ = double(flops) <= kInterpreterFlopLimit ? MeasureReference::Interpreter
                                                        : MeasureReference::Naive;
  std::vector<NDArray> expected;
  if (reference_ == MeasureReference::Interpreter) {
    expected = reference_outputs(outputs_, inputs_, input_values_);
  } else {
    // The naive schedule is the trusted path, run here in the tuner rather than in the worker:
    // plain serial loops, no parallel runtime, and its inputs are copies.
    CompiledKernel kernel = compiler_.compile(naive_func);
    std::vector<NDArray> copies;
    for (const NDArray& a : input_values_) {
      NDArray copy(a.shape(), a.dtype());
      std::memcpy(copy.data(), a.data(), a.bytes());
      copies.push_back(copy);
    }
    expected = run_kernel(kernel, copies, outputs_);
  }

  WorkerTask worker_task;
  worker_task.target = target_.to_string();
  worker_task.params = params_;
  worker_task.inputs = input_values_;
  worker_task.expected = expected;
  worker_task.rtol = options_.rtol;
  // atol is in units of the reference's largest magnitude (at least 1): an output near zero of a
  // long reduction carries the rounding error of its partial sums, which scale with the data, not
  // with that output. A real bug (a missing tap, a wrong index) is off by that magnitude itself.
  double magnitude = 1;
  for (const NDArray& e : expected)
    if (e.dtype() == DType::float32())
      for (int64_t i = 0; i < e.num_elements(); ++i)
        if (std::isfinite(e.as<float>()[i])) magnitude = std::max(magnitude, double(std::fabs(e.as<float>()[i])));
  worker_task.atol = options_.atol * magnitude;
  worker_task.num_threads = options_.num_threads;
  worker_task.warmup = options_.warmup;
  worker_task.repeat = options_.repeat;
  worker_task.min_repeat_ms = options_.min_repeat_ms;
  worker_task.flush_cache = options_.flush_cache;
  // The worker holds the task's arrays (inputs, expected outputs), a copy of the inputs and the
  // outputs per candidate, and its message buffers: four times the arrays bounds it.
  worker_task.memory_limit_bytes =
      options_.worker_memory_bytes + 4 * (total_bytes(input_values_) + total_bytes(expected));
  worker_->set_task(worker_task);
  has_task_ = true;
}

BuildResult Measurer::build_one(const std::vector<Step>& steps) const {
  BuildResult result;
  Clock::time_point start = Clock::now();
  LoweredFunc func;
  try {
    ScheduleState state(outputs_);
    state.apply(steps);
    func = lower(state, kernel_name_);
    for (const Tensor& in : inputs_) {
      const LayoutRewriteStep* layout = state.layout_of(in.name());
      result.input_layouts.push_back(layout ? *layout : LayoutRewriteStep{});
      const WinogradStep* transform = state.weight_transform_of(in.name());
      result.input_winograd_tiles.push_back(transform ? transform->tile : 0);
    }
    for (const Tensor& out : outputs_) {
      const LayoutRewriteStep* layout = state.layout_of(out.name());
      result.output_layouts.push_back(layout ? *layout : LayoutRewriteStep{});
    }
  } catch (const std::exception& e) {
    result.error = MeasureError::Instantiation;
    result.message = error_text(e);
    result.build_s = seconds_since(start);
    return result;
  }
  // Same parameters as the task's, but for the shapes of the inputs a layout_rewrite packed.
  bool same_signature = func.params.size() == params_.size();
  for (size_t i = 0; same_signature && i < params_.size(); ++i) {
    const size_t n_in = result.input_layouts.size();
    bool packed = i < n_in ? !result.input_layouts[i].tensor.empty() || result.input_winograd_tiles[i] != 0
                           : i - n_in < result.output_layouts.size() && !result.output_layouts[i - n_in].tensor.empty();
    same_signature = func.params[i]->dtype == params_[i]->dtype &&
                     (packed || func.params[i]->size == params_[i]->size);
  }
  if (!same_signature) {
    result.error = MeasureError::Instantiation;
    result.message = "the lowered kernel's parameters differ from the task's";
    result.build_s = seconds_since(start);
    return result;
  }
  try {
    result.object = compiler_.compile_object(func);
  } catch (const std::exception& e) {
    result.error = MeasureError::Compile;
    result.message = error_text(e);
  }
  result.build_s = seconds_since(start);
  if (result.error == MeasureError::None && result.build_s > options_.build_timeout_s) {
    result.error = MeasureError::CompileTimeout;
    result.message = fmt::format("the build took {:.3g} s, past the build timeout of {:g} s",
                                 result.build_s, options_.build_timeout_s);
    result.object = ObjectCode{};
  }
  return result;
}

std::vector<BuildResult> Measurer::build(const std::vector<std::vector<Step>>& candidates) {
  TT_ASSERT(has_task_, "Measurer::build before set_task");
  std::vector<BuildResult> results(candidates.size());
  size_t threads = options_.build_threads > 0
                       ? size_t(options_.build_threads)
                       : std::max<size_t>(1, std::thread::hardware_concurrency());
  threads = std::min(threads, candidates.size());
  // Each thread takes the next unbuilt candidate; results land at the candidate's index, so the
  // order (and the bytes, compile_object being deterministic) do not depend on the threads.
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < candidates.size(); i = next++)
      results[i] = build_one(candidates[i]);
  };
  if (threads <= 1) {
    work();
    return results;
  }
  std::vector<std::thread> pool;
  for (size_t t = 0; t < threads; ++t) pool.emplace_back(work);
  for (std::thread& thread : pool) thread.join();
  return results;
}

std::vector<MeasureResult> Measurer::run(const std::vector<BuildResult>& built,
                                         double best_so_far_s) {
  TT_ASSERT(has_task_, "Measurer::run before set_task");
  std::vector<MeasureResult> results;
  double best = best_so_far_s;
  for (size_t index = 0; index < built.size(); ++index) {
    const BuildResult& b = built[index];
    MeasureResult r;
    r.build_s = b.build_s;
    if (b.error != MeasureError::None) {
      r.error = b.error;
      r.message = b.message;
      results.push_back(std::move(r));
      continue;
    }
    WorkerCandidate candidate;
    candidate.name = b.object.name;
    candidate.bytes = b.object.bytes;
    for (const LayoutRewriteStep& layout : b.input_layouts)
      candidate.input_layouts.push_back(layout.tensor.empty() ? std::string() : to_json(Step(layout)).dump());
    candidate.input_winograd_tiles = b.input_winograd_tiles;
    for (const LayoutRewriteStep& layout : b.output_layouts)
      candidate.output_layouts.push_back(layout.tensor.empty() ? std::string() : to_json(Step(layout)).dump());
    candidate.cut_short_above_s = options_.cut_short_ratio > 0 && std::isfinite(best)
                                      ? options_.cut_short_ratio * best
                                      : std::numeric_limits<double>::infinity();
    if (options_.test_fault_index < 0 || size_t(options_.test_fault_index) == index)
      candidate.fault = options_.test_fault;
    Clock::time_point start = Clock::now();
    WorkerResult w = worker_->run(candidate, options_.run_timeout_s);
    r.run_s = seconds_since(start);
    r.error = w.error;
    r.message = w.message;
    r.costs_s = w.costs_s;
    r.cut_short = w.cut_short;
    r.number = w.number;
    r.check = w.check;
    r.max_abs_error = w.max_abs_error;
    r.max_rel_error = w.max_rel_error;
    if (r.error == MeasureError::None && !r.cut_short) best = std::min(best, r.mean_cost_s());
    results.push_back(std::move(r));
  }
  return results;
}

std::vector<MeasureResult> Measurer::measure(const std::vector<std::vector<Step>>& candidates,
                                             double best_so_far_s) {
  return run(build(candidates), best_so_far_s);
}

}  // namespace tt
