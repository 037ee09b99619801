// Feature extraction from lowered loop IR: row count, named columns, exact values on a naive
// matmul, the columns that vectorization and parallelism set, and bit-for-bit determinism.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <set>

#include "ir/lower/lower.h"
#include "ir/schedule/default_schedule.h"
#include "ir/te/ops.h"
#include "search/cost_model/features.h"
#include "tests/ir/te_test_util.h"

namespace tt {
namespace {

using test::input;

LoweredFunc lower_with(const std::vector<Tensor>& outputs, const std::vector<Step>& steps) {
  ScheduleState state(outputs);
  state.apply(steps);
  return lower(state, "kernel");
}

std::vector<Tensor> matmul(int64_t m, int64_t n, int64_t k) {
  return {ops::matmul(input({m, k}, "A"), input({k, n}, "B"))};
}

int column(const std::string& name) {
  const std::vector<std::string>& names = feature_names();
  auto it = std::find(names.begin(), names.end(), name);
  EXPECT_NE(it, names.end()) << name;
  return int(it - names.begin());
}

float at(const std::vector<float>& row, const std::string& name) {
  return row[size_t(column(name))];
}

float log2p(double x) { return float(std::log2(1 + x)); }

// The distinct buffers the function stores to, counted independently of the extractor.
size_t buffers_written(const LoweredFunc& func) {
  struct Collector : StmtVisitor {
    std::set<const BufferNode*> buffers;
    void visit_Store(const StoreNode* n) override {
      buffers.insert(n->buffer.get());
      StmtVisitor::visit_Store(n);
    }
  } collector;
  collector.visit_stmt(func.body);
  return collector.buffers.size();
}

// The buffer block (0..4) whose access stride column equals `stride`, or -1.
int buffer_slot_with_stride(const std::vector<float>& row, double stride) {
  for (int b = 0; b < kMaxBuffersPerRow; ++b)
    if (at(row, fmt::format("buf{}.stride", b)) == log2p(stride) &&
        at(row, fmt::format("buf{}.is_read", b)) == 1)
      return b;
  return -1;
}

TEST(Features, NamesCoverEveryColumnOnce) {
  const std::vector<std::string>& names = feature_names();
  ASSERT_EQ(names.size(), size_t(kFeatureLength));
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), names.size());
}

// Every value of a naive 64^3 matmul follows from its three loops; pin the main ones exactly.
// The column ranges features.h documents.
TEST(Features, LayoutMatchesTheHeader) {
  EXPECT_EQ(column("float_mad"), 0);
  EXPECT_EQ(column("float_scalar_instrs"), 13);
  EXPECT_EQ(column("vec_lanes"), 15);
  EXPECT_EQ(column("unroll_loops"), 20);
  EXPECT_EQ(column("par_loops"), 23);
  EXPECT_EQ(column("num_loops"), 30);
  EXPECT_EQ(column("inner0_extent"), 35);
  EXPECT_EQ(column("buf0.is_read"), 43);
  EXPECT_EQ(column("buf1.is_read"), 43 + kBufferFeatures);
  EXPECT_EQ(column("arith_intensity_curve_0"), 138);
  EXPECT_EQ(column("alloc_size"), 148);
  EXPECT_EQ(column("arith_intensity"), 153);
  EXPECT_EQ(kFeatureLength, 154);
}

TEST(Features, NaiveMatmulValues) {
  HardwareParams hw;
  LoweredFunc func = lower_with(matmul(64, 64, 64), {});
  ProgramFeatures f = extract_features(func, hw);
  ASSERT_EQ(f.rows.size(), 1u);
  const std::vector<float>& row = f.rows[0];
  ASSERT_EQ(row.size(), size_t(kFeatureLength));
  EXPECT_EQ(at(row, "float_mad"), log2p(64.0 * 64 * 64));  // C = C + A*B is one FMA per iteration
  EXPECT_EQ(at(row, "float_mul"), 0.0f);
  EXPECT_EQ(at(row, "float_addsub"), 0.0f);
  EXPECT_EQ(at(row, "num_loops"), log2p(3));
  EXPECT_EQ(at(row, "outer_prod"), log2p(64.0 * 64 * 64));
  EXPECT_EQ(at(row, "num_stores"), log2p(2));  // the init and the update
  EXPECT_EQ(at(row, "vec_lanes"), log2p(1));
  EXPECT_EQ(at(row, "float_vector_instrs"), 0.0f);
  EXPECT_EQ(at(row, "par_loops"), 0.0f);
  EXPECT_EQ(at(row, "alloc_size"), 0.0f);  // the output is a parameter
  // B[rk*64 + j] walks rows with the innermost loop rk (stride 64); A[i*64 + rk] is unit-stride
  // and re-read for every j.
  int b = buffer_slot_with_stride(row, 64), a = buffer_slot_with_stride(row, 1);
  ASSERT_GE(b, 0);
  ASSERT_GE(a, 0);
  EXPECT_EQ(at(row, fmt::format("buf{}.reuse_loop", a)), 1.0f);
  EXPECT_EQ(at(row, fmt::format("buf{}.reuse_ct", a)), log2p(64));
  EXPECT_EQ(at(row, fmt::format("buf{}.bytes", a)), log2p(4.0 * 64 * 64 * 64));
  EXPECT_EQ(at(row, fmt::format("buf{}.unique_bytes", a)), log2p(4.0 * 64 * 64));
  // Every B access is on a new cache line; A's walk shares each line among 16 iterations.
  EXPECT_EQ(at(row, fmt::format("buf{}.lines", b)), log2p(64.0 * 64 * 64));
  EXPECT_EQ(at(row, fmt::format("buf{}.lines", a)), log2p(64.0 * 64 * (1 + 63.0 / 16)));
}

TEST(Features, NaiveAndDefaultMatmulDiffer) {
  HardwareParams hw;
  hw.vector_lanes = 8;
  std::vector<Tensor> outputs = matmul(64, 64, 64);
  LoweredFunc naive = lower_with(outputs, {});
  LoweredFunc tuned = lower_with(outputs, default_schedule(outputs, hw));
  ProgramFeatures fn = extract_features(naive, hw), ft = extract_features(tuned, hw);
  EXPECT_EQ(fn.rows.size(), buffers_written(naive));
  EXPECT_EQ(ft.rows.size(), buffers_written(tuned));
  EXPECT_GT(ft.rows.size(), 1u) << to_string(
      tuned);  // the default schedule adds a local accumulator
  // The output's row (the last one written first in the naive kernel) differs.
  EXPECT_NE(fn.rows[0], ft.rows.back());
  // The register-blocked kernel reuses more data per byte at the inner loop levels.
  float naive_peak = 0, tuned_peak = 0;
  for (int j = 0; j < kIntensityCurvePoints; ++j) {
    naive_peak = std::max(naive_peak, at(fn.rows[0], fmt::format("arith_intensity_curve_{}", j)));
    for (const auto& row : ft.rows)
      tuned_peak = std::max(tuned_peak, at(row, fmt::format("arith_intensity_curve_{}", j)));
  }
  EXPECT_GT(tuned_peak, naive_peak);
  // Its local accumulator has an allocation size.
  bool local_row = false;
  for (const auto& row : ft.rows) local_row |= at(row, "alloc_size") > 0;
  EXPECT_TRUE(local_row);
}

TEST(Features, VectorizedLoopSetsVectorColumns) {
  HardwareParams hw;
  hw.vector_lanes = 8;
  std::vector<Tensor> outputs = matmul(32, 64, 16);
  std::vector<Step> steps{SplitStep{"matmul", "j", {8}, false},
                          ReorderStep{"matmul", {"i", "j.0", "rk", "j.1"}},
                          AnnotateStep{"matmul", "j.1", LoopAnnotation::Vectorize}};
  LoweredFunc func = lower_with(outputs, steps);
  ProgramFeatures f = extract_features(func, hw);
  ASSERT_EQ(f.rows.size(), 1u) << to_string(func);
  const auto& row = f.rows[0];
  EXPECT_EQ(at(row, "vec_lanes"), log2p(8)) << to_string(func);
  EXPECT_EQ(at(row, "vec_lanes_over_native"), log2p(1));
  EXPECT_EQ(at(row, "vec_store_share"), log2p(1));
  EXPECT_GT(at(row, "float_vector_instrs"), 0.0f);
  EXPECT_EQ(at(row, "float_scalar_instrs"), 0.0f);
  // The lane operations are the same as the scalar kernel's; only the instruction count drops.
  ProgramFeatures scalar = extract_features(lower_with(outputs, {}), hw);
  EXPECT_EQ(at(row, "float_mad"), at(scalar.rows[0], "float_mad"));
  EXPECT_EQ(at(row, "float_vector_instrs"), log2p(32.0 * 8 * 16));
}

// After lowering, an unrolled loop is gone; its copies of the store remain, and count.
TEST(Features, UnrolledCopiesAreCounted) {
  HardwareParams hw;
  std::vector<Tensor> outputs = matmul(16, 8, 8);
  std::vector<Step> steps{SplitStep{"matmul", "i", {4}, false},
                          ReorderStep{"matmul", {"i.0", "j", "rk", "i.1"}},
                          AnnotateStep{"matmul", "i.1", LoopAnnotation::Unroll}};
  LoweredFunc func = lower_with(outputs, steps);
  const auto row = extract_features(func, hw).rows.at(0);
  EXPECT_EQ(at(row, "unroll_copies"), log2p(4)) << to_string(func);
  EXPECT_EQ(at(row, "num_stores"), log2p(8));            // 4 init and 4 update copies
  EXPECT_EQ(at(row, "float_mad"), log2p(16.0 * 8 * 8));  // the same work as the rolled loop
  EXPECT_EQ(at(row, "inner0_extent"), log2p(8));         // rk is innermost now
  const auto rolled = extract_features(lower_with(outputs, {steps[0], steps[1]}), hw).rows.at(0);
  EXPECT_EQ(at(rolled, "unroll_copies"), log2p(1));
  EXPECT_EQ(at(rolled, "inner0_extent"), log2p(4));
  EXPECT_EQ(at(rolled, "float_mad"), at(row, "float_mad"));
}

TEST(Features, ParallelLoopAgainstThreads) {
  std::vector<Tensor> outputs = matmul(6, 16, 8);
  LoweredFunc func = lower_with(outputs, {AnnotateStep{"matmul", "i", LoopAnnotation::Parallel}});
  HardwareParams one, four;
  four.num_threads = 4;
  auto r1 = extract_features(func, one).rows.at(0), r4 = extract_features(func, four).rows.at(0);
  EXPECT_EQ(at(r1, "par_loops"), log2p(1));
  EXPECT_EQ(at(r1, "par_prod"), log2p(6));
  EXPECT_EQ(at(r1, "par_pos_outermost"), 1.0f);
  EXPECT_EQ(at(r1, "par_balance"), log2p(1));
  EXPECT_EQ(at(r4, "par_chunks_per_thread"), log2p(6.0 / 4));
  EXPECT_EQ(at(r4, "par_balance"), log2p(6.0 / 8));  // 6 chunks on 4 threads: 2 rounds, 8 slots
}

TEST(Features, ElementwiseWithoutReduction) {
  HardwareParams hw;
  std::vector<Tensor> outputs{ops::relu(ops::add(input({4, 33}, "X"), input({33}, "Y")))};
  for (bool scheduled : {false, true}) {
    LoweredFunc func =
        lower_with(outputs, scheduled ? default_schedule(outputs, hw) : std::vector<Step>{});
    ProgramFeatures f = extract_features(func, hw);
    ASSERT_EQ(f.rows.size(), buffers_written(func)) << to_string(func);
    // Naive: the add and the relu are two stages; default: the add is inlined into the relu.
    float cmp = 0, addsub = 0;
    for (const auto& row : f.rows) {
      cmp += at(row, "float_cmp");
      addsub += at(row, "float_addsub");
      EXPECT_EQ(at(row, "float_mad"), 0.0f);
      for (float v : row) EXPECT_TRUE(std::isfinite(v));
    }
    EXPECT_EQ(cmp, log2p(4 * 33));     // max(x, 0) once per element
    EXPECT_EQ(addsub, log2p(4 * 33));  // x + y once per element
  }
}

// The operator families the searches meet, naive and default-scheduled (padding stages, guards,
// rfactor dot products, multi-stage softmax, odd extents): one finite row per buffer written.
TEST(Features, OperatorFamiliesGiveFiniteRows) {
  HardwareParams hw;
  ops::Conv2dParams conv;
  conv.padding = {1, 1, 1, 1};
  ops::Conv2dParams depthwise = conv;
  depthwise.groups = 8;
  ops::Pool2dParams pool;
  pool.kernel = {3, 3};
  pool.stride = {2, 2};
  pool.padding = {1, 1, 1, 1};
  std::vector<std::pair<std::string, std::vector<Tensor>>> workloads{
      {"conv2d", {ops::conv2d(input({1, 3, 17, 17}, "X"), input({8, 3, 3, 3}, "W"), conv)}},
      {"depthwise",
       {ops::relu6(ops::conv2d(input({1, 8, 7, 7}, "X"), input({8, 1, 3, 3}, "W"), depthwise))}},
      {"dense", {ops::dense(input({2, 35}, "X"), input({17, 35}, "W"), input({17}, "b"))}},
      {"batch_matmul", {ops::batch_matmul(input({2, 5, 9}, "A"), input({2, 9, 13}, "B"))}},
      {"max_pool", {ops::max_pool2d(input({1, 4, 11, 11}, "X"), pool)}},
      {"softmax", {ops::softmax(input({3, 19}, "X"))}},
      {"gelu", {ops::gelu(input({5, 21}, "X"))}}};
  for (const auto& [name, outputs] : workloads) {
    for (bool scheduled : {false, true}) {
      SCOPED_TRACE(name + (scheduled ? " default" : " naive"));
      LoweredFunc func =
          lower_with(outputs, scheduled ? default_schedule(outputs, hw) : std::vector<Step>{});
      ProgramFeatures f = extract_features(func, hw);
      ASSERT_EQ(f.rows.size(), buffers_written(func)) << to_string(func);
      for (const auto& row : f.rows) {
        ASSERT_EQ(row.size(), size_t(kFeatureLength));
        for (float v : row) ASSERT_TRUE(std::isfinite(v)) << to_string(func);
        EXPECT_GT(at(row, "buf0.bytes"), 0.0f);  // every store touches at least its own buffer
      }
    }
  }
}

TEST(Features, DeterministicBitForBit) {
  HardwareParams hw;
  std::vector<Tensor> outputs = matmul(48, 40, 24);
  std::vector<Step> steps = default_schedule(outputs, hw);
  ProgramFeatures first = extract_features(lower_with(outputs, steps), hw);
  for (int i = 0; i < 3; ++i) {
    ProgramFeatures again =
        extract_features(lower_with(outputs, steps), hw);  // fresh variables each time
    ASSERT_EQ(again.rows.size(), first.rows.size());
    for (size_t r = 0; r < first.rows.size(); ++r)
      EXPECT_EQ(0, std::memcmp(first.rows[r].data(), again.rows[r].data(),
                               first.rows[r].size() * sizeof(float)));
  }
}

}  // namespace
}  // namespace tt
