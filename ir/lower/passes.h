// The loop-IR passes of the lowering pipeline, each a function from statement to statement.
#pragma once

#include <unordered_map>

#include "ir/loop/stmt.h"

namespace tt {

// Simplifies every expression with the ranges of the enclosing loops; folds decided ifs, turns
// one-iteration loops into substitutions.
Stmt simplify_stmt(const Stmt& s);

// Marks as Unrolled every serial loop nested in a loop carrying auto_unroll_max_step whose whole
// iteration count (its extent times that of the loops inside it) is at most that step.
Stmt apply_auto_unroll(const Stmt& s, const std::unordered_map<const VarNode*, int64_t>& max_steps);

// Replaces each Unrolled loop by copies of its body, one per iteration.
Stmt unroll_loops(const Stmt& s);

// Turns each Vectorized loop into vector statements (Ramp indices, vector loads and stores); a loop
// whose body cannot be vectorized safely (inner loops, guards that vary by lane, reductions into
// one element) stays a serial loop.
Stmt vectorize_loops(const Stmt& s);

}  // namespace tt
