// The reference interpreter: evaluates a tensor-expression graph straight from its compute
// definitions, with no schedule and no code generation. Every compiled kernel is checked against
// it, so it favours being obviously right over being fast (but compiles each body once).
#pragma once

#include <map>
#include <utility>
#include <vector>

#include "ir/ndarray.h"
#include "ir/te/tensor.h"

namespace tt {

// Values of the placeholders, keyed by their operation.
using PlaceholderValues = std::map<const OperationNode*, NDArray>;

// Computes `outputs` (any tensors of the graph, placeholders included) given a value for every
// placeholder they depend on; shapes and dtypes must match the placeholders (UserError naming the
// placeholder otherwise). Semantics, chosen to match a compiled kernel:
// - every compute op is evaluated in producer order into a whole array of its own;
// - float values use float32 arithmetic; integers (indices) use floor division and modulo;
// - a reduction starts from the reduce identity and combines the source in lexicographic order of
//   its reduce axes (the first axis outermost), accumulating in float32;
// - select evaluates only the chosen branch, so a guarded out-of-bounds read is never made; an
//   unguarded one raises InternalError naming the tensor.
// Supported element types: float32, int32, int64 and bool. A placeholder listed among `outputs`
// returns its input array itself (shared storage, not a copy).
std::vector<NDArray> evaluate(const std::vector<Tensor>& outputs, const PlaceholderValues& inputs);

// The same with (placeholder, value) pairs: evaluate({C}, {{A, a}, {B, b}}).
std::vector<NDArray> evaluate(const std::vector<Tensor>& outputs,
                              const std::vector<std::pair<Tensor, NDArray>>& inputs);

}  // namespace tt
