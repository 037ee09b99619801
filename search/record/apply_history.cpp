// Best-record lookup and its explanation (see apply_history.h). Both walk the same filters in the
// same order — workload, target, thread count, validity — so the explanation names exactly the
// filter that left nothing.
#include "search/record/apply_history.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <sstream>

namespace tt {

namespace {

// What target matching compares, read from a target string's text alone: the triple is written
// only when it is not the process's own (Target::to_string), so two texts without one agree.
struct TargetIdentity {
  std::string cpu, triple;
  std::vector<std::string> tracked;  // the tracked features it has, in tracked_features() order

  bool operator==(const TargetIdentity&) const = default;
};

// Parsed by hand rather than by Target::parse, which resolves a CPU name to LLVM's default
// features for it: a record measured on a virtual machine that masks some of them must keep the
// features it was measured with.
std::optional<TargetIdentity> identity_of(const std::string& text) {
  std::istringstream stream(text);
  std::string token;
  if (!(stream >> token) || token != "llvm") return std::nullopt;
  TargetIdentity id;
  std::map<std::string, bool> has;
  while (stream >> token) {
    if (token.starts_with("-mcpu=")) {
      id.cpu = token.substr(6);
    } else if (token.starts_with("-mtriple=")) {
      id.triple = token.substr(9);
    } else if (token.starts_with("-mattr=")) {
      std::istringstream list(token.substr(7));
      std::string attr;
      while (std::getline(list, attr, ',')) {
        if (attr.size() < 2 || (attr[0] != '+' && attr[0] != '-')) return std::nullopt;
        has[attr.substr(1)] = attr[0] == '+';
      }
    } else {
      return std::nullopt;
    }
  }
  if (id.cpu.empty()) return std::nullopt;
  for (const std::string& name : Target::tracked_features())
    if (has.count(name) && has[name]) id.tracked.push_back(name);
  return id;
}

std::string count_of(size_t n, const char* noun) { return fmt::format("{} {}{}", n, noun, n == 1 ? "" : "s"); }

}  // namespace

bool replayable(const TuningRecord& r) { return r.valid() && !r.cut_short; }

bool ranks_before(const TuningRecord& a, const TuningRecord& b) {
  if (a.cost() != b.cost()) return a.cost() < b.cost();
  if (a.trial != b.trial) return a.trial < b.trial;
  return a.timestamp < b.timestamp;
}

bool target_compatible(const std::string& record_target, const Target& target) {
  std::optional<TargetIdentity> a = identity_of(record_target);
  std::optional<TargetIdentity> b = identity_of(target.to_string());
  return a && b && *a == *b;
}

std::optional<TuningRecord> best_record(const std::vector<TuningRecord>& records, const std::string& workload_key,
                                        const Target& target, int num_threads) {
  const TuningRecord* best = nullptr;
  std::map<std::string, bool> compatible;  // per target text: one parse per distinct target
  for (const TuningRecord& r : records) {
    if (r.workload_key != workload_key || r.num_threads != num_threads || !replayable(r)) continue;
    auto it = compatible.find(r.target);
    if (it == compatible.end()) it = compatible.emplace(r.target, target_compatible(r.target, target)).first;
    if (!it->second) continue;
    if (!best || ranks_before(r, *best)) best = &r;  // equal: the earlier stays
  }
  if (!best) return std::nullopt;
  return *best;
}

std::string why_no_record(const std::vector<TuningRecord>& records, const std::string& workload_key,
                          const Target& target, int num_threads) {
  if (best_record(records, workload_key, target, num_threads)) return "";
  std::vector<const TuningRecord*> of_workload, on_target, at_threads;
  for (const TuningRecord& r : records)
    if (r.workload_key == workload_key) of_workload.push_back(&r);
  if (of_workload.empty()) return fmt::format("no records for workload {}", workload_key);

  std::map<std::string, size_t> other_targets;
  for (const TuningRecord* r : of_workload) {
    if (target_compatible(r->target, target))
      on_target.push_back(r);
    else
      other_targets[r->target]++;
  }
  if (on_target.empty()) {
    std::string names;
    for (const auto& [name, n] : other_targets) names += fmt::format("{}'{}' ({})", names.empty() ? "" : ", ", name, n);
    return fmt::format(
        "the {} for workload {} were measured on other targets only: {}; this "
        "target is '{}'",
        count_of(of_workload.size(), "record"), workload_key, names, target.to_string());
  }

  std::map<int, size_t> other_threads;
  for (const TuningRecord* r : on_target) {
    if (r->num_threads == num_threads)
      at_threads.push_back(r);
    else
      other_threads[r->num_threads]++;
  }
  if (at_threads.empty()) {
    std::string counts;
    for (const auto& [threads, n] : other_threads)
      counts += fmt::format("{}{} ({})", counts.empty() ? "" : ", ", threads, count_of(n, "record"));
    return fmt::format(
        "the records for workload {} on this target were timed with other thread "
        "counts only: {}; wanted {}",
        workload_key, counts, num_threads);
  }

  // Everything left failed or was cut short.
  std::map<std::string, size_t> errors;
  size_t cut_short = 0;
  for (const TuningRecord* r : at_threads) {
    if (r->error != MeasureError::None)
      errors[measure_error_name(r->error)]++;
    else if (r->costs_s.empty())
      errors["no costs"]++;
    else if (r->cut_short)
      cut_short++;
  }
  std::string parts;
  for (const auto& [name, n] : errors) parts += fmt::format("{}{} {}", parts.empty() ? "" : ", ", name, n);
  if (cut_short) parts += fmt::format("{}cut short {}", parts.empty() ? "" : ", ", cut_short);
  return fmt::format("none of the {} for workload {} on this target at {} is valid: {}",
                     count_of(at_threads.size(), "record"), workload_key, count_of(size_t(num_threads), "thread"),
                     parts);
}

}  // namespace tt
