// Small integer helpers the IR layers share, and the size limits every tensor is held to.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace tt {

// a / b rounded up, for a >= 0 and b > 0 (the number of tiles of length b covering a).
constexpr int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// The product of `dims`, or nullopt when it overflows int64 (or a dimension is negative).
inline std::optional<int64_t> checked_product(const std::vector<int64_t>& dims) {
  int64_t p = 1;
  for (int64_t d : dims) {
    if (d < 0 || __builtin_mul_overflow(p, d, &p)) return std::nullopt;
  }
  return p;
}

// The element strides of a row-major (C order) array of `shape`.
inline std::vector<int64_t> row_major_strides(const std::vector<int64_t>& shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (size_t d = shape.size(); d-- > 1;) strides[d - 1] = strides[d] * shape[d];
  return strides;
}

// Kernels index tensors with 32-bit arithmetic (codegen's index type, Expr's integer immediates):
// a tensor has at most this many elements, or it is refused where it is made.
inline constexpr int64_t kMaxTensorElements = (int64_t(1) << 31) - 1;

}  // namespace tt
