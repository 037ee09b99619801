// Choosing records with their layouts; see layout_choice.h.
#include "src/runtime/layout_choice.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "ir/error.h"
#include "ir/schedule/default_schedule.h"
#include "search/measure/build.h"
#include "search/record/apply_history.h"

namespace tt {

namespace {

// Moves applied before the search gives up improving (each one lowers the estimate strictly, so
// this only bounds a pathological log).
constexpr int kMaxMoves = 200;

// A task's candidate: its fastest record for one set of activation layouts.
struct Candidate {
  const TuningRecord* record = nullptr;  // null: the default schedule (no record applies)
  TaskLayouts layouts;
  double cost_s = 0;
};

// The activation layouts a record's steps ask for (weights excluded): what tells its candidates apart.
std::string activation_signature(const graph::Task& task, const std::vector<Step>& steps) {
  std::set<std::string> activations{task.outputs[0].name()};
  for (size_t i = 0; i < task.inputs.size(); ++i)
    if (!(i < task.constant_inputs.size() && task.constant_inputs[i])) activations.insert(task.inputs[i].name());
  std::vector<Step> layouts;
  for (const Step& s : steps)
    if (const auto* l = std::get_if<LayoutRewriteStep>(&s); l && activations.count(l->tensor)) layouts.push_back(s);
  return steps_to_json(layouts).dump();
}

std::string layout_key(const ValueLayout& layout) {
  if (!layout) return "-";
  LayoutRewriteStep s = *layout;
  s.tensor.clear();
  return steps_to_json({s}).dump();
}

bool compatible_at(const TuningRecord& r, const Target& target, int num_threads, std::map<std::string, bool>& cache) {
  if (r.num_threads != num_threads || !replayable(r)) return false;
  auto it = cache.find(r.target);
  if (it == cache.end()) it = cache.emplace(r.target, target_compatible(r.target, target)).first;
  return it->second;
}

class Chooser {
 public:
  Chooser(const graph::Graph& graph, const std::vector<graph::FusedGroup>& groups, const graph::TaskTable& tasks,
          const std::vector<TuningRecord>& records, const Target& target, int num_threads)
      : graph_(graph), groups_(groups), tasks_(tasks), hw_(hardware_params(target, num_threads)) {
    std::map<std::string, bool> compatible;
    std::map<std::string, std::vector<const TuningRecord*>> by_key;
    std::vector<double> rates;  // measured conversions' seconds per byte
    for (const TuningRecord& r : records) {
      if (!compatible_at(r, target, num_threads, compatible)) continue;
      if (r.strategy == kConversionStrategy) {
        conversions_[r.workload_key].push_back(&r);
        if (r.config.is_object() && r.config.value("bytes", int64_t(0)) > 0)
          rates.push_back(r.cost() / double(r.config["bytes"].get<int64_t>()));
      } else {
        by_key[r.workload_key].push_back(&r);
      }
    }
    seconds_per_byte_ = kDefaultConversionSecondsPerByte;
    if (!rates.empty()) {
      std::sort(rates.begin(), rates.end());
      seconds_per_byte_ = rates[rates.size() / 2];
    }
    candidates_.resize(tasks.tasks.size());
    for (size_t t = 0; t < tasks.tasks.size(); ++t) {
      const graph::Task& task = tasks.tasks[t];
      std::map<std::string, const TuningRecord*> best_per_signature;
      for (const TuningRecord* r : by_key[task.workload_key]) {
        auto [it, fresh] = best_per_signature.try_emplace(activation_signature(task, r->steps), r);
        if (!fresh && ranks_before(*r, *it->second)) it->second = r;
      }
      for (const auto& [signature, r] : best_per_signature)
        candidates_[t].push_back({r, task_layouts(task, r->steps, true), r->cost()});
      // Fastest first: candidate 0 is best_record's choice (ties keep the earlier record).
      std::stable_sort(candidates_[t].begin(), candidates_[t].end(), [&](const Candidate& a, const Candidate& b) {
        return ranks_before(*a.record, *b.record) ||
               (!ranks_before(*b.record, *a.record) && a.record < b.record);
      });
      if (candidates_[t].empty()) candidates_[t].push_back({nullptr, task_layouts(task, default_schedule(task.outputs, hw_), false), 0});
    }
  }

  // The model's estimated seconds with candidate pick[t] for every task; the plan's conversions in `out`.
  double evaluate(const std::vector<int>& pick, std::vector<ConversionCost>* out, double* kernels_s = nullptr) {
    std::vector<TaskLayouts> layouts;
    double kernels = 0;
    for (size_t t = 0; t < pick.size(); ++t) {
      const Candidate& c = candidates_[t][size_t(pick[t])];
      layouts.push_back(c.layouts);
      kernels += c.cost_s * tasks_.tasks[t].weight;
    }
    LayoutPlan plan = plan_layouts(graph_, groups_, tasks_, layouts);
    double total = kernels;
    for (const LayoutConversion& c : plan.conversions) {
      ConversionCost cost = conversion_cost(c);
      total += cost.seconds;
      if (out) out->push_back(cost);
    }
    if (kernels_s) *kernels_s = kernels;
    return total;
  }

  // Pairs of tasks with alternatives whose groups are connected through groups that adopt layouts.
  std::vector<std::pair<int, int>> neighbours() const {
    std::map<graph::NodeId, std::vector<int>> readers;
    for (size_t g = 0; g < groups_.size(); ++g)
      for (graph::NodeId in : groups_[g].inputs) readers[in].push_back(int(g));
    std::set<std::pair<int, int>> pairs;
    for (size_t g = 0; g < groups_.size(); ++g) {
      const int t = tasks_.task_of_group[g];
      if (candidates_[size_t(t)].size() < 2) continue;
      std::vector<graph::NodeId> frontier{groups_[g].output};
      std::set<graph::NodeId> seen;
      while (!frontier.empty()) {
        graph::NodeId v = frontier.back();
        frontier.pop_back();
        if (!seen.insert(v).second) continue;
        for (int reader : readers[v]) {
          const int u = tasks_.task_of_group[size_t(reader)];
          if (candidates_[size_t(u)].size() >= 2) {
            if (u != t) pairs.insert({std::min(t, u), std::max(t, u)});
          } else if (!candidates_[size_t(u)][0].layouts.fixed) {
            frontier.push_back(groups_[size_t(reader)].output);
          }
        }
      }
    }
    return {pairs.begin(), pairs.end()};
  }

  const std::vector<std::vector<Candidate>>& candidates() const { return candidates_; }

  std::vector<LayoutConversionKernel> unmeasured() const {
    std::vector<LayoutConversionKernel> out;
    std::set<std::string> keys;
    for (const auto& [key, entry] : kernels_)
      if (!entry.measured && keys.insert(entry.kernel.workload_key).second) out.push_back(entry.kernel);
    return out;
  }

 private:
  struct KernelEntry {
    LayoutConversionKernel kernel;
    double seconds = 0;
    bool measured = false;
  };

  ConversionCost conversion_cost(const LayoutConversion& c) {
    const graph::Node& n = graph_.node(c.value);
    std::string key = fmt::format("{}|{}|{}|{}", shape_to_string(n.type.shape), n.type.dtype.to_string(),
                                  layout_key(c.from), layout_key(c.to));
    auto it = kernels_.find(key);
    if (it == kernels_.end()) {
      KernelEntry e;
      e.kernel = layout_conversion_kernel(n.type.shape, n.type.dtype, c.from, c.to, hw_);
      // A timing applies to the kernel timed: records of an older conversion schedule do not.
      const TuningRecord* best = nullptr;
      if (auto m = conversions_.find(e.kernel.workload_key); m != conversions_.end()) {
        const std::string steps = steps_to_json(e.kernel.steps).dump();
        for (const TuningRecord* r : m->second)
          if (steps_to_json(r->steps).dump() == steps && (!best || ranks_before(*r, *best))) best = r;
      }
      if (best) {
        e.seconds = best->cost();
        e.measured = true;
      } else {
        e.seconds = double(e.kernel.bytes) * seconds_per_byte_;
      }
      it = kernels_.emplace(key, std::move(e)).first;
    }
    return {c.value, c.from, c.to, it->second.seconds, it->second.measured, it->second.kernel.workload_key};
  }

  const graph::Graph& graph_;
  const std::vector<graph::FusedGroup>& groups_;
  const graph::TaskTable& tasks_;
  HardwareParams hw_;
  std::vector<std::vector<Candidate>> candidates_;
  std::map<std::string, std::vector<const TuningRecord*>> conversions_;  // replayable timings by workload key
  double seconds_per_byte_ = kDefaultConversionSecondsPerByte;
  std::map<std::string, KernelEntry> kernels_;  // by shape, dtype and layouts
};

bool improves(double candidate, double current) { return candidate < current - 1e-12 - 1e-9 * current; }

}  // namespace

LayoutChoice choose_with_layouts(const graph::Graph& graph, const std::vector<graph::FusedGroup>& groups,
                                 const graph::TaskTable& tasks, const std::vector<TuningRecord>& records,
                                 const Target& target, int num_threads) {
  TT_ASSERT(tasks.task_of_group.size() == groups.size(), "{} groups for a task table of {}", groups.size(),
            tasks.task_of_group.size());
  Chooser chooser(graph, groups, tasks, records, target, num_threads);
  const auto& candidates = chooser.candidates();
  const size_t n = tasks.tasks.size();
  std::vector<int> pick(n, 0);
  LayoutChoice out;
  std::vector<ConversionCost> independent;
  double current = chooser.evaluate(pick, &independent, &out.independent_kernels_s);
  for (const ConversionCost& c : independent) out.independent_conversions_s += c.seconds;

  // Best improvement, one move at a time: single tasks, then neighbouring pairs.
  const std::vector<std::pair<int, int>> pairs = chooser.neighbours();
  for (int move = 0; move < kMaxMoves; ++move) {
    std::vector<int> best = pick;
    double best_s = current;
    auto consider = [&](const std::vector<int>& trial) {
      double s = chooser.evaluate(trial, nullptr);
      if (improves(s, best_s)) best_s = s, best = trial;
    };
    for (size_t t = 0; t < n; ++t)
      for (int c = 0; c < int(candidates[t].size()); ++c) {
        if (c == pick[t]) continue;
        std::vector<int> trial = pick;
        trial[t] = c;
        consider(trial);
      }
    for (const auto& [a, b] : pairs)
      for (int ca = 0; ca < int(candidates[size_t(a)].size()); ++ca)
        for (int cb = 0; cb < int(candidates[size_t(b)].size()); ++cb) {
          if (ca == pick[size_t(a)] || cb == pick[size_t(b)]) continue;
          std::vector<int> trial = pick;
          trial[size_t(a)] = ca;
          trial[size_t(b)] = cb;
          consider(trial);
        }
    if (best == pick) break;
    pick = best;
    current = best_s;
  }

  current = chooser.evaluate(pick, &out.conversions, &out.kernels_s);
  for (const ConversionCost& c : out.conversions) out.conversions_s += c.seconds;
  for (size_t t = 0; t < n; ++t) {
    const Candidate& chosen = candidates[t][size_t(pick[t])];
    if (!chosen.record) {
      std::vector<TuningRecord> mine;
      for (const TuningRecord& r : records)
        if (r.workload_key == tasks.tasks[t].workload_key) mine.push_back(r);
      ScheduleChoice c;
      c.reason = why_no_record(mine, tasks.tasks[t].workload_key, target, num_threads);
      out.choices.push_back(c);
      continue;
    }
    ScheduleChoice c = schedule_choice(tasks.tasks[t], *chosen.record, pick[t] == 0);
    if (pick[t] != 0) {
      ++out.tasks_changed;
      std::vector<int> fastest = pick;
      fastest[t] = 0;
      const Candidate& alone = candidates[t][0];
      c.reason += fmt::format(
          "; chosen over the fastest record, trial {} ({:.3f} ms), whose activation layouts would make the model "
          "{:.3f} ms slower with the conversions they need",
          alone.record->trial, alone.cost_s * 1e3, (chooser.evaluate(fastest, nullptr) - current) * 1e3);
    }
    out.choices.push_back(std::move(c));
  }
  out.unmeasured = chooser.unmeasured();
  return out;
}

}  // namespace tt
