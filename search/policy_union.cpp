// The union of a task's search policies; see policy_union.h.
#include "search/policy_union.h"

#include <algorithm>
#include <optional>
#include <set>

#include "ir/error.h"

namespace tt {

PolicyUnion::PolicyUnion(std::vector<std::unique_ptr<SearchPolicy>> arms, std::string name)
    : arms_(std::move(arms)), stats_(arms_.size()), name_(std::move(name)) {
  TT_ASSERT(!arms_.empty(), "a policy union needs an arm");
}

std::vector<Candidate> PolicyUnion::propose(int n, const CandidateScorer& scorer,
                                            const std::vector<std::string>& measured) {
  std::vector<Candidate> out;
  std::vector<std::string> seen = measured;
  std::set<std::string> taken;
  // The shares come from the stats before this call; an arm found exhausted during it is not asked again.
  std::vector<ArmStats> stats = stats_;
  fill_batch(n, stats, kArmExploreShare, [&](size_t a, int count) {
    if (stats_[a].exhausted) return 0;
    std::vector<Candidate> got = arms_[a]->propose(count, scorer, seen);
    if (got.empty()) stats_[a].exhausted = true;
    int added = 0;
    for (Candidate& c : got) {
      std::string key = candidate_key(c);
      if (!taken.insert(key).second) continue;
      arm_of_key_[key] = a;
      seen.push_back(key);
      out.push_back(std::move(c));
      ++added;
    }
    return added;
  });
  return out;
}

void PolicyUnion::observe(const std::vector<MeasuredCandidate>& results) {
  std::vector<std::vector<MeasuredCandidate>> by_arm(arms_.size());
  for (const MeasuredCandidate& r : results) {
    std::optional<size_t> arm;
    if (auto it = arm_of_key_.find(candidate_key(r.candidate)); it != arm_of_key_.end()) arm = it->second;
    for (size_t a = 0; a < arms_.size() && !arm; ++a)
      if (arms_[a]->owns(r)) arm = a;
    if (!arm) continue;
    by_arm[*arm].push_back(r);
    ++stats_[*arm].measured;
    stats_[*arm].best_throughput = std::max(stats_[*arm].best_throughput, r.throughput);
  }
  for (size_t a = 0; a < arms_.size(); ++a)
    if (!by_arm[a].empty()) arms_[a]->observe(by_arm[a]);
}

nlohmann::json PolicyUnion::config_of(const Candidate& candidate) const {
  auto it = arm_of_key_.find(candidate_key(candidate));
  return it == arm_of_key_.end() ? nlohmann::json(nullptr) : arms_[it->second]->config_of(candidate);
}

bool PolicyUnion::uses_cost_model() const {
  return std::any_of(arms_.begin(), arms_.end(), [](const auto& a) { return a->uses_cost_model(); });
}

bool PolicyUnion::owns(const MeasuredCandidate& result) const {
  return std::any_of(arms_.begin(), arms_.end(), [&](const auto& a) { return a->owns(result); });
}

}  // namespace tt
