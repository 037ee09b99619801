// Building and checking one kernel in this process: apply a schedule's steps to a TE graph, lower,
// compile, run, and compare with the reference. The executor, the schedule tests and the benchmarks
// use these directly; measuring candidates goes through the Measurer (measurer.h), which shares
// the reference and the comparison.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "codegen/jit.h"
#include "ir/compare.h"
#include "ir/lower/lower.h"
#include "ir/schedule/hardware.h"
#include "ir/schedule/state.h"

namespace tt {

HardwareParams hardware_params(const Target& target, int num_threads);

struct BuiltKernel {
  ScheduleState state;
  LoweredFunc func;
  CompiledKernel kernel;
};

// Applies `steps` to the graph of `outputs`, lowers and compiles. UserError for an invalid step.
BuiltKernel build_kernel(const std::vector<Tensor>& outputs, const std::vector<Step>& steps,
                         KernelCompiler& compiler, const std::string& name,
                         const LowerOptions& options = {});

// Seeded random values for each input, uniform in [-1, 1).
std::vector<NDArray> random_inputs(const std::vector<Tensor>& inputs, uint64_t seed);

// A kernel's input arguments: `values` (one per input, in `inputs` order) with every input that a
// layout_rewrite step of `state` packed replaced by its packed copy, and every input a winograd
// step transformed by its transformed weights first (what the executor does once at load for the
// weights).
std::vector<NDArray> pack_inputs(const ScheduleState& state, const std::vector<Tensor>& inputs,
                                 const std::vector<NDArray>& values);

// Runs a kernel on `inputs` (in its parameter order) and returns freshly allocated outputs, in
// their logical shapes: an output that a layout_rewrite step of `state` stores packed is unpacked.
std::vector<NDArray> run_kernel(const CompiledKernel& kernel, std::vector<NDArray>& inputs,
                                const std::vector<Tensor>& outputs, const ScheduleState* state = nullptr);

// The reference outputs of a graph: the TE interpreter on the same inputs.
std::vector<NDArray> reference_outputs(const std::vector<Tensor>& outputs,
                                       const std::vector<Tensor>& inputs,
                                       const std::vector<NDArray>& values);

// Compares each output with its reference; the first failing comparison, or the worst errors.
CompareResult compare_outputs(const std::vector<NDArray>& actual,
                              const std::vector<NDArray>& expected, double rtol = 1e-3,
                              double atol = 1e-5);

}  // namespace tt
