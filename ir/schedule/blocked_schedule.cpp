// The schedule of a group computing in an adopted channel-blocked layout; see blocked_schedule.h.
#include "ir/schedule/blocked_schedule.h"

#include <algorithm>
#include <string>

#include "ir/error.h"
#include "ir/schedule/default_schedule.h"
#include "ir/schedule/state.h"

namespace tt {

std::optional<ChannelBlock> channel_block_of(const LayoutRewriteStep& layout, int rank) {
  if (int(layout.factors.size()) != rank || int(layout.order.size()) != rank + 1) return std::nullopt;
  std::optional<ChannelBlock> found;
  for (int d = 0; d < rank; ++d) {
    const std::vector<int64_t>& f = layout.factors[size_t(d)];
    if (f.empty()) continue;
    if (found || f.size() != 1 || d == rank - 1) return std::nullopt;
    found = ChannelBlock{d, f[0]};
  }
  if (!found) return std::nullopt;
  // The other dimensions in their order, the block's outer part in its dimension's place, the block last.
  for (int p = 0; p < rank; ++p)
    if (layout.order[size_t(p)] != std::pair<int, int>{p, 0}) return std::nullopt;
  if (layout.order[size_t(rank)] != std::pair<int, int>{found->dim, 1}) return std::nullopt;
  return found;
}

std::optional<std::vector<Step>> blocked_layout_schedule(const std::vector<Tensor>& outputs,
                                                         const LayoutRewriteStep& output_layout,
                                                         const std::vector<std::string>& weights,
                                                         const HardwareParams& hw) {
  if (outputs.size() != 1) return std::nullopt;
  const Tensor& output = outputs[0];
  const int rank = int(output.shape().size());
  std::optional<ChannelBlock> block = channel_block_of(output_layout, rank);
  // Narrower blocks do not fill a vector; a block that does not divide its dimension would leave a
  // guarded tail inside the vector loop.
  if (!block || block->block < 4 || output.shape()[size_t(block->dim)] % block->block != 0) return std::nullopt;

  ScheduleState state(outputs);
  const std::string stage = output.name();
  // At most one reduction besides the output, feeding it through same-shape injective stages (an
  // average pool's sum before its division): computed per vector of channels inside the output's
  // loops. Every other stage (padding, element-wise producers and that chain) is inlined, so the
  // loops read the blocked inputs in their stored order too.
  std::string reduction;
  std::vector<std::string> inlined;
  for (const Stage& st : state.stages()) {
    if (st.has_reduction())
      for (const Operation& in : st.op->input_ops())
        if (std::find(weights.begin(), weights.end(), in->name) != weights.end()) return std::nullopt;
    if (st.name() == stage) continue;
    if (st.is_output) return std::nullopt;
    if (!st.has_reduction()) {
      inlined.push_back(st.name());
    } else if (reduction.empty() && st.op->shape == output.shape()) {
      reduction = st.name();
    } else {
      return std::nullopt;
    }
  }
  try {
    for (const std::string& name : inlined) state.apply(ComputeInlineStep{name});
  } catch (const UserError&) {
    return std::nullopt;
  }
  if (!reduction.empty() && state.consumers(reduction) != std::vector<std::string>{stage}) return std::nullopt;

  // Loops n, c.0, h, w, then the window (a pooling's reduction), then the block: one vector of
  // channels accumulated over the window. Returns the loops outside the window.
  auto block_loops = [&](const std::string& name) {
    const Stage& st = state.stage(name);
    std::vector<std::string> spatial, reduce;
    for (int i = 0; i < st.num_roots; ++i) (i < rank ? spatial : reduce).push_back(st.iters[size_t(i)].name);
    const std::string channel = spatial[size_t(block->dim)];
    state.apply(SplitStep{name, channel, {block->block}});
    std::vector<std::string> order;
    for (int d = 0; d < rank; ++d) order.push_back(d == block->dim ? channel + ".0" : spatial[size_t(d)]);
    std::vector<std::string> outer = order;
    order.insert(order.end(), reduce.begin(), reduce.end());
    order.push_back(channel + ".1");
    state.apply(ReorderStep{name, order});
    state.apply(AnnotateStep{name, channel + ".1", LoopAnnotation::Vectorize});
    return outer;
  };
  std::vector<std::string> outer = block_loops(stage);
  if (!reduction.empty()) {
    state.apply(ComputeAtStep{reduction, stage, outer.back()});
    block_loops(reduction);
  }
  outer.pop_back();  // the innermost map axis stays serial within a parallel chunk
  if (hw.num_threads > 1 && !outer.empty()) parallelize_loops(state, stage, outer);
  return state.steps();
}

}  // namespace tt
