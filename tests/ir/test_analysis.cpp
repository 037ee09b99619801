// Pins the stage analysis on each operator family: producers and consumers, axes, strict
// inlinability, reuse and the multi-level-tiling rule, the element-wise fusable consumer, and the
// unit-stride axis.
#include <gtest/gtest.h>

#include "ir/error.h"
#include "ir/schedule/analysis.h"
#include "sketch_workloads.h"

namespace tt {
namespace {

using test::f32;

std::vector<std::string> names(const std::vector<AxisInfo>& axes) {
  std::vector<std::string> out;
  for (const AxisInfo& a : axes) out.push_back(a.name + ":" + std::to_string(a.extent));
  return out;
}

TEST(StageAnalysis, Matmul) {
  ScheduleState state(test::matmul_graph(32, 48, 24));
  StageAnalysis an(state);
  EXPECT_EQ(names(an.spatial_axes("C")), (std::vector<std::string>{"i:32", "j:48"}));
  EXPECT_EQ(names(an.reduce_axes("C")), (std::vector<std::string>{"rk:24"}));
  EXPECT_TRUE(an.producers("C").empty());
  EXPECT_TRUE(an.consumers("C").empty());
  EXPECT_TRUE(an.is_output("C"));
  EXPECT_EQ(an.num_reused_inputs("C"), 2);  // A misses j, B misses i
  EXPECT_TRUE(an.needs_multi_level_tiling("C"));
  EXPECT_FALSE(an.is_strictly_inlinable("C"));
  EXPECT_FALSE(an.elementwise_matched_consumer("C"));
  EXPECT_EQ(an.unit_stride_axis("C"), 1);          // j: last index of B, absent from A
  EXPECT_EQ(an.unit_stride_reduce_axis("C"), -1);  // rk is B's first index
  EXPECT_EQ(an.packable_input("C"), "B");          // B[rk, j]: a panel per block of j
  EXPECT_THROW(an.spatial_axes("nope"), UserError);
}

TEST(StageAnalysis, MatmulAfterCacheWriteFusesIntoTheCopy) {
  ScheduleState state(test::matmul_graph());
  state.apply(CacheWriteStep{"C"});
  StageAnalysis an(state);
  EXPECT_TRUE(an.needs_multi_level_tiling("C.local"));
  EXPECT_EQ(an.elementwise_matched_consumer("C.local"), "C");
  EXPECT_FALSE(an.needs_multi_level_tiling("C"));
  EXPECT_TRUE(an.is_strictly_inlinable("C"));
  EXPECT_EQ(an.producers("C"), std::vector<std::string>{"C.local"});
}

TEST(StageAnalysis, Dense) {
  ScheduleState state(test::dense_graph(4, 40, 64));
  StageAnalysis an(state);
  EXPECT_TRUE(an.needs_multi_level_tiling("dense"));
  // n is read in W's first dimension: no output axis is unit-stride for every read.
  EXPECT_EQ(an.unit_stride_axis("dense"), -1);
  EXPECT_EQ(an.unit_stride_reduce_axis("dense"), 0);  // k is the last index of both X and W
  EXPECT_FALSE(an.packable_input("dense"));
  // With one row, X misses n but W misses only an axis of extent 1: still one reused input plus
  // a reduction.
  ScheduleState gemv(test::dense_graph(1, 40, 64));
  EXPECT_EQ(StageAnalysis(gemv).num_reused_inputs("dense"), 1);
  EXPECT_TRUE(StageAnalysis(gemv).needs_multi_level_tiling("dense"));
}

TEST(StageAnalysis, ConvBiasRelu) {
  ScheduleState state(test::conv_bias_relu_graph());
  StageAnalysis an(state);
  EXPECT_EQ(an.producers("conv"), std::vector<std::string>{"conv.pad"});
  EXPECT_EQ(an.consumers("conv"), std::vector<std::string>{"bias"});
  EXPECT_EQ(names(an.reduce_axes("conv")).size(), 3u);
  EXPECT_TRUE(an.needs_multi_level_tiling("conv"));
  EXPECT_FALSE(an.is_simple_access("conv"));   // pad[.., h + rh, ..]
  EXPECT_EQ(an.unit_stride_axis("conv"), -1);  // w + rs mixes two axes
  EXPECT_EQ(an.unit_stride_reduce_axis("conv"), -1);
  EXPECT_FALSE(an.packable_input("conv"));
  // The pad stage branches (select), so it is not always inlined; bias_add broadcasts b[c], a
  // simple same-order read, and relu reads at its own axes.
  EXPECT_FALSE(an.is_strictly_inlinable("conv.pad"));
  EXPECT_TRUE(an.is_strictly_inlinable("bias"));
  EXPECT_TRUE(an.is_strictly_inlinable("relu"));
  EXPECT_FALSE(an.needs_multi_level_tiling("bias"));
  EXPECT_EQ(an.unit_stride_axis("bias"), 3);
  // Before bias is inlined, conv's element-wise consumer is bias; after, relu.
  EXPECT_EQ(an.elementwise_matched_consumer("conv"), "bias");
  state.apply(ComputeInlineStep{"bias"});
  EXPECT_EQ(an.elementwise_matched_consumer("conv"), "relu");
  EXPECT_TRUE(an.is_output("relu"));
  EXPECT_FALSE(an.is_output("conv"));
}

TEST(StageAnalysis, DepthwiseConv) {
  ScheduleState state(test::depthwise_graph());
  StageAnalysis an(state);
  EXPECT_EQ(an.num_reused_inputs("dwconv"), 1);  // w misses h and w; the padded input misses none
  EXPECT_TRUE(an.needs_multi_level_tiling("dwconv"));
  EXPECT_FALSE(an.elementwise_matched_consumer("dwconv.pad"));  // its consumer reduces
}

TEST(StageAnalysis, MaxPool) {
  ScheduleState state(test::max_pool_graph());
  StageAnalysis an(state);
  EXPECT_EQ(an.num_reused_inputs("pool"), 0);
  EXPECT_FALSE(an.has_data_reuse("pool"));
  EXPECT_FALSE(an.needs_multi_level_tiling("pool"));
  EXPECT_EQ(names(an.reduce_axes("pool")).size(), 2u);
  EXPECT_EQ(an.producers("pool"), std::vector<std::string>{"pool.pad"});
}

TEST(StageAnalysis, Softmax) {
  ScheduleState state(test::softmax_graph(4, 32));
  StageAnalysis an(state);
  std::vector<std::string> stages;
  for (const Stage& s : state.stages()) stages.push_back(s.name());
  ASSERT_EQ(stages, (std::vector<std::string>{"softmax.max", "softmax.expsum", "softmax"}));
  // The max reads x at all its axes: one reduction, no reuse, no tiling.
  EXPECT_FALSE(an.needs_multi_level_tiling("softmax.max"));
  EXPECT_EQ(an.num_reused_inputs("softmax.expsum"), 0);  // x[i, j] and max[i] both use i
  EXPECT_FALSE(an.needs_multi_level_tiling("softmax.expsum"));
  // The output reads max[i] and expsum[i] (reused along j) and x: two reused inputs but an exp,
  // so the rule tiles it (as Ansor does), and it is never inlined.
  EXPECT_TRUE(an.needs_multi_level_tiling("softmax"));
  EXPECT_EQ(an.num_reused_inputs("softmax"), 2);
  EXPECT_FALSE(an.is_strictly_inlinable("softmax"));
  EXPECT_EQ(an.consumers("softmax.max"), (std::vector<std::string>{"softmax.expsum", "softmax"}));
  EXPECT_FALSE(an.elementwise_matched_consumer("softmax.max"));  // two consumers
  EXPECT_EQ(an.unit_stride_axis("softmax"), 1);
}

TEST(StageAnalysis, ElementwiseChain) {
  ScheduleState state(test::elementwise_graph());
  StageAnalysis an(state);
  for (const char* s : {"add", "relu", "scale"}) {
    EXPECT_TRUE(an.is_strictly_inlinable(s)) << s;
    EXPECT_FALSE(an.needs_multi_level_tiling(s)) << s;
    EXPECT_EQ(an.unit_stride_axis(s), 2) << s;
  }
  EXPECT_EQ(an.elementwise_matched_consumer("add"), "relu");
  state.apply(ComputeInlineStep{"relu"});
  EXPECT_EQ(an.elementwise_matched_consumer("add"), "scale");
}

TEST(StageAnalysis, TransposeIsNotStrictlyInlinable) {
  Tensor x = f32({4, 8}, "x");
  Tensor t = ops::transpose(x, {1, 0}, "t");
  Tensor y = ops::relu(t, "y");
  ScheduleState state({y});
  StageAnalysis an(state);
  EXPECT_TRUE(an.is_simple_access("t"));
  EXPECT_FALSE(an.is_strictly_inlinable("t"));  // reads x[j, i]: axes out of order
  // Reading the same axis twice (a diagonal) is not inlinable either.
  Tensor sq = f32({8, 8}, "sq");
  Tensor diag = compute(
      {8, 8}, [&](const std::vector<Var>& i) { return sq(i[0], i[0]) + sq(i[0], i[1]); }, "diag");
  ScheduleState dstate({ops::relu(diag, "r")});
  EXPECT_FALSE(StageAnalysis(dstate).is_strictly_inlinable("diag"));
  // A constant tensor that reads nothing is inlinable; exp is not.
  Tensor ex = ops::exp(x, "ex");
  ScheduleState estate({ops::relu(ex, "r")});
  EXPECT_FALSE(StageAnalysis(estate).is_strictly_inlinable("ex"));
}

TEST(StageAnalysis, DefaultScheduleQueries) {
  // matmul C[i, j]: j is read only innermost with unit stride, i is the reuse axis (B[k, j] does
  // not depend on it), and B is the packable panel.
  ScheduleState mm(test::matmul_graph(32, 48, 24));
  StageAnalysis a(mm);
  EXPECT_TRUE(a.used_only_in_last_index("C", 1));
  EXPECT_FALSE(a.used_only_in_last_index("C", 0));  // A[i, k] reads i outside its last dimension
  EXPECT_TRUE(a.reads_with_unit_stride("C", 1));
  EXPECT_EQ(a.reuse_axis("C", 1), 0);
  EXPECT_EQ(a.packable_input("C", 1), std::optional<std::string>("B"));
  // dense Y[m, n] = X[m, k] W[n, k]: the reduction is read innermost (a dot product).
  ScheduleState dense(test::dense_graph());
  StageAnalysis d(dense);
  EXPECT_FALSE(d.used_only_in_last_index("dense", 1));
  EXPECT_TRUE(d.used_only_in_last_index("dense", 0, true));
  // A stride-2 pooling window reads its column innermost, two elements per output column.
  ScheduleState pool(test::max_pool_graph(4, 8));
  StageAnalysis p(pool);
  EXPECT_TRUE(p.used_only_in_last_index("pool", 3));
  EXPECT_FALSE(p.reads_with_unit_stride("pool", 3));
  EXPECT_EQ(p.reuse_axis("pool", 3), 2);  // the window's rows depend on it: the fallback, innermost
}

}  // namespace
}  // namespace tt
