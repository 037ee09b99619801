// What the schedule templates' source files share (not a public API): the plan match() makes of a
// task, and the limits every template's register tile keeps to.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ir/schedule/state.h"
#include "search/autotvm/schedule_template.h"

namespace tt::autotvm {

// A tile stage with fewer output elements than this stays on one thread (a parallel launch costs
// more than it gains); the same cut as the default schedules' register-tiled reductions.
inline constexpr int64_t kMinParallelElements = 1 << 10;
// The accumulator's rows (tile_y's innermost part) and vectors along x (tile_x's innermost part,
// in native vectors) stay within what the registers hold.
inline constexpr int64_t kMaxRows = 8;
inline constexpr int64_t kMaxVectorsPerRow = 4;
// auto_unroll_max_step values (Ansor's CPU set, which AutoTVM's x86 templates also draw from).
inline const std::vector<int64_t> kAutoUnrollSteps = {0, 16, 64, 512};

inline bool is_injective(const Stage& st) { return !st.has_reduction(); }

struct ScheduleTemplate::Plan {
  std::string anchor;                // the reduction stage
  std::vector<std::string> chain;    // its element-wise epilogue, ending at the output
  std::vector<std::string> inlined;  // injective producers substituted into their readers
  std::vector<std::string> roots;    // injective stages computed on their own (padding)
  int vector_axis = -1, row_axis = -1, outer_axis = -1;  // output axes of the anchor
  std::vector<int64_t> extents;                          // the anchor's output extents
  std::vector<int64_t> reduce_extents;
  int tiled_reduce = -1;  // the reduce axis tile_r splits, or -1
  std::optional<std::string> packable;  // an input whose panel may be packed (not a weight)
  std::vector<std::string> weights;     // constant inputs the anchor alone reads
  bool force_layout = false;            // dense [N, K]: vectors along N need the packed weight
  int64_t total = 1;                    // output elements
  // conv2d_nchwc: the data input (read through the pad stage, if any), the weight, the pad stage,
  // the epilogue's inputs of the output's shape (residuals, stored blocked like the output) and
  // the output stage.
  bool nchwc = false;
  std::string data, weight, pad, output;
  std::vector<std::string> residuals;
  // conv2d_winograd_m<tile>: the tile of the winograd step its configs start with (0: another
  // template). The anchor is the convolution the step rewrites.
  int64_t winograd_tile = 0;
  // depthwise_conv2d_nchwc (with data, weight, pad, output and residuals set as for conv2d_nchwc).
  bool depthwise_nchwc = false;
};

// Steps and names the templates share (schedule_template.cpp).
// The layout that blocks dimension 1 (channels) of a 4-d NCHW tensor by `block`, the block
// innermost: [N][C/block][H][W][block].
LayoutRewriteStep channel_blocked(const std::string& tensor, int64_t block);
// The channel block of the blocked layouts for `extent` channels: its largest divisor up to
// `block` (the vector width). 24 channels on AVX-512: 12, one widened 16-lane vector per block
// (blocks of 8 measured 40% slower on a 1x1 96->24 @56 with 3 of them per tile, Zen 5).
int64_t channel_block(int64_t extent, int64_t block);
// The loop names of a stage's root axes, in order.
std::vector<std::string> root_loops(const ScheduleState& state, const std::string& stage);
// The stage that writes the output tile and the one that accumulates it: the epilogue's last stage
// (the others inlined into it) and the reduction itself, or, without an epilogue, the reduction
// and its cache_write stage.
std::pair<std::string, std::string> tile_and_accumulator(ScheduleState& state, const std::string& anchor,
                                                         const std::vector<std::string>& chain);
// A padding stage [N][C][H][W] stored channel-blocked and written in that order: the channel block
// innermost (vectorized), the outer loops fused and parallel when `parallel`.
void block_pad_stage(ScheduleState& state, const std::string& pad, int64_t block, bool parallel);


}  // namespace tt::autotvm
