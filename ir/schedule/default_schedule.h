// Hand-written default schedules: what a model runs with before any tuning, like a library's x86
// schedules. They are chosen from the structure of the TE graph, not from operator names: a
// reduction whose output's innermost axis is read with unit stride gets a register-blocked GEMM
// schedule (matmul, batch_matmul, NCHW conv2d, depthwise conv, pooling); one whose innermost reduce
// axis is read with unit stride gets an rfactor-vectorized dot product (dense with weights [N, K]);
// injective stages are inlined or vectorized along their innermost axis and parallelized outside.
#pragma once

#include <string>
#include <vector>

#include "ir/schedule/hardware.h"
#include "ir/schedule/state.h"

namespace tt {

std::vector<Step> default_schedule(const std::vector<Tensor>& outputs, const HardwareParams& hw);

// Fuses `stage`'s adjacent leading loops `loops` (outermost first; one needs no fuse) and marks the
// result parallel; returns the parallel loop's name.
std::string parallelize_loops(ScheduleState& state, const std::string& stage, const std::vector<std::string>& loops);

}  // namespace tt
