// The schedule templates; see schedule_template.h for the shape every template shares.
#include "search/autotvm/schedule_template.h"

#include <algorithm>
#include <set>

#include "ir/error.h"
#include "ir/schedule/analysis.h"
#include "ir/schedule/layout.h"
#include "ir/schedule/state.h"
#include "ir/te/ops.h"
#include "search/autotvm/template_plan.h"

namespace tt::autotvm {

std::unique_ptr<ScheduleTemplate> ScheduleTemplate::match(const std::vector<Tensor>& outputs,
                                                          const HardwareParams& hw,
                                                          const std::vector<std::string>& constant_inputs,
                                                          std::string* why_not, const TemplateOptions& options) {
  auto refuse = [&](const std::string& why) -> std::unique_ptr<ScheduleTemplate> {
    if (why_not) *why_not = why;
    return nullptr;
  };
  ScheduleState state(outputs);
  StageAnalysis analysis(state);
  auto plan = std::make_unique<Plan>();
  for (const Stage& st : state.stages()) {
    if (!st.has_reduction()) continue;
    if (!plan->anchor.empty()) return refuse("several reductions in one task");
    plan->anchor = st.name();
  }
  if (plan->anchor.empty()) return refuse("no reduction (an injective task)");
  const Stage& anchor = state.stage(plan->anchor);
  const std::string tag = anchor.op->tag;
  std::string name;
  if (tag == ops::kTagConv2d) name = "conv2d_nchw";
  else if (tag == ops::kTagDepthwiseConv2d) name = "depthwise_conv2d_nchw";
  else if (tag == ops::kTagBatchMatmul) name = "batch_matmul";
  else if (tag == ops::kTagPool) name = "pool";
  else if (tag == ops::kTagDense) name = "matmul";
  else return refuse(fmt::format("no template for a '{}' reduction", tag));

  const int n = int(anchor.op->axes.size());
  plan->extents = anchor.op->shape;
  for (int64_t d : plan->extents) plan->total *= d;
  for (const IterVar& r : anchor.op->reduce_axes()) plan->reduce_extents.push_back(r.extent());
  if (n == 0 || plan->extents[size_t(n - 1)] < 2) return refuse("its output's last axis has extent 1");
  plan->vector_axis = n - 1;

  for (const std::string& w : constant_inputs)
    if (const Stage* reader = sole_reader(state, w); reader && reader->name() == plan->anchor)
      plan->weights.push_back(w);
  if (!analysis.used_only_in_last_index(plan->anchor, plan->vector_axis)) {
    // Y[m, n] = X[m, k] · W[n, k]: vectors along n read W across its rows, unless W is stored
    // [n / block][k][block] (AutoTVM's dense_pack, TVM's weight pre-packing).
    if (tag != ops::kTagDense || plan->weights.empty())
      return refuse(fmt::format("its '{}' stage reads its output's last axis with a stride", tag));
    plan->force_layout = true;
    name = "dense_pack";
  }
  plan->row_axis = analysis.reuse_axis(plan->anchor, plan->vector_axis);
  for (int a = n - 2; a >= 0; --a)
    if (a != plan->row_axis && plan->extents[size_t(a)] > 1) {
      plan->outer_axis = a;
      break;
    }
  for (size_t r = 0; r < plan->reduce_extents.size(); ++r)
    if (plan->reduce_extents[r] > 1) {
      plan->tiled_reduce = int(r);
      break;
    }
  if (std::optional<std::string> p = analysis.packable_input(plan->anchor, plan->vector_axis))
    if (std::find(plan->weights.begin(), plan->weights.end(), *p) == plan->weights.end()) plan->packable = p;

  // The epilogue: single consumers of the same shape, injective, reading no other computed stage.
  std::string current = plan->anchor;
  while (true) {
    std::vector<std::string> users = state.consumers(current);
    if (users.empty()) break;
    if (users.size() != 1) return refuse("its reduction feeds several stages");
    const Stage& u = state.stage(users[0]);
    if (!is_injective(u) || u.op->shape != anchor.op->shape)
      return refuse(fmt::format("its reduction feeds a '{}' stage of another shape", u.op->tag));
    for (const Operation& in : u.op->input_ops())
      if (!in->is_placeholder() && in->name != current)
        return refuse("its epilogue reads another computed stage");
    plan->chain.push_back(u.name());
    current = u.name();
  }
  std::set<std::string> placed(plan->chain.begin(), plan->chain.end());
  placed.insert(plan->anchor);
  for (const Stage& st : state.stages()) {
    if (placed.count(st.name())) continue;
    if (st.is_output) return refuse("the task has outputs besides its reduction's");
    if (st.op->tag == ops::kTagPad) plan->roots.push_back(st.name());
    else plan->inlined.push_back(st.name());
  }
  plan->output = plan->chain.empty() ? plan->anchor : plan->chain.back();
  if ((tag == ops::kTagConv2d || tag == ops::kTagDepthwiseConv2d) && options.conv2d_nchwc) {
    // The data is the input the pad stage (or the convolution) reads with 4 indices besides the
    // weight; groups = 1 means the weight's second dimension is the data's channel count.
    const Stage& reader = plan->roots.empty() ? anchor : state.stage(plan->roots[0]);
    for (const Operation& in : reader.op->input_ops())
      if (in->is_placeholder() && in->shape.size() == 4 && in->name != (plan->weights.empty() ? "" : plan->weights[0]))
        plan->data = in->name;
    for (const Operation& in : anchor.op->input_ops())
      if (in->is_placeholder() && in->shape.size() == 4 &&
          std::find(constant_inputs.begin(), constant_inputs.end(), in->name) != constant_inputs.end())
        plan->weight = in->name;
    if (plan->roots.size() <= 1 && !plan->data.empty() && !plan->weight.empty() && plan->inlined.empty()) {
      std::vector<int64_t> data_shape, weight_shape;
      for (const Tensor& in : state.inputs()) {
        if (in.name() == plan->data) data_shape = in.shape();
        if (in.name() == plan->weight) weight_shape = in.shape();
      }
      // groups = 1: the weight's second dimension is the data's channels; depthwise (one output
      // channel per input channel): the weight is [C][1][R][S].
      const bool direct = tag == ops::kTagConv2d && data_shape[1] == weight_shape[1];
      const bool depthwise = tag == ops::kTagDepthwiseConv2d && weight_shape[1] == 1 &&
                             weight_shape[0] == data_shape[1] && plan->extents[1] == data_shape[1];
      if ((direct || depthwise) && data_shape[0] == plan->extents[0]) {
        plan->nchwc = direct;
        plan->depthwise_nchwc = depthwise;
        if (!plan->roots.empty()) plan->pad = plan->roots[0];
        for (const std::string& c : plan->chain)
          for (const Operation& in : state.stage(c).op->input_ops())
            if (in->is_placeholder() && in->shape == anchor.op->shape &&
                std::find(plan->residuals.begin(), plan->residuals.end(), in->name) == plan->residuals.end())
              plan->residuals.push_back(in->name);
        name = direct ? "conv2d_nchwc" : "depthwise_conv2d_nchwc";
      }
    }
  }
  auto t = std::unique_ptr<ScheduleTemplate>(new ScheduleTemplate(name, outputs, hw, std::move(plan)));
  t->options_ = options;
  if (t->plan_->nchwc) t->define_nchwc_knobs();
  else if (t->plan_->depthwise_nchwc) t->define_depthwise_knobs();
  else t->define_knobs();
  return t;
}

ScheduleTemplate::ScheduleTemplate(std::string name, std::vector<Tensor> outputs, HardwareParams hw,
                                   std::unique_ptr<Plan> plan)
    : name_(std::move(name)), outputs_(std::move(outputs)), hw_(hw), plan_(std::move(plan)) {}

ScheduleTemplate::~ScheduleTemplate() = default;

void ScheduleTemplate::define_knobs() {
  const Plan& p = *plan_;
  SplitOptions x;
  x.num_outputs = 3;
  x.max_inner = kMaxVectorsPerRow * hw_.vector_lanes;
  space_.define_split("tile_x", p.extents[size_t(p.vector_axis)], x);
  if (p.row_axis >= 0) {
    SplitOptions y;
    y.num_outputs = 3;
    y.max_inner = kMaxRows;
    space_.define_split("tile_y", p.extents[size_t(p.row_axis)], y);
  }
  if (p.outer_axis >= 0) space_.define_split("tile_z", p.extents[size_t(p.outer_axis)], SplitOptions{});
  if (p.tiled_reduce >= 0) space_.define_split("tile_r", p.reduce_extents[size_t(p.tiled_reduce)], SplitOptions{});
  // The reduction loops of the accumulator: the tiled one as (outer, inner), then the others. The
  // orders AutoTVM's conv templates try: channels outermost (identity), the channel block inside
  // the window (ic_block innermost, as conv2d_NCHWc's second order), the window outermost.
  const int others = int(p.reduce_extents.size()) - (p.tiled_reduce >= 0 ? 1 : 0);
  if (p.tiled_reduce >= 0 && others > 0) {
    const int loops = others + 2;
    // Loops 0, 1: tile_r's outer and inner part; 2..: the other reduce axes.
    std::vector<int> identity, block_inside = {0}, window_out;
    for (int i = 0; i < loops; ++i) identity.push_back(i);
    for (int i = 2; i < loops; ++i) block_inside.push_back(i);
    block_inside.push_back(1);
    for (int i = 2; i < loops; ++i) window_out.push_back(i);
    window_out.insert(window_out.end(), {0, 1});
    space_.define_reorder("reorder_r", loops, {identity, block_inside, window_out});
  }
  if (!p.reduce_extents.empty()) space_.define_choice("unroll_r", {false, true});
  std::vector<nlohmann::json> steps(kAutoUnrollSteps.begin(), kAutoUnrollSteps.end());
  space_.define_choice("auto_unroll_max_step", steps);
  if (p.packable) space_.define_choice("pack", {false, true});
  if (!p.weights.empty() && !p.force_layout) space_.define_choice("layout_rewrite", {false, true});
}

LayoutRewriteStep channel_blocked(const std::string& tensor, int64_t block) {
  return LayoutRewriteStep{tensor, {{}, {block}, {}, {}}, {{0, 0}, {1, 0}, {2, 0}, {3, 0}, {1, 1}}};
}

int64_t channel_block(int64_t extent, int64_t block) {
  for (int64_t d = std::min(extent, block); d > 1; --d)
    if (extent % d == 0) return d;
  return 1;
}

std::vector<std::string> root_loops(const ScheduleState& state, const std::string& stage) {
  const Stage& st = state.stage(stage);
  std::vector<std::string> names;
  for (int i = 0; i < st.num_roots; ++i) names.push_back(st.iters[size_t(i)].name);
  return names;
}

std::pair<std::string, std::string> tile_and_accumulator(ScheduleState& state, const std::string& anchor,
                                                         const std::vector<std::string>& chain) {
  if (chain.empty()) {
    state.apply(CacheWriteStep{anchor});
    return {anchor, anchor + ".local"};
  }
  for (size_t c = 0; c + 1 < chain.size(); ++c) state.apply(ComputeInlineStep{chain[c]});
  return {chain.back(), anchor};
}

void block_pad_stage(ScheduleState& state, const std::string& pad, int64_t block, bool parallel) {
  state.apply(channel_blocked(pad, block));
  std::vector<std::string> a = root_loops(state, pad);
  std::vector<std::string> c = state.apply(SplitStep{pad, a[1], {block}});
  state.apply(ReorderStep{pad, {a[0], c[0], a[2], a[3], c[1]}});
  if (block > 1) state.apply(AnnotateStep{pad, c[1], LoopAnnotation::Vectorize});
  if (parallel) {
    std::string outer = state.apply(FuseStep{pad, {a[0], c[0], a[2]}})[0];
    state.apply(AnnotateStep{pad, outer, LoopAnnotation::Parallel});
  }
}

namespace {

// The weight [K][C][R][S] blocked as [K/ko][C/ci][R][S][ci][ko].
LayoutRewriteStep weight_blocked(const std::string& tensor, int64_t out_block, int64_t in_block) {
  return LayoutRewriteStep{
      tensor, {{out_block}, {in_block}, {}, {}}, {{0, 0}, {1, 0}, {2, 0}, {3, 0}, {1, 1}, {0, 1}}};
}

}  // namespace

int64_t ScheduleTemplate::agreed_channel_block(int64_t channels) const {
  const int64_t block = options_.conv2d_block < 0 ? hw_.vector_lanes : options_.conv2d_block;
  return block == 0 ? int64_t(0) : channel_block(channels, block);
}

void ScheduleTemplate::define_nchwc_knobs() {
  const Plan& p = *plan_;
  ScheduleState state(outputs_);
  int64_t channels = 0;
  for (const Tensor& in : state.inputs())
    if (in.name() == p.data) channels = in.shape()[1];
  SplitOptions blocks;
  blocks.max_inner = kMaxVectorsPerRow * hw_.vector_lanes;
  SplitOptions ic_blocks = blocks, oc_blocks = blocks;
  ic_blocks.exact_inner = agreed_channel_block(channels);
  oc_blocks.exact_inner = agreed_channel_block(p.extents[1]);
  space_.define_split("tile_ic", channels, ic_blocks);
  space_.define_split("tile_oc", p.extents[1], oc_blocks);
  // The register tile's width along ow (TVM's reg_n, at most 31 there): divisors of ow, and powers
  // of two with a guarded tail tile, for widths like 17, 71 or 73 whose only divisors are 1 and
  // themselves.
  SplitOptions row;
  row.max_inner = 32;
  SplitOptions tailed;
  tailed.policy = SplitPolicy::Power2;
  tailed.max_inner = 16;
  space_.define_split("tile_ow", p.extents[3], std::vector<SplitOptions>{row, tailed});
  // Reduction order inside the tile: (ic outer, kh, kw, ic block) or (ic outer, kh, ic block, kw),
  // the two orders of TVM's conv2d_NCHWc schedule.
  space_.define_choice("ic_block_inner", {true, false});
  space_.define_choice("unroll_kw", {false, true});
  // Output-channel blocks per register tile (oneDNN's oc blocking): each input value loaded feeds
  // that many vector FMAs, and the data is read once per that many blocks instead of once per
  // block. Only counts that divide the blocks (3: 48, 144, 192, 288 channels in blocks of 16);
  // the tile must fit the registers (instantiate).
  std::vector<nlohmann::json> oc_vectors = {1};
  for (int64_t v : {2, 3, 4}) {
    bool divides = false;
    for (const nlohmann::json& o : space_.knobs()[size_t(space_.knob_index("tile_oc"))].options) {
      const int64_t block = o.back().get<int64_t>();
      divides |= block > 0 && (p.extents[1] / block) % v == 0;
    }
    if (divides) oc_vectors.push_back(v);
  }
  space_.define_choice("oc_vectors", oc_vectors);
  // Loop order outside the register tile: (oc chunk, oh) reuses a weight block over every row; (oh,
  // oc chunk) reuses the rows of data a tile reads over every output channel, the order that keeps a
  // large input (a 1x1 convolution reading 56x56x256) in cache.
  space_.define_choice("rows_outside_oc", {false, true});
}

Candidate ScheduleTemplate::instantiate_nchwc(const Config& config) const {
  const Plan& p = *plan_;
  ScheduleState state(outputs_);
  auto apply = [&](const Step& s) { return state.apply(s); };
  const int64_t ic = space_.split_value(config, "tile_ic").back();
  const int64_t oc = space_.split_value(config, "tile_oc").back();
  const int64_t reg_n = space_.split_value(config, "tile_ow").back();
  const bool parallel = hw_.num_threads > 1 && p.total >= kMinParallelElements;

  // The blocked storage of the data, its padded copy, the weight, the residuals and the output.
  apply(channel_blocked(p.data, ic));
  apply(weight_blocked(p.weight, oc, ic));
  for (const std::string& r : p.residuals) apply(channel_blocked(r, oc));
  apply(channel_blocked(p.output, oc));
  // The padded copy is written in the data's block order, the channel block innermost.
  if (!p.pad.empty()) block_pad_stage(state, p.pad, ic, parallel);

  const int64_t blocks_per_tile = space_.value(config, "oc_vectors").get<int64_t>();
  const bool rows_outside = space_.value(config, "rows_outside_oc").get<bool>();
  if (p.extents[1] % (oc * blocks_per_tile) != 0)
    user_error("conv2d_nchwc: {} output-channel blocks of {} per tile do not divide {} channels", blocks_per_tile, oc,
               p.extents[1]);
  // The register tile: reg_n x blocks_per_tile accumulators of ceil(oc / lanes) vectors each, plus
  // one weight vector per block and the broadcast input value.
  const int64_t row_vectors = blocks_per_tile * ((oc + hw_.vector_lanes - 1) / hw_.vector_lanes);
  if (blocks_per_tile > 1 && reg_n * row_vectors + row_vectors + 1 > hw_.vector_registers)
    user_error("conv2d_nchwc: a {}x{} register tile does not fit {} vector registers", reg_n, row_vectors,
               hw_.vector_registers);

  auto [tile, acc] = tile_and_accumulator(state, p.anchor, p.chain);
  // Output tile: n, oc chunk, oh (or oh, oc chunk), ow chunk | oc blocks of the tile, ow block
  // (reg_n), oc block (vector).
  std::vector<std::string> axis;
  for (int i = 0; i < 4; ++i) axis.push_back(state.stage(tile).iters[size_t(i)].name);
  std::vector<std::string> k = blocks_per_tile > 1 ? apply(SplitStep{tile, axis[1], {blocks_per_tile, oc}})
                                                  : apply(SplitStep{tile, axis[1], {oc}});
  std::vector<std::string> w = apply(SplitStep{tile, axis[3], {reg_n}});
  std::vector<std::string> outside = rows_outside ? std::vector<std::string>{axis[0], axis[2], k[0]}
                                                  : std::vector<std::string>{axis[0], k[0], axis[2]};
  std::vector<std::string> tile_order = outside;
  if (blocks_per_tile > 1) tile_order.insert(tile_order.end(), {w[0], k[1], w[1], k[2]});
  else tile_order.insert(tile_order.end(), {w[0], w[1], k[1]});
  apply(ReorderStep{tile, tile_order});
  if (oc > 1) apply(AnnotateStep{tile, k.back(), LoopAnnotation::Vectorize});
  std::string outer = apply(FuseStep{tile, outside})[0];
  if (parallel) apply(AnnotateStep{tile, outer, LoopAnnotation::Parallel});
  apply(ComputeAtStep{acc, tile, w[0]});

  // The accumulator: ic chunk, kh, (kw, ic block | ic block, kw), then ow (unrolled) and the oc
  // block (one vector per ow).
  const Stage& as = state.stage(acc);
  std::vector<std::string> aa;
  for (int i = 0; i < as.num_roots; ++i) aa.push_back(as.iters[size_t(i)].name);
  // Roots: n, k, oh, ow, then the reductions c, r, s.
  std::vector<std::string> c = apply(SplitStep{acc, aa[4], {ic}});
  const bool block_inner = space_.value(config, "ic_block_inner").get<bool>();
  std::vector<std::string> order = {c[0], aa[5]};
  if (block_inner) order.insert(order.end(), {aa[6], c[1]});
  else order.insert(order.end(), {c[1], aa[6]});
  // The tile's oc axis: its blocks (unrolled, one vector each) and the block (vectorized).
  std::string acc_blocks, acc_vector = aa[1];
  if (blocks_per_tile > 1) {
    std::vector<std::string> kk = apply(SplitStep{acc, aa[1], {oc}});
    acc_blocks = kk[0];
    acc_vector = kk[1];
    order.insert(order.end(), {aa[3], acc_blocks, acc_vector});
  } else {
    order.insert(order.end(), {aa[3], aa[1]});
  }
  apply(ReorderStep{acc, order});
  // The accumulator tile stored [n][oh][ow][oc], so each ow's oc vectors are contiguous.
  apply(LayoutRewriteStep{acc, {{}, {}, {}, {}}, {{0, 0}, {2, 0}, {3, 0}, {1, 0}}});
  apply(AnnotateStep{acc, aa[3], LoopAnnotation::Unroll});
  if (!acc_blocks.empty()) apply(AnnotateStep{acc, acc_blocks, LoopAnnotation::Unroll});
  if (oc > 1) apply(AnnotateStep{acc, acc_vector, LoopAnnotation::Vectorize});
  if (space_.value(config, "unroll_kw").get<bool>()) apply(AnnotateStep{acc, aa[6], LoopAnnotation::Unroll});
  return state.steps();
}

Candidate ScheduleTemplate::instantiate(const Config& config) const {
  if (plan_->winograd_tile > 0) return instantiate_winograd(config);
  if (plan_->nchwc) return instantiate_nchwc(config);
  if (plan_->depthwise_nchwc) return instantiate_depthwise(config);
  const Plan& p = *plan_;
  ScheduleState state(outputs_);
  auto apply = [&](const Step& s) { return state.apply(s); };
  auto knob = [&](const char* name) { return space_.value(config, name); };

  for (const std::string& s : p.inlined) apply(ComputeInlineStep{s});
  for (const std::string& s : p.roots) {
    // Padding: vectors along its last axis (lowering partitions a tail), parallel outside.
    const Stage& st = state.stage(s);
    const int n = int(st.iters.size());
    std::vector<std::string> outer;
    for (int a = 0; a + 1 < n; ++a) outer.push_back(st.iters[size_t(a)].name);
    const std::string last = st.iters[size_t(n - 1)].name;
    if (st.op->shape.back() >= hw_.vector_lanes) {
      apply(SplitStep{s, last, {hw_.vector_lanes}});
      apply(AnnotateStep{s, last + ".1", LoopAnnotation::Vectorize});
    }
    if (hw_.num_threads > 1 && !outer.empty()) {
      if (outer.size() > 1) outer = apply(FuseStep{s, outer});
      apply(AnnotateStep{s, outer[0], LoopAnnotation::Parallel});
    }
  }

  auto [tile, acc] = tile_and_accumulator(state, p.anchor, p.chain);
  std::vector<std::string> axis;
  for (size_t a = 0; a < p.extents.size(); ++a) axis.push_back(state.stage(tile).iters[a].name);
  auto split3 = [&](int a, const char* name) {
    std::vector<int64_t> parts = space_.split_value(config, name);
    std::vector<int64_t> inner(parts.begin() + 1, parts.end());
    return apply(SplitStep{tile, axis[size_t(a)], inner});
  };
  std::vector<std::string> x = split3(p.vector_axis, "tile_x");
  std::vector<std::string> y, z;
  if (p.row_axis >= 0) y = split3(p.row_axis, "tile_y");
  if (p.outer_axis >= 0) z = split3(p.outer_axis, "tile_z");
  const bool pack = p.packable && knob("pack").get<bool>();

  // Loops: [untiled axes, z outer, (y outer, x outer | x outer, y outer)] fused, then z inner,
  // y middle, x middle (where the accumulator is computed), then the register tile (y inner, x
  // inner). A packed panel is copied per x outer block, so then y outer stays inside it.
  std::vector<std::string> fused, order;
  for (int a = 0; a < int(p.extents.size()); ++a)
    if (a != p.vector_axis && a != p.row_axis && a != p.outer_axis) fused.push_back(axis[size_t(a)]);
  if (!z.empty()) fused.push_back(z[0]);
  std::vector<std::string> after_fused;
  if (pack) {
    fused.push_back(x[0]);
    if (!y.empty()) after_fused.push_back(y[0]);
  } else {
    if (!y.empty()) fused.push_back(y[0]);
    fused.push_back(x[0]);
  }
  order = fused;
  order.insert(order.end(), after_fused.begin(), after_fused.end());
  if (!z.empty()) order.push_back(z[1]);
  if (!y.empty()) order.push_back(y[1]);
  order.push_back(x[1]);
  if (!y.empty()) order.push_back(y[2]);
  order.push_back(x[2]);
  apply(ReorderStep{tile, order});
  if (space_.split_value(config, "tile_x").back() > 1) apply(AnnotateStep{tile, x[2], LoopAnnotation::Vectorize});
  std::string outer_loop = fused.size() > 1 ? apply(FuseStep{tile, fused})[0] : fused[0];
  if (hw_.num_threads > 1 && p.total >= kMinParallelElements)
    apply(AnnotateStep{tile, outer_loop, LoopAnnotation::Parallel});
  apply(ComputeAtStep{acc, tile, x[1]});

  // The accumulator: the reduction loops (tiled and ordered by the knobs), then its rows
  // (unrolled) and its vectors.
  const Stage& as = state.stage(acc);
  const int n = int(p.extents.size());
  std::vector<std::string> reduce_loops;
  for (int r = 0; r < int(p.reduce_extents.size()); ++r) reduce_loops.push_back(as.iters[size_t(n + r)].name);
  const std::string acc_x = as.iters[size_t(p.vector_axis)].name;
  const std::string acc_y = p.row_axis >= 0 ? as.iters[size_t(p.row_axis)].name : "";
  std::vector<std::string> acc_order;
  if (p.tiled_reduce >= 0) {
    std::vector<int64_t> parts = space_.split_value(config, "tile_r");
    std::vector<std::string> r = apply(SplitStep{acc, reduce_loops[size_t(p.tiled_reduce)], {parts[1]}});
    std::vector<std::string> loops = r;
    for (int i = 0; i < int(reduce_loops.size()); ++i)
      if (i != p.tiled_reduce) loops.push_back(reduce_loops[size_t(i)]);
    if (space_.has_knob("reorder_r")) {
      for (const auto& i : knob("reorder_r")) acc_order.push_back(loops[i.get<size_t>()]);
    } else {
      acc_order = loops;
    }
  } else {
    acc_order = reduce_loops;
  }
  if (!acc_y.empty()) acc_order.push_back(acc_y);
  acc_order.push_back(acc_x);
  apply(ReorderStep{acc, acc_order});
  if (!acc_y.empty()) apply(AnnotateStep{acc, acc_y, LoopAnnotation::Unroll});
  if (space_.split_value(config, "tile_x").back() > 1) apply(AnnotateStep{acc, acc_x, LoopAnnotation::Vectorize});
  const size_t num_reduce_loops = acc_order.size() - (acc_y.empty() ? 1 : 2);
  if (space_.has_knob("unroll_r") && knob("unroll_r").get<bool>() && num_reduce_loops > 0)
    apply(AnnotateStep{acc, acc_order[num_reduce_loops - 1], LoopAnnotation::Unroll});
  if (int64_t step = knob("auto_unroll_max_step").get<int64_t>(); step > 0)
    apply(PragmaStep{acc, acc_order[0], "auto_unroll_max_step", step});
  if (pack) {
    apply(CacheReadStep{*p.packable, acc});
    const std::string cache = *p.packable + ".cache";
    apply(ComputeAtStep{cache, tile, outer_loop});
    const Stage& cs = state.stage(cache);
    apply(AnnotateStep{cache, cs.iters[size_t(cs.leaves.back())].name, LoopAnnotation::Vectorize});
  }
  const bool rewrite = p.force_layout || (space_.has_knob("layout_rewrite") && knob("layout_rewrite").get<bool>());
  if (rewrite) {
    for (const std::string& w : p.weights) {
      std::optional<LayoutRewriteStep> layout = follow_loops_layout(state, w);
      if (!layout) user_error("template {}: weight '{}' cannot follow the loops of config {}", name_, w, config.index);
      apply(*layout);
    }
  }
  return state.steps();
}

}  // namespace tt::autotvm
