// What the tuning-loop tests share: a fresh log path and a small matmul task.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "ir/te/ops.h"
#include "search/tune/tuner.h"
#include "tests/ir/te_test_util.h"

namespace tt::test {

// A log path in the test temp directory, with any earlier file, its SQLite companions and its
// saved cost model removed.
inline std::string fresh_log(const std::string& name) {
  std::string p = (std::filesystem::path(::testing::TempDir()) / (name + "_" + std::to_string(getpid()) + ".db")).string();
  for (const char* s : {"", "-wal", "-shm", ".model"}) std::filesystem::remove(p + s);
  return p;
}

// C[m, n] = A[m, k] · B[k, n] as a tuning task under `key`.
inline TuneTask matmul_tune_task(int64_t m, int64_t n, int64_t k, const std::string& key) {
  Tensor a = input({m, k}, "p0"), b = input({k, n}, "p1");
  TuneTask t;
  t.workload_key = key;
  t.description = "matmul " + std::to_string(m) + "x" + std::to_string(n) + " <- " + std::to_string(m) + "x" +
                  std::to_string(k) + ", " + std::to_string(k) + "x" + std::to_string(n);
  t.inputs = {a, b};
  t.outputs = {ops::matmul(a, b)};
  t.flops = 2 * m * n * k;
  t.operator_kinds = "matmul";
  return t;
}

}  // namespace tt::test
