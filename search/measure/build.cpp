// Building, running and checking candidates; see build.h.
#include "search/measure/build.h"

#include <random>

#include "ir/error.h"
#include "ir/schedule/layout.h"
#include "ir/te/interpreter.h"
#include "ir/te/winograd.h"

namespace tt {

HardwareParams hardware_params(const Target& target, int num_threads) {
  HardwareParams hw;
  hw.vector_lanes = target.vector_lanes(DType::float32());
  hw.vector_registers = target.vector_bits() >= 512 ? 32 : 16;
  hw.num_threads = num_threads;
  return hw;
}

BuiltKernel build_kernel(const std::vector<Tensor>& outputs, const std::vector<Step>& steps,
                         KernelCompiler& compiler, const std::string& name,
                         const LowerOptions& options) {
  ScheduleState state(outputs);
  state.apply(steps);
  LoweredFunc func = lower(state, name, options);
  CompiledKernel kernel = compiler.compile(func);
  return BuiltKernel{std::move(state), std::move(func), std::move(kernel)};
}

std::vector<NDArray> random_inputs(const std::vector<Tensor>& inputs, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<NDArray> values;
  for (const Tensor& t : inputs) {
    NDArray a(t.shape(), t.dtype());
    a.fill_uniform(rng);
    values.push_back(std::move(a));
  }
  return values;
}

std::vector<NDArray> pack_inputs(const ScheduleState& state, const std::vector<Tensor>& inputs,
                                 const std::vector<NDArray>& values) {
  TT_ASSERT(inputs.size() == values.size(), "pack_inputs: {} inputs, {} values", inputs.size(), values.size());
  std::vector<NDArray> out;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const LayoutRewriteStep* layout = state.layout_of(inputs[i].name());
    const WinogradStep* transform = state.weight_transform_of(inputs[i].name());
    NDArray value = transform ? winograd::transform_weight(values[i], transform->tile) : values[i];
    out.push_back(layout ? pack_layout(*layout, value) : value);
  }
  return out;
}

std::vector<NDArray> run_kernel(const CompiledKernel& kernel, std::vector<NDArray>& inputs,
                                const std::vector<Tensor>& outputs, const ScheduleState* state) {
  std::vector<NDArray> results;
  std::vector<const LayoutRewriteStep*> layouts;
  for (const Tensor& t : outputs) {
    const LayoutRewriteStep* layout = state ? state->layout_of(t.name()) : nullptr;
    TT_ASSERT(layout || kernel.params()[inputs.size() + results.size()]->size == t.num_elements(),
              "output '{}' is stored packed: run_kernel needs the schedule state to unpack it", t.name());
    results.emplace_back(layout ? packed_shape(*layout, t.shape()) : t.shape(), t.dtype());
    layouts.push_back(layout);
  }
  std::vector<NDArray*> args;
  for (NDArray& a : inputs) args.push_back(&a);
  for (NDArray& a : results) args.push_back(&a);
  kernel.run(args);
  for (size_t i = 0; i < outputs.size(); ++i)
    if (layouts[i]) results[i] = unpack_layout(*layouts[i], results[i], outputs[i].shape());
  return results;
}

std::vector<NDArray> reference_outputs(const std::vector<Tensor>& outputs,
                                       const std::vector<Tensor>& inputs,
                                       const std::vector<NDArray>& values) {
  PlaceholderValues map;
  for (size_t i = 0; i < inputs.size(); ++i) map[inputs[i].op().get()] = values[i];
  return evaluate(outputs, map);
}

CompareResult compare_outputs(const std::vector<NDArray>& actual,
                              const std::vector<NDArray>& expected, double rtol, double atol) {
  TT_ASSERT(actual.size() == expected.size(), "{} outputs against {} references", actual.size(),
            expected.size());
  CompareResult worst;
  for (size_t i = 0; i < actual.size(); ++i) {
    CompareResult r = compare(actual[i], expected[i], rtol, atol);
    if (!r.ok) return r;
    if (i == 0 || r.max_abs_error > worst.max_abs_error) worst = r;
  }
  return worst;
}

}  // namespace tt
