// Pins the Winograd formulation: the transform matrices compute the 1-D correlation exactly, the
// Winograd stages compute the direct convolution within the measurement tolerance for every tile
// on random shapes (tiles overhanging the output, padding or none, an epilogue), a winograd step
// composes with the steps after it (tiling, unrolling, vectorizing, a layout of the transformed
// weights) and replays from its JSON to the same loop IR, and a convolution it cannot compute is
// a UserError naming why.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "codegen/jit.h"
#include "ir/lower/lower.h"
#include "ir/loop/stmt.h"
#include "ir/schedule/layout.h"
#include "ir/te/ops.h"
#include "ir/te/winograd.h"
#include "search/measure/build.h"
#include "tests/ir/te_test_util.h"
#include "tests/schedule/schedule_test_util.h"

namespace tt {
namespace {

using test::compiler;
using test::input;

TEST(Winograd, MatricesComputeTheCorrelationExactly) {
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> u(-1, 1);
  for (int64_t m : {2, 4, 6}) {
    const winograd::Matrices& t = winograd::matrices(m);
    ASSERT_EQ(t.alpha, m + 2);
    for (int trial = 0; trial < 20; ++trial) {
      std::vector<double> g(3), d(size_t(t.alpha));
      for (double& x : g) x = u(rng);
      for (double& x : d) x = u(rng);
      std::vector<double> product(size_t(t.alpha));
      for (int64_t j = 0; j < t.alpha; ++j) {
        double gj = 0, dj = 0;
        for (int64_t k = 0; k < 3; ++k) gj += t.G(j, k) * g[size_t(k)];
        for (int64_t l = 0; l < t.alpha; ++l) dj += t.BT(j, l) * d[size_t(l)];
        product[size_t(j)] = gj * dj;
      }
      for (int64_t i = 0; i < m; ++i) {
        double y = 0, direct = 0;
        for (int64_t j = 0; j < t.alpha; ++j) y += t.AT(i, j) * product[size_t(j)];
        for (int64_t k = 0; k < 3; ++k) direct += g[size_t(k)] * d[size_t(i + k)];
        EXPECT_NEAR(y, direct, 1e-12) << "F(" << m << ",3) output " << i;
      }
    }
    // The input transform the kernel runs has integer coefficients.
    for (double b : t.bt) EXPECT_EQ(b, std::round(b)) << "F(" << m << ",3)";
  }
  test::expect_user_error([] { winograd::matrices(3); }, {"tile 3", "not supported"});
}

struct ConvCase {
  int64_t n, c, h, w, k, pad;
  bool epilogue;  // bias + relu after the convolution, as a fused model group
};

// The direct convolution (its graph, the one the reference runs) with an optional epilogue.
Tensor direct_conv(const ConvCase& cc, Tensor* weight) {
  ops::Conv2dParams p;
  p.padding = {cc.pad, cc.pad, cc.pad, cc.pad};
  Tensor x = input({cc.n, cc.c, cc.h, cc.w}, "x");
  *weight = input({cc.k, cc.c, 3, 3}, "w");
  Tensor conv = ops::conv2d(x, *weight, p, "conv");
  if (!cc.epilogue) return conv;
  Tensor bias = input({cc.k}, "b");
  Tensor biased = compute(conv.shape(), [&](const std::vector<Var>& i) { return conv(i[0], i[1], i[2], i[3]) + bias(i[1]); },
                          "conv.bias", ops::kTagBroadcast);
  return compute(biased.shape(), [&](const std::vector<Var>& i) { return max(biased(i[0], i[1], i[2], i[3]), Expr(0.0f)); },
                 "relu", ops::kTagElemwise);
}

// Builds `steps` on the direct graph, runs the kernel on weights transformed (and packed) as the
// executor does, and compares with the interpreter's direct convolution under the measurement's
// rule (atol scaled by the reference's largest magnitude).
void expect_direct_result(const Tensor& out, const std::vector<Step>& steps, uint64_t seed = 7) {
  BuiltKernel built = build_kernel({out}, steps, compiler(), "wino");
  ScheduleState direct({out});
  std::vector<Tensor> inputs = direct.inputs();
  std::vector<NDArray> values = random_inputs(inputs, seed);
  std::vector<NDArray> expected = reference_outputs({out}, inputs, values);
  std::vector<NDArray> args = pack_inputs(built.state, built.state.inputs(), values);
  std::vector<NDArray> actual = run_kernel(built.kernel, args, built.state.outputs(), &built.state);
  double magnitude = 1;
  for (int64_t i = 0; i < expected[0].num_elements(); ++i)
    magnitude = std::max(magnitude, double(std::fabs(expected[0].as<float>()[i])));
  CompareResult r = compare_outputs(actual, expected, 1e-3, 1e-5 * magnitude);
  EXPECT_TRUE(r.ok) << r.describe() << "\n" << built.state.to_string();
}

TEST(Winograd, StagesComputeTheDirectConvolutionOnRandomShapes) {
  std::mt19937_64 rng(11);
  auto pick = [&](std::vector<int64_t> v) { return v[std::uniform_int_distribution<size_t>(0, v.size() - 1)(rng)]; };
  for (int trial = 0; trial < 12; ++trial) {
    ConvCase cc{pick({1, 2}), pick({1, 3, 8, 17}), pick({3, 5, 7, 8, 14}), pick({3, 6, 9, 12}), pick({1, 4, 16}),
                pick({0, 1}), trial % 2 == 0};
    if (cc.h + 2 * cc.pad < 3 || cc.w + 2 * cc.pad < 3) continue;
    for (int64_t m : {2, 4, 6}) {
      SCOPED_TRACE(::testing::Message() << "n=" << cc.n << " c=" << cc.c << " h=" << cc.h << " w=" << cc.w
                                        << " k=" << cc.k << " pad=" << cc.pad << " tile=" << m);
      Tensor w;
      Tensor out = direct_conv(cc, &w);
      expect_direct_result(out, {WinogradStep{"conv", m}});
    }
  }
}

TEST(Winograd, TransformedWeightsFeedTheStagesUnderTheInterpreter) {
  // The TE alone (no schedule, no codegen): the interpreter on the Winograd stages with weights
  // transformed by transform_weight equals the direct convolution.
  Tensor data = input({1, 5, 9, 8}, "d"), u = input({6, 6, 5, 7}, "u");
  Tensor out = winograd::conv2d(data, u, 7, 6, 4, "conv");
  NDArray d = test::random_array({1, 5, 9, 8}, 1), g = test::random_array({7, 5, 3, 3}, 2);
  NDArray got = test::run_one(out, {{data, d}, {u, winograd::transform_weight(g, 4)}});
  Tensor x = input({1, 5, 9, 8}, "x"), w = input({7, 5, 3, 3}, "w");
  NDArray want = test::run_one(ops::conv2d(x, w, {}, "direct"), {{x, d}, {w, g}});
  EXPECT_CLOSE(got, want, 1e-4, 1e-5);
}

TEST(Winograd, ComposesWithTilingUnrollingAndAWeightLayout) {
  // The schedule a search would give it: the tile rows split by the tile size and unrolled (the
  // output transform's selects fold), the transform points unrolled, the GEMM tiled and vectorized
  // over tiles, the transformed weights stored in the GEMM's loop order.
  ConvCase cc{1, 16, 14, 14, 32, 1, true};
  Tensor w;
  Tensor out = direct_conv(cc, &w);
  std::vector<Step> steps = {
      WinogradStep{"conv", 4},
      ComputeInlineStep{"conv.pad"},
      ComputeInlineStep{"conv.wino_in1"},
      SplitStep{"conv.wino_in", "c", {8}},
      ReorderStep{"conv.wino_in", {"p", "c.0", "eps", "nu", "c.1"}},
      AnnotateStep{"conv.wino_in", "eps", LoopAnnotation::Unroll},
      AnnotateStep{"conv.wino_in", "nu", LoopAnnotation::Unroll},
      AnnotateStep{"conv.wino_in", "c.1", LoopAnnotation::Vectorize},
      SplitStep{"conv.wino_gemm", "k", {16}},
      ReorderStep{"conv.wino_gemm", {"eps", "nu", "k.0", "p", "rc", "k.1"}},
      AnnotateStep{"conv.wino_gemm", "k.1", LoopAnnotation::Vectorize},
      LayoutRewriteStep{"w", {{}, {}, {}, {16}}, {{0, 0}, {1, 0}, {3, 0}, {2, 0}, {3, 1}}},
      ComputeInlineStep{"conv.wino_out1"},
      SplitStep{"conv", "k", {4}},
      SplitStep{"conv", "l", {4}},
      ReorderStep{"conv", {"i", "j", "k.0", "l.0", "k.1", "l.1"}},
      AnnotateStep{"conv", "k.1", LoopAnnotation::Unroll},
      AnnotateStep{"conv", "l.1", LoopAnnotation::Unroll},
      ComputeInlineStep{"conv.bias"},
  };
  // The names the steps use are the stages' own: check them so the test fails readably if they move.
  ScheduleState probe({out});
  probe.apply(WinogradStep{"conv", 4});
  for (const char* stage : {"conv.wino_in1", "conv.wino_in", "conv.wino_gemm", "conv.wino_out1", "conv"})
    EXPECT_NO_THROW(probe.stage(stage)) << stage;
  ASSERT_EQ(probe.stage("conv.wino_gemm").op->shape, (std::vector<int64_t>{6, 6, 16, 32}));
  EXPECT_EQ(probe.inputs()[1].name(), "w");
  EXPECT_EQ(probe.inputs()[1].shape(), (std::vector<int64_t>{6, 6, 16, 32}));
  ASSERT_NE(probe.weight_transform_of("w"), nullptr);
  EXPECT_EQ(probe.weight_transform_of("w")->tile, 4);
  EXPECT_EQ(probe.weight_transform_of("x"), nullptr);
  // The loop names the steps above use.
  const std::vector<std::string> gemm_loops = {"eps", "nu", "p", "k", "rc"};
  for (size_t d = 0; d < gemm_loops.size(); ++d) EXPECT_EQ(probe.stage("conv.wino_gemm").iters[d].name, gemm_loops[d]);
  expect_direct_result(out, steps);
}

TEST(Winograd, StepReplaysFromJsonToTheSameLoopIR) {
  ConvCase cc{1, 8, 10, 10, 8, 1, false};
  Tensor w;
  Tensor out = direct_conv(cc, &w);
  std::vector<Step> steps = {WinogradStep{"conv", 2}, ComputeInlineStep{"conv.pad"},
                             AnnotateStep{"conv.wino_in", "c", LoopAnnotation::Vectorize}};
  nlohmann::json j = steps_to_json(steps);
  EXPECT_EQ(to_json(steps[0]), nlohmann::json::parse(R"(["winograd", "conv", 2])"));
  std::vector<Step> replayed = steps_from_json(nlohmann::json::parse(j.dump()));
  ASSERT_EQ(replayed.size(), steps.size());
  EXPECT_EQ(to_string(replayed[0]), "winograd(conv, tile=2)");
  ScheduleState a({out}), b({out});
  a.apply(steps);
  b.apply(replayed);
  EXPECT_EQ(to_string(lower(a, "k")), to_string(lower(b, "k")));
  test::expect_user_error([] { step_from_json(nlohmann::json::parse(R"(["winograd", "conv", "4"])")); },
                          {"malformed schedule step", "winograd"});
}

TEST(Winograd, ConvolutionsItCannotComputeAreUserErrors) {
  Tensor x = input({1, 8, 12, 12}, "x");
  auto conv = [&](std::vector<int64_t> wshape, ops::Conv2dParams p) {
    return ops::conv2d(x, input(std::move(wshape), "w"), p, "conv");
  };
  auto refuses = [](const Tensor& out, const Step& step, std::vector<std::string> words) {
    ScheduleState state({out});
    test::expect_user_error([&] { state.apply(step); }, words);
  };
  ops::Conv2dParams stride2;
  stride2.stride = {2, 2};
  refuses(conv({8, 8, 3, 3}, stride2), WinogradStep{"conv", 4}, {"winograd(conv", "stride 1"});
  ops::Conv2dParams dilated;
  dilated.dilation = {2, 2};
  refuses(conv({8, 8, 3, 3}, dilated), WinogradStep{"conv", 4}, {"stride 1, dilation 1"});
  refuses(conv({8, 8, 1, 1}, {}), WinogradStep{"conv", 4}, {"kernel is 1x1"});
  ops::Conv2dParams depthwise;
  depthwise.groups = 8;
  refuses(conv({8, 1, 3, 3}, depthwise), WinogradStep{"conv", 4}, {"not a convolution"});
  ops::Conv2dParams grouped;
  grouped.groups = 2;
  refuses(conv({8, 4, 3, 3}, grouped), WinogradStep{"conv", 4}, {"one group"});
  refuses(conv({8, 8, 3, 3}, {}), WinogradStep{"conv", 3}, {"tile 3", "not supported"});
  refuses(conv({8, 8, 3, 3}, {}), WinogradStep{"nothing", 4}, {"no stage named 'nothing'"});
  Tensor relu = compute({1, 8, 10, 10}, [&](const std::vector<Var>& i) {
    return max(conv({8, 8, 3, 3}, {})(i[0], i[1], i[2], i[3]), Expr(0.0f));
  }, "relu", ops::kTagElemwise);
  refuses(relu, WinogradStep{"relu", 4}, {"'relu' is not a convolution"});
  {
    ScheduleState state({conv({8, 8, 3, 3}, {})});
    state.apply(SplitStep{"conv", "k", {4}});
    test::expect_user_error([&] { state.apply(WinogradStep{"conv", 4}); }, {"must come before other steps"});
  }
  {
    ScheduleState state({conv({8, 8, 3, 3}, {})});
    state.apply(LayoutRewriteStep{"w", {{}, {}, {}, {}}, {{1, 0}, {0, 0}, {2, 0}, {3, 0}}});
    test::expect_user_error([&] { state.apply(WinogradStep{"conv", 4}); }, {"already have a layout"});
  }
  {
    // Weights computed inside the task (not an input the executor can transform at load).
    Tensor wi = input({8, 8, 3, 3}, "wi");
    Tensor scaled = compute(wi.shape(), [&](const std::vector<Var>& i) { return wi(i[0], i[1], i[2], i[3]) * 2.0f; },
                            "scaled", ops::kTagElemwise);
    refuses(ops::conv2d(x, scaled, {}, "conv"), WinogradStep{"conv", 4}, {"computed, not an input"});
  }
}

}  // namespace
}  // namespace tt
