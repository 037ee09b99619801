// The index-arithmetic simplifier. Integer sums are put in a canonical linear form (constant last,
// terms in first-appearance order, like terms merged), floor division and modulo by constants are
// resolved when the operand's range allows, and comparisons whose outcome the variables' ranges
// decide are folded — which is what removes the tail guards of divisible splits.
#pragma once

#include <cstdint>
#include <optional>
#include <unordered_map>

#include "ir/expr/expr.h"

namespace tt {

// A closed integer interval; nullopt ends are unbounded.
struct IntInterval {
  std::optional<int64_t> min, max;
  bool bounded() const { return min && max; }
  bool is_point() const { return bounded() && *min == *max; }
};

// Known ranges of integer variables (loop indices): var -> [min, max].
using VarRanges = std::unordered_map<const VarNode*, IntInterval>;

Expr simplify(const Expr& e, const VarRanges& ranges = {});

// Constant bounds of an integer expression under `ranges` (unbounded where unknown).
IntInterval const_bounds(const Expr& e, const VarRanges& ranges = {});

// True when the simplifier can show `cond` always holds (false means "don't know" too).
bool can_prove(const Expr& cond, const VarRanges& ranges = {});

}  // namespace tt
