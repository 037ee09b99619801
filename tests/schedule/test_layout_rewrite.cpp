// Pins the weight layout rewrite: packing puts every element where the packed index says (padding
// zero), the layout derived from a schedule follows its loop nest, kernels that read packed weights
// compute the reference (divisible and padded splits, a cache_write stage computed at its consumer),
// and malformed layouts are UserErrors naming the problem.
#include <gtest/gtest.h>

#include "codegen/jit.h"
#include "ir/error.h"
#include "ir/expr/simplify.h"
#include "ir/lower/lower.h"
#include "ir/schedule/layout.h"
#include "ir/te/ops.h"
#include "search/measure/build.h"
#include "tests/ir/te_test_util.h"
#include "tests/schedule/schedule_test_util.h"

namespace tt {
namespace {

using test::input;

using test::compiler;

NDArray iota(std::vector<int64_t> shape) {
  NDArray a(std::move(shape), DType::float32());
  for (int64_t i = 0; i < a.num_elements(); ++i) a.as<float>()[i] = float(i + 1);
  return a;
}

TEST(LayoutRewrite, PackingPlacesEveryElementAndZeroPads) {
  // A 3 x 10 array stored as [column block][row][column in block] with blocks of 4: 10 columns
  // round up to 3 blocks, so the last block holds two zeros per row.
  NDArray source = iota({3, 10});
  LayoutRewriteStep layout{"W", {{}, {4}}, {{1, 0}, {0, 0}, {1, 1}}};
  EXPECT_EQ(packed_shape(layout, source.shape()), (std::vector<int64_t>{3, 3, 4}));
  NDArray packed = pack_layout(layout, source);
  ASSERT_EQ(packed.shape(), (std::vector<int64_t>{3, 3, 4}));
  for (int64_t b = 0; b < 3; ++b)
    for (int64_t r = 0; r < 3; ++r)
      for (int64_t i = 0; i < 4; ++i) {
        int64_t col = b * 4 + i;
        float expected = col < 10 ? source.as<float>()[r * 10 + col] : 0.0f;
        EXPECT_EQ(packed.as<float>()[(b * 3 + r) * 4 + i], expected) << b << " " << r << " " << i;
      }
  // The packed index expression agrees with the packing for every element.
  Var r("r"), c("c");
  Expr index = packed_flat_index(layout, source.shape(), {r, c});
  for (int64_t row = 0; row < 3; ++row)
    for (int64_t col = 0; col < 10; ++col) {
      VarRanges at{{r.get(), {row, row}}, {c.get(), {col, col}}};
      IntInterval flat = const_bounds(simplify(index, at), at);
      ASSERT_TRUE(flat.is_point());
      EXPECT_EQ(packed.as<float>()[*flat.min], source.as<float>()[row * 10 + col]);
    }
}

TEST(LayoutRewrite, PackingANestedMixedRadixLayout) {
  // 4-D, every dimension split, the order interleaving them: the packing is a permutation of the
  // elements (no padding: every split divides).
  NDArray source = iota({4, 6, 2, 3});
  LayoutRewriteStep layout{"W", {{2}, {3}, {}, {}}, {{1, 0}, {0, 0}, {3, 0}, {2, 0}, {0, 1}, {1, 1}}};
  NDArray packed = pack_layout(layout, source);
  EXPECT_EQ(packed.shape(), (std::vector<int64_t>{2, 2, 3, 2, 2, 3}));
  std::vector<float> seen(packed.as<float>(), packed.as<float>() + packed.num_elements());
  std::sort(seen.begin(), seen.end());
  for (int64_t i = 0; i < source.num_elements(); ++i) EXPECT_EQ(seen[i], float(i + 1));
}

// C[i, j] = sum_k A[i, k] B[k, j] tiled as (i.0, j.0, k.0, i.1, k.1, j.1).
ScheduleState tiled_matmul(int64_t m, int64_t n, int64_t k, int64_t tj, int64_t tk) {
  ScheduleState state({ops::matmul(input({m, k}, "A"), input({k, n}, "B"), "C")});
  state.apply(SplitStep{"C", "i", {2}});
  state.apply(SplitStep{"C", "j", {tj}});
  state.apply(SplitStep{"C", "rk", {tk}});
  state.apply(ReorderStep{"C", {"i.0", "j.0", "rk.0", "i.1", "rk.1", "j.1"}});
  state.apply(AnnotateStep{"C", "j.1", LoopAnnotation::Vectorize});
  return state;
}

// Replays the state's steps on `outputs` (the graph before any step), runs the kernel on packed
// inputs and compares with the interpreter.
void expect_reference(const std::vector<Tensor>& outputs, const ScheduleState& state) {
  SCOPED_TRACE(state.to_string());
  BuiltKernel built = build_kernel(outputs, state.steps(), compiler(), "packed");
  std::vector<Tensor> inputs = built.state.inputs();
  std::vector<NDArray> values = random_inputs(inputs, 5);
  std::vector<NDArray> expected = reference_outputs(built.state.outputs(), inputs, values);
  std::vector<NDArray> args = pack_inputs(built.state, inputs, values);
  std::vector<NDArray> actual = run_kernel(built.kernel, args, built.state.outputs(), &built.state);
  CompareResult r = compare_outputs(actual, expected);
  EXPECT_TRUE(r.ok) << r.describe() << "\n" << to_string(built.func);
}

TEST(LayoutRewrite, DerivedLayoutFollowsTheLoopNest) {
  ScheduleState state = tiled_matmul(8, 32, 24, 8, 4);
  std::optional<LayoutRewriteStep> layout = follow_loops_layout(state, "B");
  ASSERT_TRUE(layout.has_value());
  // B[k, j]: k split by 4, j by 8; nested as j.0 (loop 1), rk.0 (2), rk.1 (4), j.1 (5).
  EXPECT_EQ(layout->factors, (std::vector<std::vector<int64_t>>{{4}, {8}}));
  EXPECT_EQ(layout->order, (std::vector<std::pair<int, int>>{{1, 0}, {0, 0}, {0, 1}, {1, 1}}));
  EXPECT_EQ(packed_shape(*layout, {24, 32}), (std::vector<int64_t>{4, 6, 4, 8}));
  state.apply(*layout);
  // The innermost loop now walks B with unit stride, and the kernel still computes the reference.
  std::string ir = to_string(lower(state, "k"));
  EXPECT_NE(ir.find("B[ramp("), std::string::npos) << ir;
  expect_reference(state.outputs(), state);
  // A is read with i, which the layout of A follows too (i split by 2, nested i.0 ... i.1).
  std::optional<LayoutRewriteStep> a = follow_loops_layout(state, "A");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->order, (std::vector<std::pair<int, int>>{{0, 0}, {1, 0}, {0, 1}, {1, 1}}));
}

TEST(LayoutRewrite, PaddedSplitsComputeTheReference) {
  // 30 columns by 8 and a reduction of 10 by 4: both round up, the packed B holds zeros.
  ScheduleState state = tiled_matmul(6, 30, 10, 8, 4);
  std::optional<LayoutRewriteStep> layout = follow_loops_layout(state, "B");
  ASSERT_TRUE(layout.has_value());
  EXPECT_EQ(packed_shape(*layout, {10, 30}), (std::vector<int64_t>{4, 3, 4, 8}));
  state.apply(*layout);
  expect_reference(state.outputs(), state);
}

TEST(LayoutRewrite, ConvolutionWeightsUnderCacheWriteAndComputeAt) {
  // The Ansor CPU structure: a cache_write stage tiled and computed at its consumer's loop, the
  // consumer tiled alike by follow splits; the weights follow the local stage's loops.
  ops::Conv2dParams p;
  p.padding = {1, 1, 1, 1};
  Tensor conv = ops::conv2d(input({1, 8, 6, 6}, "x"), input({12, 8, 3, 3}, "w"), p, "conv");
  ScheduleState state({conv});
  state.apply(ComputeInlineStep{"conv.pad"});
  state.apply(CacheWriteStep{"conv"});
  // Axes i, j, k, l are batch, channel, row, column; the channels split 12 = 2 x 2 x 3.
  state.apply(SplitStep{"conv.local", "j", {2, 3}});
  state.apply(SplitStep{"conv.local", "rc", {4}});
  state.apply(ReorderStep{"conv.local", {"j.0", "j.1", "rc.0", "ry", "rx", "rc.1", "j.2"}});
  state.apply(FollowSplitStep{"conv", "j", 2, 2});
  state.apply(ComputeAtStep{"conv.local", "conv", "j.1"});
  std::optional<LayoutRewriteStep> layout = follow_loops_layout(state, "w");
  ASSERT_TRUE(layout.has_value());
  // The local stage covers 3 channels per iteration of conv's j.1: the channels are 4 blocks of 3
  // (outermost), and within a block the local split's leaves (j.0, j.1 iterate once there).
  EXPECT_EQ(layout->factors, (std::vector<std::vector<int64_t>>{{1, 1, 3}, {4}, {}, {}}));
  EXPECT_EQ(layout->order.front(), (std::pair<int, int>{0, 0}));
  EXPECT_EQ(layout->order.back(), (std::pair<int, int>{0, 3}));
  state.apply(*layout);
  expect_reference({conv}, state);
}

TEST(LayoutRewrite, NoLayoutWhenTheReaderIndexesWithExpressions) {
  // The padding stage reads x at (h - 1, w - 1): not plain axes, so no layout follows its loops.
  ops::Conv2dParams p;
  p.padding = {1, 1, 1, 1};
  Tensor conv = ops::conv2d(input({1, 2, 5, 5}, "x"), input({4, 2, 3, 3}, "w"), p, "conv");
  ScheduleState state({conv});
  EXPECT_FALSE(follow_loops_layout(state, "x").has_value());
  EXPECT_TRUE(follow_loops_layout(state, "w").has_value());
  EXPECT_FALSE(follow_loops_layout(state, "nothing").has_value());
  // Once the weights are packed by a cache_read stage, that stage reads them: left alone.
  state.apply(CacheReadStep{"w", "conv"});
  EXPECT_FALSE(follow_loops_layout(state, "w").has_value());
}

void expect_invalid(const LayoutRewriteStep& step, const std::string& why) {
  ScheduleState state = tiled_matmul(8, 32, 24, 8, 4);
  std::string before = state.to_string();
  try {
    state.apply(step);
    ADD_FAILURE() << "accepted " << to_string(Step(step));
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("layout_rewrite(" + step.tensor), std::string::npos) << e.what();
  }
  EXPECT_EQ(state.to_string(), before);
}

TEST(LayoutRewrite, OutputsAndRootStagesMayBeStoredPacked) {
  // The output C [8, 32] stored as [32/8][8][8] (column blocks outermost), and an intermediate
  // (the padded copy of a convolution's input) stored channel-blocked: the kernel writes and reads
  // them through the packed index; run_kernel unpacks the output.
  ScheduleState state = tiled_matmul(8, 32, 24, 8, 4);
  state.apply(LayoutRewriteStep{"C", {{}, {8}}, {{1, 0}, {0, 0}, {1, 1}}});
  expect_reference({ops::matmul(input({8, 24}, "A"), input({24, 32}, "B"), "C")}, state);

  ops::Conv2dParams p;
  p.padding = {1, 1, 1, 1};
  std::vector<Tensor> conv = {ops::conv2d(input({1, 4, 5, 5}, "x"), input({3, 4, 3, 3}, "w"), p, "conv")};
  ScheduleState padded(conv);
  padded.apply(LayoutRewriteStep{"conv.pad", {{}, {2}, {}, {}}, {{0, 0}, {1, 0}, {2, 0}, {3, 0}, {1, 1}}});
  padded.apply(LayoutRewriteStep{"x", {{}, {2}, {}, {}}, {{0, 0}, {1, 0}, {2, 0}, {3, 0}, {1, 1}}});
  expect_reference(conv, padded);

  // A stage computed inside another cannot keep a whole packed buffer.
  ScheduleState inlined(conv);
  inlined.apply(LayoutRewriteStep{"conv.pad", {{}, {2}, {}, {}}, {{0, 0}, {1, 0}, {2, 0}, {3, 0}, {1, 1}}});
  inlined.apply(ComputeInlineStep{"conv.pad"});
  EXPECT_THROW(lower(inlined, "inlined"), UserError);
  // One computed at a loop holds a region: it may order its dimensions, not split them.
  ScheduleState at_loop(conv);
  at_loop.apply(LayoutRewriteStep{"conv.pad", {{}, {}, {}, {}}, {{0, 0}, {2, 0}, {3, 0}, {1, 0}}});
  at_loop.apply(ComputeAtStep{"conv.pad", "conv", "j"});
  expect_reference(conv, at_loop);
  ScheduleState split_at_loop(conv);
  split_at_loop.apply(LayoutRewriteStep{"conv.pad", {{}, {2}, {}, {}}, {{0, 0}, {1, 0}, {2, 0}, {3, 0}, {1, 1}}});
  split_at_loop.apply(ComputeAtStep{"conv.pad", "conv", "j"});
  EXPECT_THROW(lower(split_at_loop, "split_at_loop"), UserError);
}

TEST(LayoutRewrite, MalformedLayoutsAreUserErrors) {
  expect_invalid({"Z", {{}, {}}, {{0, 0}, {1, 0}}}, "no input or stage named 'Z'");
  expect_invalid({"B", {{}}, {{0, 0}}}, "has 2 dimensions, the layout gives factors for 1");
  expect_invalid({"B", {{0}, {}}, {{0, 0}, {0, 1}, {1, 0}}}, "factor 0 of dimension 0 is below 1");
  expect_invalid({"B", {{5, 5}, {}}, {{0, 0}, {0, 1}, {0, 2}, {1, 0}}}, "multiply past its extent 24");
  expect_invalid({"B", {{4}, {}}, {{0, 0}, {1, 0}}}, "lists 2 of the 3 sub-dimensions");
  expect_invalid({"B", {{4}, {}}, {{0, 0}, {0, 0}, {1, 0}}}, "names sub-dimension 0.0 twice");
  expect_invalid({"B", {{4}, {}}, {{0, 0}, {0, 2}, {1, 0}}}, "names sub-dimension 0.2");
  ScheduleState state = tiled_matmul(8, 32, 24, 8, 4);
  state.apply(LayoutRewriteStep{"B", {{}, {}}, {{1, 0}, {0, 0}}});
  EXPECT_THROW(state.apply(LayoutRewriteStep{"B", {{}, {}}, {{0, 0}, {1, 0}}}), UserError);
}

}  // namespace
}  // namespace tt
