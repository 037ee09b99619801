// Tests of the elementwise operators: unary math against <cmath>, numpy broadcasting of binary ops
// (shapes and values), bias_add and inference batch norm, and their shape errors.
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

// Applies `f` to every element of `x`.
NDArray map_array(const NDArray& x, const std::function<float(float)>& f) {
  NDArray out(x.shape(), DType::float32());
  for (int64_t i = 0; i < x.num_elements(); ++i) out.as<float>()[i] = f(x.as<float>()[i]);
  return out;
}

TEST(OpsElementwise, UnaryMatchCmath) {
  Tensor x = input({2, 3, 4}, "X");
  NDArray any = random_array({2, 3, 4}, 1, -4.0f, 4.0f);
  NDArray positive = random_array({2, 3, 4}, 2, 0.1f, 5.0f);
  struct Case {
    Tensor out;
    std::function<float(float)> f;
    const NDArray* data;
  };
  std::vector<Case> cases = {
      {ops::relu(x), [](float v) { return std::max(v, 0.0f); }, &any},
      {ops::clip(x, -1.0f, 2.0f), [](float v) { return std::min(std::max(v, -1.0f), 2.0f); }, &any},
      {ops::relu6(x), [](float v) { return std::min(std::max(v, 0.0f), 6.0f); }, &any},
      {ops::sigmoid(x), [](float v) { return 1.0f / (1.0f + std::exp(-v)); }, &any},
      {ops::tanh(x), [](float v) { return std::tanh(v); }, &any},
      {ops::exp(x), [](float v) { return std::exp(v); }, &any},
      {ops::log(x), [](float v) { return std::log(v); }, &positive},
      {ops::sqrt(x), [](float v) { return std::sqrt(v); }, &positive},
      {ops::abs(x), [](float v) { return std::fabs(v); }, &any},
      {ops::negative(x), [](float v) { return -v; }, &any},
      {ops::gelu(x), [](float v) { return float(0.5 * v * (1 + std::erf(v / std::sqrt(2.0)))); },
       &any},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(c.out->tag, "elemwise") << c.out.name();
    EXPECT_EQ(c.out.shape(), x.shape());
    CompareResult r = compare(run_one(c.out, {{x, *c.data}}), map_array(*c.data, c.f), 1e-5, 1e-6);
    EXPECT_TRUE(r.ok) << c.out.name() << ": " << r.describe();
  }
  expect_user_error([&] { ops::clip(x, 2.0f, 1.0f); }, {"clip", "greater"});
  expect_user_error([&] { ops::relu(placeholder({2}, DType::int32(), "I")); }, {"relu", "int32"});
  expect_user_error([&] { ops::exp(Tensor()); }, {"exp", "undefined"});
}

TEST(OpsElementwise, BroadcastShapes) {
  using S = std::vector<int64_t>;
  EXPECT_EQ(ops::broadcast_shape({3, 1}, {1, 4}, "add"), (S{3, 4}));
  EXPECT_EQ(ops::broadcast_shape({2, 3, 4}, {4}, "add"), (S{2, 3, 4}));
  EXPECT_EQ(ops::broadcast_shape({5, 1, 1}, {3, 1}, "add"), (S{5, 3, 1}));
  EXPECT_EQ(ops::broadcast_shape({}, {2, 2}, "add"), (S{2, 2}));
  expect_user_error([] { ops::broadcast_shape({3, 2}, {4}, "add"); }, {"add", "[3, 2]", "[4]"});
}

TEST(OpsElementwise, AddBroadcasts3x1With1x4) {
  Tensor a = input({3, 1}, "A"), b = input({1, 4}, "B");
  Tensor c = ops::add(a, b);
  EXPECT_EQ(c->tag, "broadcast");
  NDArray av = test::array_of({3, 1}, {10, 20, 30}), bv = test::array_of({1, 4}, {1, 2, 3, 4});
  EXPECT_CLOSE(run_one(c, {{a, av}, {b, bv}}),
               test::array_of({3, 4}, {11, 12, 13, 14, 21, 22, 23, 24, 31, 32, 33, 34}));
  expect_user_error(
      [&] {
        ops::multiply(input({3, 2}, "P"), input({4}, "Q"));
      },
      {"multiply", "[3, 2]", "[4]"});
}

TEST(OpsElementwise, BinaryOpsWithRankBroadcast) {
  Tensor a = input({2, 3, 4}, "A"), b = input({4}, "B");
  NDArray av = random_array({2, 3, 4}, 3, 0.5f, 2.0f), bv = random_array({4}, 4, 0.5f, 2.0f);
  struct Case {
    Tensor out;
    std::function<float(float, float)> f;
  };
  std::vector<Case> cases = {
      {ops::add(a, b), [](float x, float y) { return x + y; }},
      {ops::subtract(a, b), [](float x, float y) { return x - y; }},
      {ops::multiply(a, b), [](float x, float y) { return x * y; }},
      {ops::divide(a, b), [](float x, float y) { return x / y; }},
      {ops::maximum(a, b), [](float x, float y) { return std::max(x, y); }},
      {ops::minimum(a, b), [](float x, float y) { return std::min(x, y); }},
      {ops::power(a, b), [](float x, float y) { return std::pow(x, y); }},
  };
  for (const Case& c : cases) {
    NDArray expected({2, 3, 4}, DType::float32());
    for (int i = 0; i < 24; ++i)
      expected.as<float>()[i] = c.f(av.as<float>()[i], bv.as<float>()[i % 4]);
    CompareResult r = compare(run_one(c.out, {{a, av}, {b, bv}}), expected, 1e-5, 1e-6);
    EXPECT_TRUE(r.ok) << c.out.name() << ": " << r.describe();
  }
  EXPECT_EQ(ops::add(a, a)->tag, "elemwise");
}

TEST(OpsElementwise, BiasAdd) {
  Tensor x = input({2, 3, 2}, "X"), b = input({3}, "b");
  NDArray xv = random_array({2, 3, 2}, 5), bv = test::array_of({3}, {100, 200, 300});
  NDArray expected({2, 3, 2}, DType::float32());
  for (int i = 0; i < 12; ++i)
    expected.as<float>()[i] = xv.as<float>()[i] + bv.as<float>()[(i / 2) % 3];
  EXPECT_CLOSE(run_one(ops::bias_add(x, b), {{x, xv}, {b, bv}}), expected);
  Tensor b2 = input({2}, "b2");
  NDArray b2v = test::array_of({2}, {1, 2});
  for (int i = 0; i < 12; ++i) expected.as<float>()[i] = xv.as<float>()[i] + b2v.as<float>()[i % 2];
  EXPECT_CLOSE(run_one(ops::bias_add(x, b2, -1), {{x, xv}, {b2, b2v}}), expected);
  expect_user_error([&] { ops::bias_add(x, b2, 1); }, {"bias_add", "[2]", "3 elements on axis 1"});
  expect_user_error([&] { ops::bias_add(x, b, 3); }, {"bias_add", "axis 3"});
}

TEST(OpsElementwise, BatchNormInference) {
  Tensor x = input({2, 3, 2, 2}, "X");
  Tensor gamma = input({3}, "gamma"), beta = input({3}, "beta"), mean = input({3}, "mean"),
         var = input({3}, "var");
  NDArray xv = random_array({2, 3, 2, 2}, 6), gv = random_array({3}, 7), bv = random_array({3}, 8),
          mv = random_array({3}, 9), vv = random_array({3}, 10, 0.5f, 2.0f);
  const float eps = 1e-3f;
  NDArray expected(xv.shape(), DType::float32());
  for (int i = 0; i < 24; ++i) {
    int c = (i / 4) % 3;
    float norm = (xv.as<float>()[i] - mv.as<float>()[c]) / std::sqrt(vv.as<float>()[c] + eps);
    expected.as<float>()[i] = norm * gv.as<float>()[c] + bv.as<float>()[c];
  }
  Tensor y = ops::batch_norm(x, gamma, beta, mean, var, eps);
  EXPECT_EQ(y->tag, "broadcast");
  NDArray actual = run_one(y, {{x, xv}, {gamma, gv}, {beta, bv}, {mean, mv}, {var, vv}});
  EXPECT_CLOSE(actual, expected, 1e-5, 1e-6);
  expect_user_error([&] { ops::batch_norm(x, input({4}, "g4"), beta, mean, var); },
                    {"batch_norm", "gamma", "[4]", "3 channels"});
  expect_user_error([&] { ops::batch_norm(input({3}, "v"), gamma, beta, mean, var); },
                    {"batch_norm", "2-D"});
}

TEST(OpsElementwise, InjectiveTags) {
  EXPECT_TRUE(ops::is_injective_tag("elemwise"));
  EXPECT_TRUE(ops::is_injective_tag("broadcast"));
  EXPECT_TRUE(ops::is_injective_tag("injective"));
  EXPECT_TRUE(ops::is_injective_tag("pad"));
  EXPECT_FALSE(ops::is_injective_tag("conv2d"));
  EXPECT_FALSE(ops::is_injective_tag("softmax"));
}

}  // namespace
}  // namespace tt
