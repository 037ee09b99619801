// The runtime that generated kernels call back into: a parallel-for on oneTBB and 64-byte aligned
// heap buffers. The JIT binds these extern "C" names as absolute symbols, so the names and
// signatures below are the kernel ABI and change only together with codegen.
#pragma once

#include <cstdint>

extern "C" {

// The outlined body of a parallel loop: runs iterations [begin, end) with the captured values.
typedef void (*tt_parallel_body)(int64_t begin, int64_t end, void* closure);

// Runs body over [0, n) split into one contiguous chunk per thread; the chunk boundaries depend
// only on n and the thread count, never on timing. A call made from inside a parallel body, or
// with one thread, runs body(0, n, closure) inline.
void tt_parallel_for(int64_t n, tt_parallel_body body, void* closure);

// A 64-byte aligned heap block of at least `bytes` bytes (never null; aborts when out of memory,
// as a kernel has no way to report it), released by tt_free.
void* tt_alloc(int64_t bytes);
void tt_free(void* pointer);
}

namespace tt {

// The number of threads parallel loops use; n <= 0 means one per hardware thread (the default).
void set_num_threads(int n);
int num_threads();

}  // namespace tt
