// Reductions over tensor axes: softmax (max, exp-sum and normalize stages, so it never overflows)
// and sum/max/min/mean over a set of axes with or without the reduced dimensions kept.
#include <algorithm>

#include "ir/te/ops.h"
#include "ir/te/ops_util.h"

namespace tt::ops {

using detail::check_input;
using detail::to_exprs;

Tensor softmax(const Tensor& x, int axis, const std::string& name) {
  check_input(x, "softmax", "input");
  if (x.ndim() == 0) user_error("softmax: input '{}' is a scalar", x.name());
  axis = detail::normalize_axis(axis, x.ndim(), "softmax");
  std::vector<int64_t> reduced = x.shape();
  reduced.erase(reduced.begin() + axis);
  if (reduced.empty()) reduced.push_back(1);  // a 1-D softmax keeps its statistics in [1]
  bool was_vector = x.ndim() == 1;
  // Indices of the statistics for an input point: the input point without `axis`.
  auto stat_indices = [&](const std::vector<Expr>& point) {
    if (was_vector) return std::vector<Expr>{Expr(0)};
    std::vector<Expr> idx = point;
    idx.erase(idx.begin() + axis);
    return idx;
  };
  // The input point for a statistics point and a position `k` along `axis`.
  auto input_indices = [&](const std::vector<Var>& stat, const Expr& k) {
    std::vector<Expr> idx = was_vector ? std::vector<Expr>{} : to_exprs(stat);
    idx.insert(idx.begin() + axis, k);
    return idx;
  };
  int64_t extent = x.shape()[axis];
  IterVar rm = reduce_axis(extent, "rk");
  Tensor max_value = compute(
      reduced,
      [&](const std::vector<Var>& i) { return tt::reduce_max(x(input_indices(i, rm.var)), {rm}); },
      name + ".max", kTagSoftmax);
  IterVar rs = reduce_axis(extent, "rk");
  Tensor exp_sum = compute(
      reduced,
      [&](const std::vector<Var>& i) {
        Expr shifted = x(input_indices(i, rs.var)) - max_value(to_exprs(i));
        return sum(call(Intrinsic::exp, {shifted}), {rs});
      },
      name + ".expsum", kTagSoftmax);
  return compute(
      x.shape(),
      [&](const std::vector<Var>& i) {
        std::vector<Expr> point = to_exprs(i);
        std::vector<Expr> stat = stat_indices(point);
        return call(Intrinsic::exp, {x(point) - max_value(stat)}) / exp_sum(stat);
      },
      name, kTagSoftmax);
}

namespace {

enum class ReduceKind { Sum, Max, Min };

// One reduce stage; `op` names the operator in errors.
Tensor reduce(const Tensor& x, std::vector<int> axes, bool keepdims, ReduceKind kind,
              const std::string& op, const std::string& name) {
  check_input(x, op, "input");
  if (axes.empty()) {
    for (int d = 0; d < x.ndim(); ++d) axes.push_back(d);
  }
  std::vector<bool> reduced(x.ndim(), false);
  for (int& a : axes) {
    a = detail::normalize_axis(a, x.ndim(), op);
    if (reduced[a]) user_error("{}: axis {} is listed twice", op, a);
    reduced[a] = true;
  }
  if (axes.empty())
    user_error("{}: input '{}' is a scalar; there is nothing to reduce", op, x.name());
  std::vector<int64_t> shape;
  std::vector<IterVar> reduce_axes;
  for (int d = 0; d < x.ndim(); ++d) {
    if (!reduced[d]) {
      shape.push_back(x.shape()[d]);
      continue;
    }
    if (keepdims) shape.push_back(1);
    reduce_axes.push_back(reduce_axis(x.shape()[d], fmt::format("r{}", d)));
  }
  // A reduction over every axis without keepdims still produces one element, as shape [1].
  bool scalar = shape.empty();
  if (scalar) shape.push_back(1);
  return compute(
      shape,
      [&](const std::vector<Var>& i) {
        std::vector<Expr> idx;
        size_t out = 0, r = 0;
        for (int d = 0; d < x.ndim(); ++d) {
          if (reduced[d]) {
            idx.push_back(reduce_axes[r++].var);
            if (keepdims) ++out;
          } else {
            idx.push_back(i[out++]);
          }
        }
        Expr source = x(idx);
        switch (kind) {
          case ReduceKind::Sum:
            return sum(source, reduce_axes);
          case ReduceKind::Max:
            return tt::reduce_max(source, reduce_axes);
          case ReduceKind::Min:
            return tt::reduce_min(source, reduce_axes);
        }
        internal_error("unknown reduction");
      },
      name, kTagReduce);
}

}  // namespace

Tensor reduce_sum(const Tensor& x, std::vector<int> axes, bool keepdims, const std::string& name) {
  return reduce(x, std::move(axes), keepdims, ReduceKind::Sum, "sum", name);
}

Tensor reduce_max(const Tensor& x, std::vector<int> axes, bool keepdims, const std::string& name) {
  return reduce(x, std::move(axes), keepdims, ReduceKind::Max, "max", name);
}

Tensor reduce_min(const Tensor& x, std::vector<int> axes, bool keepdims, const std::string& name) {
  return reduce(x, std::move(axes), keepdims, ReduceKind::Min, "min", name);
}

Tensor reduce_mean(const Tensor& x, std::vector<int> axes, bool keepdims, const std::string& name) {
  Tensor total = reduce(x, axes, keepdims, ReduceKind::Sum, "mean", name + ".sum");
  float count = float(x.num_elements() / total.num_elements());
  return compute(
      total.shape(), [&](const std::vector<Var>& i) { return total(to_exprs(i)) / Expr(count); },
      name, kTagElemwise);
}

}  // namespace tt::ops
