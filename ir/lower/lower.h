// Lowering: a schedule state to a loop-IR function. The pipeline (lower.cpp) reads top to bottom:
// inline stages, infer the bounds of each stage's loops (bound_inference.h), build the loop nests,
// then simplify, auto-unroll, partition vector tails, vectorize and unroll. Each pass's output can
// be printed (LowerOptions::after_pass).
#pragma once

#include <functional>
#include <string>

#include "ir/loop/stmt.h"
#include "ir/schedule/state.h"

namespace tt {

struct LowerOptions {
  bool verify = true;  // run the loop-IR verifier after every pass
  // Called with each pass's name and result, e.g. to print them (`--print passes`).
  std::function<void(const std::string& pass, const LoweredFunc& func)> after_pass;
};

// The kernel computes state.outputs() from state.inputs(); its parameters are the inputs then the
// outputs, in those orders. Throws UserError for a schedule that cannot be lowered.
LoweredFunc lower(const ScheduleState& state, const std::string& name, const LowerOptions& options = {});

}  // namespace tt
