// Program features for the learned cost model: one fixed-length row of floats per buffer a lowered
// kernel writes, read off the final loop IR (after vectorize and unroll), in the spirit of Ansor's
// per-store features. The cost model scores each row and sums a program's rows (pack-sum).
#pragma once

#include <string>
#include <vector>

#include "ir/loop/stmt.h"
#include "ir/schedule/hardware.h"

namespace tt {

// Row layout (feature_names() names every column; numeric values are sign(x) * log2(1 + |x|),
// one-hot columns are 0 or 1):
//   [0, 13)    arithmetic by kind, each = ops x lanes x product of the enclosing loop extents
//   [13, 15)   float instructions by vector width (scalar / vector), x enclosing-loop product
//   [15, 20)   vectorization: store lanes, lanes / native lanes, vector-store share,
//              vectorized loops and their extent product
//   [20, 23)   unrolling: unrolled loops, their extent product, unrolled copies of the store
//   [23, 30)   parallelism: parallel loops, extent product, innermost parallel extent, position
//              one-hot, chunks per thread, load balance over hw.num_threads
//   [30, 35)   loop nest: depth, extent product, innermost extent, enclosing guards, store count
//   [35, 43)   the two innermost running loops: extent, share of invariant / unit-stride / other
//              accesses (what decides whether LLVM vectorizes a loop the schedule left serial)
//   [43, 138)  5 accessed buffers x 19 (kBufferFeatures), the 5 with most cache lines
//   [138, 148) arithmetic-intensity curve from the innermost loop outwards
//   [148, 153) allocation of the written buffer (zero for kernel parameters)
//   [153, 154) whole-row arithmetic intensity
inline constexpr int kMaxBuffersPerRow = 5;
inline constexpr int kBufferFeatures = 19;
inline constexpr int kIntensityCurvePoints = 10;
inline constexpr int kFeatureLength =
    43 + kMaxBuffersPerRow * kBufferFeatures + kIntensityCurvePoints + 5 + 1;

// One name per column, in row order; size kFeatureLength.
const std::vector<std::string>& feature_names();

// One row per buffer written (kernel outputs and local buffers), in the order of their first store.
struct ProgramFeatures {
  std::vector<std::vector<float>> rows;
};

// Deterministic: the same function gives the same floats bit for bit.
ProgramFeatures extract_features(const LoweredFunc& func, const HardwareParams& hw);

}  // namespace tt
