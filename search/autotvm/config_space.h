// The knob space of a schedule template (AutoTVM's ConfigSpace): named knobs, each a list of
// options, and the space their product spans. A config picks one option per knob; its index is
// the mixed-radix number of those picks (the first knob varies fastest), so a tuner can walk,
// sample and mutate configs as integers and a record can name its config by one number.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ir/schedule/step.h"

namespace tt::autotvm {

enum class KnobKind : uint8_t {
  Split,     // the extents of a loop split into N parts, outermost first (product = the extent)
  Reorder,   // a permutation of N loops (the option lists loop indices, outermost first)
  Annotate,  // an annotation per loop of a group (none, unroll, vectorize, parallel)
  Choice,    // any value: a flag, a step count, a block size
};
const char* knob_kind_name(KnobKind kind);

// Which factorizations a split knob offers.
enum class SplitPolicy : uint8_t {
  Factors,  // every ordered factorization into exact divisors: no tail loops
  Power2,   // inner parts powers of two; the outermost part rounds up (a guarded tail)
};

struct SplitOptions {
  SplitPolicy policy = SplitPolicy::Factors;
  int num_outputs = 2;    // parts, outermost first
  int64_t max_inner = 0;  // the innermost part at most this (0: no limit)
  // Every part but the outermost at most this (0: no limit), and the outermost at most
  // `max_outer`: "factors with at most N outer parts" keeps a split from leaving a loop of many
  // short iterations outside a tiny tile.
  int64_t max_factor = 0;
  int64_t max_outer = 0;
  int64_t exact_inner = 0;  // > 0: only factorizations whose innermost part is this
};

struct Knob {
  std::string name;
  KnobKind kind = KnobKind::Choice;
  // One JSON value per option: a split's part extents, a reorder's permutation, an annotate's
  // annotation names, a choice's value.
  std::vector<nlohmann::json> options;
};

class ConfigSpace;

// One point of a space: the option picked for each knob (same order as the space's knobs).
struct Config {
  int64_t index = 0;
  std::vector<int> picks;
};

class ConfigSpace {
 public:
  // Each define_* adds a knob and returns its index; a name used twice, an empty option list or
  // an option list no filter leaves is a UserError naming the knob.
  int define_split(const std::string& name, int64_t extent, const SplitOptions& options);
  // The union of several policies' factorizations, in order, each once (e.g. exact divisors and
  // power-of-two tiles with a tail, for an extent like 17 that has no useful divisor).
  int define_split(const std::string& name, int64_t extent, const std::vector<SplitOptions>& alternatives);
  // `orders`: candidate permutations of `num_loops` loops.
  int define_reorder(const std::string& name, int num_loops, const std::vector<std::vector<int>>& orders);
  // `choices`: candidate annotation lists, one annotation per loop of the group.
  int define_annotate(const std::string& name, const std::vector<std::vector<LoopAnnotation>>& choices);
  int define_choice(const std::string& name, const std::vector<nlohmann::json>& values);

  const std::vector<Knob>& knobs() const { return knobs_; }
  // The knob's index, or a UserError naming it.
  int knob_index(const std::string& name) const;
  bool has_knob(const std::string& name) const;
  // The number of configs (the product of the knobs' option counts; at least 1).
  int64_t size() const;

  // The config at `index` (0 <= index < size(), else UserError), and the index of some picks.
  Config at(int64_t index) const;
  Config from_picks(const std::vector<int>& picks) const;

  // The option a config picks for a knob.
  const nlohmann::json& value(const Config& config, const std::string& knob) const;
  std::vector<int64_t> split_value(const Config& config, const std::string& knob) const;

  // {"index": N, "knobs": [[name, kind, value], ...]}, AutoTVM's entity form with this space's
  // kinds ("split", "reorder", "annotate", "choice"); config_from_json reads it back (by index,
  // checking that the knob values agree with this space: a record of another space is refused).
  nlohmann::json to_json(const Config& config) const;
  Config config_from_json(const nlohmann::json& j) const;
  // One line: "tile_x=[7, 2, 4] unroll=true ...".
  std::string to_string(const Config& config) const;

 private:
  int add(Knob knob);
  std::vector<Knob> knobs_;
};

// The options of a split knob (exposed for tests): each a vector of part extents, outermost first.
std::vector<std::vector<int64_t>> split_options(int64_t extent, const SplitOptions& options);

}  // namespace tt::autotvm
