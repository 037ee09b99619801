// The default schedule of each operator kind compiles, runs and matches the reference interpreter,
// on shapes that divide the tiles and on shapes that leave tails.
#include <gtest/gtest.h>

#include "tests/ir/te_test_util.h"

#include "ir/schedule/default_schedule.h"
#include "ir/te/ops.h"
#include "search/measure/build.h"

namespace tt {
namespace {

void check_default(const std::vector<Tensor>& outputs, int threads = 2) {
  static KernelCompiler compiler;
  ScheduleState initial(outputs);
  std::vector<Tensor> inputs = initial.inputs();
  auto steps = default_schedule(outputs, hardware_params(compiler.target(), threads));
  BuiltKernel built = build_kernel(outputs, steps, compiler, "kernel");
  std::vector<NDArray> values = random_inputs(inputs, 7);
  std::vector<NDArray> expected = reference_outputs(outputs, inputs, values);
  std::vector<NDArray> actual = run_kernel(built.kernel, values, outputs);
  CompareResult r = compare_outputs(actual, expected);
  EXPECT_TRUE(r.ok) << r.describe() << "\n" << built.state.to_string() << to_string(built.func);
}

using test::input;

TEST(DefaultSchedule, Matmul) {
  check_default({ops::matmul(input({64, 48}, "A"), input({48, 96}, "B"))});
  check_default({ops::matmul(input({30, 17}, "A"), input({17, 20}, "B"))});
  check_default({ops::matmul(input({7, 5}, "A"), input({5, 3}, "B"))}, 1);
}

TEST(DefaultSchedule, MatmulWithEpilogue) {
  Tensor a = input({32, 64}, "A"), b = input({64, 64}, "B"), bias = input({64}, "bias");
  check_default({ops::relu(ops::bias_add(ops::matmul(a, b), bias, 1))});
}

TEST(DefaultSchedule, BatchMatmul) {
  check_default({ops::batch_matmul(input({3, 16, 24}, "A"), input({3, 24, 32}, "B"))});
  check_default({ops::batch_matmul(input({2, 9, 5}, "A"), input({1, 5, 12}, "B"))});
}

TEST(DefaultSchedule, Dense) {
  check_default({ops::dense(input({2, 64}, "X"), input({40, 64}, "W"), input({40}, "b"))});
  check_default({ops::dense(input({3, 13}, "X"), input({5, 13}, "W"))});
}

TEST(DefaultSchedule, Conv2d) {
  ops::Conv2dParams p;
  p.padding = {1, 1, 1, 1};
  Tensor x = input({1, 16, 14, 14}, "X"), w = input({32, 16, 3, 3}, "W"), b = input({32}, "b");
  check_default({ops::relu(ops::bias_add(ops::conv2d(x, w, p), b, 1))});
  p.stride = {2, 2};
  check_default({ops::conv2d(input({1, 8, 15, 15}, "X"), input({12, 8, 3, 3}, "W"), p)});
  ops::Conv2dParams dw;
  dw.padding = {1, 1, 1, 1};
  dw.groups = 16;
  check_default({ops::relu6(ops::conv2d(input({1, 16, 12, 12}, "X"), input({16, 1, 3, 3}, "W"), dw))});
  check_default({ops::conv2d(input({2, 4, 9, 9}, "X"), input({6, 4, 1, 1}, "W"))});
}

TEST(DefaultSchedule, Pooling) {
  ops::Pool2dParams p;
  p.kernel = {3, 3};
  p.stride = {2, 2};
  p.padding = {1, 1, 1, 1};
  check_default({ops::max_pool2d(input({1, 8, 16, 16}, "X"), p)});
  p.count_include_pad = false;
  p.ceil_mode = true;
  check_default({ops::avg_pool2d(input({1, 8, 15, 15}, "X"), p)});
  check_default({ops::global_avg_pool2d(input({1, 32, 7, 7}, "X"))});
}

TEST(DefaultSchedule, ElementwiseAndTransforms) {
  Tensor x = input({2, 3, 8, 8}, "X");
  check_default({ops::sigmoid(ops::add(x, input({1, 3, 1, 1}, "Y")))});
  check_default({ops::softmax(input({4, 10}, "X"))});
  check_default({ops::transpose(input({3, 4, 5}, "X"), {2, 0, 1})});
  check_default({ops::concatenate({input({2, 3}, "A"), input({2, 5}, "B")}, 1)});
  check_default({ops::flatten(input({2, 4, 3, 3}, "X"))});
  check_default({ops::tanh(input({100000}, "X"))});
  // The detection models' operators.
  check_default({ops::leaky_relu(input({1, 8, 9, 9}, "X"), 0.1f)});
  check_default({ops::space_to_depth(input({1, 4, 26, 26}, "X"), 2)});
  check_default({ops::depth_to_space(input({1, 16, 5, 7}, "X"), 2, "CRD")});
  ops::ResizeParams bilinear;
  bilinear.mode = "linear";
  check_default({ops::resize2d(input({1, 3, 13, 17}, "X"), {26, 34}, bilinear)});
  ops::ResizeParams nearest;
  nearest.coordinate_mode = "asymmetric";
  nearest.nearest_mode = "floor";
  check_default({ops::add(ops::resize2d(input({1, 8, 7, 7}, "X"), {14, 14}, nearest), input({1, 8, 14, 14}, "Y"))});
}

}  // namespace
}  // namespace tt
