// The evolutionary search of SketchPolicy: deterministic for a seed and a scorer, never proposing
// measured or duplicate candidates, keeping an ε share of random ones, seeding later rounds with
// observed results; and its space holds the register-blocked structure of the default schedule.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <limits>
#include <set>

#include "ir/error.h"
#include "ir/schedule/state.h"
#include "search/sketch/sketch_policy.h"
#include "tests/ir/sketch_workloads.h"

namespace tt {
namespace {

HardwareParams hardware(int threads) {
  HardwareParams hw;
  hw.num_threads = threads;
  hw.vector_lanes = 8;
  hw.vector_registers = 16;
  return hw;
}

SketchParams small_params() {
  SketchParams p;
  p.population = 64;
  p.num_iters = 2;
  return p;
}

// A deterministic stand-in for the cost model: a hash of the candidate's key in [0, 1).
double key_hash(const std::string& key) {
  return double(std::hash<std::string>{}(key) % 100000) / 100000.0;
}

std::vector<double> hash_scores(const std::vector<Candidate>& candidates) {
  std::vector<double> out;
  for (const Candidate& c : candidates) out.push_back(key_hash(candidate_key(c)));
  return out;
}

std::vector<std::string> keys(const std::vector<Candidate>& candidates) {
  std::vector<std::string> out;
  for (const Candidate& c : candidates) out.push_back(candidate_key(c));
  return out;
}

TEST(SketchPolicy, SameSeedSameProposalsDifferentSeedsDiffer) {
  auto outputs = test::conv_bias_relu_graph();
  SketchPolicy a(outputs, hardware(2), small_params(), 42),
      b(outputs, hardware(2), small_params(), 42);
  SketchPolicy c(outputs, hardware(2), small_params(), 43);
  EXPECT_EQ(a.name(), "ansor");
  auto pa = keys(a.propose(16, hash_scores, {}));
  auto pb = keys(b.propose(16, hash_scores, {}));
  auto pc = keys(c.propose(16, hash_scores, {}));
  ASSERT_EQ(pa.size(), 16u);
  EXPECT_EQ(pa, pb);
  EXPECT_NE(pa, pc);
  // Observing the same results keeps them in step in the next round.
  std::vector<MeasuredCandidate> results;
  auto first = a.propose(8, hash_scores, pa);
  auto second = b.propose(8, hash_scores, pb);
  EXPECT_EQ(keys(first), keys(second));
  for (size_t i = 0; i < first.size(); ++i) results.push_back({first[i], 1.0 + double(i), nullptr});
  a.observe(results);
  b.observe(results);
  std::vector<std::string> measured = pa;
  for (const std::string& k : keys(first)) measured.push_back(k);
  EXPECT_EQ(keys(a.propose(8, hash_scores, measured)), keys(b.propose(8, hash_scores, measured)));
}

TEST(SketchPolicy, NeverProposesMeasuredOrDuplicateCandidates) {
  SketchPolicy policy(test::matmul_graph(32, 32, 32), hardware(2), small_params(), 5);
  std::vector<std::string> measured;
  for (int round = 0; round < 3; ++round) {
    auto proposals = keys(policy.propose(12, hash_scores, measured));
    EXPECT_EQ(proposals.size(), 12u);
    std::set<std::string> unique(proposals.begin(), proposals.end());
    EXPECT_EQ(unique.size(), proposals.size());
    for (const std::string& k : proposals) {
      EXPECT_EQ(std::count(measured.begin(), measured.end(), k), 0) << "round " << round;
      measured.push_back(k);
    }
  }
  EXPECT_TRUE(policy.propose(0, hash_scores, {}).empty());
}

TEST(SketchPolicy, BestPredictedFirstThenAnEpsilonShareOfRandomOnes) {
  // The first scoring pass sees the initial population; later passes score unseen (evolved)
  // candidates 1 higher, so the best predicted are all evolved and the random share, drawn from
  // the initial population, is recognizable.
  SketchParams params = small_params();
  params.population = 128;
  SketchPolicy policy(test::matmul_graph(64, 64, 64), hardware(2), params, 9);
  std::set<std::string> initial;
  int calls = 0;
  CandidateScorer scorer = [&](const std::vector<Candidate>& candidates) {
    std::vector<double> out;
    for (const Candidate& c : candidates) {
      std::string key = candidate_key(c);
      if (calls == 0) initial.insert(key);
      out.push_back(key_hash(key) + (initial.count(key) ? 0.0 : 1.0));
    }
    ++calls;
    return out;
  };
  auto proposals = policy.propose(64, scorer, {});
  ASSERT_EQ(proposals.size(), 64u);
  EXPECT_EQ(calls, params.num_iters + 1);
  const int num_random = int(params.eps_greedy * 64);  // 3, as in Ansor
  ASSERT_EQ(num_random, 3);
  std::vector<double> scores = hash_scores(proposals);
  for (int i = 0; i < 64 - num_random; ++i) {
    EXPECT_FALSE(initial.count(candidate_key(proposals[i]))) << i;
    if (i > 0) {
      EXPECT_GE(scores[i - 1], scores[i]) << i;  // all evolved: ranked by the hash part
    }
  }
  for (int i = 64 - num_random; i < 64; ++i)
    EXPECT_TRUE(initial.count(candidate_key(proposals[i]))) << i;
}

TEST(SketchPolicy, UnlowerableCandidatesAreNeverProposed) {
  SketchPolicy policy(test::matmul_graph(32, 32, 32), hardware(1), small_params(), 3);
  // A scorer that rejects every candidate with a parallel loop.
  CandidateScorer scorer = [](const std::vector<Candidate>& candidates) {
    std::vector<double> out;
    for (const Candidate& c : candidates) {
      bool parallel = candidate_key(c).find("parallel") != std::string::npos;
      out.push_back(parallel ? -std::numeric_limits<double>::infinity()
                             : key_hash(candidate_key(c)));
    }
    return out;
  };
  for (const Candidate& c : policy.propose(20, scorer, {}))
    EXPECT_EQ(candidate_key(c).find("parallel"), std::string::npos);
}

TEST(SketchPolicy, SpaceHoldsTheRegisterBlockedStructure) {
  // 256^3 matmul: some sampled candidate has the default schedule's structure — the cache-write
  // stage computed inside the output's tile loops with its reduction outside a small register
  // tile whose innermost loop is vectorized, and a parallel outer loop on the output; some also
  // with B packed into a panel computed at one of the output's tile loops.
  HardwareParams hw = hardware(2);
  auto outputs = test::matmul_graph(256, 256, 256);
  SketchPolicy policy(outputs, hw, small_params(), 1);
  int found = 0, with_panel = 0;
  for (const SketchCandidate& c : policy.sample_init_population(300)) {
    ScheduleState state(outputs);
    state.apply(c.steps);
    bool cache_written = false;
    for (const Stage& s : state.stages()) cache_written |= s.name() == "C.local";
    if (!cache_written) continue;
    const Stage& acc = state.stage("C.local");
    const Stage& out = state.stage("C");
    if (acc.attach != AttachKind::At || acc.attach_stage != "C") continue;
    bool parallel = false;
    for (int leaf : out.leaves) parallel |= out.iters[leaf].annotation == LoopAnnotation::Parallel;
    const IterInfo& inner = acc.iters[acc.leaves.back()];
    if (!parallel || inner.annotation != LoopAnnotation::Vectorize) continue;
    // The loops inside the innermost reduction loop: the register tile.
    int last_reduce = -1;
    for (int p = 0; p < int(acc.leaves.size()); ++p)
      if (acc.iters[acc.leaves[p]].kind == IterKind::Reduce) last_reduce = p;
    if (last_reduce < 0) continue;
    int64_t tile = 1;
    for (int p = last_reduce + 1; p < int(acc.leaves.size()); ++p)
      tile *= acc.iters[acc.leaves[p]].extent;
    if (tile < 2 * inner.extent || tile > int64_t(hw.vector_registers) * hw.vector_lanes) continue;
    ++found;
    // And the default schedule's packed panel: B copied per tile of C into a contiguous buffer.
    for (const Stage& s : state.stages())
      if (s.name() == "B.cache" && s.attach == AttachKind::At && s.attach_stage == "C")
        ++with_panel;
  }
  EXPECT_GT(found, 0);
  EXPECT_GT(with_panel, 0);
}

TEST(SketchPolicy, BadParametersAreUserErrors) {
  SketchParams p;
  p.population = 0;
  auto outputs = test::matmul_graph();
  EXPECT_THROW(SketchPolicy(outputs, hardware(1), p, 1), UserError);
  p.population = 8;
  p.num_iters = -1;
  EXPECT_THROW(SketchPolicy(outputs, hardware(1), p, 1), UserError);
}

}  // namespace
}  // namespace tt
