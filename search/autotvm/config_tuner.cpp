// The template search's tuners; see config_tuner.h.
#include "search/autotvm/config_tuner.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "ir/error.h"

namespace tt::autotvm {

namespace {

// Spaces up to this size are enumerated when random draws keep hitting visited configs.
constexpr int64_t kEnumerableSpace = int64_t(1) << 22;
// Random draws per wanted config before falling back to enumeration (or giving up on a huge space).
constexpr int kDrawsPerConfig = 64;

const char* const kTunerNames[] = {"xgb", "ga", "random", "grid"};

void check_ga(const GAParams& params) {
  if (params.population < 2) user_error("ga tuner: population must be at least 2, got {}", params.population);
  if (params.elite_count < 0 || params.elite_count >= params.population)
    user_error("ga tuner: elite count must be within [0, population), got {}", params.elite_count);
  if (!(params.mutation_prob >= 0 && params.mutation_prob <= 1))
    user_error("ga tuner: mutation probability must be within [0, 1], got {}", params.mutation_prob);
}

void check_annealing(const AnnealingParams& params) {
  if (params.parallel_size < 1) user_error("xgb tuner: parallel size must be positive, got {}", params.parallel_size);
  if (!(params.eps_greedy >= 0 && params.eps_greedy <= 1))
    user_error("xgb tuner: eps-greedy share must be within [0, 1], got {}", params.eps_greedy);
}

// The index of `config` with one knob moved to another of its options (a random walk step); the
// same index when every knob has a single option.
int64_t neighbour(const ConfigSpace& space, int64_t index, std::mt19937_64& rng) {
  std::vector<int> movable;
  for (size_t k = 0; k < space.knobs().size(); ++k)
    if (space.knobs()[k].options.size() > 1) movable.push_back(int(k));
  if (movable.empty()) return index;
  Config c = space.at(index);
  int k = movable[std::uniform_int_distribution<size_t>(0, movable.size() - 1)(rng)];
  int options = int(space.knobs()[size_t(k)].options.size());
  int pick = std::uniform_int_distribution<int>(0, options - 2)(rng);
  if (pick >= c.picks[size_t(k)]) ++pick;
  c.picks[size_t(k)] = pick;
  return space.from_picks(c.picks).index;
}

class RandomTuner : public ConfigTuner {
 public:
  RandomTuner(const ConfigSpace& space, uint64_t seed) : space_(space), rng_(seed) {}
  const char* name() const override { return "random"; }
  std::vector<int64_t> next_batch(int n, const IndexScorer&, const VisitedSet& visited) override {
    return random_unvisited(space_, n, visited, rng_);
  }

 private:
  const ConfigSpace& space_;
  std::mt19937_64 rng_;
};

class GridTuner : public ConfigTuner {
 public:
  explicit GridTuner(const ConfigSpace& space) : space_(space) {}
  const char* name() const override { return "grid"; }
  std::vector<int64_t> next_batch(int n, const IndexScorer&, const VisitedSet& visited) override {
    std::vector<int64_t> out;
    for (; next_ < space_.size() && int(out.size()) < n; ++next_)
      if (!visited.count(next_)) out.push_back(next_);
    return out;
  }

 private:
  const ConfigSpace& space_;
  int64_t next_ = 0;
};

class GATuner : public ConfigTuner {
 public:
  GATuner(const ConfigSpace& space, uint64_t seed, const GAParams& params) : space_(space), params_(params), rng_(seed) {
    check_ga(params_);
  }
  const char* name() const override { return "ga"; }

  std::vector<int64_t> next_batch(int n, const IndexScorer&, const VisitedSet& visited) override {
    std::vector<int64_t> out;
    if (next_ >= generation_.size()) breed(visited);
    for (; next_ < generation_.size() && int(out.size()) < n; ++next_)
      if (!visited.count(generation_[next_])) out.push_back(generation_[next_]);
    return out;
  }

  void update(int64_t index, double throughput) override { fitness_[index] = throughput; }

 private:
  // The next generation: children of the last generation and the elites, parents drawn in
  // proportion to their throughput, single-point crossover of the knob picks, then per-knob
  // mutation; random configs when nothing valid was measured yet or breeding runs dry.
  void breed(const VisitedSet& visited) {
    std::vector<std::pair<double, int64_t>> ranked;
    for (const auto& [index, fit] : fitness_)
      if (fit > 0) ranked.push_back({fit, index});
    std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first > b.first : a.second < b.second;
    });
    std::vector<int64_t> parents;
    std::vector<double> weights;
    std::unordered_set<int64_t> in_pool;
    auto add_parent = [&](int64_t index) {
      auto it = fitness_.find(index);
      if (it == fitness_.end() || it->second <= 0 || !in_pool.insert(index).second) return;
      parents.push_back(index);
      weights.push_back(it->second);
    };
    for (int e = 0; e < params_.elite_count && e < int(ranked.size()); ++e) add_parent(ranked[size_t(e)].second);
    for (int64_t index : generation_) add_parent(index);
    if (parents.size() < 2)
      for (const auto& [fit, index] : ranked) add_parent(index);

    std::vector<int64_t> children;
    std::unordered_set<int64_t> taken;
    if (parents.size() >= 2) {
      std::discrete_distribution<size_t> pick(weights.begin(), weights.end());
      std::uniform_real_distribution<double> coin(0, 1);
      const size_t knobs = space_.knobs().size();
      for (int tries = 0; tries < 20 * params_.population && int(children.size()) < params_.population; ++tries) {
        Config a = space_.at(parents[pick(rng_)]), b = space_.at(parents[pick(rng_)]);
        size_t point = std::uniform_int_distribution<size_t>(0, knobs)(rng_);
        std::vector<int> picks = a.picks;
        for (size_t k = point; k < knobs; ++k) picks[k] = b.picks[k];
        for (size_t k = 0; k < knobs; ++k)
          if (coin(rng_) < params_.mutation_prob)
            picks[k] = std::uniform_int_distribution<int>(0, int(space_.knobs()[k].options.size()) - 1)(rng_);
        int64_t child = space_.from_picks(picks).index;
        if (!visited.count(child) && taken.insert(child).second) children.push_back(child);
      }
    }
    if (int(children.size()) < params_.population) {
      VisitedSet excluded = visited;
      excluded.insert(children.begin(), children.end());
      for (int64_t r : random_unvisited(space_, params_.population - int(children.size()), excluded, rng_))
        children.push_back(r);
    }
    generation_ = std::move(children);
    next_ = 0;
  }

  const ConfigSpace& space_;
  GAParams params_;
  std::mt19937_64 rng_;
  std::vector<int64_t> generation_;
  size_t next_ = 0;
  std::map<int64_t, double> fitness_;  // ordered: breeding must not depend on hash order
};

class XGBTuner : public ConfigTuner {
 public:
  XGBTuner(const ConfigSpace& space, uint64_t seed, const AnnealingParams& params)
      : space_(space), params_(params), rng_(seed) {
    check_annealing(params_);
  }
  const char* name() const override { return "xgb"; }
  bool uses_cost_model() const override { return true; }

  std::vector<int64_t> next_batch(int n, const IndexScorer& score, const VisitedSet& visited) override {
    // No valid measurement yet: the model knows nothing, so the first batch is random (AutoTVM).
    if (!any_valid_) return random_unvisited(space_, n, visited, rng_);
    const int num_random = int(params_.eps_greedy * n);
    std::vector<int64_t> out = anneal(n - num_random, score, visited);
    VisitedSet excluded = visited;
    excluded.insert(out.begin(), out.end());
    for (int64_t r : random_unvisited(space_, n - int(out.size()), excluded, rng_)) out.push_back(r);
    return out;
  }

  void update(int64_t, double throughput) override { any_valid_ |= throughput > 0; }

 private:
  // The `count` best-predicted unvisited configs the annealing chains pass through. The chains'
  // positions persist across rounds (AutoTVM's persistent mode), so each round continues the walk.
  std::vector<int64_t> anneal(int count, const IndexScorer& score, const VisitedSet& visited) {
    if (count <= 0) return {};
    const int64_t chains = std::min<int64_t>(params_.parallel_size, space_.size());
    if (points_.empty()) {
      std::uniform_int_distribution<int64_t> any(0, space_.size() - 1);
      for (int64_t i = 0; i < chains; ++i) points_.push_back(any(rng_));
    }
    std::vector<double> scores = score(points_);
    // Top list: score descending, then index, so equal predictions rank reproducibly.
    std::map<int64_t, double> top;
    auto consider = [&](int64_t index, double s) {
      if (!std::isfinite(s) || visited.count(index) || top.count(index)) return false;
      if (int(top.size()) < count) {
        top[index] = s;
        return true;
      }
      auto worst = std::min_element(top.begin(), top.end(), [](const auto& a, const auto& b) {
        return a.second != b.second ? a.second < b.second : a.first > b.first;
      });
      if (s <= worst->second) return false;
      top.erase(worst);
      top[index] = s;
      return true;
    };
    for (size_t i = 0; i < points_.size(); ++i) consider(points_[i], scores[i]);
    std::uniform_real_distribution<double> coin(0, 1);
    int since_better = 0;
    for (int iter = 0; iter < params_.max_iters && since_better < params_.early_stop; ++iter) {
      const double temperature = 1.0 - double(iter) / double(params_.max_iters);
      std::vector<int64_t> moved;
      for (int64_t p : points_) moved.push_back(neighbour(space_, p, rng_));
      std::vector<double> moved_scores = score(moved);
      bool better = false;
      for (size_t i = 0; i < points_.size(); ++i) {
        better |= consider(moved[i], moved_scores[i]);
        double gain = moved_scores[i] - scores[i];
        bool accept = std::isfinite(moved_scores[i]) &&
                      (!std::isfinite(scores[i]) || gain >= 0 ||
                       coin(rng_) < std::exp(std::min(gain / (temperature + 1e-5), 1.0)));
        if (accept) {
          points_[i] = moved[i];
          scores[i] = moved_scores[i];
        }
      }
      since_better = better ? 0 : since_better + 1;
    }
    std::vector<std::pair<double, int64_t>> ranked;
    for (const auto& [index, s] : top) ranked.push_back({s, index});
    std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first > b.first : a.second < b.second;
    });
    std::vector<int64_t> out;
    for (const auto& [s, index] : ranked) out.push_back(index);
    return out;
  }

  const ConfigSpace& space_;
  AnnealingParams params_;
  std::mt19937_64 rng_;
  std::vector<int64_t> points_;
  bool any_valid_ = false;
};

}  // namespace

std::vector<int64_t> random_unvisited(const ConfigSpace& space, int count, const VisitedSet& visited,
                                      std::mt19937_64& rng) {
  std::vector<int64_t> out;
  if (count <= 0) return out;
  std::unordered_set<int64_t> taken;
  std::uniform_int_distribution<int64_t> any(0, space.size() - 1);
  for (int64_t draw = 0; draw < int64_t(kDrawsPerConfig) * count && int(out.size()) < count; ++draw) {
    int64_t i = any(rng);
    if (!visited.count(i) && taken.insert(i).second) out.push_back(i);
  }
  if (int(out.size()) < count && space.size() <= kEnumerableSpace) {
    // Most of a small space is visited: draw from what is left.
    std::vector<int64_t> left;
    for (int64_t i = 0; i < space.size(); ++i)
      if (!visited.count(i) && !taken.count(i)) left.push_back(i);
    std::shuffle(left.begin(), left.end(), rng);
    for (int64_t i : left) {
      if (int(out.size()) >= count) break;
      out.push_back(i);
    }
  }
  return out;
}

void check_tuner_options(const std::string& name, const GAParams& ga, const AnnealingParams& sa) {
  if (std::find(std::begin(kTunerNames), std::end(kTunerNames), name) == std::end(kTunerNames))
    user_error("unknown tuner '{}' (known: xgb, ga, random, grid)", name);
  if (name == "ga") check_ga(ga);
  if (name == "xgb") check_annealing(sa);
}

std::unique_ptr<ConfigTuner> make_config_tuner(const std::string& name, const ConfigSpace& space, uint64_t seed,
                                               const GAParams& ga, const AnnealingParams& sa) {
  if (name == "random") return std::make_unique<RandomTuner>(space, seed);
  if (name == "grid") return std::make_unique<GridTuner>(space);
  if (name == "ga") return std::make_unique<GATuner>(space, seed, ga);
  if (name == "xgb") return std::make_unique<XGBTuner>(space, seed, sa);
  user_error("unknown tuner '{}' (known: xgb, ga, random, grid)", name);
}

}  // namespace tt::autotvm
