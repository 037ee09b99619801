// The kernel runtime: static-partitioned parallel loops on a oneTBB arena sized to the requested
// thread count, and aligned allocation. Static partitioning keeps each thread's chunk the same run
// after run, so a kernel's floating-point results never depend on scheduling.
#include "codegen/runtime.h"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <thread>

namespace tt {

namespace {

int hardware_threads() { return std::max(1, int(std::thread::hardware_concurrency())); }

struct ThreadPoolState {
  std::mutex mutex;
  int threads = hardware_threads();
  std::shared_ptr<tbb::task_arena> arena;  // created on first use at `threads`
};

ThreadPoolState& pool() {
  static ThreadPoolState state;
  return state;
}

// Set while a thread runs a parallel body, so a nested parallel loop runs inline instead of
// oversubscribing (and instead of waiting on a worker that waits on us).
thread_local bool in_parallel_body = false;

struct ParallelScope {
  bool saved = in_parallel_body;
  ParallelScope() { in_parallel_body = true; }
  ~ParallelScope() { in_parallel_body = saved; }
};

}  // namespace

void set_num_threads(int n) {
  ThreadPoolState& state = pool();
  std::lock_guard<std::mutex> lock(state.mutex);
  int wanted = n <= 0 ? hardware_threads() : n;
  if (wanted != state.threads) {
    state.threads = wanted;
    state.arena.reset();
  }
}

int num_threads() {
  ThreadPoolState& state = pool();
  std::lock_guard<std::mutex> lock(state.mutex);
  return state.threads;
}

}  // namespace tt

extern "C" {

void tt_parallel_for(int64_t n, tt_parallel_body body, void* closure) {
  using tt::in_parallel_body;
  if (n <= 0) return;
  tt::ThreadPoolState& state = tt::pool();
  std::shared_ptr<tbb::task_arena> arena;
  int threads;
  {
    std::lock_guard<std::mutex> lock(state.mutex);
    threads = state.threads;
    if (threads > 1 && !in_parallel_body) {
      // More threads than cores only oversubscribes; the chunks stay `threads` either way.
      if (!state.arena) {
        state.arena = std::make_shared<tbb::task_arena>(std::min(threads, tt::hardware_threads()));
      }
      arena = state.arena;
    }
  }
  int64_t chunks = std::min<int64_t>(threads, n);
  if (!arena || chunks <= 1) {
    tt::ParallelScope scope;
    body(0, n, closure);
    return;
  }
  arena->execute([&] {
    tbb::parallel_for(
        tbb::blocked_range<int64_t>(0, chunks, 1),
        [&](const tbb::blocked_range<int64_t>& range) {
          tt::ParallelScope scope;
          for (int64_t chunk = range.begin(); chunk != range.end(); ++chunk) {
            body(n * chunk / chunks, n * (chunk + 1) / chunks, closure);
          }
        },
        tbb::static_partitioner());
  });
}

void* tt_alloc(int64_t bytes) {
  size_t size = size_t(std::max<int64_t>(bytes, 1) + 63) / 64 * 64;
  void* pointer = std::aligned_alloc(64, size);
  if (!pointer) {
    std::fprintf(stderr, "tensortune: kernel allocation of %lld bytes failed\n", (long long)bytes);
    std::abort();
  }
  return pointer;
}

void tt_free(void* pointer) { std::free(pointer); }
}
