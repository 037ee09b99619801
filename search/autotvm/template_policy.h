// The template-based search policy (AutoTVM): a task's schedule template, its knob space, and one of
// the config tuners, behind the SearchPolicy interface the tuning loop drives — so it measures,
// records, resumes and replays through the same pipeline as the sketch search. Each record names
// its config (template, tuner, index, knob values) beside the steps it produced.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
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

  std::string name() const override { return "autotvm"; }
  std::vector<Candidate> propose(int n, const CandidateScorer& scorer,
                                 const std::vector<std::string>& measured) override;
  void observe(const std::vector<MeasuredCandidate>& results) override;
  nlohmann::json config_of(const Candidate& candidate) const override;
  bool uses_cost_model() const override { return tuner_->uses_cost_model(); }

  const ScheduleTemplate& schedule_template() const { return *template_; }
  const ConfigTuner& tuner() const { return *tuner_; }

 private:
  std::unique_ptr<ScheduleTemplate> template_;
  std::unique_ptr<ConfigTuner> tuner_;
  VisitedSet visited_;
  std::map<std::string, int64_t> index_of_key_;  // candidates instantiated so far
};

}  // namespace tt::autotvm
