// The tuning loop; see tuner.h. One round = one task's batch: propose (search), measure (build + run),
// commit to the log, retrain the cost model, report.
#include "search/tune/tuner.h"

#include <fmt/ranges.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>

#include "ir/error.h"
#include "ir/lower/lower.h"
#include "ir/schedule/default_schedule.h"
#include "search/cost_model/cost_model.h"
#include "search/cost_model/features.h"
#include "search/policy_union.h"
#include "search/measure/build.h"
#include "search/autotvm/template_policy.h"
#include "search/record/apply_history.h"

namespace tt {

namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();
// The cost model's ranking quality is reported as best-of-top-k with this k (capped by the batch).
constexpr int kQualityTopK = 8;

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double unix_time() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

struct Tuner::TaskState {
  std::unique_ptr<SearchPolicy> policy;
  const SketchPolicy* sketch_policy = nullptr;  // the same object, for printing its sketches
  std::unique_ptr<Measurer> measurer;  // created at the task's first batch: it starts a worker
  std::vector<Step> default_steps;
  std::vector<std::string> measured_keys;
  std::set<std::string> measured_set;
  std::map<std::string, double> last_scores;  // the scorer's predictions of this task's last proposals
  // Features of candidates scored before, by candidate key (nullopt: it did not lower). A template
  // search scores the same configs round after round, and lowering a candidate is most of a score.
  std::unordered_map<std::string, std::optional<ProgramFeatures>> features;
  TaskProgress progress;
  TaskReport report;
  std::vector<TrainingSample> samples;

  // Counts a measured record of this task (from the log or this run): the measured set, the report,
  // and a training sample. Returns its throughput (0 for a failed record), or nothing for a candidate
  // already counted.
  std::optional<double> count(const TuningRecord& r, const std::function<ProgramFeatures()>& features, int task) {
    std::string key = candidate_key(r.steps);
    if (!measured_set.insert(key).second) return std::nullopt;
    measured_keys.push_back(key);
    report.trials++;
    report.errors[int(r.error)]++;
    if (r.cut_short) report.cut_short++;
    double cost = r.valid() ? r.cost() : kInfinity;
    if (r.valid() && !r.cut_short) report.best_s = std::min(report.best_s, cost);
    if (r.strategy == "default" && r.valid()) report.default_s = std::min(report.default_s, cost);
    double throughput = r.valid() ? 1.0 / cost : 0.0;
    // A record whose steps do not apply (an instantiation error) teaches the model nothing.
    if (r.error != MeasureError::Instantiation) {
      try {
        samples.push_back({features(), throughput, task});
      } catch (const std::exception&) {
        // Steps that measured also lower; only a bug in feature extraction lands here.
      }
    }
    return throughput;
  }
};

Tuner::Tuner(std::vector<TuneTask> tasks, TuneOptions options, Target target, TuningLog& log)
    : tasks_(std::move(tasks)), options_(std::move(options)), target_(std::move(target)), log_(log) {
  if (tasks_.empty()) user_error("nothing to tune: the model has no tasks");
  if (options_.trials < 0) user_error("--trials must not be negative, got {}", options_.trials);
  if (options_.measures_per_round < 1) user_error("measures per round must be at least 1");
  if (options_.strategy != "ansor" && options_.strategy != "autotvm")
    user_error("unknown search strategy '{}' (known: ansor, autotvm)", options_.strategy);
  if (options_.strategy == "autotvm") autotvm::check_tuner_options(options_.tuner, options_.ga, options_.annealing);
  hw_ = hardware_params(target_, options_.num_threads);
  options_.measure.num_threads = options_.num_threads;
  measure_ = [this](int task, const std::vector<Candidate>& batch, double best_s) {
    return measure_with_measurer(task, batch, best_s);
  };
  for (size_t t = 0; t < tasks_.size(); ++t) {
    auto state = std::make_unique<TaskState>();
    // Each task's search has its own stream of random numbers, derived from the run's seed.
    uint64_t task_seed = options_.seed * 1000003ULL + t;
    TaskReport& r = state->report;
    std::string why_not;
    std::vector<std::unique_ptr<autotvm::ScheduleTemplate>> templates;
    if (options_.strategy == "autotvm")
      templates = autotvm::ScheduleTemplate::match_all(tasks_[t].outputs, hw_, tasks_[t].constant_inputs, &why_not,
                                                       options_.templates);
    if (!templates.empty()) {
      std::vector<std::string> names, sizes;
      for (const auto& tmpl : templates) {
        names.push_back(tmpl->name());
        sizes.push_back(std::to_string(tmpl->space().size()));
      }
      r.search = fmt::format("autotvm {} ({}, {} configs)", fmt::join(names, " + "), options_.tuner,
                             fmt::join(sizes, " + "));
      state->policy = std::make_unique<autotvm::TemplatePolicy>(std::move(templates), options_.tuner, task_seed,
                                                                options_.ga, options_.annealing);
    } else {
      auto policy = std::make_unique<SketchPolicy>(tasks_[t].outputs, hw_, options_.sketch, task_seed,
                                                   tasks_[t].constant_inputs);
      state->sketch_policy = policy.get();
      r.search = why_not.empty() ? "ansor" : fmt::format("ansor (no template: {})", why_not);
      // A convolution Winograd computes: its templates beside the sketches (the direct template
      // dropped: the sketch search covers the direct form), tuned with the cost model.
      std::vector<std::unique_ptr<autotvm::ScheduleTemplate>> winograd;
      if (options_.strategy == "ansor")
        for (auto& tmpl : autotvm::ScheduleTemplate::match_all(tasks_[t].outputs, hw_, tasks_[t].constant_inputs,
                                                               nullptr, options_.templates))
          if (tmpl->name().rfind("conv2d_winograd", 0) == 0) winograd.push_back(std::move(tmpl));
      if (winograd.empty()) {
        state->policy = std::move(policy);
      } else {
        std::vector<std::string> names, sizes;
        for (const auto& tmpl : winograd) {
          names.push_back(tmpl->name());
          sizes.push_back(std::to_string(tmpl->space().size()));
        }
        r.search = fmt::format("ansor + {} (xgb, {} configs)", fmt::join(names, " + "), fmt::join(sizes, " + "));
        std::vector<std::unique_ptr<SearchPolicy>> arms;
        arms.push_back(std::move(policy));
        arms.push_back(std::make_unique<autotvm::TemplatePolicy>(std::move(winograd), "xgb", task_seed, options_.ga,
                                                                 options_.annealing));
        state->policy = std::make_unique<PolicyUnion>(std::move(arms), "ansor");
      }
    }
    state->default_steps = default_schedule(tasks_[t].outputs, hw_);
    r.workload_key = tasks_[t].workload_key;
    r.description = tasks_[t].description;
    r.weight = tasks_[t].weight;
    r.flops = tasks_[t].flops;
    r.best_s = kInfinity;
    r.default_s = kInfinity;
    any_policy_uses_model_ |= state->policy->uses_cost_model();
    states_.push_back(std::move(state));
  }
  if (options_.cost_model == "random") {
    model_ = std::make_unique<RandomCostModel>(options_.seed);
  } else if (options_.cost_model == "xgb") {
    model_ = std::make_unique<XGBoostCostModel>(options_.xgboost);
  } else {
    user_error("unknown cost model '{}' (known: xgb, random)", options_.cost_model);
  }
  load_log();
}

Tuner::~Tuner() = default;

void Tuner::set_measure_function(MeasureFunction f) { measure_ = std::move(f); }

void Tuner::set_progress_callback(std::function<void(const TuneProgress&)> f) { on_progress_ = std::move(f); }

std::string Tuner::model_path(const std::string& log_path) { return log_path + ".model"; }

int Tuner::round_size() const {
  double share = options_.trials * options_.warmup_share / double(tasks_.size());
  return std::max(1, std::min(options_.measures_per_round, int(share)));
}

std::vector<std::string> Tuner::describe_sketches() const {
  std::vector<std::string> out;
  for (const auto& s : states_) {
    std::string text;
    if (!s->sketch_policy) text = s->report.search + "\n";
    else
      for (const Sketch& sketch : s->sketch_policy->sketches()) text += to_string(sketch) + "\n";
    out.push_back(text);
  }
  return out;
}

ProgramFeatures Tuner::features_of(int task, const Candidate& candidate) {
  ScheduleState state(tasks_[task].outputs);
  state.apply(candidate);
  LowerOptions lower_options;
  lower_options.verify = false;  // the measured build verifies; scoring lowers thousands
  return extract_features(lower(state, "score", lower_options), hw_);
}

std::vector<double> Tuner::score(int task, const std::vector<Candidate>& candidates) {
  TaskState& state = *states_[task];
  // Bounded: a long sketch search rarely scores a candidate twice.
  constexpr size_t kMaxCachedFeatures = 20000;
  if (state.features.size() > kMaxCachedFeatures) state.features.clear();
  std::vector<std::string> keys(candidates.size());
  std::vector<size_t> missing;
  for (size_t i = 0; i < candidates.size(); ++i) {
    keys[i] = candidate_key(candidates[i]);
    if (!state.features.count(keys[i])) missing.push_back(i);
  }
  std::vector<std::optional<ProgramFeatures>> computed(missing.size());
  tbb::parallel_for(size_t(0), missing.size(), [&](size_t m) {
    try {
      computed[m] = features_of(task, candidates[missing[m]]);
    } catch (const std::exception&) {
      // A candidate that does not lower (a UserError, or an InternalError of a lowering bug) scores
      // -infinity below and is never proposed; one bad candidate must not end a tuning run.
    }
  });
  for (size_t m = 0; m < missing.size(); ++m) state.features[keys[missing[m]]] = std::move(computed[m]);
  std::vector<ProgramFeatures> valid;
  for (size_t i = 0; i < candidates.size(); ++i)
    if (const auto& f = state.features.at(keys[i])) valid.push_back(*f);
  std::vector<double> predicted = model_->predict(valid);
  std::vector<double> scores(candidates.size(), -kInfinity);
  for (size_t i = 0, v = 0; i < candidates.size(); ++i) {
    if (state.features.at(keys[i])) scores[i] = predicted[v++];
    state.last_scores[keys[i]] = scores[i];
  }
  return scores;
}

std::vector<MeasureResult> Tuner::measure_with_measurer(int task, const std::vector<Candidate>& batch, double best_s) {
  TaskState& state = *states_[task];
  if (!state.measurer) {
    state.measurer = std::make_unique<Measurer>(options_.measure, target_);
    MeasureTask m;
    m.name = tasks_[task].description;
    m.inputs = tasks_[task].inputs;
    m.outputs = tasks_[task].outputs;
    m.flops = tasks_[task].flops;
    state.measurer->set_task(m);
  }
  return state.measurer->measure(batch, best_s);
}

void Tuner::load_log() {
  int per_round = round_size();
  for (size_t t = 0; t < tasks_.size(); ++t) {
    TaskState& state = *states_[t];
    std::vector<TuningRecord> records = log_.records_for(tasks_[t].workload_key);
    std::vector<MeasuredCandidate> seen;
    int in_round = 0;
    for (const TuningRecord& r : records) {
      if (!target_compatible(r.target, target_) || r.num_threads != options_.num_threads) continue;
      std::optional<double> throughput = state.count(r, [&] { return features_of(int(t), r.steps); }, int(t));
      if (!throughput) continue;
      seen.push_back({r.steps, *throughput, r.config});
      if (++in_round == per_round) {
        state.progress.rounds++;
        state.progress.best_history_s.push_back(state.report.best_s);
        in_round = 0;
      }
    }
    if (in_round > 0) {
      state.progress.rounds++;
      state.progress.best_history_s.push_back(state.report.best_s);
    }
    if (!seen.empty()) state.policy->observe(seen);
  }
  std::string saved = options_.warm_start_model.empty() ? model_path(log_.path()) : options_.warm_start_model;
  if (!options_.warm_start_model.empty() && !std::filesystem::exists(saved))
    user_error("cost model '{}' does not exist", saved);
  if (options_.cost_model == "xgb" && std::filesystem::exists(saved)) {
    model_->load(saved);
  } else {
    retrain();
  }
}

void Tuner::retrain() {
  std::vector<TrainingSample> all;
  for (const auto& s : states_) all.insert(all.end(), s->samples.begin(), s->samples.end());
  if (!all.empty()) model_->update(all);
}

TuneProgress Tuner::progress(int current_task, int round, int measured_this_run, double elapsed_s) const {
  TuneProgress p;
  p.trials_total = options_.trials;
  p.current_task = current_task;
  p.round = round;
  p.measured_this_run = measured_this_run;
  p.elapsed_s = elapsed_s;
  p.estimated_latency_s = 0;
  for (const auto& s : states_) {
    p.tasks.push_back(s->report);
    p.trials_done += s->report.trials;
    p.estimated_latency_s += s->report.weight * s->report.best_s;
  }
  int remaining = std::max(0, p.trials_total - p.trials_done);
  p.eta_s = measured_this_run > 0 ? elapsed_s / measured_this_run * remaining : 0;
  p.time = time_;
  return p;
}

TuneProgress Tuner::run(const std::atomic<bool>* stop) {
  auto start = std::chrono::steady_clock::now();
  std::vector<ScheduledTask> scheduled;
  for (const TuneTask& t : tasks_)
    scheduled.push_back({t.weight, t.flops, similarity_tag(t.operator_kinds, t.flops)});
  TaskScheduler scheduler(scheduled, options_.scheduler, options_.seed);
  int per_round = round_size();
  int done = 0;
  for (const auto& s : states_) done += s->report.trials;
  int measured_this_run = 0, round = 0;
  std::optional<RankingQuality> last_quality;
  auto report = [&](int task) {
    if (!on_progress_) return;
    TuneProgress p = progress(task, round, measured_this_run, seconds_since(start));
    p.last_quality = last_quality;
    on_progress_(p);
  };
  report(-1);

  while (done < options_.trials && !(stop && stop->load())) {
    std::vector<TaskProgress> progresses;
    for (const auto& s : states_) progresses.push_back(s->progress);
    int t = scheduler.next_task(progresses);
    if (t < 0) break;
    TaskState& state = *states_[t];
    int n = std::min(per_round, options_.trials - done);

    // The default schedule is every task's first trial: replay never picks a record slower than it.
    auto search_start = std::chrono::steady_clock::now();
    std::vector<Candidate> batch;
    std::string default_key = candidate_key(state.default_steps);
    if (!state.measured_set.count(default_key)) batch.push_back(state.default_steps);
    if (int(batch.size()) < n) {
      CandidateScorer scorer = [this, t](const std::vector<Candidate>& c) { return score(t, c); };
      std::vector<std::string> excluded = state.measured_keys;
      if (!batch.empty()) excluded.push_back(default_key);
      for (Candidate& c : state.policy->propose(n - int(batch.size()), scorer, excluded)) {
        std::string key = candidate_key(c);
        if (key == default_key && !batch.empty()) continue;
        batch.push_back(std::move(c));
      }
    }
    time_.search_s += seconds_since(search_start);
    if (batch.empty()) {
      state.progress.alive = false;  // the space is exhausted
      continue;
    }

    // The model's predictions for the batch, taken before it trains on the results.
    std::vector<double> predicted;
    bool have_predictions = model_->trained();
    for (const Candidate& c : batch) {
      auto it = state.last_scores.find(candidate_key(c));
      if (it == state.last_scores.end()) have_predictions = false;
      else predicted.push_back(it->second);
    }

    std::vector<MeasureResult> results = measure_(t, batch, state.report.best_s);
    TT_ASSERT(results.size() == batch.size(), "{} results for {} candidates", results.size(), batch.size());

    auto log_start = std::chrono::steady_clock::now();
    std::vector<TuningRecord> records;
    std::vector<MeasuredCandidate> measured;
    std::vector<double> throughputs;
    for (size_t i = 0; i < batch.size(); ++i) {
      const MeasureResult& m = results[i];
      TuningRecord r;
      r.workload_key = tasks_[t].workload_key;
      r.workload = tasks_[t].description;
      r.target = target_.to_string();
      r.strategy = candidate_key(batch[i]) == default_key ? "default" : state.policy->name();
      r.steps = batch[i];
      r.config = state.policy->config_of(batch[i]);
      r.costs_s = m.costs_s;
      r.error = m.error;
      r.error_message = m.message;
      r.cut_short = m.cut_short;
      r.seed = options_.seed;
      r.trial = state.report.trials + int64_t(i);
      r.timestamp = unix_time();
      r.build_s = m.build_s;
      r.run_s = m.run_s;
      r.num_threads = options_.num_threads;
      time_.build_s += m.build_s;
      time_.run_s += m.run_s;
      records.push_back(std::move(r));
    }
    log_.append(records);  // one transaction: a killed run keeps this batch
    time_.log_s += seconds_since(log_start);

    auto model_start = std::chrono::steady_clock::now();
    for (size_t i = 0; i < batch.size(); ++i) {
      const TuningRecord& r = records[i];
      std::optional<double> counted = state.count(r, [&] { return features_of(t, batch[i]); }, t);
      TT_ASSERT(counted, "candidate {} of the batch was measured before", i);
      double throughput = *counted;
      throughputs.push_back(throughput);
      measured.push_back({batch[i], throughput, records[i].config});
    }
    if (have_predictions && batch.size() >= 2)
      last_quality = ranking_quality(predicted, throughputs, std::min<int>(kQualityTopK, int(batch.size())));
    state.policy->observe(measured);
    // Tuners that never consult the model (grid, random, ga) do not pay for retraining it.
    if (any_policy_uses_model_) {
      retrain();
      if (options_.cost_model == "xgb") model_->save(model_path(log_.path()));
    }
    time_.model_s += seconds_since(model_start);

    state.progress.rounds++;
    state.progress.best_history_s.push_back(state.report.best_s);
    done += int(batch.size());
    measured_this_run += int(batch.size());
    round++;
    report(t);
  }
  TuneProgress p = progress(-1, round, measured_this_run, seconds_since(start));
  p.last_quality = last_quality;
  return p;
}

}  // namespace tt
