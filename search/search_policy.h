// The interface every search strategy implements (the template-free sketch search, and the
// template-based one), so that both run on one pipeline: the tuner (search/tune) asks a policy for a
// batch of candidates, measures them through search/measure, records them in the tuning log, trains
// the shared cost model, and hands the results back to the policy.
#pragma once

#include <cstdint>
#include <functional>
#include <utility>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ir/schedule/step.h"

namespace tt {

// One candidate: the steps that turn the task's TE into a schedule.
using Candidate = std::vector<Step>;

// A stable text key of a candidate (its steps' JSON), so measured candidates are never proposed again.
std::string candidate_key(const Candidate& candidate);

// Predicted throughput scores of candidates (higher is better), from the cost model; a candidate that
// cannot be lowered scores -infinity.
using CandidateScorer = std::function<std::vector<double>(const std::vector<Candidate>&)>;

// A measured candidate, as the tuner feeds it back.
struct MeasuredCandidate {
  Candidate candidate;
  double throughput = 0;  // 1 / seconds; 0 for a candidate that failed
  // The config the record names (SearchPolicy::config_of when it was measured), or null.
  nlohmann::json config;
};

class SearchPolicy {
 public:
  virtual ~SearchPolicy() = default;
  // "ansor", "autotvm": stored in each record's strategy field.
  virtual std::string name() const = 0;
  // Up to `n` new candidates, none whose candidate_key is in `measured` (the keys of every candidate
  // measured for this task, this run or a previous one). Fewer (or none) when the space is exhausted.
  virtual std::vector<Candidate> propose(int n, const CandidateScorer& scorer,
                                         const std::vector<std::string>& measured) = 0;
  // The results of a measured batch (also called with the log's records when a run resumes).
  virtual void observe(const std::vector<MeasuredCandidate>& results) = 0;
  // What the record of a candidate this policy proposed stores beside its steps: a template
  // search's config ({"template", "tuner", "index", "knobs"}); null when there is nothing more.
  virtual nlohmann::json config_of(const Candidate& candidate) const {
    (void)candidate;
    return nullptr;
  }
  // Whether propose() ranks candidates with the scorer (else the tuning loop need not train the
  // cost model for this task).
  virtual bool uses_cost_model() const { return true; }
  // Whether a measured record (of this run or a resumed log) is one this policy would have
  // proposed: a PolicyUnion credits it to this arm. By default, records without a config.
  virtual bool owns(const MeasuredCandidate& result) const { return result.config.is_null(); }
};

// How several arms of one task (formulations: templates, or a sketch search and templates) share
// a batch of `n` candidates, by what they have measured. Every arm that still has candidates gets
// an exploration share (`explore_share` of the batch, split evenly); the rest goes to the preferred
// arm: one never measured first, else the one with the fastest measured candidate (ties: the
// earlier). Returns (arm, count) in the order to ask them; an arm that proposes fewer than its
// count passes the rest on to the arms after it (the caller asks them again, in this order).
struct ArmStats {
  int64_t measured = 0;
  double best_throughput = 0;
  bool exhausted = false;  // proposed nothing new the last time it was asked
};
std::vector<std::pair<size_t, int>> batch_shares(int n, const std::vector<ArmStats>& arms, double explore_share);

// Fills a batch of `n` from the arms by batch_shares: the explored arms first (their shares are
// small and fixed), then the preferred one with what is left, then whatever the arms could not
// use to the others in order. `take(arm, count)` proposes up to `count` from an arm and returns
// how many it got.
void fill_batch(int n, const std::vector<ArmStats>& arms, double explore_share,
                const std::function<int(size_t arm, int count)>& take);

// The share of each batch batch_shares spreads over the arms besides the preferred one.
inline constexpr double kArmExploreShare = 0.25;

}  // namespace tt
