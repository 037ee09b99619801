// The worker's loop: take a task (parameters, inputs, reference outputs, timing settings), then for
// each candidate link its object, run it once, compare with the reference and time it under the
// protocol of timer.h, cutting it short when its first group is already far slower than the best.
#include "search/measure/worker.h"

#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <thread>

#include "codegen/runtime.h"
#include "ir/error.h"
#include "ir/sanitizers.h"
#include "ir/schedule/layout.h"
#include "ir/te/winograd.h"
#include "search/measure/build.h"
#include "search/measure/timer.h"
#include "search/measure/worker_protocol.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace tt {
namespace {

struct WorkerState {
  WorkerTask task;
  std::unique_ptr<KernelCompiler> compiler;
  // The task's inputs transformed for Winograd kernels, by (input, tile): computed once per task.
  std::map<std::pair<size_t, int64_t>, NDArray> winograd_inputs;
};

bool is_pipe(int fd) {
  struct stat s;
  return ::fstat(fd, &s) == 0 && S_ISFIFO(s.st_mode);
}

// Lowers the soft address-space limit (the hard one stays, so a later task may raise it again).
void limit_memory(int64_t bytes) {
  if (bytes <= 0 || kAddressSanitizer) return;
  rlimit limit;
  if (::getrlimit(RLIMIT_AS, &limit) != 0) return;
  rlim_t wanted = rlim_t(bytes);
  if (limit.rlim_max != RLIM_INFINITY && wanted > limit.rlim_max) wanted = limit.rlim_max;
  limit.rlim_cur = wanted;
  if (::setrlimit(RLIMIT_AS, &limit) != 0)
    internal_error("cannot limit the measurement worker's memory to {} bytes: {}", bytes,
                   std::strerror(errno));
}

// A parent that dies leaves the worker's input without a writer. The main thread notices at its
// next read, but not while a kernel hangs; this thread does (POLLHUP), so no orphan outlives its
// tuner.
void watch_for_parent_exit(int in_fd) {
  std::thread([in_fd] {
    for (;;) {
      pollfd p{in_fd, 0, 0};  // no events asked: poll returns only on hang-up or error
      if (::poll(&p, 1, -1) > 0 && (p.revents & (POLLHUP | POLLERR | POLLNVAL))) ::_exit(0);
    }
  }).detach();
}

// Evicts every parameter buffer from the cache hierarchy, so a timed run starts cold as in a whole
// network, where the other layers' data has pushed this layer's weights out.
void flush_from_cache(const std::vector<void*>& buffers, const std::vector<size_t>& sizes) {
#if defined(__x86_64__) || defined(__i386__)
  for (size_t b = 0; b < buffers.size(); ++b) {
    const char* p = static_cast<const char*>(buffers[b]);
    for (size_t offset = 0; offset < sizes[b]; offset += 64) _mm_clflush(p + offset);
  }
  _mm_mfence();
#else
  // Without a flush instruction, sweep a buffer larger than any last-level cache.
  static std::vector<char> sweep(size_t(256) << 20);
  for (size_t i = 0; i < sweep.size(); i += 64) sweep[i]++;
#endif
}

[[noreturn]] void stage_fault(const std::string& fault) {
  if (fault == "segfault") ::raise(SIGSEGV);
  if (fault == "abort") std::abort();
  if (fault == "hang")
    for (;;) std::this_thread::sleep_for(std::chrono::hours(1));
  if (fault == "spin")  // the whole CPU, never yielding: only the measurer's kill stops it
    for (volatile uint64_t i = 0;; i = i + 1) {
    }
  if (fault == "allocate")  // a kernel allocating without end, through the kernels' own allocator
    for (;;) static_cast<volatile char*>(tt_alloc(int64_t(256) << 20))[0] = 1;
  internal_error("unknown test fault '{}'", fault);
}

WorkerResult measure_candidate(WorkerState& state, const WorkerCandidate& candidate) {
  const WorkerTask& task = state.task;
  WorkerResult result;
  CompiledKernel kernel;
  try {
    kernel = state.compiler->load(ObjectCode{candidate.name, candidate.bytes, task.params});
  } catch (const std::exception& e) {
    result.error = MeasureError::Compile;
    result.message = std::string("linking the object failed: ") + e.what();
    return result;
  }
  if (!candidate.fault.empty()) stage_fault(candidate.fault);

  // Fresh copies of the inputs (a kernel that writes where it should not cannot spoil the next
  // candidate's data), and outputs filled with NaN bytes, so an element the kernel never writes
  // cannot pass for a correct one.
  std::vector<NDArray> inputs, outputs;
  std::vector<void*> pointers;
  std::vector<size_t> sizes;
  if (!candidate.input_layouts.empty() && candidate.input_layouts.size() != task.inputs.size())
    internal_error("measurement candidate: {} input layouts for {} inputs", candidate.input_layouts.size(),
                   task.inputs.size());
  if (!candidate.input_winograd_tiles.empty() && candidate.input_winograd_tiles.size() != task.inputs.size())
    internal_error("measurement candidate: {} winograd tiles for {} inputs", candidate.input_winograd_tiles.size(),
                   task.inputs.size());
  for (size_t i = 0; i < task.inputs.size(); ++i) {
    const int64_t tile = candidate.input_winograd_tiles.empty() ? 0 : candidate.input_winograd_tiles[i];
    auto transformed = tile == 0 ? state.winograd_inputs.end() : state.winograd_inputs.find({i, tile});
    if (tile != 0 && transformed == state.winograd_inputs.end())
      transformed = state.winograd_inputs.emplace(std::pair{i, tile}, winograd::transform_weight(task.inputs[i], tile)).first;
    const NDArray& a = tile == 0 ? task.inputs[i] : transformed->second;
    NDArray copy;
    if (!candidate.input_layouts.empty() && !candidate.input_layouts[i].empty()) {
      Step layout = step_from_json(nlohmann::json::parse(candidate.input_layouts[i]));
      copy = pack_layout(std::get<LayoutRewriteStep>(layout), a);
    } else {
      copy = NDArray(a.shape(), a.dtype());
      std::memcpy(copy.data(), a.data(), a.bytes());
    }
    inputs.push_back(copy);
    pointers.push_back(copy.data());
    sizes.push_back(copy.bytes());
  }
  if (!candidate.output_layouts.empty() && candidate.output_layouts.size() != task.expected.size())
    internal_error("measurement candidate: {} output layouts for {} outputs", candidate.output_layouts.size(),
                   task.expected.size());
  std::vector<std::optional<LayoutRewriteStep>> output_layouts(task.expected.size());
  for (size_t i = 0; i < task.expected.size(); ++i)
    if (!candidate.output_layouts.empty() && !candidate.output_layouts[i].empty())
      output_layouts[i] = std::get<LayoutRewriteStep>(step_from_json(nlohmann::json::parse(candidate.output_layouts[i])));
  for (size_t i = 0; i < task.expected.size(); ++i) {
    const NDArray& e = task.expected[i];
    NDArray out(output_layouts[i] ? packed_shape(*output_layouts[i], e.shape()) : e.shape(), e.dtype());
    std::memset(out.data(), 0xff, out.bytes());
    outputs.push_back(out);
    pointers.push_back(out.data());
    sizes.push_back(out.bytes());
  }
  try {
    kernel.run_raw(pointers);
    std::vector<NDArray> logical = outputs;
    for (size_t i = 0; i < outputs.size(); ++i)
      if (output_layouts[i]) logical[i] = unpack_layout(*output_layouts[i], outputs[i], task.expected[i].shape());
    CompareResult check = compare_outputs(logical, task.expected, task.rtol, task.atol);
    result.check = check.describe();
    result.max_abs_error = check.max_abs_error;
    result.max_rel_error = check.max_rel_error;
    if (!check.ok) {
      result.error = MeasureError::WrongAnswer;
      result.message = check.describe();
      return result;
    }
    TimingOptions timing;
    timing.warmup = task.warmup;
    timing.repeat = task.repeat;
    timing.min_repeat_ms = task.min_repeat_ms;
    timing.cut_short_above_s = candidate.cut_short_above_s;
    if (task.flush_cache) timing.before_run = [&] { flush_from_cache(pointers, sizes); };
    CompiledKernel::PackedFunction packed = kernel.packed_function();
    TimingResult timed = time_function([&] { packed(pointers.data()); }, timing);
    result.costs_s = timed.samples_s;
    result.number = timed.number;
    result.cut_short = timed.cut_short;
  } catch (const std::exception& e) {
    result.error = MeasureError::Runtime;
    result.message = std::string("running the kernel failed: ") + e.what();
  }
  return result;
}

// Takes a task; the answer says whether this worker can measure it.
std::string take_task(std::optional<WorkerState>& state, const WireMessage& message) {
  state.reset();
  try {
    WorkerTask task = decode_task(message);
    limit_memory(task.memory_limit_bytes);
    Target target = Target::parse(task.target);
    check_host_supports(target);
    set_num_threads(task.num_threads);
    state.emplace();
    state->compiler = std::make_unique<KernelCompiler>(target);
    state->task = std::move(task);
    return "";
  } catch (const std::exception& e) {
    state.reset();
    return e.what();
  }
}

}  // namespace

int run_measure_worker(int in_fd, int out_fd) {
  if (!is_pipe(in_fd) || !is_pipe(out_fd))
    user_error(
        "measure-worker is started by the measurer over pipes on descriptors {} and {}, not by "
        "hand",
        in_fd, out_fd);
  watch_for_parent_exit(in_fd);
  std::optional<WorkerState> state;
  for (;;) {
    WireMessage message;
    if (read_message(in_fd, message) != ReadStatus::Ok) return 0;
    std::string type = message_type(message);
    WireMessage answer;
    if (type == "task") {
      answer = encode_ready(take_task(state, message));
    } else if (type == "candidate") {
      if (!state) internal_error("measurement worker: a candidate before any task");
      answer = encode_result(measure_candidate(*state, decode_candidate(message)));
    } else {
      internal_error("measurement worker: unexpected message type '{}'", type);
    }
    if (!write_message(out_fd, answer)) return 0;
  }
}

}  // namespace tt
