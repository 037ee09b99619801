// The template search policy; see template_policy.h.
#include "search/autotvm/template_policy.h"

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
    : template_(std::move(tmpl)) {
  TT_ASSERT(template_, "a template policy needs a template");
  tuner_ = make_config_tuner(tuner, template_->space(), seed, ga, sa);
}

std::vector<Candidate> TemplatePolicy::propose(int n, const CandidateScorer& scorer,
                                               const std::vector<std::string>& measured) {
  const std::set<std::string> measured_set(measured.begin(), measured.end());
  // Instantiations of this call, by index (nullopt: the config's steps do not apply).
  std::map<int64_t, std::optional<Candidate>> made;
  auto instantiate = [&](int64_t index) -> const std::optional<Candidate>& {
    auto it = made.find(index);
    if (it != made.end()) return it->second;
    std::optional<Candidate> c;
    try {
      c = template_->instantiate(template_->space().at(index));
    } catch (const UserError&) {
    }
    return made.emplace(index, std::move(c)).first->second;
  };
  IndexScorer score = [&](const std::vector<int64_t>& indices) {
    std::vector<double> out(indices.size(), -std::numeric_limits<double>::infinity());
    std::vector<Candidate> valid;
    std::vector<size_t> where;
    for (size_t i = 0; i < indices.size(); ++i)
      if (const std::optional<Candidate>& c = instantiate(indices[i])) {
        valid.push_back(*c);
        where.push_back(i);
      }
    if (valid.empty()) return out;
    std::vector<double> predicted = scorer(valid);
    TT_ASSERT(predicted.size() == valid.size(), "scorer returned {} scores for {} candidates", predicted.size(),
              valid.size());
    for (size_t v = 0; v < valid.size(); ++v) out[where[v]] = predicted[v];
    return out;
  };

  std::vector<Candidate> out;
  std::set<std::string> taken;
  for (int attempt = 0; attempt < kProposeAttempts && int(out.size()) < n; ++attempt) {
    std::vector<int64_t> batch = tuner_->next_batch(n - int(out.size()), score, visited_);
    if (batch.empty()) break;
    for (int64_t index : batch) {
      visited_.insert(index);
      const std::optional<Candidate>& c = instantiate(index);
      if (!c) {
        tuner_->update(index, 0);
        continue;
      }
      std::string key = candidate_key(*c);
      index_of_key_[key] = index;
      if (measured_set.count(key) || !taken.insert(key).second) continue;
      out.push_back(*c);
    }
  }
  return out;
}

void TemplatePolicy::observe(const std::vector<MeasuredCandidate>& results) {
  for (const MeasuredCandidate& r : results) {
    std::optional<int64_t> index;
    auto it = index_of_key_.find(candidate_key(r.candidate));
    if (it != index_of_key_.end()) {
      index = it->second;
    } else if (r.config.is_object() && r.config.value("template", "") == template_->name()) {
      // A record of an earlier run of this template (resuming a log).
      try {
        index = template_->space().config_from_json(r.config).index;
      } catch (const UserError&) {
        // Another version of the template's space: its steps still count as measured.
      }
    }
    if (!index) continue;
    visited_.insert(*index);
    tuner_->update(*index, r.throughput);
  }
}

nlohmann::json TemplatePolicy::config_of(const Candidate& candidate) const {
  auto it = index_of_key_.find(candidate_key(candidate));
  if (it == index_of_key_.end()) return nullptr;
  nlohmann::json j = template_->space().to_json(template_->space().at(it->second));
  j["template"] = template_->name();
  j["tuner"] = tuner_->name();
  return j;
}

}  // namespace tt::autotvm
