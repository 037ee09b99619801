// Winograd convolution: the exact transform matrices (Toom-Cook in rational arithmetic), the
// weight transform, and the tensor-expression stages of the transformed convolution.
#include "ir/te/winograd.h"

#include <array>
#include <cmath>
#include <map>
#include <numeric>
#include <optional>

#include "ir/error.h"
#include "ir/int_math.h"
#include "ir/te/ops_util.h"

namespace tt::winograd {

namespace {

using ops::detail::index_const;
using ops::detail::shape_str;

// An exact rational with a positive denominator, in lowest terms. The matrices of F(6, 3) need
// numerators and denominators of a few thousand at most; overflow would be a bug, so it asserts.
struct Rational {
  int64_t num = 0, den = 1;
  Rational(int64_t n = 0, int64_t d = 1) : num(n), den(d) {
    TT_ASSERT(d != 0, "rational with denominator 0");
    if (den < 0) num = -num, den = -den;
    int64_t g = std::gcd(num < 0 ? -num : num, den);
    if (g > 1) num /= g, den /= g;
  }
  static int64_t mul(int64_t a, int64_t b) {
    int64_t r = 0;
    TT_ASSERT(!__builtin_mul_overflow(a, b, &r), "rational overflow");
    return r;
  }
  friend Rational operator+(Rational a, Rational b) {
    int64_t n = 0;
    TT_ASSERT(!__builtin_add_overflow(mul(a.num, b.den), mul(b.num, a.den), &n), "rational overflow");
    return Rational(n, mul(a.den, b.den));
  }
  friend Rational operator-(Rational a, Rational b) { return a + Rational(-b.num, b.den); }
  friend Rational operator*(Rational a, Rational b) { return Rational(mul(a.num, b.num), mul(a.den, b.den)); }
  friend Rational operator/(Rational a, Rational b) {
    TT_ASSERT(b.num != 0, "rational division by zero");
    return Rational(mul(a.num, b.den), mul(a.den, b.num));
  }
  bool zero() const { return num == 0; }
  double value() const { return double(num) / double(den); }
};

using RMatrix = std::vector<std::vector<Rational>>;

RMatrix inverse(RMatrix a) {
  const size_t n = a.size();
  RMatrix inv(n, std::vector<Rational>(n, Rational(0)));
  for (size_t i = 0; i < n; ++i) inv[i][i] = 1;
  for (size_t col = 0; col < n; ++col) {
    size_t pivot = col;
    while (pivot < n && a[pivot][col].zero()) ++pivot;
    TT_ASSERT(pivot < n, "singular Winograd interpolation matrix");
    std::swap(a[pivot], a[col]);
    std::swap(inv[pivot], inv[col]);
    Rational p = a[col][col];
    for (size_t j = 0; j < n; ++j) a[col][j] = a[col][j] / p, inv[col][j] = inv[col][j] / p;
    for (size_t row = 0; row < n; ++row) {
      if (row == col || a[row][col].zero()) continue;
      Rational f = a[row][col];
      for (size_t j = 0; j < n; ++j) {
        a[row][j] = a[row][j] - f * a[col][j];
        inv[row][j] = inv[row][j] - f * inv[col][j];
      }
    }
  }
  return inv;
}

Rational power(Rational x, int64_t e) {
  Rational r = 1;
  for (int64_t i = 0; i < e; ++i) r = r * x;
  return r;
}

// Toom-Cook for the linear convolution s = g * h (g of r taps, h of m): s = C[(E_g g) ⊙ (E_h h)],
// E evaluating a polynomial at the α - 1 finite points and at infinity (its leading coefficient),
// C the inverse of evaluating a degree-(α-1) polynomial there. The correlation y[i] = Σ g[k] d[i+k]
// is that map's transpose in h, so y = E_hᵀ[(E_g g) ⊙ (Cᵀ d)]: Aᵀ = E_hᵀ, G = E_g, Bᵀ = Cᵀ.
Matrices build(int64_t m) {
  const int64_t r = kKernelSize, alpha = m + r - 1;
  static const std::array<Rational, 7> kPoints = {Rational(0), Rational(1), Rational(-1), Rational(2),
                                                  Rational(-2), Rational(1, 2), Rational(-1, 2)};
  TT_ASSERT(alpha - 1 <= int64_t(kPoints.size()), "too few interpolation points for F({}, 3)", m);
  auto evaluation = [&](int64_t degree_plus_one) {
    RMatrix e(size_t(alpha), std::vector<Rational>(size_t(degree_plus_one), Rational(0)));
    for (int64_t j = 0; j + 1 < alpha; ++j)
      for (int64_t k = 0; k < degree_plus_one; ++k) e[size_t(j)][size_t(k)] = power(kPoints[size_t(j)], k);
    e[size_t(alpha - 1)][size_t(degree_plus_one - 1)] = 1;
    return e;
  };
  RMatrix eg = evaluation(r), eh = evaluation(m), c = inverse(evaluation(alpha));
  // Scale row j of Bᵀ (column j of C) to coprime integers and row j of G by the inverse factor:
  // the product (G g)_j (Bᵀ d)_j is unchanged.
  for (int64_t j = 0; j < alpha; ++j) {
    int64_t den_lcm = 1, num_gcd = 0;
    for (int64_t l = 0; l < alpha; ++l) {
      const Rational& v = c[size_t(l)][size_t(j)];
      den_lcm = std::lcm(den_lcm, v.den);
      num_gcd = std::gcd(num_gcd, v.num < 0 ? -v.num : v.num);
    }
    Rational scale(den_lcm, num_gcd);
    for (int64_t l = 0; l < alpha; ++l) c[size_t(l)][size_t(j)] = c[size_t(l)][size_t(j)] * scale;
    for (int64_t k = 0; k < r; ++k) eg[size_t(j)][size_t(k)] = eg[size_t(j)][size_t(k)] / scale;
  }
  Matrices out;
  out.m = m;
  out.alpha = alpha;
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < alpha; ++j) out.at.push_back(eh[size_t(j)][size_t(i)].value());
  for (int64_t j = 0; j < alpha; ++j)
    for (int64_t k = 0; k < r; ++k) out.g.push_back(eg[size_t(j)][size_t(k)].value());
  for (int64_t i = 0; i < alpha; ++i)
    for (int64_t j = 0; j < alpha; ++j) out.bt.push_back(c[size_t(j)][size_t(i)].value());
  return out;
}

// Σ_j coefficient(row, j)·term(j) over the non-zero coefficients; ±1 add or subtract the term.
template <typename Coefficient, typename Term>
Expr linear_combination(int64_t n, const Coefficient& coefficient, const Term& term) {
  Expr sum;
  for (int64_t j = 0; j < n; ++j) {
    double c = coefficient(j);
    if (c == 0) continue;
    Expr t = term(j);
    if (!sum.defined()) {
      sum = c == 1 ? t : c == -1 ? -t : Expr(float(c)) * t;
    } else if (c == 1) {
      sum = sum + t;
    } else if (c == -1) {
      sum = sum - t;
    } else {
      sum = sum + Expr(float(c)) * t;
    }
  }
  return sum.defined() ? sum : Expr(0.0f);
}

// select(axis == 0, row(0), select(axis == 1, row(1), ... row(n - 1))).
template <typename Row>
Expr select_rows(const Expr& axis, int64_t n, const Row& row) {
  Expr e = row(n - 1);
  for (int64_t i = n - 2; i >= 0; --i) e = select(axis == index_const(i), row(i), e);
  return e;
}

// `t` with its axes renamed (loop names follow them); call it before anything reads `t`.
Tensor with_axis_names(const Tensor& t, const std::vector<std::string>& names) {
  auto renamed = std::make_shared<OperationNode>(*t.op());
  VarMap map;
  for (size_t d = 0; d < names.size(); ++d) {
    Var fresh(names[d]);
    map[renamed->axes[d].var.get()] = fresh;
    renamed->axes[d].var = fresh;
  }
  renamed->body = substitute(renamed->body, map);
  return Tensor(renamed);
}

}  // namespace

bool supported_tile(int64_t m) { return m == 2 || m == 4 || m == 6; }

const Matrices& matrices(int64_t m) {
  if (!supported_tile(m)) user_error("winograd: output tile {} is not supported (2, 4 or 6)", m);
  static const std::map<int64_t, Matrices> kAll = {{2, build(2)}, {4, build(4)}, {6, build(6)}};
  return kAll.at(m);
}

std::vector<int64_t> transformed_weight_shape(const std::vector<int64_t>& w, int64_t m) {
  if (w.size() != 4 || w[2] != kKernelSize || w[3] != kKernelSize)
    user_error("winograd: weight {} is not [K][C][3][3]", shape_str(w));
  const int64_t alpha = matrices(m).alpha;
  return {alpha, alpha, w[1], w[0]};
}

NDArray transform_weight(const NDArray& weight, int64_t m) {
  if (weight.dtype() != DType::float32()) user_error("winograd: weight has dtype {}, expected float32", weight.dtype().to_string());
  std::vector<int64_t> shape = transformed_weight_shape(weight.shape(), m);
  const Matrices& t = matrices(m);
  const int64_t alpha = t.alpha, C = shape[2], K = shape[3];
  NDArray out(shape, DType::float32());
  const float* w = weight.as<float>();
  float* u = out.as<float>();
  std::vector<double> tmp(size_t(alpha * kKernelSize));  // G·g for one (k, c)
  for (int64_t k = 0; k < K; ++k) {
    for (int64_t c = 0; c < C; ++c) {
      const float* g = w + (k * C + c) * 9;
      for (int64_t e = 0; e < alpha; ++e)
        for (int64_t s = 0; s < kKernelSize; ++s) {
          double acc = 0;
          for (int64_t r = 0; r < kKernelSize; ++r) acc += t.G(e, r) * double(g[r * 3 + s]);
          tmp[size_t(e * kKernelSize + s)] = acc;
        }
      for (int64_t e = 0; e < alpha; ++e)
        for (int64_t n = 0; n < alpha; ++n) {
          double acc = 0;
          for (int64_t s = 0; s < kKernelSize; ++s) acc += tmp[size_t(e * kKernelSize + s)] * t.G(n, s);
          u[((e * alpha + n) * C + c) * K + k] = float(acc);
        }
    }
  }
  return out;
}

Tensor conv2d(const Tensor& data, const Tensor& u, int64_t out_h, int64_t out_w, int64_t m,
              const std::string& name, const std::vector<std::string>& axis_names) {
  const Matrices& t = matrices(m);
  const int64_t alpha = t.alpha;
  const auto& ds = data.shape();
  const auto& us = u.shape();
  if (data.ndim() != 4 || u.ndim() != 4 || us[0] != alpha || us[1] != alpha || us[2] != ds[1] ||
      ds[2] != out_h + 2 || ds[3] != out_w + 2)
    user_error("winograd: data {} and transformed weight {} do not make a 3x3 convolution of {}x{} outputs with "
               "tile {}",
               shape_str(ds), shape_str(us), out_h, out_w, m);
  TT_ASSERT(axis_names.size() == 4, "winograd: four output axis names");
  const int64_t N = ds[0], C = ds[1], K = us[3];
  const int64_t th = ceil_div(out_h, m), tw = ceil_div(out_w, m);
  const std::optional<int64_t> tiles = checked_product({N, th, tw});
  if (!tiles || *tiles > kMaxTensorElements) user_error("winograd: {}x{}x{} tiles are too many", N, th, tw);
  const int64_t P = *tiles;
  const bool guard_h = th * m + 2 > ds[2], guard_w = tw * m + 2 > ds[3];

  // The input tile's element (eta, xi) of tile p: row tile_h·m + eta, column tile_w·m + xi of the
  // padded data; zero past its end when the tiles overhang the output.
  auto tile_read = [&](const Expr& c, const Expr& p, const Expr& eta, const Expr& xi) {
    Expr n = N == 1 ? Expr(0) : p / index_const(th * tw);
    Expr tile_h = th == 1 ? Expr(0) : (N == 1 ? p / index_const(tw) : p / index_const(tw) % index_const(th));
    Expr tile_w = tw == 1 ? Expr(0) : p % index_const(tw);
    Expr y = tile_h * index_const(m) + eta, x = tile_w * index_const(m) + xi;
    Expr value = data(n, c, y, x);
    Expr in_bounds;
    if (guard_h) in_bounds = y < index_const(ds[2]);
    if (guard_w) in_bounds = in_bounds.defined() ? (in_bounds && x < index_const(ds[3])) : (x < index_const(ds[3]));
    return in_bounds.defined() ? select(in_bounds, value, Expr(0.0f)) : value;
  };
  Tensor in1 = compute({alpha, alpha, P, C}, [&](const std::vector<Var>& i) {
    return select_rows(i[0], alpha, [&](int64_t e) {
      return linear_combination(alpha, [&](int64_t eta) { return t.BT(e, eta); },
                                [&](int64_t eta) { return tile_read(i[3], i[2], index_const(eta), i[1]); });
    });
  }, name + ".wino_in1", kTagTransform);
  in1 = with_axis_names(in1, {"eps", "xi", "p", "c"});
  Tensor v = compute({alpha, alpha, P, C}, [&](const std::vector<Var>& i) {
    return select_rows(i[1], alpha, [&](int64_t nu) {
      return linear_combination(alpha, [&](int64_t xi) { return t.BT(nu, xi); },
                                [&](int64_t xi) { return in1(i[0], index_const(xi), i[2], i[3]); });
    });
  }, name + ".wino_in", kTagTransform);
  v = with_axis_names(v, {"eps", "nu", "p", "c"});
  IterVar rc = reduce_axis(C, "rc");
  Tensor gemm = compute({alpha, alpha, P, K}, [&](const std::vector<Var>& i) {
    return sum(v(i[0], i[1], i[2], rc.var) * u(i[0], i[1], rc.var, i[3]), {rc});
  }, name + ".wino_gemm", kTagGemm);
  gemm = with_axis_names(gemm, {"eps", "nu", "p", "k"});
  Tensor out1 = compute({alpha, m, P, K}, [&](const std::vector<Var>& i) {
    return select_rows(i[1], m, [&](int64_t j) {
      return linear_combination(alpha, [&](int64_t nu) { return t.AT(j, nu); },
                                [&](int64_t nu) { return gemm(i[0], index_const(nu), i[2], i[3]); });
    });
  }, name + ".wino_out1", kTagTransform);
  out1 = with_axis_names(out1, {"eps", "j", "p", "k"});
  Tensor out = compute({N, K, out_h, out_w}, [&](const std::vector<Var>& i) {
    Expr n = i[0], k = i[1], h = i[2], w = i[3];
    Expr tile = (n * index_const(th) + h / index_const(m)) * index_const(tw) + w / index_const(m);
    if (N == 1) tile = h / index_const(m) * index_const(tw) + w / index_const(m);
    Expr col = w % index_const(m);
    return select_rows(h % index_const(m), m, [&](int64_t row) {
      return linear_combination(alpha, [&](int64_t e) { return t.AT(row, e); },
                                [&](int64_t e) { return out1(index_const(e), col, tile, k); });
    });
  }, name, kTagTransform);
  // The output's axes carry the replaced stage's loop names.
  return with_axis_names(out, axis_names);
}

}  // namespace tt::winograd
