// Helpers shared by the operator library's source files (not a public API): input checks that
// raise UserErrors naming the operator, and index arithmetic that skips trivial terms so the
// compute bodies stay as small as the math they express.
#pragma once

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <string>
#include <vector>

#include "ir/error.h"
#include "ir/te/tensor.h"

namespace tt::ops::detail {

inline std::string shape_str(const std::vector<int64_t>& shape) {
  return fmt::format("[{}]", fmt::join(shape, ", "));
}

// Every operator takes float32 tensors; `what` names the argument ("input", "weight").
inline void check_input(const Tensor& t, const std::string& op, const char* what) {
  if (!t.defined()) user_error("{}: {} is undefined", op, what);
  if (t.dtype() != DType::float32()) {
    user_error("{}: {} '{}' has dtype {}, expected float32", op, what, t.name(),
               t.dtype().to_string());
  }
}

inline void check_rank(const Tensor& t, int rank, const std::string& op, const char* what) {
  check_input(t, op, what);
  if (t.ndim() != rank) {
    user_error("{}: {} '{}' has shape {} ({}-D), expected {}-D", op, what, t.name(),
               shape_str(t.shape()), t.ndim(), rank);
  }
}

// Maps a possibly negative axis into [0, ndim).
inline int normalize_axis(int axis, int ndim, const std::string& op) {
  if (axis < -ndim || axis >= ndim) {
    user_error("{}: axis {} is out of range for a {}-D tensor", op, axis, ndim);
  }
  return axis < 0 ? axis + ndim : axis;
}

inline Expr index_const(int64_t value) {
  TT_ASSERT(value >= INT32_MIN && value <= INT32_MAX, "index constant {} overflows int32", value);
  return Expr(int(value));
}

// v * scale + offset, leaving out a scale of 1 and an offset of 0.
inline Expr affine(const Expr& v, int64_t scale, int64_t offset) {
  Expr e = scale == 1 ? v : v * index_const(scale);
  if (offset > 0) return e + index_const(offset);
  if (offset < 0) return e - index_const(-offset);
  return e;
}

inline std::vector<Expr> to_exprs(const std::vector<Var>& vars) {
  return std::vector<Expr>(vars.begin(), vars.end());
}

}  // namespace tt::ops::detail
