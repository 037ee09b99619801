// Schedule steps: plain, serializable structs naming a stage and its loops by name. A schedule is a
// TE graph plus a list of these; both searches generate them, tuning records store them, and replay
// applies them — one path for all three. Each concern (apply, print, serialize) is one std::visit
// without a catch-all, so adding a step kind makes the compiler list every place to update.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

namespace tt {

// Splits `loop` into factors.size() + 1 loops named loop.0 (outermost) ... loop.N. With
// nparts = false, `factors` are the extents of the inner loops and the outermost takes what is
// left (rounded up); with nparts = true, the single factor is the outer extent. A product that
// does not divide the extent leaves a guarded tail.
struct SplitStep {
  std::string stage, loop;
  std::vector<int64_t> factors;
  bool nparts = false;
};

// Fuses adjacent loops (outermost first) into one loop named "a.b.fused".
struct FuseStep {
  std::string stage;
  std::vector<std::string> loops;
};

// Permutes the named loops among the positions they occupy; the other loops stay where they are.
struct ReorderStep {
  std::string stage;
  std::vector<std::string> order;
};

enum class LoopAnnotation : uint8_t { None, Parallel, Vectorize, Unroll };
const char* annotation_name(LoopAnnotation a);

// Marks a loop parallel, vectorized or unrolled.
struct AnnotateStep {
  std::string stage, loop;
  LoopAnnotation annotation = LoopAnnotation::None;
};

// Computes `stage` inside loop `target_loop` of its consumer `target_stage`, just for the region
// that loop's iteration needs.
struct ComputeAtStep {
  std::string stage, target_stage, target_loop;
};

// Substitutes the stage's expression into its consumers; it gets no loops or storage of its own.
struct ComputeInlineStep {
  std::string stage;
};

// Computes the stage in full at the top level (undoing compute_at or compute_inline).
struct ComputeRootStep {
  std::string stage;
};

// Adds a stage "<stage>.local" that computes the stage's expression into a local buffer, and turns
// the stage into a copy out of it; compute_at the local stage to accumulate a tile in registers.
struct CacheWriteStep {
  std::string stage;
};

// Adds a stage "<tensor>.cache" that copies `tensor` (an input or a stage) and makes `reader` read
// the copy; compute_at the copy inside the reader to pack the tile it needs into a contiguous
// local buffer (a GEMM's packed panel).
struct CacheReadStep {
  std::string tensor, reader;
};

// Factors the reduction of `stage` over its reduce loop `loop`: a new stage "<stage>.rf" keeps
// `loop` as its last (innermost, so vectorizable) data-parallel axis and reduces over the others; `stage` then reduces the
// partial results over that axis. The stage's own loop transformations restart from its axes.
struct RfactorStep {
  std::string stage, loop;
};

// A pragma on a loop; today "auto_unroll_max_step": loops inside it whose whole iteration count is
// at most `value` are unrolled.
struct PragmaStep {
  std::string stage, loop, name;
  int64_t value = 0;
};

// Splits `loop` like the SplitStep at index `src_step` of the state's step history, so two stages
// (a cache_write stage and its consumer, say) stay tiled alike when a search changes the source's
// factors. As TVM's FollowSplitStep: the factors are the source's first n_split - 1 factors, then
// the product of its remaining factors (1 when none remain), so the loop becomes n_split + 1 loops
// (loop.0 ... loop.n_split) and loop.0 takes what is left. 1 <= n_split <= source factors + 1; the
// source must be a factor split (not nparts). Resolved when applied, from the history.
struct FollowSplitStep {
  std::string stage, loop;
  int src_step = 0;
  int n_split = 1;
};

// Splits `loop` into two (loop.0, loop.1) by the product of factor `level` of the SplitSteps at
// indices `src_steps` of the step history (TVM's FollowFusedSplitStep: a loop fused from several
// split loops follows their tiling). factor_or_nparts = true: the product is the inner extent;
// false: it is the outer extent. Every source must be a factor split with more than `level` factors.
struct FollowFusedSplitStep {
  std::string stage, loop;
  std::vector<int> src_steps;
  int level = 0;
  bool factor_or_nparts = true;
};

// Stores input `tensor` (a constant the executor holds, such as a convolution's weights, or an
// activation its producer writes so) — or the whole buffer of a stage computed at the root (the
// task's output, a padded copy) — in a new layout (a stage computed at a loop only in a permuted
// dimension order, its storage order: its buffer holds one region) that follows the schedule's access order (Ansor's layout rewrite): dimension d is split
// into sub-dimensions whose inner extents are factors[d] (the outermost takes what is left, rounded
// up, and the padding holds zeros; an empty list keeps the dimension whole), and the
// sub-dimensions are stored in `order`, outermost first, as (dimension, sub-dimension) pairs
// (sub-dimension 0 the outermost of its dimension). The kernel reads the packed array; whoever
// calls it packs the tensor once beforehand (ir/schedule/layout.h). Loops are untouched.
struct LayoutRewriteStep {
  std::string tensor;
  std::vector<std::vector<int64_t>> factors;
  std::vector<std::pair<int, int>> order;
};

// Computes convolution `stage` by Winograd's minimal filtering F(tile×tile, 3×3) (ir/te/winograd.h)
// instead of directly: a choice of algorithm, made by the search like any other step. The stage
// must be a conv2d with a 3×3 kernel, stride 1, dilation 1 and one group whose weights are an input
// read by it alone, and no step may have touched it yet. It becomes the output transform (same name,
// same loops) and four stages are added before it: <stage>.wino_in1, .wino_in (the input
// transform), .wino_gemm (the batched GEMM, reduce loop "rc") and .wino_out1. The weight input
// keeps its name but the kernel reads it transformed, [α][α][C][K] with α = tile + 2: whoever calls
// the kernel transforms it once beforehand (winograd::transform_weight), as it packs a
// layout_rewrite's input; a later layout_rewrite of it applies to the transformed shape.
struct WinogradStep {
  std::string stage;
  int64_t tile = 4;
};

using Step = std::variant<SplitStep, FuseStep, ReorderStep, AnnotateStep, ComputeAtStep, ComputeInlineStep,
                          ComputeRootStep, CacheWriteStep, CacheReadStep, RfactorStep, PragmaStep, FollowSplitStep,
                          FollowFusedSplitStep, LayoutRewriteStep, WinogradStep>;

// The algorithm a schedule computes its task with: "winograd F(4x4,3x3)" (one per winograd step,
// joined by ", ") or "direct" when it has none.
std::string formulation_of(const std::vector<Step>& steps);

// One line of readable text, e.g. `split(C, i, [8, 4])`.
std::string to_string(const Step& step);

// JSON form: ["split", "C", "i", [8, 4], false] — compact arrays, like TVM's records. from_json
// throws UserError naming the step for anything malformed.
nlohmann::json to_json(const Step& step);
Step step_from_json(const nlohmann::json& j);

// The format version steps_to_json writes. Version 1 was a bare array of steps; version 2 wraps it
// as {"v": 2, "steps": [...]} so later changes to a step's meaning can be told apart.
constexpr int kStepsFormatVersion = 2;
// Writes {"v": kStepsFormatVersion, "steps": [...]}.
nlohmann::json steps_to_json(const std::vector<Step>& steps);
// Reads version 2 ({"v": 2, "steps": [...]}) and version 1 (a bare array); any other "v" is a
// UserError naming the version.
std::vector<Step> steps_from_json(const nlohmann::json& j);

}  // namespace tt
