// Tests of softmax, axis reductions and the layout transforms (concatenate, pad, reshape, flatten,
// transpose): stage structure, values against loops written here, and shape errors.
#include <gtest/gtest.h>

#include <cmath>

#include "ir/te/ops.h"
#include "te_test_util.h"

namespace tt {
namespace {

using test::expect_user_error;
using test::random_array;
using test::input;
using test::run_one;
using S = std::vector<int64_t>;


// Softmax of a [outer, n, inner] array over its middle axis, in double.
NDArray softmax_reference(const NDArray& x, int64_t outer, int64_t n, int64_t inner) {
  NDArray out(x.shape(), DType::float32());
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      auto at = [&](int64_t k) { return (o * n + k) * inner + i; };
      double peak = -INFINITY, total = 0;
      for (int64_t k = 0; k < n; ++k) peak = std::max(peak, double(x.as<float>()[at(k)]));
      for (int64_t k = 0; k < n; ++k) total += std::exp(x.as<float>()[at(k)] - peak);
      for (int64_t k = 0; k < n; ++k) {
        out.as<float>()[at(k)] = float(std::exp(x.as<float>()[at(k)] - peak) / total);
      }
    }
  return out;
}

TEST(OpsSoftmax, ThreeStagesAnyAxis) {
  Tensor x = input({2, 3, 4}, "X");
  NDArray xv = random_array({2, 3, 4}, 1, -3.0f, 3.0f);
  Tensor y = ops::softmax(x, 1, "sm");
  EXPECT_EQ(y->tag, "softmax");
  auto order = topological_order({y});
  ASSERT_EQ(order.size(), 4u);  // X, sm.max, sm.expsum, sm
  EXPECT_EQ(order[1]->name, "sm.max");
  EXPECT_EQ(order[2]->name, "sm.expsum");
  EXPECT_EQ(order[1]->shape, (S{2, 4}));
  EXPECT_CLOSE(run_one(y, {{x, xv}}), softmax_reference(xv, 2, 3, 4), 1e-5, 1e-7);
  EXPECT_CLOSE(run_one(ops::softmax(x), {{x, xv}}), softmax_reference(xv, 6, 4, 1), 1e-5, 1e-7);
  Tensor v = input({5}, "V");
  NDArray vv = random_array({5}, 2);
  EXPECT_CLOSE(run_one(ops::softmax(v), {{v, vv}}), softmax_reference(vv, 1, 5, 1), 1e-5, 1e-7);
  expect_user_error([&] { ops::softmax(x, 3); }, {"softmax", "axis 3"});
}

TEST(OpsSoftmax, LargeInputsDoNotOverflow) {
  Tensor x = input({1, 3}, "X");
  NDArray out = run_one(ops::softmax(x), {{x, test::array_of({1, 3}, {1000, 1000, 1000})}});
  EXPECT_CLOSE(out, test::array_of({1, 3}, {1.0f / 3, 1.0f / 3, 1.0f / 3}));
}

TEST(OpsReduce, SumMaxMinMean) {
  Tensor x = input({2, 3, 4}, "X");
  NDArray xv = random_array({2, 3, 4}, 3);
  NDArray sum({2, 4}, DType::float32()), peak({2, 1, 4}, DType::float32()),
      low({2, 1, 4}, DType::float32()), mean({2, 4}, DType::float32());
  for (int o = 0; o < 2; ++o)
    for (int i = 0; i < 4; ++i) {
      float s = 0, p = -INFINITY, l = INFINITY;
      for (int k = 0; k < 3; ++k) {
        float v = xv.as<float>()[(o * 3 + k) * 4 + i];
        s += v;
        p = std::max(p, v);
        l = std::min(l, v);
      }
      sum.as<float>()[o * 4 + i] = s;
      peak.as<float>()[o * 4 + i] = p;
      low.as<float>()[o * 4 + i] = l;
      mean.as<float>()[o * 4 + i] = s / 3;
    }
  Tensor s = ops::reduce_sum(x, {1});
  EXPECT_EQ(s->tag, "reduce");
  EXPECT_CLOSE(run_one(s, {{x, xv}}), sum);
  Tensor p = ops::reduce_max(x, {-2}, true);
  EXPECT_EQ(p.shape(), (S{2, 1, 4}));
  EXPECT_CLOSE(run_one(p, {{x, xv}}), peak);
  EXPECT_CLOSE(run_one(ops::reduce_min(x, {1}, true), {{x, xv}}), low);
  EXPECT_CLOSE(run_one(ops::reduce_mean(x, {1}), {{x, xv}}), mean);

  Tensor all = ops::reduce_sum(x, {});
  EXPECT_EQ(all.shape(), (S{1}));
  float total = 0;
  for (int i = 0; i < 24; ++i) total += xv.as<float>()[i];
  EXPECT_CLOSE(run_one(all, {{x, xv}}), test::array_of({1}, {total}));
  EXPECT_EQ(ops::reduce_sum(x, {0, 2}, true).shape(), (S{1, 3, 1}));
  expect_user_error([&] { ops::reduce_sum(x, {1, -2}); }, {"sum", "twice"});
  expect_user_error([&] { ops::reduce_mean(x, {5}); }, {"mean", "axis 5"});
}

TEST(OpsTransform, Concatenate) {
  Tensor a = input({2, 1, 2}, "A"), b = input({2, 3, 2}, "B"), c = input({2, 2, 2}, "C");
  Tensor y = ops::concatenate({a, b, c}, 1);
  EXPECT_EQ(y.shape(), (S{2, 6, 2}));
  EXPECT_EQ(y->tag, "injective");
  NDArray av = random_array({2, 1, 2}, 4), bv = random_array({2, 3, 2}, 5),
          cv = random_array({2, 2, 2}, 6);
  NDArray expected({2, 6, 2}, DType::float32());
  for (int n = 0; n < 2; ++n)
    for (int k = 0; k < 6; ++k)
      for (int i = 0; i < 2; ++i) {
        float v = k < 1   ? av.as<float>()[(n * 1 + k) * 2 + i]
                  : k < 4 ? bv.as<float>()[(n * 3 + k - 1) * 2 + i]
                          : cv.as<float>()[(n * 2 + k - 4) * 2 + i];
        expected.as<float>()[(n * 6 + k) * 2 + i] = v;
      }
  EXPECT_CLOSE(run_one(y, {{a, av}, {b, bv}, {c, cv}}), expected);
  expect_user_error(
      [&] {
        ops::concatenate({a, input({3, 1, 2}, "D")}, 1);
      },
      {"concatenate", "[3, 1, 2]", "axis 1"});
  expect_user_error([&] { ops::concatenate({}, 0); }, {"concatenate", "no inputs"});
}

TEST(OpsTransform, PadWithValue) {
  Tensor x = input({2, 3}, "X");
  Tensor y = ops::pad(x, {1, 0}, {0, 2}, -5.0f);
  EXPECT_EQ(y->tag, "pad");
  EXPECT_EQ(y.shape(), (S{3, 5}));
  NDArray out = run_one(y, {{x, test::array_of({2, 3}, {1, 2, 3, 4, 5, 6})}});
  EXPECT_CLOSE(out, test::array_of({3, 5}, {-5, -5, -5, -5, -5, 1, 2, 3, -5, -5, 4, 5, 6, -5, -5}));
  expect_user_error([&] { ops::pad(x, {1}, {1}); }, {"pad", "2 dimensions"});
  expect_user_error([&] { ops::pad(x, {0, -1}, {0, 0}); }, {"pad", "negative"});
}

TEST(OpsTransform, ReshapeAndFlatten) {
  Tensor x = input({2, 3, 4}, "X");
  NDArray xv = random_array({2, 3, 4}, 7);
  for (const S& shape : {S{4, 6}, S{24}, S{1, 2, 12, 1}, S{3, 2, 2, 2}}) {
    Tensor y = ops::reshape(x, shape);
    EXPECT_EQ(y.shape(), shape);
    NDArray out = run_one(y, {{x, xv}});
    // Same elements in the same row-major order.
    for (int i = 0; i < 24; ++i) ASSERT_EQ(out.as<float>()[i], xv.as<float>()[i]) << i;
  }
  EXPECT_EQ(ops::reshape(x, {-1, 8}).shape(), (S{3, 8}));
  Tensor f = ops::flatten(x);
  EXPECT_EQ(f.shape(), (S{2, 12}));
  NDArray out = run_one(f, {{x, xv}});
  for (int i = 0; i < 24; ++i) ASSERT_EQ(out.as<float>()[i], xv.as<float>()[i]) << i;
  EXPECT_EQ(ops::flatten(x, 0).shape(), (S{1, 24}));
  EXPECT_EQ(ops::flatten(x, 3).shape(), (S{24, 1}));
  expect_user_error([&] { ops::reshape(x, {5, 5}); }, {"reshape", "24 elements", "[5, 5]"});
  expect_user_error([&] { ops::reshape(x, {-1, 5}); }, {"reshape", "[-1, 5]"});
  expect_user_error([&] { ops::reshape(x, {-1, -1}); }, {"reshape", "more than one -1"});
  expect_user_error([&] { ops::flatten(x, 4); }, {"flatten", "axis 4"});
}

TEST(OpsTransform, Transpose) {
  Tensor x = input({2, 3, 4}, "X");
  NDArray xv = random_array({2, 3, 4}, 8);
  Tensor y = ops::transpose(x, {2, 0, 1});
  EXPECT_EQ(y.shape(), (S{4, 2, 3}));
  NDArray out = run_one(y, {{x, xv}});
  for (int a = 0; a < 2; ++a)
    for (int b = 0; b < 3; ++b)
      for (int c = 0; c < 4; ++c) {
        ASSERT_EQ(out.as<float>()[(c * 2 + a) * 3 + b], xv.as<float>()[(a * 3 + b) * 4 + c]);
      }
  EXPECT_EQ(ops::transpose(x).shape(), (S{4, 3, 2}));
  expect_user_error(
      [&] {
        ops::transpose(x, {0, 0, 1});
      },
      {"transpose", "(0, 0, 1)", "permutation"});
  expect_user_error([&] { ops::transpose(x, {0, 1}); }, {"transpose", "permutation"});
}

}  // namespace
}  // namespace tt
