// The seeded input values a task is measured on, drawn from each operator's valid domain: a
// placeholder whose values reach the argument of a log or sqrt, the base of a pow, or a division's
// divisor is drawn from [0.5, 1.5) (positive and away from zero, so the reference is finite and
// well-conditioned); every other float placeholder from [-1, 1).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "ir/ndarray.h"
#include "ir/te/tensor.h"

namespace tt {

struct InputRange {
  float low = -1.0f, high = 1.0f;  // uniform in [low, high)
  bool operator==(const InputRange&) const = default;
};

inline constexpr InputRange kSignedInputRange{-1.0f, 1.0f};
inline constexpr InputRange kPositiveInputRange{0.5f, 1.5f};

// The range of every placeholder reachable from `outputs`. A placeholder is positive when a value
// read from it flows (through arithmetic, and through intermediate computes, which then count as
// positive as a whole) into a log, sqrt or pow-base argument or a float divisor. An index position
// (a read inside another read's indices) does not count. The rule is a sufficient heuristic, not a
// proof: sqrt(a - b) still needs a >= b, which no per-input range can promise.
std::map<const OperationNode*, InputRange> input_ranges(const std::vector<Tensor>& outputs);

// Seeded values for `inputs` (in that order: one generator, drawn input after input, so a seed
// names the same data every run): float32 inputs uniform in their range from input_ranges, or in
// `overrides[name]` when given; other dtypes (index-like integers) are zero, valid in every index
// domain.
std::vector<NDArray> seeded_inputs(const std::vector<Tensor>& inputs,
                                   const std::vector<Tensor>& outputs, uint64_t seed,
                                   const std::map<std::string, InputRange>& overrides = {});

}  // namespace tt
