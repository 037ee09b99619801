// The template depthwise_conv2d_nchwc: a depthwise convolution (one input channel per output
// channel) with its data, weight, epilogue inputs and output channel-blocked as conv2d_nchwc stores
// them, so a MobileNet block's expansion, depthwise and projection convolutions agree on one layout
// and the model converts nothing between them. Vectors run along the channel block, so a strided
// window reads whole vectors (in NCHW the same window gathers every other element of a row); the
// register tile is rows × columns of output vectors, the window (3×3, 5×5) reduced around it.
#include "ir/error.h"
#include "ir/schedule/state.h"
#include "search/autotvm/template_plan.h"

namespace tt::autotvm {

void ScheduleTemplate::define_depthwise_knobs() {
  const Plan& p = *plan_;
  // One channel block for every tensor (the channels are the data's and the output's), the same
  // block conv2d_nchwc picks for this channel count, so the neighbours' layouts agree.
  SplitOptions channels;
  channels.max_inner = kMaxVectorsPerRow * hw_.vector_lanes;
  channels.exact_inner = agreed_channel_block(p.extents[1]);
  space_.define_split("tile_c", p.extents[1], channels);
  // The register tile: rows (tile_oh) × columns (tile_ow) of output vectors. Columns as divisors
  // of the width and as powers of two with a guarded tail (the 7-, 14-, 28-wide maps).
  SplitOptions rows;
  rows.max_inner = 4;
  space_.define_split("tile_oh", p.extents[2], rows);
  SplitOptions columns;
  columns.max_inner = 28;
  SplitOptions tailed;
  tailed.policy = SplitPolicy::Power2;
  tailed.max_inner = 16;
  space_.define_split("tile_ow", p.extents[3], std::vector<SplitOptions>{columns, tailed});
  // The window's loops unrolled: every input load of the tile at a constant offset, and loads that
  // two rows of a stride-1 tile share merged.
  space_.define_choice("unroll_window", {false, true});
}

Candidate ScheduleTemplate::instantiate_depthwise(const Config& config) const {
  const Plan& p = *plan_;
  ScheduleState state(outputs_);
  auto apply = [&](const Step& s) { return state.apply(s); };
  const int64_t block = space_.split_value(config, "tile_c").back();
  const int64_t rows = space_.split_value(config, "tile_oh").back();
  const int64_t columns = space_.split_value(config, "tile_ow").back();
  const bool parallel = hw_.num_threads > 1 && p.total >= kMinParallelElements;
  // Accumulators, plus the weight vector and the input vector of the current window point.
  const int64_t vectors = rows * columns * ((block + hw_.vector_lanes - 1) / hw_.vector_lanes);
  if (vectors + 2 > hw_.vector_registers)
    user_error("depthwise_conv2d_nchwc: a {}x{} register tile of {}-channel vectors does not fit {} vector registers", rows,
               columns, block, hw_.vector_registers);

  apply(channel_blocked(p.data, block));
  // The weight [C][1][R][S] as [C/block][1][R][S][block]: one vector per window point.
  apply(LayoutRewriteStep{p.weight, {{block}, {}, {}, {}}, {{0, 0}, {1, 0}, {2, 0}, {3, 0}, {0, 1}}});
  for (const std::string& r : p.residuals) apply(channel_blocked(r, block));
  apply(channel_blocked(p.output, block));
  if (!p.pad.empty()) block_pad_stage(state, p.pad, block, parallel);

  // Output: n, channel block, row chunk, column chunk | rows, columns (unrolled), the block (vector).
  auto [tile, acc] = tile_and_accumulator(state, p.anchor, p.chain);
  std::vector<std::string> a = root_loops(state, tile);  // n, c, oh, ow
  std::vector<std::string> c = apply(SplitStep{tile, a[1], {block}});
  std::vector<std::string> h = apply(SplitStep{tile, a[2], {rows}});
  std::vector<std::string> w = apply(SplitStep{tile, a[3], {columns}});
  apply(ReorderStep{tile, {a[0], c[0], h[0], w[0], h[1], w[1], c[1]}});
  if (block > 1) apply(AnnotateStep{tile, c[1], LoopAnnotation::Vectorize});
  std::string outer = apply(FuseStep{tile, {a[0], c[0], h[0]}})[0];
  if (parallel) apply(AnnotateStep{tile, outer, LoopAnnotation::Parallel});
  apply(ComputeAtStep{acc, tile, w[0]});

  // The accumulator: the window outside, then the tile's rows and columns (unrolled) and the block.
  std::vector<std::string> aa = root_loops(state, acc);  // n, c, oh, ow, ry, rx
  apply(ReorderStep{acc, {aa[4], aa[5], aa[2], aa[3], aa[1]}});
  // Stored [n][oh][ow][c], so each tile point's vector is contiguous.
  apply(LayoutRewriteStep{acc, {{}, {}, {}, {}}, {{0, 0}, {2, 0}, {3, 0}, {1, 0}}});
  apply(AnnotateStep{acc, aa[2], LoopAnnotation::Unroll});
  apply(AnnotateStep{acc, aa[3], LoopAnnotation::Unroll});
  if (block > 1) apply(AnnotateStep{acc, aa[1], LoopAnnotation::Vectorize});
  if (space_.value(config, "unroll_window").get<bool>()) {
    apply(AnnotateStep{acc, aa[4], LoopAnnotation::Unroll});
    apply(AnnotateStep{acc, aa[5], LoopAnnotation::Unroll});
  }
  return state.steps();
}

}  // namespace tt::autotvm
