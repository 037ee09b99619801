// Sketch generation (Ansor's CPU rules): walk the stages from the outputs to the inputs and, at
// each stage, try the rules in order; a rule that applies may branch the set of sketches. The rules
// are small {name, condition, apply} values, listed in the order they are tried.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "ir/schedule/hardware.h"
#include "ir/schedule/state.h"
#include "search/sketch/sketch.h"

namespace tt {

// A sketch being built: the state with its structural steps applied, so the analysis sees the
// stages as they are now, and the sketch so far. `cursor` indexes state.stages() (producers
// first); the walk ends below 0.
struct SketchDraft {
  ScheduleState state;
  Sketch sketch;
  int cursor = 0;
};

enum class RuleResult : uint8_t {
  Skip,              // try the next rule
  Apply,             // branch: the rule's results move on, the unchanged draft tries the next rules
  ApplyAndSkipRest,  // the rule's results move on; no further rule for this draft
};

struct SketchRule {
  const char* name;
  std::function<RuleResult(const SketchDraft&, const std::string& stage, const HardwareParams&)>
      condition;
  // The drafts made from `draft` at its cursor stage, each with its cursor already moved on.
  std::function<std::vector<SketchDraft>(const SketchDraft&, const std::string& stage)> apply;
};

// The CPU rules in Ansor's order: always-inline, add-rfactor, add-cache-write, multi-level tiling
// with fusion (levels 1 and 2), multi-level tiling, skip. Differences from Ansor (each explained
// in sketch_rules.cpp): cache-write only for reductions; rfactor also for dot-product layouts
// (dense with weights [N, K]); a cache-written GEMM's fused variants also come with its B operand
// packed into a panel (cache-read); a consumer already claimed by one producer's fusion is not
// offered to another.
const std::vector<SketchRule>& cpu_sketch_rules();

// Every sketch of the task, in a deterministic order. Each stage's role is set; stages no rule
// claimed are Simple.
std::vector<Sketch> generate_sketches(const std::vector<Tensor>& outputs, const HardwareParams& hw);

}  // namespace tt
