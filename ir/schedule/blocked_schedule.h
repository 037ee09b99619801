// The schedule of a group that computes in a channel-blocked layout it adopts from its neighbours
// (pooling, element-wise and injective groups between NCHW[x]c convolutions, see
// src/runtime/layout_plan.h). Such a group's record was tuned on the model's layout: its vector loop
// runs along the map's width, which in NCHW[x]c is a stride of one channel block, so every vector
// load and store becomes a gather or scatter (a vgg16 max pool at 1x64x224x224 took 11.5 ms in the
// model against 0.9 ms timed in NCHW). This schedule iterates in the stored order instead: the
// blocked channel axis split by its block, the block's loop innermost (after any pooling window)
// and vectorized, the outer loops fused and parallel.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ir/schedule/hardware.h"
#include "ir/schedule/step.h"
#include "ir/te/tensor.h"

namespace tt {

// The block of a layout that splits one dimension other than the last into [outer, block] and
// stores the block innermost (NCHW -> NCHW[x]c), with the dimension; nullopt for any other layout.
struct ChannelBlock {
  int dim = 0;
  int64_t block = 0;
};
std::optional<ChannelBlock> channel_block_of(const LayoutRewriteStep& layout, int rank);

// Steps that compute `outputs` (one output, stored in `output_layout`) in that layout's order, its
// other stages inlined or (one reduction feeding the output, as an average pool's sum) computed
// per vector inside the output's loops; nullopt where the group does not have that form (several
// outputs, other reductions, a reduction reading one of `weights` — a convolution's weights would be
// gathered across the vector of channels —, a layout that is not a channel block of at least 4
// dividing its dimension, a stage that cannot be inlined), so that the caller keeps the steps it
// had. The layout steps themselves are not included.
std::optional<std::vector<Step>> blocked_layout_schedule(const std::vector<Tensor>& outputs,
                                                         const LayoutRewriteStep& output_layout,
                                                         const std::vector<std::string>& weights,
                                                         const HardwareParams& hw);

}  // namespace tt
