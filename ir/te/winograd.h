// Winograd's minimal filtering F(m×m, 3×3) for stride-1 convolutions (Lavin & Gray, "Fast
// Algorithms for Convolutional Neural Networks", 2016): each m×m output tile is
// Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A over an α×α input tile d (α = m + 2), so the α² products per tile and
// channel pair replace 9m² multiply-adds of the direct form. The transformed weights G g Gᵀ are
// computed once (at load, like a packed layout); what the kernel runs is a batched GEMM over the
// α² transform points between an input transform and an output transform.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/ndarray.h"
#include "ir/te/tensor.h"

namespace tt::winograd {

// The output tile sizes m of F(m×m, 3×3) supported: 2, 4 and 6 (α = 4, 6, 8 points). Larger tiles
// save more multiplications but lose accuracy fast (the interpolation points grow).
bool supported_tile(int64_t m);
inline constexpr int64_t kKernelSize = 3;

// The one-dimensional transforms of F(m, 3): y = Aᵀ[(G g) ⊙ (Bᵀ d)] for a kernel g of 3 taps, an
// input d of α and an output y of m elements, y[i] = Σ_k g[k]·d[i + k]. Built exactly (rational
// arithmetic) by the Toom-Cook construction on the points 0, 1, -1, 2, -2, 1/2, -1/2 and infinity,
// then each row of Bᵀ scaled to integers (its row of G divided to match), so the input transform
// the kernel runs has small integer coefficients.
struct Matrices {
  int64_t m = 0, alpha = 0;
  std::vector<double> at;  // m × α, row-major
  std::vector<double> g;   // α × 3
  std::vector<double> bt;  // α × α
  double AT(int64_t i, int64_t j) const { return at[size_t(i * alpha + j)]; }
  double G(int64_t i, int64_t k) const { return g[size_t(i * kKernelSize + k)]; }
  double BT(int64_t i, int64_t j) const { return bt[size_t(i * alpha + j)]; }
};

// UserError naming the tile for an unsupported m.
const Matrices& matrices(int64_t m);

// The shape of the transformed weights of a [K][C][3][3] weight: [α][α][C][K] (each transform
// point a GEMM operand with the output channels contiguous).
std::vector<int64_t> transformed_weight_shape(const std::vector<int64_t>& weight_shape, int64_t m);

// U[ε][ν][c][k] = Σ_{r,s} G[ε][r]·w[k][c][r][s]·G[ν][s], in double, rounded once to float32.
// UserError unless `weight` is float32 [K][C][3][3].
NDArray transform_weight(const NDArray& weight, int64_t m);

// The stages of a Winograd convolution of `data` (float32 [N][C][OH+2][OW+2]: the input already
// padded, read only inside its bounds) with transformed weights `u` ([α][α][C][K]), giving
// [N][K][OH][OW]. P = N·⌈OH/m⌉·⌈OW/m⌉ tiles; the stages, named after `name`, keep the channels
// innermost, so every transform and the GEMM vectorize along channels (the data and the output
// then read and written channel-blocked, as a layout_rewrite stores them, for contiguous vectors):
//   <name>.wino_in1   [α][α][P][C]  axes eps, xi, p, c: Bᵀ applied along the tile's rows
//   <name>.wino_in    [α][α][P][C]  axes eps, nu, p, c: then along its columns, V = Bᵀ d B
//   <name>.wino_gemm  [α][α][P][K]  axes eps, nu, p, k, reduce rc: M = Σ_c V·U, a GEMM per point
//   <name>.wino_out1  [α][m][P][K]  axes eps, j, p, k: Aᵀ applied along the second axis
//   <name>            [N][K][OH][OW] the output transform, each output reading its tile's values
// Each transform is a select over the small axis of explicit sums of the non-zero terms, so once
// the schedule unrolls that axis the select folds away and no product by zero is computed.
// `axis_names` names the output's four axes (a rewrite keeps the replaced stage's loop names).
Tensor conv2d(const Tensor& data, const Tensor& u, int64_t out_h, int64_t out_w, int64_t m,
              const std::string& name, const std::vector<std::string>& axis_names = {"n", "k", "h", "w"});

// The tag of the transform stages (not inlinable: each value is reused by every output channel).
inline constexpr const char* kTagTransform = "winograd_transform";
inline constexpr const char* kTagGemm = "winograd_gemm";

}  // namespace tt::winograd
