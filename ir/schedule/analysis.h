// Stage analysis: what the sketch rules (and default schedules) need to know about each stage of a
// schedule state — its producers and consumers, its axes, how it reads its inputs (Ansor's access
// analysis), and so whether it inlines, needs multi-level tiling, or fuses into a consumer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ir/schedule/state.h"

namespace tt {

struct AxisInfo {
  std::string name;  // the stage's root loop name
  int64_t extent = 0;
};

// All queries take a stage name of the state and raise UserError for an unknown one. The state is
// referenced, not copied: it must outlive the analysis.
class StageAnalysis {
 public:
  explicit StageAnalysis(const ScheduleState& state) : state_(state) {}

  // Compute stages the stage reads directly (placeholders excluded), in first-read order.
  std::vector<std::string> producers(const std::string& stage) const;
  // Stages that read the stage directly.
  std::vector<std::string> consumers(const std::string& stage) const;
  std::vector<AxisInfo> spatial_axes(const std::string& stage) const;
  std::vector<AxisInfo> reduce_axes(const std::string& stage) const;
  bool is_output(const std::string& stage) const;

  // Every read of a producer indexes each dimension with one axis (plus a constant shift) or a
  // constant: no index arithmetic mixes axes.
  bool is_simple_access(const std::string& stage) const;
  // Ansor's condition for always inlining on CPU: a non-reduction whose reads are simple, use its
  // axes in their own order and none twice, and whose body has no select (a branch per element)
  // and no transcendental call (exp, log, tanh, sigmoid, erf, pow: recomputing them in every
  // consumer read costs more than a store and a load). Ansor checks only exp; the others cost as
  // much. A stage that reads nothing is always inlinable.
  bool is_strictly_inlinable(const std::string& stage) const;
  // The number of tensors (inputs or stages) the stage reads with some read that misses one of
  // its output axes of extent > 1: each such tensor is reused across that axis.
  int num_reused_inputs(const std::string& stage) const;
  bool has_data_reuse(const std::string& stage) const { return num_reused_inputs(stage) > 0; }
  // Ansor's rule: at least two reused inputs, or one and a reduction (matmul, conv2d, dense).
  bool needs_multi_level_tiling(const std::string& stage) const;
  // The consumer the stage can be fused into as an element-wise epilogue: following single direct
  // consumers through inlined stages, each link has the same shape, no reduction, and reads its
  // producer exactly at its own axes in order. The first non-inlined stage of that chain, or none.
  std::optional<std::string> elementwise_matched_consumer(const std::string& stage) const;
  // The innermost output axis (index into spatial_axes) that every read using it indexes only in
  // its last (unit-stride) dimension, as the axis alone or shifted by a constant, with at least
  // one such read; -1 if none. Vectorizing that axis gives contiguous loads and stores.
  int unit_stride_axis(const std::string& stage) const;
  // The same for the reduce axes (index into reduce_axes): dense with weights [N, K] reads its
  // reduction with unit stride but no output axis, a dot-product layout.
  int unit_stride_reduce_axis(const std::string& stage) const;
  // An input (placeholder) the stage reads with its unit-stride axis as the last index and some
  // reduce axis in another (a GEMM's B[k, j]): packing the tile of it that a register-blocked
  // accumulator reads into a contiguous panel makes every load of the inner loop unit-stride.
  std::optional<std::string> packable_input(const std::string& stage) const;

  // ---- what the default schedules ask (ir/schedule/default_schedule.cpp) ----

  // Whether some read uses the axis (an output axis, or with `reduce` a reduce axis, by index into
  // spatial_axes / reduce_axes) and every read that uses it does so only in its last dimension,
  // with any stride: a vector along it reads contiguous or evenly strided elements.
  bool used_only_in_last_index(const std::string& stage, int axis, bool reduce = false) const;
  // Whether every read that uses output axis `axis` in its last dimension steps one element per
  // step of the axis (a stride-2 pooling window steps two).
  bool reads_with_unit_stride(const std::string& stage, int axis) const;
  // The output axis to block a register tile over beside `vector_axis`: the innermost other axis
  // of extent > 1 that no read using `vector_axis` depends on (each vector operand is reused
  // across it, a GEMM's rows), else the innermost other axis of extent > 1; -1 if none.
  int reuse_axis(const std::string& stage, int vector_axis) const;
  // packable_input along output axis `axis` instead of unit_stride_axis(): an input read with
  // exactly that axis as its last index and some reduce axis in another.
  std::optional<std::string> packable_input(const std::string& stage, int axis) const;

  const ScheduleState& state() const { return state_; }

 private:
  const ScheduleState& state_;
};

}  // namespace tt
