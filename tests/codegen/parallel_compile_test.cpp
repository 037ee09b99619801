// Compiling on many threads at once: compile_object takes no global lock, so build threads of the
// measurer compile side by side; each result must still be correct and byte-identical to what one
// thread compiling alone produces.
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "codegen/jit.h"
#include "codegen_test_util.h"

namespace tt {
namespace {

using namespace tt::testing;

// c = a * b + k over 512 elements, vectorized by 8, with a parallel outer loop in every other
// kernel so that outlined bodies and the runtime's parallel-for are compiled concurrently too.
LoweredFunc scaled_kernel(int k) {
  const int n = 512, lanes = 8;
  Buffer a = param("a", {n}), b = param("b", {n}), c = param("c", {n});
  Var io("io");
  Expr index = ramp(io * lanes, 1, lanes);
  Stmt body = store(c, index, load(a, index) * load(b, index) + broadcast(Expr(float(k)), lanes));
  ForKind kind = k % 2 == 0 ? ForKind::Parallel : ForKind::Serial;
  return LoweredFunc{"scaled_" + std::to_string(k), {a, b, c}, loop(io, n / lanes, body, kind)};
}

TEST(ParallelCompile, ThreadsCompileDifferentKernelsThatAllRunCorrectly) {
  KernelCompiler compiler;
  const int threads = 8, per_thread = 4;
  NDArray a = filled({512}, -1, 1, 1), b = filled({512}, -1, 1, 2);
  std::vector<std::string> failures(threads);
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      try {
        for (int i = 0; i < per_thread; ++i) {
          int k = t * per_thread + i;
          CompiledKernel kernel = compiler.compile(scaled_kernel(k));
          NDArray c({512}, DType::float32());
          NDArray a_copy = a, b_copy = b;
          kernel.run({&a_copy, &b_copy, &c});
          for (int j = 0; j < 512; ++j) {
            float expected = a.as<float>()[j] * b.as<float>()[j] + float(k);
            if (std::abs(c.as<float>()[j] - expected) > 1e-5f * (1 + std::abs(expected))) {
              failures[t] = "kernel " + std::to_string(k) + " element " + std::to_string(j) + ": " +
                            std::to_string(c.as<float>()[j]) + " vs " + std::to_string(expected);
              return;
            }
          }
        }
      } catch (const std::exception& e) {
        failures[t] = e.what();
      }
    });
  }
  for (std::thread& thread : pool) thread.join();
  for (int t = 0; t < threads; ++t) EXPECT_EQ(failures[t], "") << "thread " << t;
}

TEST(ParallelCompile, ObjectsAreByteIdenticalAcrossCallsAndThreads) {
  KernelCompiler compiler;
  LoweredFunc func = scaled_kernel(2);
  ObjectCode first = compiler.compile_object(func);
  ObjectCode second = compiler.compile_object(func);
  EXPECT_EQ(first.name, "scaled_2");
  EXPECT_EQ(first.params.size(), 3u);
  ASSERT_FALSE(first.bytes.empty());
  EXPECT_EQ(first.bytes.substr(0, 4),
            "\x7f"
            "ELF");
  EXPECT_TRUE(first.bytes == second.bytes) << "two compiles of one function differ";

  // Other threads, with their own TargetMachines, give the same bytes.
  std::vector<std::string> bytes(4);
  std::vector<std::thread> pool;
  for (int t = 0; t < 4; ++t)
    pool.emplace_back([&, t] { bytes[t] = compiler.compile_object(func).bytes; });
  for (std::thread& thread : pool) thread.join();
  for (int t = 0; t < 4; ++t) EXPECT_TRUE(bytes[t] == first.bytes) << "thread " << t;

  // A loaded object runs like a compiled one.
  CompiledKernel kernel = compiler.load(first);
  NDArray a = filled({512}, -1, 1, 3), b = filled({512}, -1, 1, 4), c({512}, DType::float32());
  kernel.run({&a, &b, &c});
  EXPECT_FLOAT_EQ(c.as<float>()[7], a.as<float>()[7] * b.as<float>()[7] + 2.0f);
}

}  // namespace
}  // namespace tt
