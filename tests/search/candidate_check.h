// What the search tests share to check candidates: build one, run it on the inputs (packing the
// weights a layout_rewrite step stores differently, as the executor does) and compare it with the
// TE interpreter's outputs.
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "codegen/runtime.h"
#include "ir/error.h"
#include "search/measure/build.h"
#include "search/search_policy.h"

namespace tt::test {

inline HardwareParams host_hardware(int threads) {
  HardwareParams hw;
  hw.num_threads = threads;
  return hw;
}

inline std::string describe(const Candidate& steps) {
  std::string text;
  for (const Step& s : steps) text.append("  ").append(to_string(s)).append("\n");
  return text;
}

// Builds and runs one candidate; fails the test with its steps if it is wrong or cannot build.
inline void check_candidate(const std::vector<Tensor>& outputs, const Candidate& steps, KernelCompiler& compiler,
                            std::vector<NDArray>& values, const std::vector<NDArray>& expected) {
  SCOPED_TRACE("steps:\n" + describe(steps));
  std::optional<BuiltKernel> built;
  try {
    built.emplace(build_kernel(outputs, steps, compiler, "candidate"));
  } catch (const UserError& e) {
    ADD_FAILURE() << "candidate does not build: " << e.what();
    return;
  } catch (const InternalError& e) {
    ADD_FAILURE() << "building the candidate hits a compiler bug: " << e.what();
    return;
  }
  std::vector<NDArray> args = pack_inputs(built->state, built->state.inputs(), values);
  std::vector<NDArray> actual = run_kernel(built->kernel, args, outputs, &built->state);
  CompareResult r = compare_outputs(actual, expected);
  EXPECT_TRUE(r.ok) << r.describe();
}

}  // namespace tt::test
