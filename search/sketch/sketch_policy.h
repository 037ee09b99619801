// The template-free search policy (Ansor's SketchPolicy): sketches generated once per task, an
// initial population of random annotations plus the best measured candidates, a few generations
// of mutation and crossover scored by the cost model, and a batch of the best predicted unmeasured
// candidates with an ε share of random ones.
#pragma once

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "ir/schedule/hardware.h"
#include "search/search_policy.h"
#include "search/sketch/annotation.h"
#include "search/sketch/evolution.h"
#include "search/sketch/sketch.h"
#include "search/sketch/sketch_params.h"

namespace tt {

class SketchPolicy : public SearchPolicy {
 public:
  // All randomness comes from one generator seeded with `seed`: the same seed, scorer outputs and
  // observed results give the same proposals.
  // `constant_inputs`: the placeholders that are the model's weights (see Annotator).
  SketchPolicy(std::vector<Tensor> outputs, const HardwareParams& hw, const SketchParams& params,
               uint64_t seed, std::vector<std::string> constant_inputs = {});

  std::string name() const override { return "ansor"; }
  std::vector<Candidate> propose(int n, const CandidateScorer& scorer,
                                 const std::vector<std::string>& measured) override;
  // Keeps the best measured candidates this policy proposed (as decisions, so they can be mutated)
  // for the next initial population. Candidates it never proposed (a resumed log's records) only
  // count as measured through propose's `measured` argument.
  void observe(const std::vector<MeasuredCandidate>& results) override;

  const std::vector<Sketch>& sketches() const { return sketches_; }
  const SketchParams& params() const { return params_; }
  // Up to `count` distinct random candidates, sketches drawn uniformly; invalid samples are
  // dropped, up to sample_init_max_attempts × count attempts.
  std::vector<SketchCandidate> sample_init_population(int count);
  std::optional<SketchCandidate> mutate(const SketchCandidate& parent, MutationKind kind) {
    return tt::mutate(annotator_, sketches_, parent, kind, rng_);
  }
  std::optional<SketchCandidate> crossover(const SketchCandidate& a, const SketchCandidate& b) {
    return tt::crossover(annotator_, sketches_, a, b, rng_);
  }
  Annotator& annotator() { return annotator_; }

 private:
  // The generation after `population`, by roulette selection on `scores`.
  std::vector<SketchCandidate> next_generation(const std::vector<SketchCandidate>& population,
                                               const std::vector<double>& scores);

  SketchParams params_;
  Annotator annotator_;
  std::vector<Sketch> sketches_;
  std::mt19937_64 rng_;
  // Candidates proposed so far, by key, so observe() can map results back to decisions.
  std::map<std::string, SketchCandidate> proposed_;
  // The best measured candidates, best first (at most sample_init_use_measured_ratio × population).
  std::vector<std::pair<double, SketchCandidate>> best_measured_;
};

}  // namespace tt
