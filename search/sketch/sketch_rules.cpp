// The CPU sketch rules and the walk that applies them (TVM_FACTS.md §1.4). A draft's stage roles
// live in its sketch's stage list, keyed by stage name, until the walk ends and the list is put in
// emission order (consumers first).
#include "search/sketch/sketch_rules.h"

#include <algorithm>

#include "ir/error.h"
#include "ir/schedule/analysis.h"

namespace tt {

namespace {

SketchStage stage_named(const std::string& name) {
  SketchStage s;
  s.name = name;
  return s;
}

SketchStage& plan(SketchDraft& d, const std::string& name) {
  int i = d.sketch.stage_index(name);
  if (i < 0) {
    d.sketch.stages.push_back(stage_named(name));
    i = int(d.sketch.stages.size()) - 1;
  }
  return d.sketch.stages[i];
}

const SketchStage* find_plan(const SketchDraft& d, const std::string& name) {
  int i = d.sketch.stage_index(name);
  return i < 0 ? nullptr : &d.sketch.stages[i];
}

bool has_cache_stage(const ScheduleState& state, const std::string& stage) {
  for (const Stage& s : state.stages())
    if (s.name() == stage + ".local") return true;
  return stage.size() > 6 && stage.compare(stage.size() - 6, 6, ".local") == 0;
}

int64_t product(const std::vector<AxisInfo>& axes) {
  int64_t p = 1;
  for (const AxisInfo& a : axes) p *= a.extent;
  return p;
}

SketchDraft moved_on(SketchDraft d, int cursor, const char* rule) {
  d.cursor = cursor;
  d.sketch.rules.push_back(rule);
  return d;
}

// The element-wise consumer `stage` can fuse into, unless another stage already claimed it (two
// convolutions feeding one residual add: only one can live in its tiles).
std::optional<std::string> fusable_consumer(const SketchDraft& d, const std::string& stage) {
  std::optional<std::string> consumer = StageAnalysis(d.state).elementwise_matched_consumer(stage);
  if (!consumer) return std::nullopt;
  const SketchStage* c = find_plan(d, *consumer);
  if (c && c->role != StageRole::Simple) return std::nullopt;
  return consumer;
}

// ---- the rules ----

RuleResult always_inline_condition(const SketchDraft& d, const std::string& stage,
                                   const HardwareParams&) {
  StageAnalysis an(d.state);
  if (an.is_output(stage) || an.consumers(stage).empty() || !an.reduce_axes(stage).empty())
    return RuleResult::Skip;
  return an.is_strictly_inlinable(stage) ? RuleResult::ApplyAndSkipRest : RuleResult::Skip;
}

std::vector<SketchDraft> always_inline_apply(const SketchDraft& draft, const std::string& stage) {
  SketchDraft d = draft;
  d.state.apply(ComputeInlineStep{stage});
  d.sketch.actions.push_back(
      SketchAction{SketchAction::Kind::Fixed, ComputeInlineStep{stage}, "", true});
  plan(d, stage).role = StageRole::Inlined;
  return {moved_on(std::move(d), draft.cursor - 1, "always_inline")};
}

// Ansor's NeedsRfactor: a tiled reduction with little spatial work, or any other reduction longer
// than the number of cores; never after a cache write or a previous rfactor. Beyond Ansor (which
// rewrites such layouts instead): a reduction read with unit stride along its innermost reduce
// axis but along no output axis (dense with weights [N, K]), where only the rfactored partial sums
// vectorize with contiguous loads.
RuleResult add_rfactor_condition(const SketchDraft& d, const std::string& stage,
                                 const HardwareParams& hw) {
  StageAnalysis an(d.state);
  const SketchStage* p = find_plan(d, stage);
  if (has_cache_stage(d.state, stage) || (p && p->from_rfactor)) return RuleResult::Skip;
  std::vector<AxisInfo> reduce = an.reduce_axes(stage);
  if (reduce.empty()) return RuleResult::Skip;
  int64_t space_len = product(an.spatial_axes(stage)), reduce_len = product(reduce);
  bool needs = an.needs_multi_level_tiling(stage)
                   ? space_len <= reduce_len && space_len <= int64_t(hw.num_threads) * 16
                   : reduce_len > hw.num_threads;
  needs |= an.unit_stride_axis(stage) < 0 &&
           an.unit_stride_reduce_axis(stage) == int(reduce.size()) - 1 && reduce.back().extent > 1;
  return needs ? RuleResult::Apply : RuleResult::Skip;
}

std::vector<SketchDraft> add_rfactor_apply(const SketchDraft& draft, const std::string& stage) {
  std::vector<SketchDraft> out;
  for (bool inner : {true, false}) {
    SketchDraft d = draft;
    const Stage& st = d.state.stage(stage);
    std::vector<std::string> reduce_loops;
    for (int r = int(st.op->axes.size()); r < st.num_roots; ++r)
      reduce_loops.push_back(st.iters[r].name);
    std::string fused = reduce_loops[0];
    if (reduce_loops.size() > 1) {
      d.state.apply(FuseStep{stage, reduce_loops});
      fused = d.state.stage(stage).iters.back().name;
    }
    // Any factor gives the same loop names; annotation chooses the real one.
    d.state.apply(SplitStep{stage, fused, {1}});
    d.state.apply(RfactorStep{stage, fused + (inner ? ".1" : ".0")});
    d.sketch.actions.push_back(SketchAction{SketchAction::Kind::Rfactor, Step{}, stage, inner});
    plan(d, stage).from_rfactor = true;
    plan(d, stage + ".rf").from_rfactor = true;
    // The partial stage sits just before the merge stage; both are done.
    out.push_back(moved_on(std::move(d), draft.cursor - 1,
                           inner ? "add_rfactor(inner)" : "add_rfactor(outer)"));
  }
  return out;
}

// Unlike Ansor, only for reductions: the cache stage pays for itself by keeping accumulators in
// registers; for an injective stage (softmax's normalization) it is only an extra copy.
RuleResult add_cache_write_condition(const SketchDraft& d, const std::string& stage,
                                     const HardwareParams&) {
  StageAnalysis an(d.state);
  if (has_cache_stage(d.state, stage) || !an.needs_multi_level_tiling(stage) ||
      an.reduce_axes(stage).empty())
    return RuleResult::Skip;
  return fusable_consumer(d, stage) ? RuleResult::Skip : RuleResult::Apply;
}

std::vector<SketchDraft> add_cache_write_apply(const SketchDraft& draft, const std::string& stage) {
  SketchDraft d = draft;
  d.state.apply(CacheWriteStep{stage});
  d.sketch.actions.push_back(
      SketchAction{SketchAction::Kind::Fixed, CacheWriteStep{stage}, "", true});
  // The cursor now points at the new "<stage>.local", which the fusion rule tiles into the copy.
  return {moved_on(std::move(d), draft.cursor, "add_cache_write")};
}

RuleResult tiling_with_fusion_condition(const SketchDraft& d, const std::string& stage,
                                        const HardwareParams&) {
  StageAnalysis an(d.state);
  if (!an.needs_multi_level_tiling(stage)) return RuleResult::Skip;
  if (!fusable_consumer(d, stage)) return RuleResult::Skip;
  return has_cache_stage(d.state, stage) ? RuleResult::ApplyAndSkipRest : RuleResult::Apply;
}

// Levels 1 and 2 (Ansor's CPU variants). A cache-written stage with a packable input (a GEMM's B)
// also gets each level with that input cache-read into a panel (the default schedule's packed
// operand), beyond Ansor; the panel stage is Simple, so annotation picks where it is computed
// (at one of the consumer's outer loops, at the root, or inlined, which undoes it).
std::vector<SketchDraft> tiling_with_fusion_apply(const SketchDraft& draft,
                                                  const std::string& stage) {
  std::string consumer = *fusable_consumer(draft, stage);
  std::optional<std::string> packable;
  if (has_cache_stage(draft.state, stage))
    packable = StageAnalysis(draft.state).packable_input(stage);
  std::vector<SketchDraft> out;
  for (int level : {1, 2}) {
    for (bool pack : {false, true}) {
      if (pack && !packable) continue;
      SketchDraft d = draft;
      SketchStage& p = plan(d, stage);
      p.role = StageRole::TiledFused;
      p.fused_with = consumer;
      p.fuse_level = level;
      SketchStage& c = plan(d, consumer);
      c.role = StageRole::FusedConsumer;
      c.fused_with = stage;
      c.fuse_level = level;
      int next = draft.cursor - 1;
      d.sketch.rules.push_back(level == 1 ? "tiling_with_fusion(1)" : "tiling_with_fusion(2)");
      if (pack) {
        d.state.apply(CacheReadStep{*packable, stage});
        d.sketch.actions.push_back(
            SketchAction{SketchAction::Kind::Fixed, CacheReadStep{*packable, stage}, "", true});
        // The panel stage lands just before `stage`; it is a plain copy the always-inline rule
        // would undo, so the walk passes over it.
        plan(d, *packable + ".cache");
        d.sketch.rules.push_back("add_cache_read");
      }
      d.cursor = next;
      out.push_back(std::move(d));
    }
  }
  return out;
}

RuleResult tiling_condition(const SketchDraft& d, const std::string& stage, const HardwareParams&) {
  return StageAnalysis(d.state).needs_multi_level_tiling(stage) ? RuleResult::ApplyAndSkipRest
                                                                : RuleResult::Skip;
}

std::vector<SketchDraft> tiling_apply(const SketchDraft& draft, const std::string& stage) {
  SketchDraft d = draft;
  plan(d, stage).role = StageRole::Tiled;
  return {moved_on(std::move(d), draft.cursor - 1, "multi_level_tiling")};
}

RuleResult skip_condition(const SketchDraft&, const std::string&, const HardwareParams&) {
  return RuleResult::ApplyAndSkipRest;
}

std::vector<SketchDraft> skip_apply(const SketchDraft& draft, const std::string&) {
  SketchDraft d = draft;
  d.cursor = draft.cursor - 1;  // not recorded in the rule list: it changes nothing
  return {d};
}

}  // namespace

const std::vector<SketchRule>& cpu_sketch_rules() {
  static const std::vector<SketchRule> rules = {
      {"always_inline", always_inline_condition, always_inline_apply},
      {"add_rfactor", add_rfactor_condition, add_rfactor_apply},
      {"add_cache_write", add_cache_write_condition, add_cache_write_apply},
      {"tiling_with_fusion", tiling_with_fusion_condition, tiling_with_fusion_apply},
      {"multi_level_tiling", tiling_condition, tiling_apply},
      {"skip", skip_condition, skip_apply},
  };
  return rules;
}

std::vector<Sketch> generate_sketches(const std::vector<Tensor>& outputs,
                                      const HardwareParams& hw) {
  if (outputs.empty()) user_error("generate_sketches: the task has no outputs");
  SketchDraft start{ScheduleState(outputs), Sketch{}, 0};
  start.cursor = int(start.state.stages().size()) - 1;
  std::vector<SketchDraft> pending = {start}, done;
  while (!pending.empty()) {
    std::vector<SketchDraft> next;
    for (const SketchDraft& d : pending) {
      if (d.cursor < 0) {
        done.push_back(d);
        continue;
      }
      const std::string stage = d.state.stages()[d.cursor].name();
      for (const SketchRule& rule : cpu_sketch_rules()) {
        RuleResult result = rule.condition(d, stage, hw);
        if (result == RuleResult::Skip) continue;
        for (SketchDraft& made : rule.apply(d, stage)) next.push_back(std::move(made));
        if (result == RuleResult::ApplyAndSkipRest) break;
      }
    }
    pending = std::move(next);
  }
  std::vector<Sketch> sketches;
  for (SketchDraft& d : done) {
    // Emission order: consumers first; stages no rule claimed are Simple.
    std::vector<SketchStage> ordered;
    const auto& stages = d.state.stages();
    for (auto it = stages.rbegin(); it != stages.rend(); ++it) {
      int i = d.sketch.stage_index(it->name());
      ordered.push_back(i >= 0 ? d.sketch.stages[i] : stage_named(it->name()));
    }
    d.sketch.stages = std::move(ordered);
    sketches.push_back(std::move(d.sketch));
  }
  return sketches;
}

}  // namespace tt
