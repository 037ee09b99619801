// The schedule state: one Stage per compute operation of a TE graph, each with its iteration tree
// (root axes split and fused into leaf loops), the order and annotations of those leaf loops, and
// where the stage is computed. Steps (step.h) are applied to it one at a time, each checked first;
// an invalid step raises UserError naming the step and the problem and leaves the state unchanged.
#pragma once

#include <map>
#include <string>
#include <variant>
#include <vector>

#include "ir/schedule/step.h"
#include "ir/te/tensor.h"

namespace tt {

// A node of a stage's iteration tree; leaves are the loops.
struct IterInfo {
  std::string name;
  IterKind kind = IterKind::DataParallel;
  int64_t extent = 0;  // for the full tensor; compute_at shrinks it at lowering (bound inference)
  LoopAnnotation annotation = LoopAnnotation::None;
  int64_t auto_unroll_max_step = 0;  // the pragma; 0 = none
};

// parent = children[0] * (extent of the rest) + ... (the outermost child first).
struct SplitRelation {
  int parent;
  std::vector<int> children;
  std::vector<int64_t> factors;
  bool nparts = false;
};

// child = parents[0] * (extent of the rest) + ... + parents.back().
struct FuseRelation {
  std::vector<int> parents;
  int child;
};

using IterRelation = std::variant<SplitRelation, FuseRelation>;

enum class AttachKind : uint8_t { Root, Inline, At };

struct Stage {
  Operation op;
  std::vector<IterInfo> iters;  // the first num_roots are the op's axes then its reduce axes
  int num_roots = 0;
  std::vector<IterRelation> relations;  // in the order they were made
  std::vector<int> leaves;              // the loops, outermost first (indices into iters)
  AttachKind attach = AttachKind::Root;
  std::string attach_stage, attach_loop;  // for At

  const std::string& name() const { return op->name; }
  bool is_output = false;
  // The leaf position of a loop by name, or -1.
  int find_leaf(const std::string& loop) const;
  bool has_reduction() const { return !op->reduce_axes().empty(); }
};

// Extents of every iter of `stage` given the extents of its roots (split outer loops round up).
std::vector<int64_t> iter_extents(const Stage& stage, const std::vector<int64_t>& root_extents);

class ScheduleState {
 public:
  // The default schedule of a TE graph: every compute op a root stage with its axes as loops.
  explicit ScheduleState(std::vector<Tensor> outputs);

  // Applies one step and returns the names of the loops it created: a split's (and a follow
  // split's) new loops outer to inner, a fuse's fused loop, the leaf loops of the stage that
  // cache_write, cache_read or rfactor adds; empty for the other steps. Names, not references:
  // steps that add stages move the stages in memory, so callers hold names across steps.
  std::vector<std::string> apply(const Step& step);
  void apply(const std::vector<Step>& steps) {
    for (const Step& s : steps) apply(s);
  }

  // References into the stages are valid until the next cache_write, cache_read or rfactor step
  // (they insert stages); hold stage and loop names across steps instead.
  const std::vector<Stage>& stages() const { return stages_; }
  const Stage& stage(const std::string& name) const;
  const std::vector<Tensor>& outputs() const { return outputs_; }
  // The placeholders the graph reads, in the first-seen topological order of the graph the state
  // was made from (an input a winograd step transformed keeps its place).
  std::vector<Tensor> inputs() const;
  const std::vector<Step>& steps() const { return steps_; }
  // The layout a layout_rewrite step gave input `tensor`, or null (stored as it is).
  const LayoutRewriteStep* layout_of(const std::string& tensor) const;
  // The winograd step whose transformed weights input `tensor` now holds, or null. The kernel reads
  // winograd::transform_weight of the weights (then packed by layout_of, if any).
  const WinogradStep* weight_transform_of(const std::string& tensor) const;
  // The stages that read `stage`'s operation directly.
  std::vector<std::string> consumers(const std::string& stage) const;
  // The stages that read `stage`'s values once inlined stages are substituted: an inlined consumer
  // is replaced by its own (effective) consumers.
  std::vector<std::string> effective_consumers(const std::string& stage) const;

  // Each stage with its loops (name, extent, annotation) and where it is computed.
  std::string to_string() const;

 private:
  Stage& mutable_stage(const std::string& name, const Step& step);
  // Each returns the loops it created (see apply).
  std::vector<std::string> apply_split(const SplitStep& s);
  std::vector<std::string> apply_follow_split(const FollowSplitStep& s);
  std::vector<std::string> apply_follow_fused_split(const FollowFusedSplitStep& s);
  // The split shared by the three split steps; `step` is the one errors name.
  std::vector<std::string> split_loop(const Step& step, const std::string& stage, const std::string& loop,
                                      const std::vector<int64_t>& factors, bool nparts);
  // The SplitStep at `index` of the history, or a UserError naming `step`.
  const SplitStep& source_split(const Step& step, int index) const;
  std::vector<std::string> apply_fuse(const FuseStep& s);
  void apply_reorder(const ReorderStep& s);
  void apply_annotate(const AnnotateStep& s);
  void apply_compute_at(const ComputeAtStep& s);
  void apply_compute_inline(const ComputeInlineStep& s);
  void apply_compute_root(const ComputeRootStep& s);
  std::vector<std::string> apply_cache_write(const CacheWriteStep& s);
  std::vector<std::string> apply_cache_read(const CacheReadStep& s);
  std::vector<std::string> apply_rfactor(const RfactorStep& s);
  void apply_pragma(const PragmaStep& s);
  void apply_layout_rewrite(const LayoutRewriteStep& s);
  void apply_winograd(const WinogradStep& s);  // state_winograd.cpp
  // The leaf loop names of a stage.
  std::vector<std::string> leaf_names(const std::string& stage) const;
  // Replaces stage `index`'s operation, rebuilding every consumer that read the old one.
  void replace_operation(size_t index, const Operation& new_op);
  void check_nothing_attached(const Stage& stage, const std::string& loop, const Step& step) const;

  std::vector<Stage> stages_;  // producers before consumers; placeholders excluded
  std::vector<Tensor> outputs_;
  std::vector<Step> steps_;
  std::map<std::string, LayoutRewriteStep> layouts_;  // by input name
  std::map<std::string, WinogradStep> weight_transforms_;  // by input name
  std::vector<std::string> input_order_;  // the placeholders' names, in the original graph's order
};

Stage make_stage(const Operation& op);

}  // namespace tt
