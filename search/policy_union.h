// A task's search over several formulations at once: the template-free sketch search of the
// operator as written beside the Winograd templates of a 3x3 stride-1 convolution, each an arm with
// its own search, sharing the task's trials by measurement (batch_shares, search_policy.h). The
// tuning loop sees one SearchPolicy: one measurement path, one log, one best record per task.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "search/search_policy.h"

namespace tt {

class PolicyUnion : public SearchPolicy {
 public:
  // `name` is what records store as their strategy (the run's: "ansor"); at least one arm.
  PolicyUnion(std::vector<std::unique_ptr<SearchPolicy>> arms, std::string name);

  std::string name() const override { return name_; }
  std::vector<Candidate> propose(int n, const CandidateScorer& scorer,
                                 const std::vector<std::string>& measured) override;
  // Each result goes to the arm that proposed it, or (a resumed record) to the first arm that owns it.
  void observe(const std::vector<MeasuredCandidate>& results) override;
  nlohmann::json config_of(const Candidate& candidate) const override;
  bool uses_cost_model() const override;
  bool owns(const MeasuredCandidate& result) const override;

  int num_arms() const { return int(arms_.size()); }
  const SearchPolicy& arm(int i) const { return *arms_[size_t(i)]; }
  int64_t measured(int i) const { return stats_[size_t(i)].measured; }

 private:
  std::vector<std::unique_ptr<SearchPolicy>> arms_;
  std::vector<ArmStats> stats_;
  std::string name_;
  std::map<std::string, size_t> arm_of_key_;  // candidates proposed this run
};

}  // namespace tt
