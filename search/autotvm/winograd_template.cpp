// The Winograd templates conv2d_winograd_m<tile>: a 3×3 stride-1 convolution computed by a winograd
// step (ir/te/winograd.h), then the batched GEMM register-blocked like the other templates (rows of
// output channels × vectors of tiles, accumulated in registers), the input transform vectorized
// over tiles with the transform points unrolled, and the output transform fused into the
// epilogue with the tile's rows and columns unrolled, so every select of the transforms folds.
#include <algorithm>

#include "ir/error.h"
#include "ir/schedule/layout.h"
#include "ir/schedule/state.h"
#include "ir/te/winograd.h"
#include "search/autotvm/template_plan.h"

namespace tt::autotvm {

std::vector<std::unique_ptr<ScheduleTemplate>> ScheduleTemplate::match_all(
    const std::vector<Tensor>& outputs, const HardwareParams& hw, const std::vector<std::string>& constant_inputs,
    std::string* why_not, const TemplateOptions& options) {
  std::vector<std::unique_ptr<ScheduleTemplate>> all;
  std::unique_ptr<ScheduleTemplate> direct = match(outputs, hw, constant_inputs, why_not, options);
  if (!direct) return all;
  const Plan& p = *direct->plan_;
  const bool convolution = direct->name_ == "conv2d_nchwc" || direct->name_ == "conv2d_nchw";
  // The weights must be a constant the convolution alone reads: the executor transforms them at load.
  const bool constant_weight = !p.weights.empty();
  std::vector<std::unique_ptr<ScheduleTemplate>> winograd;
  if (convolution && constant_weight) {
    for (int64_t tile : options.winograd_tiles) {
      ScheduleState probe(outputs);
      try {
        probe.apply(WinogradStep{p.anchor, tile});
      } catch (const UserError&) {
        break;  // the convolution is not one Winograd computes (the reason is the same for every tile)
      }
      auto plan = std::make_unique<Plan>(p);
      plan->winograd_tile = tile;
      auto t = std::unique_ptr<ScheduleTemplate>(
          new ScheduleTemplate(fmt::format("conv2d_winograd_m{}", tile), outputs, hw, std::move(plan)));
      t->options_ = options;
      t->define_winograd_knobs();
      winograd.push_back(std::move(t));
    }
  }
  all.push_back(std::move(direct));
  for (auto& t : winograd) all.push_back(std::move(t));
  return all;
}

void ScheduleTemplate::define_winograd_knobs() {
  const Plan& p = *plan_;
  ScheduleState state(outputs_);
  state.apply(WinogradStep{p.anchor, p.winograd_tile});
  const std::vector<int64_t>& gemm = state.stage(p.anchor + ".wino_gemm").op->shape;  // [α][α][P][K]
  const int64_t channels = state.stage(p.anchor + ".wino_in").op->shape[3];
  // The register tile: rows of tiles (at most kMaxRows) × output-channel vectors (at most
  // kMaxVectorsPerRow native vectors).
  SplitOptions rows;
  rows.max_inner = kMaxRows;
  space_.define_split("tile_p", gemm[2], rows);
  SplitOptions vectors;
  vectors.max_inner = kMaxVectorsPerRow * hw_.vector_lanes;
  space_.define_split("tile_k", gemm[3], vectors);
  // The reduction over input channels inside the tile: its inner part unrolled.
  SplitOptions reduce;
  reduce.max_inner = 8;
  space_.define_split("tile_rc", channels, reduce);
  // The transformed weights stored in the GEMM's loop order ([α][α][K/vector][C][vector]).
  space_.define_choice("layout_rewrite", {false, true});
}

Candidate ScheduleTemplate::instantiate_winograd(const Config& config) const {
  const Plan& p = *plan_;
  ScheduleState state(outputs_);
  auto apply = [&](const Step& s) { return state.apply(s); };
  const int64_t m = p.winograd_tile;
  const bool threads = hw_.num_threads > 1;
  apply(WinogradStep{p.anchor, m});
  const std::string in1 = p.anchor + ".wino_in1", in = p.anchor + ".wino_in", gemm = p.anchor + ".wino_gemm",
                    out1 = p.anchor + ".wino_out1";
  const int64_t channels = state.stage(in).op->shape[3], out_channels = state.stage(gemm).op->shape[3];
  // The data, the residuals and the output channel-blocked as conv2d_nchwc stores them (so the
  // model's layouts agree between templates), vectors along the channels everywhere.
  // Blocks searched per task elsewhere (conv2d_block 0): Winograd keeps the vector width's.
  auto block_of = [&](int64_t extent) {
    const int64_t agreed = agreed_channel_block(extent);
    return agreed > 0 ? agreed : channel_block(extent, hw_.vector_lanes);
  };
  const int64_t ic = block_of(channels), oc = block_of(out_channels);
  const bool blocked = p.nchwc;
  if (blocked) {
    apply(channel_blocked(p.data, ic));
    for (const std::string& r : p.residuals) apply(channel_blocked(r, oc));
    apply(channel_blocked(p.output, oc));
  }

  // Input transform: the padding and the row transform inlined; per (tile, channel block) all α²
  // points at once, unrolled, each a vector of channels.
  for (const std::string& s : p.roots) apply(ComputeInlineStep{s});
  for (const std::string& s : p.inlined) apply(ComputeInlineStep{s});
  apply(ComputeInlineStep{in1});
  {
    std::vector<std::string> a = root_loops(state, in);  // eps, nu, p, c
    std::vector<std::string> c = apply(SplitStep{in, a[3], {ic}});
    apply(ReorderStep{in, {a[2], c[0], a[0], a[1], c[1]}});
    apply(AnnotateStep{in, a[0], LoopAnnotation::Unroll});
    apply(AnnotateStep{in, a[1], LoopAnnotation::Unroll});
    if (ic > 1) apply(AnnotateStep{in, c[1], LoopAnnotation::Vectorize});
    if (threads) apply(AnnotateStep{in, apply(FuseStep{in, {a[2], c[0]}})[0], LoopAnnotation::Parallel});
  }

  // The GEMM per transform point: (point, channel chunk, tile chunk) outer, the accumulator tile of
  // tile rows × channel vectors computed at the tile chunk, reducing over the input channels.
  {
    const int64_t rows = space_.split_value(config, "tile_p").back();
    const int64_t width = space_.split_value(config, "tile_k").back();
    const int64_t rc_inner = space_.split_value(config, "tile_rc").back();
    std::vector<std::string> c = apply(CacheWriteStep{gemm});  // the accumulator's loops: eps, nu, p, k, rc
    const std::string acc = gemm + ".local";
    std::vector<std::string> a = root_loops(state, gemm);  // eps, nu, p, k
    std::vector<std::string> t = apply(SplitStep{gemm, a[2], {rows}});
    std::vector<std::string> k = apply(SplitStep{gemm, a[3], {width}});
    apply(ReorderStep{gemm, {a[0], a[1], k[0], t[0], t[1], k[1]}});
    if (width > 1) apply(AnnotateStep{gemm, k[1], LoopAnnotation::Vectorize});
    std::string outer = apply(FuseStep{gemm, {a[0], a[1], k[0]}})[0];
    if (threads) apply(AnnotateStep{gemm, outer, LoopAnnotation::Parallel});
    apply(ComputeAtStep{acc, gemm, t[0]});
    std::vector<std::string> r = apply(SplitStep{acc, c[4], {rc_inner}});
    apply(ReorderStep{acc, {r[0], r[1], c[2], c[3]}});
    if (rc_inner > 1) apply(AnnotateStep{acc, r[1], LoopAnnotation::Unroll});
    apply(AnnotateStep{acc, c[2], LoopAnnotation::Unroll});
    if (width > 1) apply(AnnotateStep{acc, c[3], LoopAnnotation::Vectorize});
    if (space_.value(config, "layout_rewrite").get<bool>()) {
      std::optional<LayoutRewriteStep> layout = follow_loops_layout(state, p.weight.empty() ? p.weights[0] : p.weight);
      if (!layout) user_error("template {}: the transformed weights cannot follow the loops of config {}", name_, config.index);
      apply(*layout);
    }
  }

  // Output transform: the column transform, the transform and the epilogue inlined into the last
  // epilogue stage (or computed in the output itself): per (channel block, tile) the tile's rows
  // and columns unrolled, each a vector of output channels.
  apply(ComputeInlineStep{out1});
  std::string tile_stage = p.anchor;
  if (!p.chain.empty()) {
    apply(ComputeInlineStep{p.anchor});
    for (size_t s = 0; s + 1 < p.chain.size(); ++s) apply(ComputeInlineStep{p.chain[s]});
    tile_stage = p.chain.back();
  }
  std::vector<std::string> a = root_loops(state, tile_stage);  // n, k, h, w
  std::vector<std::string> k = apply(SplitStep{tile_stage, a[1], {oc}});
  std::vector<std::string> h = apply(SplitStep{tile_stage, a[2], {m}});
  std::vector<std::string> w = apply(SplitStep{tile_stage, a[3], {m}});
  apply(ReorderStep{tile_stage, {a[0], k[0], h[0], w[0], h[1], w[1], k[1]}});
  apply(AnnotateStep{tile_stage, h[1], LoopAnnotation::Unroll});
  apply(AnnotateStep{tile_stage, w[1], LoopAnnotation::Unroll});
  if (oc > 1) apply(AnnotateStep{tile_stage, k[1], LoopAnnotation::Vectorize});
  if (threads) apply(AnnotateStep{tile_stage, apply(FuseStep{tile_stage, {a[0], k[0], h[0]}})[0], LoopAnnotation::Parallel});
  return state.steps();
}

}  // namespace tt::autotvm
