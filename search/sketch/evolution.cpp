// Mutation and crossover of sketch candidates: each edits Decisions, then re-emits the steps.
#include "search/sketch/evolution.h"

#include <algorithm>

#include "ir/error.h"

namespace tt {

namespace {

int64_t uniform(std::mt19937_64& rng, int64_t n) {
  return std::uniform_int_distribution<int64_t>(0, n - 1)(rng);
}

std::optional<SketchCandidate> emit(Annotator& annotator, const std::vector<Sketch>& sketches,
                                    int sketch, Decisions decisions, std::mt19937_64& rng) {
  SketchCandidate c;
  c.sketch = sketch;
  try {
    c.steps = annotator.materialize(sketches[sketch], decisions, &rng);
  } catch (const UserError&) {
    return std::nullopt;
  }
  c.decisions = std::move(decisions);
  c.key = candidate_key(c.steps);
  return c;
}

int64_t product(const std::vector<int64_t>& v) {
  int64_t p = 1;
  for (int64_t x : v) p *= x;
  return p;
}

// Moves a random divisor (> 1) of one level's length to another level; false if the innermost
// length would pass `max_innermost`.
bool move_factor(std::vector<int64_t>& lengths, int64_t max_innermost, std::mt19937_64& rng) {
  std::vector<int> sources;
  for (size_t l = 0; l < lengths.size(); ++l)
    if (lengths[l] > 1) sources.push_back(int(l));
  if (sources.empty() || lengths.size() < 2) return false;
  int src = sources[uniform(rng, int64_t(sources.size()))];
  std::vector<int64_t> divisors;
  for (int64_t d = 2; d <= lengths[src]; ++d)
    if (lengths[src] % d == 0) divisors.push_back(d);
  int64_t d = divisors[uniform(rng, int64_t(divisors.size()))];
  int dst = int(uniform(rng, int64_t(lengths.size()) - 1));
  if (dst >= src) ++dst;
  lengths[src] /= d;
  lengths[dst] *= d;
  return lengths.back() <= max_innermost;
}

// A random stage among those `eligible` accepts (by index), or null when none does.
template <typename Eligible>
StageDecision* pick_stage(Decisions& d, std::mt19937_64& rng, Eligible eligible) {
  std::vector<int> stages;
  for (size_t s = 0; s < d.stages.size(); ++s)
    if (eligible(s)) stages.push_back(int(s));
  if (stages.empty()) return nullptr;
  return &d.stages[size_t(stages[size_t(uniform(rng, int64_t(stages.size())))])];
}

// A value in [0, count) other than `current` (count >= 2), uniformly.
int64_t other_than(int64_t current, int64_t count, std::mt19937_64& rng) {
  int64_t next = uniform(rng, count - 1);
  return next >= current ? next + 1 : next;
}

}  // namespace

MutationKind draw_mutation_kind(const SketchParams& p, std::mt19937_64& rng) {
  std::discrete_distribution<int> pick({p.mutate_tile_size_weight, p.mutate_auto_unroll_weight,
                                        p.mutate_compute_location_weight,
                                        p.mutate_parallel_weight, p.mutate_layout_rewrite_weight,
                                        p.mutate_vector_axis_weight});
  return MutationKind(pick(rng));
}

std::optional<SketchCandidate> sample_candidate(Annotator& annotator,
                                                const std::vector<Sketch>& sketches, int index,
                                                std::mt19937_64& rng) {
  return emit(annotator, sketches, index, Decisions{}, rng);
}

std::optional<SketchCandidate> mutate(Annotator& annotator, const std::vector<Sketch>& sketches,
                                      const SketchCandidate& parent, MutationKind kind,
                                      std::mt19937_64& rng) {
  Decisions d = parent.decisions;
  const Sketch& sketch = sketches[parent.sketch];
  const SketchParams& p = annotator.params();
  switch (kind) {
    case MutationKind::TileSize: {
      // Every split with something to move: (stage, tile index), tile index -1 = the rfactor split.
      std::vector<std::pair<int, int>> splits;
      for (size_t s = 0; s < d.stages.size(); ++s) {
        for (size_t t = 0; t < d.stages[s].tiles.size(); ++t)
          if (d.stages[s].tiles[t].size() > 1 && product(d.stages[s].tiles[t]) > 1)
            splits.push_back({int(s), int(t)});
        if (d.stages[s].rfactor_lengths.size() == 2 && product(d.stages[s].rfactor_lengths) > 1)
          splits.push_back({int(s), -1});
      }
      if (splits.empty()) return std::nullopt;
      auto [s, t] = splits[uniform(rng, int64_t(splits.size()))];
      bool simple = sketch.stages[s].role == StageRole::Simple && t >= 0;
      std::vector<int64_t>& lengths = t < 0 ? d.stages[s].rfactor_lengths : d.stages[s].tiles[t];
      if (!move_factor(lengths,
                       simple ? annotator.max_vectorize_size() : p.max_innermost_split_factor, rng))
        return std::nullopt;
      if (simple && lengths.back() > 1 && !annotator.is_vector_width(lengths.back()))
        return std::nullopt;
      // As annotation draws them: an rfactor part of length 1 makes the rfactor pointless.
      if (t < 0 && (lengths[0] == 1 || lengths[1] == 1)) return std::nullopt;
      break;
    }
    case MutationKind::AutoUnroll: {
      std::vector<int> stages;
      for (size_t s = 0; s < d.stages.size(); ++s)
        if (d.stages[s].auto_unroll >= 0) stages.push_back(int(s));
      if (stages.empty() || p.auto_unroll_candidates.size() < 2) return std::nullopt;
      StageDecision& sd = d.stages[stages[uniform(rng, int64_t(stages.size()))]];
      int64_t value = sd.auto_unroll;
      while (value == sd.auto_unroll)
        value = p.auto_unroll_candidates[uniform(rng, int64_t(p.auto_unroll_candidates.size()))];
      sd.auto_unroll = value;
      break;
    }
    case MutationKind::ComputeLocation: {
      StageDecision* sd = pick_stage(d, rng, [&](size_t s) {
        return sketch.stages[s].role == StageRole::Simple && d.stages[s].compute_location_count > 1;
      });
      if (!sd) return std::nullopt;
      sd->compute_location = other_than(sd->compute_location % sd->compute_location_count, sd->compute_location_count, rng);
      break;
    }
    case MutationKind::Parallel: {
      StageDecision* sd = pick_stage(d, rng, [&](size_t s) { return d.stages[s].parallel_candidates > 0; });
      if (!sd) return std::nullopt;
      // Among the other depths 0..candidates.
      sd->parallel_depth = int(other_than(std::clamp(sd->parallel_depth, 0, sd->parallel_candidates),
                                          sd->parallel_candidates + 1, rng));
      break;
    }
    case MutationKind::VectorAxis: {
      StageDecision* sd = pick_stage(d, rng, [&](size_t s) { return d.stages[s].vector_axis_count > 1; });
      if (!sd) return std::nullopt;
      sd->vector_axis = int(other_than(std::max(0, sd->vector_axis) % sd->vector_axis_count, sd->vector_axis_count, rng));
      break;
    }
    case MutationKind::LayoutRewrite: {
      if (d.packable_weights == 0 || d.layout_rewrite < 0) return std::nullopt;
      d.layout_rewrite = 1 - d.layout_rewrite;
      break;
    }
  }
  return emit(annotator, sketches, parent.sketch, std::move(d), rng);
}

std::optional<SketchCandidate> crossover(Annotator& annotator, const std::vector<Sketch>& sketches,
                                         const SketchCandidate& a, const SketchCandidate& b,
                                         std::mt19937_64& rng) {
  if (a.sketch != b.sketch) return std::nullopt;
  Decisions d = a.decisions;
  for (size_t s = 0; s < d.stages.size() && s < b.decisions.stages.size(); ++s)
    if (uniform(rng, 2) == 1) d.stages[s] = b.decisions.stages[s];
  if (uniform(rng, 2) == 1) d.layout_rewrite = b.decisions.layout_rewrite;
  return emit(annotator, sketches, a.sketch, std::move(d), rng);
}

}  // namespace tt
