// Schedule templates (AutoTVM style): for a task whose anchor is one of the operators that dominate
// the models' time — matmul, dense (weights [N, K], packed at load), batch_matmul, conv2d and
// depthwise conv2d (NCHW and channel-blocked), pooling — a knob space and a function from a config of it to schedule
// steps. The steps are the ones the sketch search emits (split, reorder, cache_write, compute_at,
// annotations, layout_rewrite), so a template record replays through the same path as a sketch
// record.
//
// Every template here is the same register-blocked shape with the operator's own axes as knobs: the
// output's unit-stride axis (tile_x: 3 parts, the innermost vectorized), the axis its vector
// operand is reused across (tile_y: 3 parts, the innermost the accumulator rows), one more outer
// axis (tile_z), the first reduction (tile_r) and the order of the reduction loops (reorder_r),
// unrolling, packing a GEMM operand's panel (pack) and storing a weight in loop order
// (layout_rewrite). The accumulator tile (tile_y inner × tile_x inner) lives in registers at the
// middle tile level; the outer tiles are fused into the (parallel) outer loop.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ir/schedule/hardware.h"
#include "ir/te/tensor.h"
#include "search/autotvm/config_space.h"
#include "search/search_policy.h"

namespace tt::autotvm {

struct TemplateOptions {
  // Convolutions (groups = 1) get the channel-blocked template conv2d_nchwc, as TVM's x86 strategy
  // does: data [N][C/ic][H][W][ic], weights [K/oc][C/ic][R][S][ic][oc] and output
  // [N][K/oc][OH][OW][oc] with the block sizes ic, oc as knobs. The layouts are layout_rewrite
  // steps of the task's input, weight and output, so a record asks for its layout and the
  // executor keeps activations blocked between convolutions that agree (src/runtime/layout_plan.h).
  // Depthwise convolutions likewise get depthwise_conv2d_nchwc (one block for data, weight and
  // output). False: the NCHW templates conv2d_nchw and depthwise_conv2d_nchw.
  bool conv2d_nchwc = true;
  // > 0: conv2d_nchwc blocks every channel dimension by this (or, where it does not divide, by a
  // divisor below it: channel_block in template_plan.h) instead of searching the block sizes, so consecutive convolutions
  // agree on their layouts and the model needs no conversions between them (TVM's graph tuner
  // chooses among per-layer blocks by the conversion cost; one block for all is its simplest plan).
  // -1 (the default): the native vector width. 0: search the blocks of each task on its own —
  // each task alone gets a little faster, but a model then converts between most convolutions
  // (ResNet-18: 19 conversions, 56 ms instead of the tasks' 32 ms).
  int64_t conv2d_block = -1;
  // The Winograd templates offered beside the direct one for a 3×3 stride-1 convolution with
  // constant weights, by output tile (conv2d_winograd_m2, _m4, _m6; empty: none). The template
  // policy shares the task's trials among the templates by what they measure (template_policy.h).
  // F(6×6, 3×3) is left out by default: its larger rounding error fails the check on deep layers.
  std::vector<int64_t> winograd_tiles = {2, 4};
};

class ScheduleTemplate {
 public:
  // The template for this task, or nullptr with *why_not saying which operator has none (a
  // softmax, a global pool, several reductions in one task, a dense whose weights are not
  // constants). `constant_inputs`: the inputs that are weights (layout_rewrite may pack them).
  static std::unique_ptr<ScheduleTemplate> match(const std::vector<Tensor>& outputs, const HardwareParams& hw,
                                                 const std::vector<std::string>& constant_inputs,
                                                 std::string* why_not = nullptr,
                                                 const TemplateOptions& options = {});
  // Every template for this task: match()'s, then the Winograd ones (TemplateOptions::winograd_tiles)
  // where the convolution allows them. Empty, with *why_not, when match() finds none.
  static std::vector<std::unique_ptr<ScheduleTemplate>> match_all(const std::vector<Tensor>& outputs,
                                                                  const HardwareParams& hw,
                                                                  const std::vector<std::string>& constant_inputs,
                                                                  std::string* why_not = nullptr,
                                                                  const TemplateOptions& options = {});
  ~ScheduleTemplate();

  // "conv2d_nchwc", "conv2d_nchw", "conv2d_winograd_m2" (_m4, _m6), "depthwise_conv2d_nchwc",
  // "depthwise_conv2d_nchw",
  // "matmul", "dense_pack", "batch_matmul", "pool".
  const std::string& name() const { return name_; }
  const ConfigSpace& space() const { return space_; }
  // The steps of a config; UserError if they do not apply (an InstantiationError of the record).
  Candidate instantiate(const Config& config) const;

  struct Plan;  // what match() learned of the task (schedule_template.cpp)

 private:
  ScheduleTemplate(std::string name, std::vector<Tensor> outputs, HardwareParams hw, std::unique_ptr<Plan> plan);
  void define_knobs();
  // The channel block every blocked template gives a dimension of `channels` (options_.conv2d_block:
  // the vector width or the given size, rounded down to a divisor by channel_block), so that the
  // layouts of neighbouring convolutions, depthwise and Winograd tasks agree; 0 when the blocks are
  // searched per task (conv2d_block 0).
  int64_t agreed_channel_block(int64_t channels) const;
  void define_nchwc_knobs();
  Candidate instantiate_nchwc(const Config& config) const;
  // depthwise_template.cpp
  void define_depthwise_knobs();
  Candidate instantiate_depthwise(const Config& config) const;
  // winograd_template.cpp
  void define_winograd_knobs();
  Candidate instantiate_winograd(const Config& config) const;

  std::string name_;
  std::vector<Tensor> outputs_;
  HardwareParams hw_;
  std::unique_ptr<Plan> plan_;
  TemplateOptions options_;
  ConfigSpace space_;
};

}  // namespace tt::autotvm
