// The template search's knob spaces and tuners: index <-> config <-> JSON, split policies and their
// filters, clear errors for malformed spaces, and the four config tuners (grid, random, the genetic
// algorithm, XGBoost with simulated annealing) on synthetic throughputs.
#include <gtest/gtest.h>

#include <set>

#include "ir/error.h"
#include "search/autotvm/config_space.h"
#include "search/autotvm/config_tuner.h"

namespace tt {
namespace {

using autotvm::Config;
using autotvm::ConfigSpace;
using autotvm::SplitOptions;
using autotvm::SplitPolicy;

ConfigSpace small_space() {
  ConfigSpace s;
  SplitOptions o;
  o.num_outputs = 3;
  s.define_split("tile", 12, o);
  s.define_reorder("order", 3, {{0, 1, 2}, {2, 1, 0}});
  s.define_annotate("ann", {{LoopAnnotation::None, LoopAnnotation::Vectorize}, {LoopAnnotation::Unroll, LoopAnnotation::None}});
  s.define_choice("flag", {false, true, 7});
  return s;
}

TEST(ConfigSpace, EveryIndexRoundTripsThroughPicksAndJson) {
  ConfigSpace s = small_space();
  // 12 = 2^2 * 3 into 3 ordered parts: 6 ways for the twos times 3 for the three.
  EXPECT_EQ(s.knobs()[0].options.size(), 18u);
  EXPECT_EQ(s.size(), 18 * 2 * 2 * 3);
  std::set<std::string> texts;
  for (int64_t i = 0; i < s.size(); ++i) {
    Config c = s.at(i);
    EXPECT_EQ(c.index, i);
    EXPECT_EQ(s.from_picks(c.picks).index, i);
    nlohmann::json j = s.to_json(c);
    EXPECT_EQ(s.config_from_json(nlohmann::json::parse(j.dump())).index, i);
    texts.insert(s.to_string(c));
  }
  EXPECT_EQ(int64_t(texts.size()), s.size()) << "every config prints differently";
  // The first knob varies fastest (AutoTVM's knob2point).
  EXPECT_EQ(s.at(1).picks, (std::vector<int>{1, 0, 0, 0}));
  EXPECT_EQ(s.at(18).picks, (std::vector<int>{0, 1, 0, 0}));
}

TEST(ConfigSpace, SplitPoliciesAndFilters) {
  SplitOptions o;
  o.num_outputs = 3;
  for (const auto& parts : autotvm::split_options(96, o)) {
    ASSERT_EQ(parts.size(), 3u);
    EXPECT_EQ(parts[0] * parts[1] * parts[2], 96);
  }
  o.max_inner = 8;
  for (const auto& parts : autotvm::split_options(96, o)) EXPECT_LE(parts[2], 8);
  o = SplitOptions{};
  o.max_outer = 4;
  for (const auto& parts : autotvm::split_options(96, o)) EXPECT_LE(parts[0], 4);
  // Powers of two: the outermost part rounds up and may leave a tail.
  o = SplitOptions{};
  o.policy = SplitPolicy::Power2;
  std::vector<std::vector<int64_t>> p2 = autotvm::split_options(10, o);
  ASSERT_EQ(p2.size(), 4u);  // inner 1, 2, 4, 8
  EXPECT_EQ(p2[3], (std::vector<int64_t>{2, 8}));
  EXPECT_EQ(autotvm::split_options(7, SplitOptions{}).size(), 2u);  // [7, 1], [1, 7]
  // A union of policies: the divisors of 17, then the power-of-two tiles with a tail, each once.
  ConfigSpace u;
  u.define_split("tile", 17, std::vector<SplitOptions>{SplitOptions{}, o});
  std::vector<nlohmann::json> want = {{17, 1}, {1, 17}, {9, 2}, {5, 4}, {3, 8}, {2, 16}};
  EXPECT_EQ(u.knobs()[0].options, want);
}

TEST(ConfigSpace, MistakesAreUserErrorsNamingTheKnob) {
  ConfigSpace s = small_space();
  try {
    s.define_choice("flag", {1});
    FAIL() << "a knob defined twice";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("'flag'"), std::string::npos) << e.what();
  }
  EXPECT_THROW(s.define_choice("empty", {}), UserError);
  EXPECT_THROW(s.define_reorder("bad", 3, {{0, 0, 1}}), UserError);
  EXPECT_THROW(s.at(s.size()), UserError);
  EXPECT_THROW(s.at(-1), UserError);
  nlohmann::json j = s.to_json(s.at(5));
  j["knobs"][0][2] = nlohmann::json::array({1, 1, 12});  // another space's value at that index
  EXPECT_THROW(s.config_from_json(j), UserError);
}

autotvm::IndexScorer no_scorer() {
  return [](const std::vector<int64_t>& v) { return std::vector<double>(v.size(), 0.0); };
}

TEST(ConfigTuners, GridWalksTheSpaceInOrderSkippingVisited) {
  ConfigSpace s = small_space();
  auto grid = autotvm::make_config_tuner("grid", s, 0);
  autotvm::VisitedSet visited = {1, 2};
  EXPECT_EQ(grid->next_batch(3, no_scorer(), visited), (std::vector<int64_t>{0, 3, 4}));
  EXPECT_EQ(grid->next_batch(2, no_scorer(), visited), (std::vector<int64_t>{5, 6}));
}

TEST(ConfigTuners, RandomDrawsDistinctUnvisitedConfigsUntilTheSpaceIsDone) {
  ConfigSpace s = small_space();
  auto random = autotvm::make_config_tuner("random", s, 3);
  autotvm::VisitedSet visited;
  for (int round = 0; round < 100; ++round) {
    std::vector<int64_t> batch = random->next_batch(50, no_scorer(), visited);
    if (batch.empty()) break;
    for (int64_t i : batch) EXPECT_TRUE(visited.insert(i).second) << "config " << i << " twice";
  }
  EXPECT_EQ(int64_t(visited.size()), s.size());
  EXPECT_THROW(autotvm::make_config_tuner("annealing", s, 0), UserError);
}

// A synthetic throughput over the small space, peaked at one config: what the tuners must find.
double synthetic_throughput(const ConfigSpace& s, int64_t index, int64_t peak) {
  Config c = s.at(index), p = s.at(peak);
  int distance = 0;
  for (size_t k = 0; k < c.picks.size(); ++k) distance += std::abs(c.picks[k] - p.picks[k]);
  return 1.0 / (1 + distance);
}

TEST(ConfigTuners, GeneticAlgorithmIsSeededAndBreedsUnvisitedChildren) {
  ConfigSpace s = small_space();
  autotvm::GAParams ga;
  ga.population = 16;
  auto run = [&](uint64_t seed) {
    auto tuner = autotvm::make_config_tuner("ga", s, seed, ga);
    autotvm::VisitedSet visited;
    std::vector<int64_t> order;
    for (int round = 0; round < 6; ++round) {
      std::vector<int64_t> batch = tuner->next_batch(8, no_scorer(), visited);
      for (int64_t i : batch) {
        EXPECT_TRUE(visited.insert(i).second);
        tuner->update(i, synthetic_throughput(s, i, 100));
        order.push_back(i);
      }
    }
    return order;
  };
  std::vector<int64_t> a = run(1), b = run(1), c = run(2);
  EXPECT_EQ(a.size(), 48u);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  autotvm::GAParams bad;
  bad.elite_count = bad.population;
  EXPECT_THROW(autotvm::make_config_tuner("ga", s, 0, bad), UserError);
}

TEST(ConfigTuners, XgbStartsRandomThenAnnealsTowardsTheBestPredicted) {
  ConfigSpace s = small_space();
  const int64_t peak = 137;
  autotvm::IndexScorer predicted = [&](const std::vector<int64_t>& v) {
    std::vector<double> out;
    for (int64_t i : v) out.push_back(synthetic_throughput(s, i, peak));
    return out;
  };
  auto xgb = autotvm::make_config_tuner("xgb", s, 4);
  EXPECT_TRUE(xgb->uses_cost_model());
  autotvm::VisitedSet visited;
  int calls = 0;
  autotvm::IndexScorer counting = [&](const std::vector<int64_t>& v) {
    calls++;
    return predicted(v);
  };
  std::vector<int64_t> first = xgb->next_batch(8, counting, visited);
  EXPECT_EQ(calls, 0) << "no valid measurement yet: the first batch is random";
  for (int64_t i : first) {
    visited.insert(i);
    xgb->update(i, synthetic_throughput(s, i, peak));
  }
  if (!visited.count(peak)) {
    std::vector<int64_t> second = xgb->next_batch(8, counting, visited);
    EXPECT_GT(calls, 0);
    EXPECT_EQ(second.size(), 8u);
    EXPECT_EQ(second[0], peak) << "annealing reaches the predicted optimum of a 216-config space";
  }
}

}  // namespace
}  // namespace tt
