// The template search policy; see template_policy.h.
#include "search/autotvm/template_policy.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <set>

#include "ir/error.h"

namespace tt::autotvm {

namespace {

// Rounds of asking the tuner again when what it proposed was measured already (a resumed log) or
// did not instantiate.
constexpr int kProposeAttempts = 8;

}  // namespace

TemplatePolicy::TemplatePolicy(std::unique_ptr<ScheduleTemplate> tmpl, const std::string& tuner, uint64_t seed,
                               const GAParams& ga, const AnnealingParams& sa)
    : TemplatePolicy(
          [&] {
            std::vector<std::unique_ptr<ScheduleTemplate>> one;
            one.push_back(std::move(tmpl));
            return one;
          }(),
          tuner, seed, ga, sa) {}

TemplatePolicy::TemplatePolicy(std::vector<std::unique_ptr<ScheduleTemplate>> templates, const std::string& tuner,
                               uint64_t seed, const GAParams& ga, const AnnealingParams& sa) {
  TT_ASSERT(!templates.empty(), "a template policy needs a template");
  for (size_t i = 0; i < templates.size(); ++i) {
    TT_ASSERT(templates[i], "a template policy needs a template");
    Arm arm;
    arm.tmpl = std::move(templates[i]);
    // The first template's tuner keeps the run's seed, so a task with one template searches as before.
    arm.tuner = make_config_tuner(tuner, arm.tmpl->space(), seed + 7919 * i, ga, sa);
    arms_.push_back(std::move(arm));
  }
}

std::vector<Candidate> TemplatePolicy::propose_from(size_t a, int n, const CandidateScorer& scorer,
                                                    const std::set<std::string>& measured_set,
                                                    std::set<std::string>& taken) {
  Arm& arm = arms_[a];
  const ScheduleTemplate& tmpl = *arm.tmpl;
  // Instantiations of this call, by index (nullopt: the config's steps do not apply).
  std::map<int64_t, std::optional<Candidate>> made;
  auto instantiate = [&](int64_t index) -> const std::optional<Candidate>& {
    auto it = made.find(index);
    if (it != made.end()) return it->second;
    std::optional<Candidate> c;
    try {
      c = tmpl.instantiate(tmpl.space().at(index));
    } catch (const UserError&) {
    }
    return made.emplace(index, std::move(c)).first->second;
  };
  // Predictions of this call, by index: the model does not change within it, and annealing
  // revisits the same configs many times (each scoring lowers the candidate).
  std::map<int64_t, double> predicted_of;
  IndexScorer score = [&](const std::vector<int64_t>& indices) {
    std::vector<double> out(indices.size(), -std::numeric_limits<double>::infinity());
    std::vector<Candidate> valid;
    std::vector<int64_t> valid_index;
    for (int64_t index : indices)
      if (!predicted_of.count(index) && std::find(valid_index.begin(), valid_index.end(), index) == valid_index.end())
        if (const std::optional<Candidate>& c = instantiate(index)) {
          valid.push_back(*c);
          valid_index.push_back(index);
        }
    if (!valid.empty()) {
      std::vector<double> predicted = scorer(valid);
      TT_ASSERT(predicted.size() == valid.size(), "scorer returned {} scores for {} candidates", predicted.size(),
                valid.size());
      for (size_t v = 0; v < valid.size(); ++v) predicted_of[valid_index[v]] = predicted[v];
    }
    for (size_t i = 0; i < indices.size(); ++i)
      if (auto it = predicted_of.find(indices[i]); it != predicted_of.end()) out[i] = it->second;
    return out;
  };

  std::vector<Candidate> out;
  for (int attempt = 0; attempt < kProposeAttempts && int(out.size()) < n; ++attempt) {
    std::vector<int64_t> batch = arm.tuner->next_batch(n - int(out.size()), score, arm.visited);
    if (batch.empty()) {
      arm.exhausted = true;
      break;
    }
    for (int64_t index : batch) {
      arm.visited.insert(index);
      const std::optional<Candidate>& c = instantiate(index);
      if (!c) {
        arm.tuner->update(index, 0);
        continue;
      }
      std::string key = candidate_key(*c);
      index_of_key_[key] = {a, index};
      if (measured_set.count(key) || !taken.insert(key).second) continue;
      out.push_back(*c);
    }
  }
  return out;
}

std::vector<Candidate> TemplatePolicy::propose(int n, const CandidateScorer& scorer,
                                               const std::vector<std::string>& measured) {
  const std::set<std::string> measured_set(measured.begin(), measured.end());
  std::set<std::string> taken;
  std::vector<Candidate> out;
  std::vector<ArmStats> stats;
  for (const Arm& arm : arms_) stats.push_back({arm.measured, arm.best_throughput, arm.exhausted});
  fill_batch(n, stats, kArmExploreShare, [&](size_t a, int count) {
    if (arms_[a].exhausted) return 0;
    std::vector<Candidate> got = propose_from(a, count, scorer, measured_set, taken);
    for (Candidate& c : got) out.push_back(std::move(c));
    return int(got.size());
  });
  return out;
}

void TemplatePolicy::observe(const std::vector<MeasuredCandidate>& results) {
  for (const MeasuredCandidate& r : results) {
    std::optional<std::pair<size_t, int64_t>> where;
    auto it = index_of_key_.find(candidate_key(r.candidate));
    if (it != index_of_key_.end()) {
      where = it->second;
    } else if (r.config.is_object()) {
      // A record of an earlier run of one of these templates (resuming a log).
      const std::string name = r.config.value("template", "");
      for (size_t a = 0; a < arms_.size() && !where; ++a) {
        if (arms_[a].tmpl->name() != name) continue;
        try {
          where = std::pair{a, arms_[a].tmpl->space().config_from_json(r.config).index};
        } catch (const UserError&) {
          // Another version of the template's space: its steps still count as measured.
        }
      }
    }
    if (!where) continue;
    Arm& arm = arms_[where->first];
    arm.visited.insert(where->second);
    arm.tuner->update(where->second, r.throughput);
    ++arm.measured;
    arm.best_throughput = std::max(arm.best_throughput, r.throughput);
  }
}

bool TemplatePolicy::owns(const MeasuredCandidate& result) const {
  if (index_of_key_.count(candidate_key(result.candidate))) return true;
  if (!result.config.is_object()) return false;
  const std::string name = result.config.value("template", "");
  for (const Arm& arm : arms_)
    if (arm.tmpl->name() == name) return true;
  return false;
}

nlohmann::json TemplatePolicy::config_of(const Candidate& candidate) const {
  auto it = index_of_key_.find(candidate_key(candidate));
  if (it == index_of_key_.end()) return nullptr;
  const Arm& arm = arms_[it->second.first];
  nlohmann::json j = arm.tmpl->space().to_json(arm.tmpl->space().at(it->second.second));
  j["template"] = arm.tmpl->name();
  j["tuner"] = arm.tuner->name();
  return j;
}

}  // namespace tt::autotvm
