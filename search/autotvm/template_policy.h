// The template-based search policy (AutoTVM): a task's schedule templates (one, or several
// formulations of the same operator: a convolution's direct and Winograd templates), each with its
// knob space and its own config tuner, behind the SearchPolicy interface the tuning loop drives — so
// it measures, records, resumes and replays through the same pipeline as the sketch search. Each
// record names its config (template, tuner, index, knob values) beside the steps it produced.
//
// Several templates share the task's trials by measurement (batch_shares, search_policy.h): each
// batch gives every template that still has configs a small exploration share and the rest to the
// template with the fastest measured config so far (one not measured yet counts as fastest, so
// each is tried early). A template that runs out of configs passes its share on.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "search/autotvm/config_tuner.h"
#include "search/autotvm/schedule_template.h"
#include "search/search_policy.h"

namespace tt::autotvm {

class TemplatePolicy : public SearchPolicy {
 public:
  TemplatePolicy(std::unique_ptr<ScheduleTemplate> tmpl, const std::string& tuner, uint64_t seed,
                 const GAParams& ga = {}, const AnnealingParams& sa = {});
  // Several templates of one task (at least one); each tuner gets its own seed derived from `seed`.
  TemplatePolicy(std::vector<std::unique_ptr<ScheduleTemplate>> templates, const std::string& tuner, uint64_t seed,
                 const GAParams& ga = {}, const AnnealingParams& sa = {});

  std::string name() const override { return "autotvm"; }
  std::vector<Candidate> propose(int n, const CandidateScorer& scorer,
                                 const std::vector<std::string>& measured) override;
  void observe(const std::vector<MeasuredCandidate>& results) override;
  nlohmann::json config_of(const Candidate& candidate) const override;
  bool uses_cost_model() const override { return arms_[0].tuner->uses_cost_model(); }
  // A record of one of its templates (by the candidate it proposed, or its config's template).
  bool owns(const MeasuredCandidate& result) const override;

  int num_templates() const { return int(arms_.size()); }
  const ScheduleTemplate& schedule_template(int i = 0) const { return *arms_[size_t(i)].tmpl; }
  const ConfigTuner& tuner(int i = 0) const { return *arms_[size_t(i)].tuner; }
  // How many measured results each template has seen (this run and resumed ones).
  int64_t measured(int i) const { return arms_[size_t(i)].measured; }

 private:
  struct Arm {
    std::unique_ptr<ScheduleTemplate> tmpl;
    std::unique_ptr<ConfigTuner> tuner;
    VisitedSet visited;
    int64_t measured = 0;
    double best_throughput = 0;
    bool exhausted = false;  // its tuner proposed nothing new
  };
  // Up to `n` new candidates from arm `a` (fewer when it runs out).
  std::vector<Candidate> propose_from(size_t a, int n, const CandidateScorer& scorer,
                                      const std::set<std::string>& measured, std::set<std::string>& taken);

  std::vector<Arm> arms_;
  std::map<std::string, std::pair<size_t, int64_t>> index_of_key_;  // candidate -> (arm, config index)
};

}  // namespace tt::autotvm
