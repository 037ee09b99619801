// Small TE graphs of each operator family, shared by the stage-analysis tests (tests/ir) and the
// sketch-search tests (tests/search): matmul, dense, conv2d+bias+relu, depthwise conv2d, max-pool,
// softmax and an elementwise-only chain. Shapes are small so that compiled candidates run fast.
#pragma once

#include <string>
#include <vector>

#include "ir/te/ops.h"

namespace tt::test {

inline Tensor f32(std::vector<int64_t> shape, const std::string& name) {
  return placeholder(std::move(shape), DType::float32(), name);
}

// C[M,N] = A[M,K] · B[K,N].
inline std::vector<Tensor> matmul_graph(int64_t m = 32, int64_t n = 48, int64_t k = 24) {
  return {ops::matmul(f32({m, k}, "A"), f32({k, n}, "B"), "C")};
}

// Y[M,N] = X[M,K] · W[N,K]ᵀ (no bias).
inline std::vector<Tensor> dense_graph(int64_t m = 4, int64_t n = 40, int64_t k = 64) {
  return {ops::dense(f32({m, k}, "X"), f32({n, k}, "W"), Tensor(), "dense")};
}

// relu(bias_add(conv2d(x, w))), 3x3 with padding 1: stages conv.pad, conv, bias, relu.
inline std::vector<Tensor> conv_bias_relu_graph(int64_t c = 4, int64_t k = 8, int64_t hw = 8) {
  ops::Conv2dParams p;
  p.padding = {1, 1, 1, 1};
  Tensor conv = ops::conv2d(f32({1, c, hw, hw}, "x"), f32({k, c, 3, 3}, "w"), p, "conv");
  Tensor bias = ops::bias_add(conv, f32({k}, "b"), 1, "bias");
  return {ops::relu(bias, "relu")};
}

// Depthwise 3x3 convolution with padding 1.
inline std::vector<Tensor> depthwise_graph(int64_t c = 8, int64_t hw = 8) {
  ops::Conv2dParams p;
  p.padding = {1, 1, 1, 1};
  p.groups = c;
  return {ops::conv2d(f32({1, c, hw, hw}, "x"), f32({c, 1, 3, 3}, "w"), p, "dwconv")};
}

// 3x3 max-pool, stride 2, padding 1.
inline std::vector<Tensor> max_pool_graph(int64_t c = 4, int64_t hw = 8) {
  ops::Pool2dParams p;
  p.kernel = {3, 3};
  p.stride = {2, 2};
  p.padding = {1, 1, 1, 1};
  return {ops::max_pool2d(f32({1, c, hw, hw}, "x"), p, "pool")};
}

inline std::vector<Tensor> softmax_graph(int64_t rows = 4, int64_t cols = 32) {
  return {ops::softmax(f32({rows, cols}, "x"), -1, "softmax")};
}

// relu(x + y) * 2 over [4, 6, 16]: stages add, relu, scale.
inline std::vector<Tensor> elementwise_graph() {
  Tensor sum = ops::add(f32({4, 6, 16}, "x"), f32({4, 6, 16}, "y"), "add");
  Tensor r = ops::relu(sum, "relu");
  return {compute(
      r.shape(), [&](const std::vector<Var>& i) { return r(i[0], i[1], i[2]) * 2.0f; }, "scale",
      ops::kTagElemwise)};
}

// out = A·B + A·C: two reductions feeding one element-wise epilogue.
inline std::vector<Tensor> two_matmuls_add_graph(int64_t m = 16, int64_t n = 24, int64_t k = 8) {
  Tensor a = f32({m, k}, "A");
  Tensor p = ops::matmul(a, f32({k, n}, "B"), "P"), q = ops::matmul(a, f32({k, n}, "C"), "Q");
  return {ops::add(p, q, "out")};
}

}  // namespace tt::test
