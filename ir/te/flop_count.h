// Floating-point operation counts of tensor-expression graphs, the numerator of every GFLOP/s
// figure and an input of the task scheduler. Same rules as TVM's FlopEstimator, so numbers compare.
#pragma once

#include <cstdint>
#include <vector>

#include "ir/te/tensor.h"

namespace tt {

// The sum over the compute operations reachable from `outputs` of (output elements × operations
// per element). Per element: +, -, ×, ÷, min, max and comparisons count 1 each when their operands
// have the output's type code (so index arithmetic counts 0); a select counts its condition plus
// its costlier branch; intrinsic calls and casts count only their arguments; a reduction counts
// (product of reduce extents) × (source + 1 for the combiner). matmul M×K·K×N gives 2·M·N·K.
int64_t flop_count(const std::vector<Tensor>& outputs);

// The count of one compute operation (0 for a placeholder).
int64_t flop_count(const OperationNode& op);

}  // namespace tt
