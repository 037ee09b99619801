// Image operators: resize2d (nearest and bilinear, ONNX's coordinate modes). The coordinate of
// an output pixel in the input is a fraction (A·x + B) / D with integer A, B, D, so the pixel it
// lands on comes from exact integer floor divisions (analysable by bound inference, no float
// rounding at the pixel boundaries) and only the bilinear weights are floats.
#include <cmath>
#include <cstdlib>

#include "ir/te/ops.h"
#include "ir/te/ops_util.h"

namespace tt::ops {

using detail::index_const;

namespace {

struct Fraction {
  int64_t num = 0, den = 1;
};

// The fraction closest to `value` with a denominator of at most 4096 (continued fractions);
// UserError when none is within 1e-9 relative (a scale like 1/3 given as a float is 1/3).
Fraction exact_fraction(double value, const char* what) {
  constexpr int64_t kMaxDen = 4096;
  int64_t h0 = 0, h1 = 1, k0 = 1, k1 = 0;
  double x = value;
  for (int iter = 0; iter < 64; ++iter) {
    double a = std::floor(x);
    int64_t ai = int64_t(a);
    int64_t h2 = ai * h1 + h0, k2 = ai * k1 + k0;
    if (k2 > kMaxDen) break;
    h0 = h1, h1 = h2, k0 = k1, k1 = k2;
    if (std::abs(double(h1) / double(k1) - value) <= 1e-9 * std::abs(value)) return {h1, k1};
    double rest = x - a;
    if (rest < 1e-12) break;
    x = 1.0 / rest;
  }
  if (k1 > 0 && std::abs(double(h1) / double(k1) - value) <= 1e-9 * std::abs(value)) return {h1, k1};
  user_error("resize2d: {} {} is not a fraction with a denominator of at most {}", what, value, kMaxDen);
}

// One axis: input coordinate of output pixel x is (a·x + b) / d.
struct AxisMap {
  int64_t a = 0, b = 0, d = 1;
  int64_t in = 1, out = 1;
  bool downsampling = false;
};

AxisMap axis_map(int64_t in, int64_t out, double scale, const ResizeParams& p) {
  AxisMap m;
  m.in = in, m.out = out;
  // r = 1 / s as a fraction rn / rd.
  Fraction r = scale > 0 ? exact_fraction(1.0 / scale, "the reciprocal of scale") : Fraction{in, out};
  m.downsampling = r.num > r.den;
  const std::string& c = p.coordinate_mode;
  if (c == "asymmetric") {
    m.a = r.num, m.b = 0, m.d = r.den;
  } else if (c == "half_pixel" || (c == "pytorch_half_pixel" && out > 1)) {
    m.a = 2 * r.num, m.b = r.num - r.den, m.d = 2 * r.den;
  } else if (c == "pytorch_half_pixel") {
    m.a = 0, m.b = 0, m.d = 1;
  } else if (c == "tf_half_pixel_for_nearest") {
    m.a = 2 * r.num, m.b = r.num, m.d = 2 * r.den;
  } else if (c == "align_corners") {
    m.a = out > 1 ? in - 1 : 0, m.b = 0, m.d = out > 1 ? out - 1 : 1;
  } else {
    user_error(
        "resize2d: coordinate mode '{}' is not one of half_pixel, pytorch_half_pixel, align_corners, "
        "asymmetric, tf_half_pixel_for_nearest",
        c);
  }
  // Index arithmetic is 32-bit: the largest numerator below must fit.
  const int64_t largest = 2 * (std::abs(m.a) * out + std::abs(m.b) + 2 * m.d) + 2 * m.d * in;
  if (largest >= (int64_t(1) << 31))
    user_error("resize2d: {} -> {} pixels with this scale needs index arithmetic beyond 32 bits", in, out);
  return m;
}

Expr clamp_index(Expr v, int64_t hi) { return min(max(v, index_const(0)), index_const(hi)); }

// The nearest input pixel of output pixel `x`.
Expr nearest_pixel(const AxisMap& m, const Var& x, const std::string& mode) {
  Expr num = m.a == 0 ? index_const(m.b) : detail::affine(x, m.a, m.b);
  std::string rounding = mode;
  if (rounding == "simple") rounding = m.downsampling ? "ceil" : "floor";
  Expr pixel;
  if (rounding == "floor") {
    pixel = num / index_const(m.d);
  } else if (rounding == "ceil") {
    pixel = (num + index_const(m.d - 1)) / index_const(m.d);
  } else if (rounding == "round_prefer_floor") {
    // ceil(v - 1/2) = floor((2·num - d + 2d - 1) / 2d)
    pixel = (num * index_const(2) + index_const(m.d - 1)) / index_const(2 * m.d);
  } else if (rounding == "round_prefer_ceil") {
    // floor(v + 1/2)
    pixel = (num * index_const(2) + index_const(m.d)) / index_const(2 * m.d);
  } else {
    user_error("resize2d: nearest mode '{}' is not one of round_prefer_floor, round_prefer_ceil, floor, ceil, simple",
               mode);
  }
  return clamp_index(pixel, m.in - 1);
}

// Bilinear taps of output pixel `x`: the two pixels and the weight of the second.
struct Taps {
  Expr lo, hi, weight;
};

Taps linear_taps(const AxisMap& m, const Var& x) {
  Expr num = m.a == 0 ? index_const(m.b) : detail::affine(x, m.a, m.b);
  // The coordinate clamped to [0, in - 1], still as a numerator over d.
  num = clamp_index(num, (m.in - 1) * m.d);
  Taps t;
  t.lo = num / index_const(m.d);
  t.hi = min(t.lo + index_const(1), index_const(m.in - 1));
  t.weight = cast(DType::float32(), num % index_const(m.d)) * Expr(float(1.0 / double(m.d)));
  return t;
}

}  // namespace

Tensor resize2d(const Tensor& x, std::array<int64_t, 2> out_size, const ResizeParams& p, const std::string& name) {
  detail::check_rank(x, 4, "resize2d", "input");
  if (out_size[0] < 1 || out_size[1] < 1)
    user_error("resize2d: output size {}x{} is not positive", out_size[0], out_size[1]);
  for (double s : p.scales)
    if (!(s >= 0) || !std::isfinite(s)) user_error("resize2d: scale {} is not a positive number", s);
  if (p.mode != "nearest" && p.mode != "linear")
    user_error("resize2d: mode '{}' is not supported (nearest, linear)", p.mode);
  const std::vector<int64_t>& in = x.shape();
  AxisMap h = axis_map(in[2], out_size[0], p.scales[0], p), w = axis_map(in[3], out_size[1], p.scales[1], p);
  const std::vector<int64_t> shape = {in[0], in[1], out_size[0], out_size[1]};
  if (p.mode == "nearest") {
    return compute(
        shape,
        [&](const std::vector<Var>& i) {
          return x({i[0], i[1], nearest_pixel(h, i[2], p.nearest_mode), nearest_pixel(w, i[3], p.nearest_mode)});
        },
        name, kTagInjective);
  }
  return compute(
      shape,
      [&](const std::vector<Var>& i) {
        Taps y = linear_taps(h, i[2]), xx = linear_taps(w, i[3]);
        auto at = [&](const Expr& r, const Expr& c) { return x({i[0], i[1], r, c}); };
        Expr top = at(y.lo, xx.lo) + (at(y.lo, xx.hi) - at(y.lo, xx.lo)) * xx.weight;
        Expr bottom = at(y.hi, xx.lo) + (at(y.hi, xx.hi) - at(y.hi, xx.lo)) * xx.weight;
        return top + (bottom - top) * y.weight;
      },
      name, kTagInjective);
}

}  // namespace tt::ops
