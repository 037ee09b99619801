// Elementwise operators: unary activations and math functions, binary arithmetic with numpy
// broadcasting, bias_add and inference batch norm. Each is one compute stage without reductions,
// so the fusion pass can inline it into its producer's loop nest.
#include <cmath>

#include "ir/te/ops.h"
#include "ir/te/ops_util.h"

namespace tt::ops {

using detail::check_input;
using detail::shape_str;
using detail::to_exprs;

bool is_injective_tag(const std::string& tag) {
  return tag == kTagElemwise || tag == kTagBroadcast || tag == kTagInjective || tag == kTagPad;
}

namespace {

Tensor unary(const Tensor& x, const std::string& op, const std::string& name,
             const std::function<Expr(Expr)>& f) {
  check_input(x, op, "input");
  return compute(
      x.shape(), [&](const std::vector<Var>& i) { return f(x(to_exprs(i))); }, name, kTagElemwise);
}

// The indices that read `t` (right-aligned with the output) at output point `out`: dimensions that
// `t` broadcasts (size 1 against a larger output) are read at 0.
std::vector<Expr> broadcast_indices(const Tensor& t, const std::vector<int64_t>& out_shape,
                                    const std::vector<Var>& out) {
  std::vector<Expr> indices;
  size_t offset = out_shape.size() - t.shape().size();
  for (size_t d = 0; d < t.shape().size(); ++d) {
    bool broadcast = t.shape()[d] == 1 && out_shape[d + offset] != 1;
    indices.push_back(broadcast ? Expr(0) : Expr(out[d + offset]));
  }
  return indices;
}

Tensor binary(const Tensor& a, const Tensor& b, const std::string& op, const std::string& name,
              const std::function<Expr(Expr, Expr)>& f) {
  check_input(a, op, "left input");
  check_input(b, op, "right input");
  std::vector<int64_t> shape = broadcast_shape(a.shape(), b.shape(), op);
  const char* tag = a.shape() == b.shape() ? kTagElemwise : kTagBroadcast;
  return compute(
      shape,
      [&](const std::vector<Var>& i) {
        return f(a(broadcast_indices(a, shape, i)), b(broadcast_indices(b, shape, i)));
      },
      name, tag);
}

}  // namespace

Tensor relu(const Tensor& x, const std::string& name) {
  return unary(x, "relu", name, [](Expr v) { return max(v, Expr(0.0f)); });
}

Tensor clip(const Tensor& x, float low, float high, const std::string& name) {
  if (!(low <= high)) user_error("clip: min {} is greater than max {}", low, high);
  return unary(x, "clip", name, [&](Expr v) { return min(max(v, Expr(low)), Expr(high)); });
}

Tensor leaky_relu(const Tensor& x, float alpha, const std::string& name) {
  if (!std::isfinite(alpha)) user_error("leaky_relu: slope {} is not finite", alpha);
  return unary(x, "leaky_relu", name, [&](Expr v) { return select(v > Expr(0.0f), v, v * Expr(alpha)); });
}

Tensor relu6(const Tensor& x, const std::string& name) {
  check_input(x, "relu6", "input");
  return clip(x, 0.0f, 6.0f, name);
}

Tensor sigmoid(const Tensor& x, const std::string& name) {
  return unary(x, "sigmoid", name, [](Expr v) { return call(Intrinsic::sigmoid, {v}); });
}

Tensor tanh(const Tensor& x, const std::string& name) {
  return unary(x, "tanh", name, [](Expr v) { return call(Intrinsic::tanh, {v}); });
}

Tensor exp(const Tensor& x, const std::string& name) {
  return unary(x, "exp", name, [](Expr v) { return call(Intrinsic::exp, {v}); });
}

Tensor log(const Tensor& x, const std::string& name) {
  return unary(x, "log", name, [](Expr v) { return call(Intrinsic::log, {v}); });
}

Tensor sqrt(const Tensor& x, const std::string& name) {
  return unary(x, "sqrt", name, [](Expr v) { return call(Intrinsic::sqrt, {v}); });
}

Tensor abs(const Tensor& x, const std::string& name) {
  return unary(x, "abs", name, [](Expr v) { return call(Intrinsic::fabs, {v}); });
}

Tensor negative(const Tensor& x, const std::string& name) {
  return unary(x, "negative", name, [](Expr v) { return -v; });
}

Tensor gelu(const Tensor& x, const std::string& name) {
  const float inv_sqrt2 = float(1.0 / std::sqrt(2.0));
  return unary(x, "gelu", name, [&](Expr v) {
    return v * Expr(0.5f) * (Expr(1.0f) + call(Intrinsic::erf, {v * Expr(inv_sqrt2)}));
  });
}

std::vector<int64_t> broadcast_shape(const std::vector<int64_t>& a, const std::vector<int64_t>& b,
                                     const std::string& op_name) {
  size_t rank = std::max(a.size(), b.size());
  std::vector<int64_t> out(rank);
  for (size_t d = 0; d < rank; ++d) {
    // Dimension d counted from the right; a missing dimension acts as 1.
    int64_t da = d < a.size() ? a[a.size() - 1 - d] : 1;
    int64_t db = d < b.size() ? b[b.size() - 1 - d] : 1;
    if (da != db && da != 1 && db != 1) {
      user_error("{}: shapes {} and {} cannot be broadcast together", op_name, shape_str(a),
                 shape_str(b));
    }
    out[rank - 1 - d] = da == 1 ? db : da;
  }
  return out;
}

Tensor add(const Tensor& a, const Tensor& b, const std::string& name) {
  return binary(a, b, "add", name, [](Expr x, Expr y) { return x + y; });
}

Tensor subtract(const Tensor& a, const Tensor& b, const std::string& name) {
  return binary(a, b, "subtract", name, [](Expr x, Expr y) { return x - y; });
}

Tensor multiply(const Tensor& a, const Tensor& b, const std::string& name) {
  return binary(a, b, "multiply", name, [](Expr x, Expr y) { return x * y; });
}

Tensor divide(const Tensor& a, const Tensor& b, const std::string& name) {
  return binary(a, b, "divide", name, [](Expr x, Expr y) { return x / y; });
}

Tensor maximum(const Tensor& a, const Tensor& b, const std::string& name) {
  return binary(a, b, "maximum", name, [](Expr x, Expr y) { return max(x, y); });
}

Tensor minimum(const Tensor& a, const Tensor& b, const std::string& name) {
  return binary(a, b, "minimum", name, [](Expr x, Expr y) { return min(x, y); });
}

Tensor power(const Tensor& a, const Tensor& b, const std::string& name) {
  return binary(a, b, "power", name, [](Expr x, Expr y) { return call(Intrinsic::pow, {x, y}); });
}

Tensor bias_add(const Tensor& x, const Tensor& bias, int axis, const std::string& name) {
  check_input(x, "bias_add", "input");
  check_input(bias, "bias_add", "bias");
  if (x.ndim() == 0) user_error("bias_add: input '{}' is a scalar", x.name());
  axis = detail::normalize_axis(axis, x.ndim(), "bias_add");
  if (bias.shape() != std::vector<int64_t>{x.shape()[axis]}) {
    user_error("bias_add: bias '{}' has shape {} but input '{}' has {} elements on axis {}",
               bias.name(), shape_str(bias.shape()), x.name(), x.shape()[axis], axis);
  }
  return compute(
      x.shape(), [&](const std::vector<Var>& i) { return x(to_exprs(i)) + bias(i[axis]); }, name,
      kTagBroadcast);
}

Tensor batch_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, const Tensor& mean,
                  const Tensor& var, float epsilon, const std::string& name) {
  check_input(x, "batch_norm", "input");
  if (x.ndim() < 2) {
    user_error("batch_norm: input '{}' has shape {}; expected at least 2-D (channels on axis 1)",
               x.name(), shape_str(x.shape()));
  }
  if (!(epsilon >= 0.0f)) user_error("batch_norm: epsilon {} is negative", epsilon);
  int64_t channels = x.shape()[1];
  const std::pair<const Tensor*, const char*> params[] = {
      {&gamma, "gamma"}, {&beta, "beta"}, {&mean, "mean"}, {&var, "var"}};
  for (const auto& [t, what] : params) {
    check_input(*t, "batch_norm", what);
    if (t->shape() != std::vector<int64_t>{channels}) {
      user_error("batch_norm: {} '{}' has shape {} but the input has {} channels", what, t->name(),
                 shape_str(t->shape()), channels);
    }
  }
  return compute(
      x.shape(),
      [&](const std::vector<Var>& i) {
        Expr c = i[1];
        Expr normalized = (x(to_exprs(i)) - mean(c)) / call(Intrinsic::sqrt, {var(c) + epsilon});
        return normalized * gamma(c) + beta(c);
      },
      name, kTagBroadcast);
}

}  // namespace tt::ops
