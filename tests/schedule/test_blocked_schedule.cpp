// Schedules of groups that compute in an adopted channel-blocked layout (ir/schedule/blocked_schedule.h),
// compiled and run: pooling (max with padding, average, global average), element-wise and
// concatenation groups (a block of lanes spanning two inputs too) with NCHW16c / NCHW8c inputs and
// outputs, at one and two threads, each equal to the reference interpreter's result; the vector
// loop is the channel block's and stays vectorized; the forms it must leave to the caller are
// refused.
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <random>

#include "ir/schedule/blocked_schedule.h"
#include "ir/schedule/layout.h"
#include "ir/schedule/state.h"
#include "ir/te/interpreter.h"
#include "ir/te/ops.h"
#include "search/measure/build.h"
#include "tests/schedule/schedule_test_util.h"

namespace tt {
namespace {

using test::compiler;

LayoutRewriteStep nchwc(const std::string& tensor, int64_t block) {
  return LayoutRewriteStep{tensor, {{}, {block}, {}, {}}, {{0, 0}, {1, 0}, {2, 0}, {3, 0}, {1, 1}}};
}

struct Case {
  std::string name;
  std::function<Tensor(const std::vector<Tensor>&)> build;
  std::vector<std::vector<int64_t>> inputs;
  int64_t block = 16;
};

TEST(BlockedSchedule, EveryGroupEqualsTheReferenceInItsStoredLayout) {
  ops::Pool2dParams max3;
  max3.kernel = {3, 3};
  max3.stride = {2, 2};
  max3.padding = {1, 1, 1, 1};
  ops::Pool2dParams avg2;
  avg2.kernel = {2, 2};
  avg2.stride = {2, 2};
  ops::Pool2dParams ceil3 = max3;
  ceil3.padding = {0, 0, 0, 0};
  ceil3.ceil_mode = true;
  std::vector<Case> cases = {
      {"max_pool 3x3/2 pad 1", [&](auto& in) { return ops::max_pool2d(in[0], max3); }, {{1, 32, 15, 14}}},
      {"max_pool ceil mode", [&](auto& in) { return ops::max_pool2d(in[0], ceil3); }, {{1, 16, 14, 14}}},
      {"avg_pool 2x2/2", [&](auto& in) { return ops::avg_pool2d(in[0], avg2); }, {{2, 48, 8, 10}}},
      {"avg_pool block 8", [&](auto& in) { return ops::avg_pool2d(in[0], avg2); }, {{1, 24, 6, 6}}, 8},
      {"global_avg_pool", [&](auto& in) { return ops::global_avg_pool2d(in[0]); }, {{1, 32, 7, 7}}},
      {"relu(max_pool)", [&](auto& in) { return ops::relu(ops::max_pool2d(in[0], max3)); }, {{1, 16, 9, 9}}},
      {"add+relu", [&](auto& in) { return ops::relu(ops::add(in[0], in[1])); }, {{1, 32, 5, 7}, {1, 32, 5, 7}}},
      {"concatenate", [&](auto& in) { return ops::concatenate({in[0], in[1]}, 1); }, {{1, 32, 4, 6}, {1, 16, 4, 6}}},
      // Inputs of 8 and 24 channels (stored unblocked): a block of lanes spans two inputs.
      {"concatenate across blocks", [&](auto& in) { return ops::relu(ops::concatenate({in[0], in[1], in[2]}, 1)); },
       {{1, 32, 3, 5}, {1, 8, 3, 5}, {1, 24, 3, 5}}},
  };
  std::mt19937_64 rng(5);
  for (int threads : {1, 2}) {
    HardwareParams hw;
    hw.vector_lanes = 16;
    hw.num_threads = threads;
    for (const Case& c : cases) {
      SCOPED_TRACE(c.name + ", threads " + std::to_string(threads));
      std::vector<Tensor> inputs;
      for (size_t i = 0; i < c.inputs.size(); ++i) inputs.push_back(placeholder(c.inputs[i], DType::float32(), "p" + std::to_string(i)));
      Tensor out = c.build(inputs);
      std::optional<std::vector<Step>> steps = blocked_layout_schedule({out}, nchwc(out.name(), c.block), {}, hw);
      ASSERT_TRUE(steps.has_value());
      // The vector loop is the block's, innermost.
      ScheduleState scheduled({out});
      scheduled.apply(*steps);
      const Stage& st = scheduled.stage(out.name());
      const IterInfo& innermost = st.iters[size_t(st.leaves.back())];
      EXPECT_EQ(innermost.annotation, LoopAnnotation::Vectorize);
      EXPECT_EQ(innermost.extent, c.block);

      std::vector<Step> all = *steps;
      PlaceholderValues values;
      std::map<std::string, NDArray> stored;
      for (const Tensor& in : inputs) {
        NDArray v(in.shape(), DType::float32());
        v.fill_uniform(rng);
        values[in.op().get()] = v;
        if (in.shape()[1] % c.block == 0) {
          all.push_back(nchwc(in.name(), c.block));
          stored[in.name()] = pack_layout(nchwc(in.name(), c.block), v);
        } else {
          stored[in.name()] = v;
        }
      }
      all.push_back(nchwc(out.name(), c.block));
      NDArray expected = evaluate({out}, values)[0];
      NDArray result(packed_shape(nchwc(out.name(), c.block), out.shape()), DType::float32());
      BuiltKernel built = build_kernel({out}, all, compiler(), "blocked");
      // Vector loads and stores, not a scalar fallback (a concatenation's lane-varying selects of
      // loads are masked loads).
      EXPECT_NE(to_string(built.func).find("ramp("), std::string::npos) << to_string(built.func);
      std::vector<NDArray*> args;
      for (const Buffer& b : built.kernel.params())
        args.push_back(b->name == out.name() ? &result : &stored.at(b->name));
      built.kernel.run(args);
      NDArray got = unpack_layout(nchwc(out.name(), c.block), result, out.shape());
      for (int64_t i = 0; i < got.num_elements(); ++i)
        ASSERT_NEAR(got.as<float>()[i], expected.as<float>()[i], 1e-5f * (1 + std::abs(expected.as<float>()[i])))
            << "element " << i;
    }
  }
}

TEST(BlockedSchedule, LeavesOtherFormsToTheCaller) {
  HardwareParams hw;
  hw.vector_lanes = 16;
  Tensor x = placeholder({1, 32, 8, 8}, DType::float32(), "x");
  Tensor w = placeholder({32, 32, 3, 3}, DType::float32(), "w");
  Tensor conv = ops::conv2d(x, w);
  EXPECT_FALSE(blocked_layout_schedule({conv}, nchwc(conv.name(), 16), {"w"}, hw)) << "a reduction over weights";
  Tensor r = ops::relu(x);
  EXPECT_TRUE(blocked_layout_schedule({r}, nchwc(r.name(), 16), {}, hw));
  EXPECT_FALSE(blocked_layout_schedule({r}, nchwc(r.name(), 3), {}, hw)) << "a block narrower than a vector";
  EXPECT_FALSE(blocked_layout_schedule({r}, nchwc(r.name(), 12), {}, hw)) << "a block that does not divide 32";
  LayoutRewriteStep w_blocked{r.name(), {{}, {}, {}, {8}}, {{0, 0}, {1, 0}, {2, 0}, {3, 0}, {3, 1}}};
  EXPECT_FALSE(blocked_layout_schedule({r}, w_blocked, {}, hw)) << "the innermost axis blocked";
  LayoutRewriteStep transposed{r.name(), {{}, {16}, {}, {}}, {{0, 0}, {2, 0}, {1, 0}, {3, 0}, {1, 1}}};
  EXPECT_FALSE(blocked_layout_schedule({r}, transposed, {}, hw)) << "dimensions reordered";
  Tensor a = ops::relu(x, "a"), b = ops::negative(x, "b");
  EXPECT_FALSE(blocked_layout_schedule({a, b}, nchwc("a", 16), {}, hw)) << "two outputs";
}

}  // namespace
}  // namespace tt
