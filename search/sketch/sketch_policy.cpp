// One search round of the sketch policy (TVM_FACTS.md §1.6): initial population, evolutionary
// search under the cost model, then the ε-greedy pick of unmeasured candidates.
#include "search/sketch/sketch_policy.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "ir/error.h"
#include "search/sketch/sketch_rules.h"

namespace tt {

namespace {

const SketchParams& checked(const SketchParams& params) {
  if (params.population < 1)
    user_error("sketch search: population must be positive, got {}", params.population);
  if (params.num_iters < 0)
    user_error("sketch search: num_iters must not be negative, got {}", params.num_iters);
  if (!(params.layout_rewrite_probability >= 0 && params.layout_rewrite_probability <= 1))
    user_error("sketch search: layout_rewrite_probability must be within [0, 1], got {}",
               params.layout_rewrite_probability);
  return params;
}

}  // namespace

SketchPolicy::SketchPolicy(std::vector<Tensor> outputs, const HardwareParams& hw,
                           const SketchParams& params, uint64_t seed,
                           std::vector<std::string> constant_inputs)
    : params_(checked(params)),
      annotator_(outputs, hw, params, std::move(constant_inputs)),
      sketches_(generate_sketches(outputs, hw)),
      rng_(seed) {}

std::vector<SketchCandidate> SketchPolicy::sample_init_population(int count) {
  std::vector<SketchCandidate> out;
  std::set<std::string> seen;
  const int64_t max_attempts =
      int64_t(std::max(1, params_.sample_init_max_attempts)) * std::max(count, 1);
  for (int64_t attempt = 0; attempt < max_attempts && int(out.size()) < count; ++attempt) {
    // Enough valid samples after one population's worth of attempts is enough (Ansor's minimum).
    if (attempt >= count && int(out.size()) >= params_.sample_init_min_population) break;
    int sketch =
        int(std::uniform_int_distribution<int64_t>(0, int64_t(sketches_.size()) - 1)(rng_));
    std::optional<SketchCandidate> c = sample_candidate(annotator_, sketches_, sketch, rng_);
    if (c && seen.insert(c->key).second) out.push_back(std::move(*c));
  }
  return out;
}

std::vector<SketchCandidate> SketchPolicy::next_generation(
    const std::vector<SketchCandidate>& population, const std::vector<double>& scores) {
  // Roulette wheel on max(score, 0); all zero (or no finite score) falls back to uniform.
  std::vector<double> weights(population.size());
  double total = 0;
  for (size_t i = 0; i < population.size(); ++i) {
    weights[i] = std::isfinite(scores[i]) ? std::max(scores[i], 0.0) : 0.0;
    total += weights[i];
  }
  if (total <= 0) std::fill(weights.begin(), weights.end(), 1.0);
  std::discrete_distribution<size_t> pick(weights.begin(), weights.end());
  std::uniform_real_distribution<double> coin(0.0, 1.0);
  std::vector<SketchCandidate> next;
  const int64_t max_tries = 4 * int64_t(params_.population);
  for (int64_t tries = 0; tries < max_tries && int(next.size()) < params_.population; ++tries) {
    const SketchCandidate& parent = population[pick(rng_)];
    double r = coin(rng_);
    std::optional<SketchCandidate> child;
    if (r < params_.mutation_prob) {
      child = mutate(parent, draw_mutation_kind(params_, rng_));
    } else if (coin(rng_) < params_.crossover_prob) {
      child = crossover(parent, population[pick(rng_)]);
    } else {
      child = parent;
    }
    if (child) next.push_back(std::move(*child));
  }
  return next;
}

std::vector<Candidate> SketchPolicy::propose(int n, const CandidateScorer& scorer,
                                             const std::vector<std::string>& measured) {
  if (n <= 0 || sketches_.empty()) return {};
  const std::set<std::string> measured_set(measured.begin(), measured.end());
  const int num_seeds = int(params_.sample_init_use_measured_ratio * params_.population);
  std::vector<SketchCandidate> initial =
      sample_init_population(params_.population - std::min(num_seeds, int(best_measured_.size())));
  std::vector<SketchCandidate> population = initial;
  for (int s = 0; s < int(best_measured_.size()) && s < num_seeds; ++s)
    population.push_back(best_measured_[s].second);
  if (population.empty()) return {};

  // Best predicted unmeasured candidates seen in any generation, by key.
  std::map<std::string, std::pair<double, SketchCandidate>> best;
  std::map<std::string, double> initial_scores;
  for (int iter = 0; iter <= params_.num_iters && !population.empty(); ++iter) {
    std::vector<Candidate> steps;
    for (const SketchCandidate& c : population) steps.push_back(c.steps);
    std::vector<double> scores = scorer(steps);
    TT_ASSERT(scores.size() == population.size(), "scorer returned {} scores for {} candidates",
              scores.size(), population.size());
    for (size_t i = 0; i < population.size(); ++i) {
      if (iter == 0) initial_scores[population[i].key] = scores[i];
      if (!std::isfinite(scores[i]) || measured_set.count(population[i].key)) continue;
      auto it = best.find(population[i].key);
      if (it == best.end() || it->second.first < scores[i])
        best[population[i].key] = {scores[i], population[i]};
    }
    if (iter < params_.num_iters) population = next_generation(population, scores);
  }

  std::vector<const std::pair<double, SketchCandidate>*> ranked;
  for (const auto& [key, entry] : best) ranked.push_back(&entry);
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const auto* a, const auto* b) { return a->first > b->first; });

  const int num_random = int(params_.eps_greedy * n);
  std::vector<Candidate> out;
  std::set<std::string> taken;
  auto take = [&](const SketchCandidate& c) {
    if (int(out.size()) >= n || measured_set.count(c.key) || !taken.insert(c.key).second) return;
    out.push_back(c.steps);
    proposed_[c.key] = c;
  };
  for (const auto* entry : ranked) {
    if (int(out.size()) >= n - num_random) break;
    take(entry->second);
  }
  // The ε share: random members of the initial population that lowered (finite score).
  std::vector<int> random_pool;
  for (int i = 0; i < int(initial.size()); ++i)
    if (std::isfinite(initial_scores[initial[i].key])) random_pool.push_back(i);
  std::shuffle(random_pool.begin(), random_pool.end(), rng_);
  for (int i : random_pool) {
    if (int(out.size()) >= n) break;
    take(initial[i]);
  }
  for (const auto* entry : ranked) take(entry->second);
  return out;
}

void SketchPolicy::observe(const std::vector<MeasuredCandidate>& results) {
  for (const MeasuredCandidate& r : results) {
    if (r.throughput <= 0) continue;
    auto it = proposed_.find(candidate_key(r.candidate));
    if (it == proposed_.end()) continue;
    bool known = false;
    for (const auto& [t, c] : best_measured_) known |= c.key == it->second.key;
    if (!known) best_measured_.push_back({r.throughput, it->second});
  }
  std::stable_sort(best_measured_.begin(), best_measured_.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  const size_t keep =
      size_t(std::max(1.0, params_.sample_init_use_measured_ratio * params_.population));
  if (best_measured_.size() > keep) best_measured_.resize(keep);
}

}  // namespace tt
