// The genetic operators of the sketch search, on decisions rather than step lists: Ansor's four
// mutations (tile size, auto-unroll, compute location, parallel depth) and a per-stage crossover
// of two parents of one sketch (Ansor's code has none). Each child is re-emitted through the
// Annotator, so it is a plain, valid step list or no child at all.
#pragma once

#include <optional>
#include <random>
#include <string>
#include <vector>

#include "search/search_policy.h"
#include "search/sketch/annotation.h"
#include "search/sketch/sketch.h"

namespace tt {

// One member of a population: which sketch, its decisions, and the steps they emit.
struct SketchCandidate {
  int sketch = -1;
  Decisions decisions;
  Candidate steps;
  std::string key;  // candidate_key(steps)
};

enum class MutationKind : uint8_t {
  TileSize,
  AutoUnroll,
  ComputeLocation,
  Parallel,
  LayoutRewrite,
  VectorAxis,
};

// A random kind, by SketchParams' mutation weights.
MutationKind draw_mutation_kind(const SketchParams& params, std::mt19937_64& rng);

// A fresh random candidate of sketch `index`; nullopt if its steps are invalid.
std::optional<SketchCandidate> sample_candidate(Annotator& annotator,
                                                const std::vector<Sketch>& sketches, int index,
                                                std::mt19937_64& rng);

// The parent with one decision of `kind` changed, re-emitted; nullopt when the parent has no
// decision of that kind to change or the child is invalid.
// - TileSize: move a random divisor of one level's length to another level of the same split
//   (innermost kept within its cap), as Ansor's MutateTileSize.
// - AutoUnroll: draw another auto_unroll_max_step value for one reduction stage.
// - ComputeLocation: move one untiled stage to another legal location.
// - Parallel: change how many outer loops one stage fuses into its parallel loop.
std::optional<SketchCandidate> mutate(Annotator& annotator, const std::vector<Sketch>& sketches,
                                      const SketchCandidate& parent, MutationKind kind,
                                      std::mt19937_64& rng);

// Each stage's decisions taken from either parent with equal odds; nullopt for parents of
// different sketches or an invalid child.
std::optional<SketchCandidate> crossover(Annotator& annotator, const std::vector<Sketch>& sketches,
                                         const SketchCandidate& a, const SketchCandidate& b,
                                         std::mt19937_64& rng);

}  // namespace tt
