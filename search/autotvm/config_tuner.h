// The tuners of the template search (AutoTVM's): which configs of a knob space to measure next.
// Random and grid walk the space without looking at results; the genetic algorithm breeds
// measured configs; xgb ranks configs by the shared cost model (XGBoost on loop-IR features, the
// model the template-free search uses) and proposes the best predicted ones, found by simulated
// annealing over the space, with a small random share. All randomness comes from one generator
// seeded by the caller, so the same seed and the same measurements give the same proposals.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "search/autotvm/config_space.h"

namespace tt::autotvm {

// AutoTVM's GATuner defaults, except the population: with 64-trial rounds and the budgets of a
// model's tasks (a few hundred trials each), 100 leaves only a generation or two per task; 64 makes
// one generation one round.
struct GAParams {
  int population = 64;
  int elite_count = 3;         // the best configs carried into each generation unchanged
  double mutation_prob = 0.1;  // each knob of a child replaced by a random option with this probability
};

// AutoTVM's XGBTuner / SimulatedAnnealingOptimizer, with shorter chains: each annealing step
// scores 128 configs through lowering and feature extraction (about a millisecond each here, where
// AutoTVM's knob features cost microseconds), so 500 steps per round would cost more than the
// measurements they choose. 40 steps (early stop after 10 without a better top list) keep the
// search a small share of each round.
struct AnnealingParams {
  int parallel_size = 128;  // chains (capped by the space's size)
  int max_iters = 40;
  int early_stop = 10;
  double eps_greedy = 0.05;  // share of each batch drawn at random
};

// Configs already measured or proposed; tuners never return one of these.
using VisitedSet = std::unordered_set<int64_t>;
// Predicted scores (higher is faster; -infinity for a config that does not lower).
using IndexScorer = std::function<std::vector<double>(const std::vector<int64_t>&)>;

class ConfigTuner {
 public:
  virtual ~ConfigTuner() = default;
  virtual const char* name() const = 0;
  // Whether next_batch consults the scorer (then the tuning loop trains the cost model).
  virtual bool uses_cost_model() const { return false; }
  // Up to `n` distinct configs not in `visited`; fewer when the space has fewer left (or, for the
  // genetic algorithm, when the current generation has fewer left unmeasured).
  virtual std::vector<int64_t> next_batch(int n, const IndexScorer& score, const VisitedSet& visited) = 0;
  // A measured config's throughput (1 / seconds; 0 if it failed).
  virtual void update(int64_t index, double throughput) { (void)index, (void)throughput; }
};

// UserError for an unknown tuner name or parameters out of range (what make_config_tuner checks,
// without a space: the tuning loop checks its options before any task is set up).
void check_tuner_options(const std::string& name, const GAParams& ga = {}, const AnnealingParams& sa = {});

// "random", "grid", "ga" or "xgb"; UserError for another name.
std::unique_ptr<ConfigTuner> make_config_tuner(const std::string& name, const ConfigSpace& space, uint64_t seed,
                                               const GAParams& ga = {}, const AnnealingParams& sa = {});

// Exposed for tests: `count` distinct random unvisited indices (fewer when fewer are left).
std::vector<int64_t> random_unvisited(const ConfigSpace& space, int count, const VisitedSet& visited,
                                      std::mt19937_64& rng);

}  // namespace tt::autotvm
