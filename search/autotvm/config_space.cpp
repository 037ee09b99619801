// Knob spaces; see config_space.h.
#include "search/autotvm/config_space.h"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <set>

#include "ir/error.h"

namespace tt::autotvm {

namespace {

// Spaces above this many configs are refused: indices must stay exact in int64 and in JSON.
constexpr int64_t kMaxSpaceSize = int64_t(1) << 53;

const char* kind_json_name(KnobKind kind) {
  switch (kind) {
    case KnobKind::Split: return "split";
    case KnobKind::Reorder: return "reorder";
    case KnobKind::Annotate: return "annotate";
    case KnobKind::Choice: return "choice";
  }
  return "?";
}

std::vector<int64_t> divisors(int64_t n) {
  std::vector<int64_t> out;
  for (int64_t d = 1; d * d <= n; ++d) {
    if (n % d) continue;
    out.push_back(d);
    if (d != n / d) out.push_back(n / d);
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool within(int64_t value, int64_t limit) { return limit <= 0 || value <= limit; }

}  // namespace

const char* knob_kind_name(KnobKind kind) { return kind_json_name(kind); }

std::vector<std::vector<int64_t>> split_options(int64_t extent, const SplitOptions& o) {
  if (extent < 1) user_error("split knob: extent must be positive, got {}", extent);
  if (o.num_outputs < 1) user_error("split knob: num_outputs must be at least 1, got {}", o.num_outputs);
  std::vector<std::vector<int64_t>> out;
  std::vector<int64_t> parts(size_t(o.num_outputs), 1);
  // Chooses the parts from the innermost outward; `left` is what the outer parts still cover.
  std::function<void(int, int64_t)> choose = [&](int part, int64_t left) {
    if (part == 0) {
      parts[0] = left;
      if (within(left, o.max_outer)) out.push_back(parts);
      return;
    }
    const bool innermost = part == o.num_outputs - 1;
    std::vector<int64_t> candidates;
    if (o.policy == SplitPolicy::Factors) {
      candidates = divisors(left);
    } else {
      for (int64_t p = 1; p <= left; p *= 2) candidates.push_back(p);
    }
    for (int64_t f : candidates) {
      if (!within(f, o.max_factor) || (innermost && !within(f, o.max_inner))) continue;
      if (innermost && o.exact_inner > 0 && f != o.exact_inner) continue;
      parts[size_t(part)] = f;
      choose(part - 1, o.policy == SplitPolicy::Factors ? left / f : (left + f - 1) / f);
    }
  };
  choose(o.num_outputs - 1, extent);
  return out;
}

int ConfigSpace::add(Knob knob) {
  if (knob.name.empty()) user_error("config space: a knob needs a name");
  if (has_knob(knob.name)) user_error("config space: knob '{}' is defined twice", knob.name);
  if (knob.options.empty()) user_error("config space: knob '{}' has no options", knob.name);
  int64_t total = size();
  if (total > kMaxSpaceSize / int64_t(knob.options.size()))
    user_error("config space: more than 2^53 configs with knob '{}'", knob.name);
  knobs_.push_back(std::move(knob));
  return int(knobs_.size()) - 1;
}

int ConfigSpace::define_split(const std::string& name, int64_t extent, const SplitOptions& options) {
  Knob k{name, KnobKind::Split, {}};
  for (const auto& parts : split_options(extent, options)) k.options.push_back(parts);
  return add(std::move(k));
}

int ConfigSpace::define_split(const std::string& name, int64_t extent, const std::vector<SplitOptions>& alternatives) {
  Knob k{name, KnobKind::Split, {}};
  std::set<std::vector<int64_t>> seen;
  for (const SplitOptions& options : alternatives)
    for (const auto& parts : split_options(extent, options))
      if (seen.insert(parts).second) k.options.push_back(parts);
  return add(std::move(k));
}

int ConfigSpace::define_reorder(const std::string& name, int num_loops,
                                const std::vector<std::vector<int>>& orders) {
  Knob k{name, KnobKind::Reorder, {}};
  for (const auto& order : orders) {
    std::vector<int> sorted = order;
    std::sort(sorted.begin(), sorted.end());
    bool permutation = int(sorted.size()) == num_loops;
    for (int i = 0; permutation && i < num_loops; ++i) permutation = sorted[size_t(i)] == i;
    if (!permutation) user_error("config space: reorder knob '{}': {} is not a permutation of {} loops", name,
                                 nlohmann::json(order).dump(), num_loops);
    k.options.push_back(order);
  }
  return add(std::move(k));
}

int ConfigSpace::define_annotate(const std::string& name, const std::vector<std::vector<LoopAnnotation>>& choices) {
  Knob k{name, KnobKind::Annotate, {}};
  for (const auto& choice : choices) {
    nlohmann::json names = nlohmann::json::array();
    for (LoopAnnotation a : choice) names.push_back(annotation_name(a));
    k.options.push_back(names);
  }
  return add(std::move(k));
}

int ConfigSpace::define_choice(const std::string& name, const std::vector<nlohmann::json>& values) {
  return add(Knob{name, KnobKind::Choice, values});
}

bool ConfigSpace::has_knob(const std::string& name) const {
  return std::any_of(knobs_.begin(), knobs_.end(), [&](const Knob& k) { return k.name == name; });
}

int ConfigSpace::knob_index(const std::string& name) const {
  for (size_t i = 0; i < knobs_.size(); ++i)
    if (knobs_[i].name == name) return int(i);
  user_error("config space: no knob '{}'", name);
}

int64_t ConfigSpace::size() const {
  int64_t total = 1;
  for (const Knob& k : knobs_) total *= int64_t(k.options.size());
  return total;
}

Config ConfigSpace::at(int64_t index) const {
  if (index < 0 || index >= size())
    user_error("config index {} is outside the space of {} configs", index, size());
  Config c;
  c.index = index;
  for (const Knob& k : knobs_) {
    int64_t n = int64_t(k.options.size());
    c.picks.push_back(int(index % n));
    index /= n;
  }
  return c;
}

Config ConfigSpace::from_picks(const std::vector<int>& picks) const {
  if (picks.size() != knobs_.size())
    user_error("config: {} picks for a space of {} knobs", picks.size(), knobs_.size());
  Config c;
  c.picks = picks;
  int64_t radix = 1;
  for (size_t i = 0; i < knobs_.size(); ++i) {
    int64_t n = int64_t(knobs_[i].options.size());
    if (picks[i] < 0 || picks[i] >= n)
      user_error("config: knob '{}' has {} options, pick {} is out of range", knobs_[i].name, n, picks[i]);
    c.index += picks[i] * radix;
    radix *= n;
  }
  return c;
}

const nlohmann::json& ConfigSpace::value(const Config& config, const std::string& knob) const {
  int k = knob_index(knob);
  TT_ASSERT(config.picks.size() == knobs_.size(), "config of {} picks for {} knobs", config.picks.size(),
            knobs_.size());
  return knobs_[size_t(k)].options[size_t(config.picks[size_t(k)])];
}

std::vector<int64_t> ConfigSpace::split_value(const Config& config, const std::string& knob) const {
  return value(config, knob).get<std::vector<int64_t>>();
}

nlohmann::json ConfigSpace::to_json(const Config& config) const {
  nlohmann::json entity = nlohmann::json::array();
  for (size_t i = 0; i < knobs_.size(); ++i)
    entity.push_back({knobs_[i].name, kind_json_name(knobs_[i].kind), knobs_[i].options[size_t(config.picks[i])]});
  return {{"index", config.index}, {"knobs", entity}};
}

Config ConfigSpace::config_from_json(const nlohmann::json& j) const {
  if (!j.is_object() || !j.contains("index") || !j["index"].is_number_integer())
    user_error("config: expected {{\"index\": N, \"knobs\": [...]}}, got {}", j.dump());
  Config c = at(j["index"].get<int64_t>());
  if (j.contains("knobs")) {
    const nlohmann::json expected = to_json(c)["knobs"];
    if (j["knobs"] != expected)
      user_error("config {}: its knob values do not match this template's space (another space's record?)",
                 c.index);
  }
  return c;
}

std::string ConfigSpace::to_string(const Config& config) const {
  std::string out;
  for (size_t i = 0; i < knobs_.size(); ++i) {
    if (!out.empty()) out += ' ';
    out += fmt::format("{}={}", knobs_[i].name, knobs_[i].options[size_t(config.picks[i])].dump());
  }
  return out;
}

}  // namespace tt::autotvm
