// Operators from the TE library, given their default schedules, lowered and compiled for the host,
// then checked against the reference interpreter: the whole ir → codegen path on real kernels
// (register-blocked GEMMs, padded convolutions, reductions, vectorized epilogues).
#include <gtest/gtest.h>

#include <functional>

#include "codegen/runtime.h"
#include "codegen_test_util.h"
#include "ir/compare.h"
#include "ir/lower/lower.h"
#include "ir/schedule/default_schedule.h"
#include "ir/schedule/state.h"
#include "ir/te/interpreter.h"
#include "ir/te/ops.h"

namespace tt {
namespace {

using namespace tt::testing;
using namespace tt::ops;

HardwareParams host_hardware() {
  Target host = Target::host();
  HardwareParams hw;
  hw.vector_lanes = host.vector_lanes(DType::float32());
  hw.vector_registers = host.has("avx512f") ? 32 : 16;
  hw.num_threads = host.num_cores;
  return hw;
}

// Lowers `output` with its default schedule, runs it on random inputs (1 and 2 threads) and
// compares with the interpreter.
void check_operator(const std::string& name, const std::vector<Tensor>& inputs,
                    const Tensor& output) {
  SCOPED_TRACE(name);
  ScheduleState state({output});
  state.apply(default_schedule({output}, host_hardware()));
  LoweredFunc func = lower(state, name);
  CompiledKernel kernel = host_compiler().compile(func);

  std::vector<std::pair<Tensor, NDArray>> values;
  std::vector<NDArray*> args;
  std::vector<NDArray> arrays;
  arrays.reserve(inputs.size() + 1);
  for (size_t i = 0; i < inputs.size(); ++i) {
    arrays.push_back(filled(inputs[i].shape(), -1, 1, 100 + i));
    values.emplace_back(inputs[i], arrays.back());
  }
  NDArray expected = evaluate({output}, values)[0];
  for (int threads : {1, 2}) {
    NDArray actual(output.shape(), output.dtype());
    args.clear();
    for (NDArray& array : arrays) args.push_back(&array);
    args.push_back(&actual);
    int saved = num_threads();
    set_num_threads(threads);
    kernel.run(args);
    set_num_threads(saved);
    CompareResult result = compare(actual, expected, 1e-4, 1e-5);
    EXPECT_TRUE(result.ok) << threads << " threads: " << result.describe() << "\n"
                           << to_string(func);
  }
}

TEST(EndToEnd, Matmul) {
  Tensor a = placeholder({67, 45}, DType::float32(), "A");
  Tensor b = placeholder({45, 50}, DType::float32(), "B");
  check_operator("matmul", {a, b}, matmul(a, b));
}

TEST(EndToEnd, DenseWithBias) {
  Tensor x = placeholder({4, 96}, DType::float32(), "x");
  Tensor w = placeholder({40, 96}, DType::float32(), "w");
  Tensor bias = placeholder({40}, DType::float32(), "bias");
  check_operator("dense", {x, w, bias}, dense(x, w, bias));
}

TEST(EndToEnd, PaddedConvolution) {
  Tensor input = placeholder({1, 8, 12, 11}, DType::float32(), "input");
  Tensor weight = placeholder({16, 8, 3, 3}, DType::float32(), "weight");
  Conv2dParams params;
  params.padding = {1, 1, 1, 1};
  check_operator("conv2d", {input, weight}, relu(conv2d(input, weight, params)));
}

TEST(EndToEnd, StridedDepthwiseConvolution) {
  Tensor input = placeholder({1, 16, 15, 15}, DType::float32(), "input");
  Tensor weight = placeholder({16, 1, 3, 3}, DType::float32(), "weight");
  Conv2dParams params;
  params.padding = {1, 1, 1, 1};
  params.stride = {2, 2};
  params.groups = 16;
  check_operator("depthwise", {input, weight}, conv2d(input, weight, params));
}

TEST(EndToEnd, MaxPool) {
  Tensor input = placeholder({1, 8, 13, 13}, DType::float32(), "input");
  Pool2dParams params;
  params.kernel = {3, 3};
  params.stride = {2, 2};
  params.padding = {1, 1, 1, 1};
  check_operator("max_pool", {input}, max_pool2d(input, params));
}

TEST(EndToEnd, Softmax) {
  Tensor x = placeholder({6, 37}, DType::float32(), "x");
  check_operator("softmax", {x}, softmax(x));
}

TEST(EndToEnd, ElementwiseEpilogues) {
  Tensor x = placeholder({3, 41}, DType::float32(), "x");
  Tensor y = placeholder({41}, DType::float32(), "y");
  check_operator("gelu_add", {x, y}, gelu(add(x, y)));
  check_operator("sigmoid_tanh", {x}, multiply(sigmoid(x), tanh(x)));
}

}  // namespace
}  // namespace tt
