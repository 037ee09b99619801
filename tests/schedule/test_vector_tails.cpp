// Pins that vectorized loops keep their vectors when the lane count does not divide the extent
// (odd feature maps: 7, 17, 35, 71, 147): lowering partitions the tail off into guard-free full
// vectors plus one shorter vector, the default schedules use native vectors with such tails, and
// every kernel still matches the reference interpreter. The 17x17 convolution's assembly uses
// vector FMAs (ymm on AVX2; zmm only where the target has AVX-512).
#include <gtest/gtest.h>

#include <regex>

#include "codegen/llvm_codegen.h"
#include "codegen/target.h"
#include "ir/schedule/default_schedule.h"
#include "ir/te/ops.h"
#include "search/measure/build.h"
#include "tests/ir/te_test_util.h"
#include "tests/schedule/schedule_test_util.h"

namespace tt {
namespace {

using test::input;

using test::compiler;

const std::vector<int64_t> kOddExtents = {7, 17, 35, 71, 147};

// Builds `steps` (the default schedule when empty and `use_default`), runs the kernel against the
// reference interpreter and returns the lowered loop IR.
std::string check(const std::vector<Tensor>& outputs, std::vector<Step> steps, bool use_default,
                  int threads = 2) {
  if (use_default) steps = default_schedule(outputs, hardware_params(compiler().target(), threads));
  BuiltKernel built = build_kernel(outputs, steps, compiler(), "kernel");
  std::string text = to_string(built.func);
  std::vector<Tensor> inputs = built.state.inputs();
  std::vector<NDArray> values = random_inputs(inputs, 3);
  std::vector<NDArray> expected = reference_outputs(built.state.outputs(), inputs, values);
  std::vector<NDArray> actual = run_kernel(built.kernel, values, built.state.outputs());
  CompareResult r = compare_outputs(actual, expected);
  EXPECT_TRUE(r.ok) << r.describe() << "\n" << built.state.to_string() << text;
  return text;
}

// The lane counts of the vector stores in printed loop IR (`X[ramp(base, 1, lanes)] = ...`).
std::vector<int64_t> store_lanes(const std::string& text) {
  std::vector<int64_t> lanes;
  std::regex store(R"(\[ramp\([^\n]*, (\d+)\)\] = )");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), store);
       it != std::sregex_iterator(); ++it)
    lanes.push_back(std::stoll((*it)[1]));
  return lanes;
}

bool has_lanes(const std::vector<int64_t>& lanes, int64_t n) {
  return std::find(lanes.begin(), lanes.end(), n) != lanes.end();
}

TEST(VectorTails, SplitTailBecomesOneShorterVector) {
  for (int64_t e : kOddExtents) {
    std::string text = check(
        {ops::relu(input({3, e}, "X"), "Y")},
        {SplitStep{"Y", "j", {8}}, AnnotateStep{"Y", "j.1", LoopAnnotation::Vectorize}}, false);
    std::vector<int64_t> lanes = store_lanes(text);
    if (e > 8) {
      EXPECT_TRUE(has_lanes(lanes, 8)) << "no full vectors for extent " << e << "\n" << text;
    }
    if (e % 8 > 1) {
      EXPECT_TRUE(has_lanes(lanes, e % 8)) << "no tail vector for extent " << e << "\n" << text;
    }
    EXPECT_EQ(text.find("if ("), std::string::npos) << "a guard is left for extent " << e << "\n"
                                                    << text;
  }
}

TEST(VectorTails, TheTailLoopNeedNotBeTheVectorsParent) {
  // j.0 is outside i: partitioning j.0 splits the whole i loop into a main and a tail nest.
  std::string text = check({ops::relu(input({5, 20}, "X"), "Y")},
                           {SplitStep{"Y", "j", {8}}, ReorderStep{"Y", {"j.0", "i", "j.1"}},
                            AnnotateStep{"Y", "j.1", LoopAnnotation::Vectorize}},
                           false);
  EXPECT_EQ(store_lanes(text), (std::vector<int64_t>{8, 4})) << text;
  EXPECT_EQ(text.find("if ("), std::string::npos) << text;
}

TEST(VectorTails, GuardsPartitioningCannotRemoveStayCorrect) {
  // Fused into i, j.0 is a division of the fused loop: the guard stays and the loop stays scalar,
  // but the kernel still computes the reference.
  check({ops::relu(input({5, 20}, "X"), "Y")},
        {SplitStep{"Y", "j", {8}}, FuseStep{"Y", {"i", "j.0"}}, AnnotateStep{"Y", "j.1", LoopAnnotation::Vectorize}},
        false);
  // A split of a split: the tail of the inner split sits inside the outer one's iterations.
  check({ops::relu(input({3, 45}, "X"), "Y")},
        {SplitStep{"Y", "j", {16}}, SplitStep{"Y", "j.1", {6}}, AnnotateStep{"Y", "j.1.1", LoopAnnotation::Vectorize}},
        false);
}

TEST(VectorTails, WideVectorizedLoopsAreStripMined) {
  // 71 and 147 are wider than the widest vector lowering emits; they become 16-lane vectors and a
  // shorter one instead of a scalar loop.
  for (int64_t e : {71, 147}) {
    std::string text = check({ops::relu(input({2, e}, "X"), "Y")},
                             {AnnotateStep{"Y", "j", LoopAnnotation::Vectorize}}, false);
    std::vector<int64_t> lanes = store_lanes(text);
    EXPECT_TRUE(has_lanes(lanes, 16)) << text;
    EXPECT_TRUE(has_lanes(lanes, e % 16)) << text;
  }
}

TEST(VectorTails, TailOfAnUnrolledVectorBlock) {
  // Two vectors per block, unrolled, over 17: the last block holds one lane, so its second vector
  // disappears and its first keeps one lane.
  std::string text =
      check({ops::relu(input({4, 17}, "X"), "Y")},
            {SplitStep{"Y", "j", {2, 8}}, AnnotateStep{"Y", "j.1", LoopAnnotation::Unroll},
             AnnotateStep{"Y", "j.2", LoopAnnotation::Vectorize}},
            false);
  EXPECT_EQ(store_lanes(text), (std::vector<int64_t>{8, 8})) << text;
  EXPECT_EQ(text.find("if ("), std::string::npos) << text;
}

TEST(VectorTails, DefaultElementwiseSchedulesKeepTheirVectors) {
  int native = hardware_params(compiler().target(), 1).vector_lanes;
  for (int64_t e : kOddExtents) {
    std::string text =
        check({ops::sigmoid(ops::add(input({2, 3, e}, "X"), input({1, 3, 1}, "B")))}, {}, true);
    std::vector<int64_t> lanes = store_lanes(text);
    EXPECT_FALSE(lanes.empty()) << "scalar code for extent " << e << "\n" << text;
    if (e >= native) {
      EXPECT_TRUE(has_lanes(lanes, native)) << "no native vectors for extent " << e << "\n" << text;
    }
    check({ops::relu(input({e * 5}, "X"))}, {}, true);  // one axis, parallel over the vector blocks
  }
}

ops::Conv2dParams same_padding() {
  ops::Conv2dParams p;
  p.padding = {1, 1, 1, 1};
  return p;
}

TEST(VectorTails, DefaultConv2dOnOddMaps) {
  int native = hardware_params(compiler().target(), 1).vector_lanes;
  for (int64_t e : kOddExtents) {
    // Fewer channels on the large maps keep the reference interpreter quick.
    int64_t c = e <= 35 ? 8 : 2, k = e <= 35 ? 16 : 4;
    Tensor x = input({1, c, e, e}, "X"), w = input({k, c, 3, 3}, "W"), b = input({k}, "b");
    std::string text =
        check({ops::relu(ops::bias_add(ops::conv2d(x, w, same_padding()), b, 1))}, {}, true);
    std::vector<int64_t> lanes = store_lanes(text);
    if (e >= native) {
      EXPECT_TRUE(has_lanes(lanes, native)) << "no native vectors on a " << e << " map\n" << text;
    } else {
      EXPECT_TRUE(has_lanes(lanes, e)) << text;
    }
  }
}

TEST(VectorTails, DefaultPoolingOnOddMaps) {
  for (int64_t e : kOddExtents) {
    ops::Pool2dParams p;
    p.kernel = {3, 3};
    p.stride = {1, 1};
    p.padding = {1, 1, 1, 1};
    std::string text = check({ops::max_pool2d(input({1, 4, e, e}, "X"), p)}, {}, true);
    EXPECT_FALSE(store_lanes(text).empty()) << "scalar pooling on a " << e << " map\n" << text;
    p.stride = {2, 2};
    p.count_include_pad = false;
    check({ops::avg_pool2d(input({1, 4, e, e}, "X"), p)}, {}, true);
  }
}

TEST(VectorTails, PaddingReadsBecomeMaskedVectorLoads) {
  // The lanes over the border must not load: they are a masked load's excluded lanes.
  for (int64_t e : kOddExtents) {
    std::string text = check({ops::pad(input({1, 3, e, e}, "X"), {0, 0, 1, 1}, {0, 0, 1, 1}, 0.0f, "P")}, {}, true);
    EXPECT_NE(text.find("] = select("), std::string::npos) << text;
    EXPECT_FALSE(store_lanes(text).empty()) << "scalar padding on a " << e << " map\n" << text;
  }
  // In the assembly, a row's condition is known only at run time: a masked load (never one that
  // may read X[-1] on the first row), checked for AVX2 on any host.
  Target avx2 = Target::parse("llvm -mcpu=znver3");
  std::vector<Tensor> outputs = {ops::pad(input({1, 2, 5, 19}, "X"), {0, 0, 1, 1}, {0, 0, 1, 1}, 0.0f, "P")};
  ScheduleState state(outputs);
  state.apply(default_schedule(outputs, hardware_params(avx2, 1)));
  std::string assembly = emit_assembly(lower(state, "pad"), avx2);
  EXPECT_NE(assembly.find("vmaskmovps"), std::string::npos) << assembly;
}

bool has_fma_on(const std::string& assembly, const std::string& reg) {
  return std::regex_search(assembly, std::regex("vfmadd[0-9]+ps[^\n]*%" + reg + "[0-9]+"));
}

LoweredFunc lower_conv17(const Target& target) {
  std::vector<Tensor> outputs = {
      ops::conv2d(input({1, 32, 17, 17}, "X"), input({32, 32, 3, 3}, "W"), same_padding())};
  ScheduleState state(outputs);
  state.apply(default_schedule(outputs, hardware_params(target, 1)));
  return lower(state, "conv17");
}

TEST(VectorTails, Conv17x17UsesVectorFmas) {
  // Assembly for a target needs no such CPU, so the AVX2 check runs on any host.
  Target avx2 = Target::parse("llvm -mcpu=znver3");
  ASSERT_FALSE(avx2.has("avx512f"));
  LoweredFunc func = lower_conv17(avx2);
  EXPECT_TRUE(has_lanes(store_lanes(to_string(func)), 8)) << to_string(func);
  std::string assembly = emit_assembly(func, avx2);
  EXPECT_TRUE(has_fma_on(assembly, "ymm")) << to_string(func);
  EXPECT_EQ(assembly.find("%zmm"), std::string::npos);

  Target host = Target::host();
  std::string host_assembly = emit_assembly(lower_conv17(host), host);
  EXPECT_TRUE(has_fma_on(host_assembly, "ymm") || has_fma_on(host_assembly, "zmm"));
  if (!host.has("avx512f")) {
    EXPECT_EQ(host_assembly.find("%zmm"), std::string::npos);
  }
}

}  // namespace
}  // namespace tt
