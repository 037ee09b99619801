// Tests of the reference interpreter's semantics (floor division, float32 accumulation order,
// guarded reads, integer tensors, input checks, speed) and of the array comparison it is paired
// with.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <limits>

#include "ir/sanitizers.h"
#include "ir/te/ops.h"
#include "te_test_util.h"

namespace tt {
namespace {

using test::expect_user_error;
using test::run_one;

TEST(Interpreter, FloorDivisionAndModulo) {
  Tensor q = compute(
      {7}, [](const std::vector<Var>& i) { return cast(DType::float32(), (i[0] - 3) / 2); }, "q");
  Tensor r = compute(
      {7}, [](const std::vector<Var>& i) { return cast(DType::float32(), (i[0] - 3) % 2); }, "r");
  Tensor rn = compute(
      {7}, [](const std::vector<Var>& i) { return cast(DType::float32(), (i[0] - 3) % -2); }, "rn");
  auto out = evaluate({q, r, rn}, PlaceholderValues{});
  EXPECT_CLOSE(out[0], test::array_of({7}, {-2, -1, -1, 0, 0, 1, 1}));
  EXPECT_CLOSE(out[1], test::array_of({7}, {1, 0, 1, 0, 1, 0, 1}));
  EXPECT_CLOSE(out[2], test::array_of({7}, {-1, 0, -1, 0, -1, 0, -1}));
}

TEST(Interpreter, SumsInFloat32InReduceAxisOrder) {
  // ((0 + 1e8) + 1) rounds back to 1e8 in float32, then - 1e8 + 1 gives exactly 1: any other order
  // or a double accumulator gives 0 or 2.
  Tensor x = placeholder({2, 2}, DType::float32(), "x");
  IterVar a = reduce_axis(2, "a"), b = reduce_axis(2, "b");
  Tensor s = compute(
      {1},
      [&](const std::vector<Var>&) {
        return sum(x(a.var, b.var), {a, b});
      },
      "s");
  NDArray xv = test::array_of({2, 2}, {1e8f, 1, -1e8f, 1});
  EXPECT_EQ(run_one(s, {{x, xv}}).as<float>()[0], 1.0f);
  // Reducing b outermost visits 1e8, -1e8, 1, 1 and gives 2.
  Tensor t = compute(
      {1},
      [&](const std::vector<Var>&) {
        return sum(x(a.var, b.var), {b, a});
      },
      "t");
  EXPECT_EQ(run_one(t, {{x, xv}}).as<float>()[0], 2.0f);
}

TEST(Interpreter, MaxReductionStartsFromMinusInfinity) {
  Tensor x = placeholder({3}, DType::float32(), "x");
  IterVar k = reduce_axis(3, "k");
  Tensor m = compute(
      {1}, [&](const std::vector<Var>&) { return reduce_max(x(k.var), {k}); }, "m");
  float lowest = -std::numeric_limits<float>::max();
  EXPECT_EQ(run_one(m, {{x, test::array_of({3}, {lowest, lowest, lowest})}}).as<float>()[0],
            lowest);
}

TEST(Interpreter, SelectGuardsOutOfBoundsReads) {
  Tensor x = placeholder({3}, DType::float32(), "x");
  Tensor shifted = compute(
      {5},
      [&](const std::vector<Var>& i) {
        return select(i[0] >= 1 && i[0] < 4, x(i[0] - 1), Expr(-1.0f));
      },
      "shifted");
  EXPECT_CLOSE(run_one(shifted, {{x, test::array_of({3}, {7, 8, 9})}}),
               test::array_of({5}, {-1, 7, 8, 9, -1}));
  Tensor unguarded = compute(
      {4}, [&](const std::vector<Var>& i) { return x(i[0]); }, "unguarded");
  EXPECT_THROW(run_one(unguarded, {{x, test::array_of({3}, {7, 8, 9})}}), InternalError);
}

TEST(Interpreter, IntegerTensorsAndCasts) {
  Tensor idx = compute(
      {4}, [](const std::vector<Var>& i) { return i[0] * 3 - 5; }, "idx");
  EXPECT_EQ(idx.dtype(), DType::int32());
  Tensor x = placeholder({4}, DType::float32(), "x");
  Tensor y = compute(
      {4},
      [&](const std::vector<Var>& i) {
        // Truncation toward zero for float -> int, comparisons of floats as bools.
        Expr as_int = cast(DType::int32(), x(i[0]));
        return cast(DType::float32(), idx(i[0]) + as_int) +
               select(x(i[0]) > 0.0f, Expr(0.5f), Expr(0.0f));
      },
      "y");
  auto out = evaluate({idx, y}, {{x, test::array_of({4}, {-1.7f, 2.9f, 0.0f, 3.2f})}});
  EXPECT_EQ(std::vector<int32_t>(out[0].as<int32_t>(), out[0].as<int32_t>() + 4),
            (std::vector<int32_t>{-5, -2, 1, 4}));
  EXPECT_CLOSE(out[1], test::array_of({4}, {-6, 0.5f, 1, 7.5f}));
}

TEST(Interpreter, IntrinsicsAndPlaceholderOutputs) {
  Tensor x = placeholder({3}, DType::float32(), "x");
  Tensor y = compute(
      {3},
      [&](const std::vector<Var>& i) {
        Expr v = x(i[0]);
        return call(Intrinsic::sigmoid, {v}) + call(Intrinsic::floor, {v}) +
               call(Intrinsic::pow, {v, Expr(2.0f)});
      },
      "y");
  NDArray xv = test::array_of({3}, {-1.5f, 0.0f, 2.25f});
  auto out = evaluate({y, x}, {{x, xv}});
  NDArray expected({3}, DType::float32());
  for (int i = 0; i < 3; ++i) {
    float v = xv.as<float>()[i];
    expected.as<float>()[i] = 1.0f / (1.0f + std::exp(-v)) + std::floor(v) + v * v;
  }
  EXPECT_CLOSE(out[0], expected, 1e-6, 1e-7);
  EXPECT_CLOSE(out[1], xv);
}

TEST(Interpreter, InputErrors) {
  Tensor x = placeholder({2, 3}, DType::float32(), "x");
  Tensor y = ops::relu(x);
  expect_user_error([&] { evaluate({y}, PlaceholderValues{}); }, {"evaluate", "placeholder 'x'"});
  expect_user_error(
      [&] {
        evaluate({y}, {{x, NDArray({3, 2}, DType::float32())}});
      },
      {"evaluate", "'x'", "2x3", "3x2"});
  expect_user_error(
      [&] {
        evaluate({y}, {{y, NDArray({2, 3}, DType::float32())}});
      },
      {"evaluate", "not a placeholder"});
}

TEST(Interpreter, Conv2dIsFastEnough) {
  Tensor x = placeholder({1, 64, 28, 28}, DType::float32(), "x");
  Tensor w = placeholder({64, 64, 3, 3}, DType::float32(), "w");
  Tensor y = ops::conv2d(x, w, {.padding = {1, 1, 1, 1}});
  NDArray xv = test::random_array({1, 64, 28, 28}, 1), wv = test::random_array({64, 64, 3, 3}, 2);
  auto start = std::chrono::steady_clock::now();
  NDArray out = run_one(y, {{x, xv}, {w, wv}});
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("reference conv2d 1x64x28x28 k64 3x3: %.2f s\n", seconds);
  // The bound is for the builds users run (about 1.2 s on a 2.0 GHz Xeon); ASan and UBSan slow the
  // interpreter's loops tenfold and more, so under them only its answer is checked.
  if (!kAddressSanitizer) EXPECT_LT(seconds, 10.0);
  // Spot-check one interior and one border point against direct sums.
  auto direct = [&](int k, int oy, int ox) {
    float acc = 0;
    for (int c = 0; c < 64; ++c)
      for (int ry = 0; ry < 3; ++ry)
        for (int rx = 0; rx < 3; ++rx) {
          int iy = oy + ry - 1, ix = ox + rx - 1;
          float v = iy >= 0 && iy < 28 && ix >= 0 && ix < 28
                        ? xv.as<float>()[(c * 28 + iy) * 28 + ix]
                        : 0;
          acc += v * wv.as<float>()[((k * 64 + c) * 3 + ry) * 3 + rx];
        }
    return acc;
  };
  EXPECT_EQ(out.as<float>()[(5 * 28 + 10) * 28 + 12], direct(5, 10, 12));
  EXPECT_EQ(out.as<float>()[(63 * 28 + 0) * 28 + 27], direct(63, 0, 27));
}

TEST(Compare, ToleranceNaNAndCoordinates) {
  NDArray expected = test::array_of({2, 3}, {1, 2, 3, 4, 5, 0});
  NDArray same = test::array_of({2, 3}, {1, 2, 3, 4, 5, 0});
  CompareResult ok = compare(same, expected);
  EXPECT_TRUE(ok.ok);
  EXPECT_EQ(ok.first_bad_index, -1);
  EXPECT_EQ(ok.max_abs_error, 0.0);
  EXPECT_NE(ok.describe().find("ok"), std::string::npos);

  // Within atol + rtol·|e| (1e-5 + 1e-3·5) passes; 5.01 does not.
  NDArray close = test::array_of({2, 3}, {1, 2, 3, 4, 5.004f, 0});
  EXPECT_TRUE(compare(close, expected).ok);
  NDArray wrong = test::array_of({2, 3}, {1, 2, 3, 4, 5.01f, NAN});
  CompareResult bad = compare(wrong, expected);
  EXPECT_FALSE(bad.ok);
  EXPECT_EQ(bad.num_bad, 2);
  EXPECT_EQ(bad.first_bad_index, 4);
  EXPECT_EQ(bad.first_bad_coords, (std::vector<int64_t>{1, 1}));
  EXPECT_NEAR(bad.max_abs_error, 0.01, 1e-6);
  EXPECT_NEAR(bad.max_rel_error, 0.002, 1e-6);
  std::string text = bad.describe();
  EXPECT_NE(text.find("2 of 6"), std::string::npos) << text;
  EXPECT_NE(text.find("[1, 1]"), std::string::npos) << text;

  NDArray nan_both = test::array_of({1}, {NAN});
  EXPECT_TRUE(compare(nan_both, nan_both).ok);
  NDArray inf = test::array_of({1}, {INFINITY});
  EXPECT_TRUE(compare(inf, inf).ok);
  EXPECT_FALSE(compare(inf, test::array_of({1}, {-INFINITY})).ok);
  EXPECT_FALSE(compare(test::array_of({1}, {1}), nan_both).ok);
  expect_user_error(
      [&] {
        compare(test::array_of({3}, {1, 2, 3}), expected);
      },
      {"compare", "3", "2x3"});
}

}  // namespace
}  // namespace tt
