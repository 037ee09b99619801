// Bound inference: the extent of every leaf loop of every stage of a schedule state, including
// stages computed at a consumer's loop, whose loops cover only the region one iteration of that
// loop needs. Lowering (lower.cpp) builds its loop nests from LoopBounds; the search asks
// infer_bounds for the real extents without lowering.
#pragma once

#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "ir/expr/simplify.h"
#include "ir/loop/stmt.h"
#include "ir/schedule/state.h"

namespace tt {

// The bounds of one stage's loops.
struct StageBounds {
  std::string stage;
  // The extent of each leaf loop, outermost first (Stage::leaves order); empty for inlined stages.
  std::vector<int64_t> leaf_extents;
  // The extent of each dimension of the region of the tensor the stage computes: the full shape
  // at the root, the region its consumer's loop iteration reads under compute_at.
  std::vector<int64_t> region_extent;
};

// One StageBounds per stage, in state.stages() order. Throws UserError for a state whose
// attachments no longer hold (as lower() does).
std::vector<StageBounds> infer_bounds(const ScheduleState& state);

// ---- the shared implementation, as lowering uses it ----

// A (not inlined) stage's loops with their variables, extents and domain guards.
struct StageLoops {
  const Stage* stage = nullptr;
  Expr body;                     // effective body (a Reduce for reductions)
  std::vector<Expr> region_min;  // per output dimension
  std::vector<int64_t> region_extent;
  std::vector<int64_t> extents;   // per iter
  std::vector<Var> leaf_vars;     // per leaf position
  std::vector<Expr> root_values;  // per root iter: its index in leaf variables (offset included)
  std::vector<Expr> predicates;   // conditions for an iteration to be inside the stage's domain
  Buffer buffer;
  int attach_position = -1;  // in the target's leaves
};

// Every stage's loops, and what building their nests needs.
struct LoopBounds {
  const ScheduleState* state = nullptr;
  std::map<std::string, StageLoops> loops;
  std::map<const OperationNode*, std::string> stage_of_op;
  std::unordered_map<const VarNode*, int64_t> auto_unroll;
  VarRanges ranges;  // every leaf variable's range
};

// Maps a stage's root axes (data-parallel, then reduce) to their values in its leaf variables.
VarMap root_substitution(const StageLoops& sl);

// Binds the loops of every stage not inlined: the effective bodies (inlined stages substituted),
// then the regions and leaf extents, consumers first.
LoopBounds bind_loops(const ScheduleState& state);

}  // namespace tt
