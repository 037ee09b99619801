// A sketch: the structure of a family of schedules for one task (which stages are inlined,
// cache-written, rfactored, multi-level tiled or fused into a consumer), with its free choices —
// tile sizes, parallel depth, vector width, unroll depth, compute locations — left open. A
// `Decisions` value fills them in; annotation.h turns (sketch, decisions) into a plain step list.
// Search edits decisions, never step histories, so every candidate is a replayable step list.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/schedule/step.h"

namespace tt {

// How one stage is scheduled in a sketch.
enum class StageRole : uint8_t {
  Inlined,        // compute_inline: no loops of its own
  Tiled,          // multi-level tiling "SSRSRS" at the root (Ansor's CPU structure)
  TiledFused,     // multi-level tiled and computed inside its element-wise consumer's tile
  FusedConsumer,  // the consumer a TiledFused stage is computed in, tiled with the same factors
  Simple,         // untiled: compute location, vector width, parallel depth and unroll are chosen
};
const char* stage_role_name(StageRole role);

struct SketchStage {
  std::string name;  // the stage's name once the sketch's structural steps are applied
  StageRole role = StageRole::Simple;
  // TiledFused: the consumer it is computed in; FusedConsumer: the stage computed in it.
  std::string fused_with;
  // TiledFused / FusedConsumer: the consumer keeps tile levels 0 .. fuse_level-1 of every spatial
  // axis as its outer loops, and the producer is computed at the last of them (1 or 2).
  int fuse_level = 0;
  // Simple stages made by an rfactor (the partial ".rf" stage and the merge stage).
  bool from_rfactor = false;
};

// A structural step applied before any stage's loops are scheduled.
struct SketchAction {
  enum class Kind : uint8_t {
    Fixed,    // `step` as written (cache_write, compute_inline)
    Rfactor,  // fuse the reduce loops of `stage`, split by a chosen factor, rfactor one part
  } kind = Kind::Fixed;
  Step step;          // Fixed
  std::string stage;  // Rfactor: the reduction; its plan (in Sketch::stages) holds the factor
  bool factor_inner =
      true;  // Rfactor: the inner part becomes the partial stage's (vectorizable) axis
};

struct Sketch {
  std::vector<SketchAction> actions;
  // Every compute stage after the actions, consumers first: the order their steps are emitted, so
  // a consumer's loops exist before a producer is computed at one of them.
  std::vector<SketchStage> stages;
  std::vector<std::string> rules;  // the rules that built it, in order, for printing
  int stage_index(const std::string& name) const;  // -1 if absent
};

// The free choices of one stage; -1 / empty means "not chosen yet" (annotation samples it).
struct StageDecision {
  // Tiled / TiledFused: per spatial axis the full lengths of its 4 levels (outermost first, product
  // = extent), then per reduce axis its 2 levels. Simple: one entry {outer, vector width} for the
  // vectorized axis (vector width 1 = not vectorized). Empty for other roles.
  std::vector<std::vector<int64_t>> tiles;
  // Rfactor actions on this stage: the lengths {outer, inner} of the fused reduce loop.
  std::vector<int64_t> rfactor_lengths;
  int parallel_depth = -1;   // leading loops fused into the parallel loop (0 = serial); clamped
  int64_t auto_unroll = -1;  // auto_unroll_max_step pragma on the outermost loop (0 = none)
  int64_t compute_location =
      -1;  // Simple: index into the legal locations, taken modulo their number
  // TiledFused: which spatial axis the register tile vectorizes, as an index into the stage's
  // vector-axis candidates (taken modulo their number): 0 is the axis of unit stride in memory
  // (Ansor's only choice); the others (a convolution's output channels) put that axis innermost,
  // store the stage's tile with it last and pack the weights it reads so the vector loads are
  // contiguous — the register tile of oneDNN's blocked kernels, reached without changing the
  // model's layout.
  int vector_axis = -1;
  // Filled in by annotation, not a choice: how many leading loops could join the parallel loop and
  // how many compute locations there were (mutation draws from these ranges).
  int parallel_candidates = 0;
  int compute_location_count = 0;
  int vector_axis_count = 0;
};

struct Decisions {
  std::vector<StageDecision> stages;  // parallel to Sketch::stages
  // Whether the weights a reduction reads are stored in the order its loops read them (a
  // layout_rewrite step each): 1 yes, 0 no, -1 not drawn yet. Drawn only when the candidate has such
  // a weight; `packable_weights` counts them (set when the steps are emitted).
  int layout_rewrite = -1;
  int packable_weights = 0;
};

// Readable multi-line text: the rules, the actions and each stage's role.
std::string to_string(const Sketch& sketch);
// One line per stage with its choices, e.g. for debugging a candidate.
std::string to_string(const Sketch& sketch, const Decisions& decisions);

}  // namespace tt
