// Weight layout rewrite (the LayoutRewriteStep of step.h): the packed shape of a rewritten input,
// the index of an element in it, packing an array into it, and the layout that follows a
// schedule's access order. The mapping is a fixed function of the original index, so a kernel is
// correct under any layout; a layout that follows the loops only makes its accesses sequential.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ir/expr/expr.h"
#include "ir/ndarray.h"
#include "ir/schedule/step.h"

namespace tt {

class ScheduleState;
struct Stage;

// UserError naming the step when its factors or order do not fit a tensor of `shape` (a factor
// below 1, the wrong number of dimensions, an order that is not a permutation of every
// sub-dimension).
void check_layout(const LayoutRewriteStep& layout, const std::vector<int64_t>& shape);

// The extents of every sub-dimension of dimension d, outermost first (the outermost rounded up).
std::vector<int64_t> sub_extents(const LayoutRewriteStep& layout, const std::vector<int64_t>& shape, int d);

// The shape of the packed array: the extents of the sub-dimensions in `order`.
std::vector<int64_t> packed_shape(const LayoutRewriteStep& layout, const std::vector<int64_t>& shape);

// The flat index in the packed array of the element at `indices` of the original.
Expr packed_flat_index(const LayoutRewriteStep& layout, const std::vector<int64_t>& shape,
                       const std::vector<Expr>& indices);

// The packed copy of `source` (padding zero-filled). UserError when the layout does not fit.
NDArray pack_layout(const LayoutRewriteStep& layout, const NDArray& source);
// The inverse: the array of `shape` whose packed form is `packed` (padding dropped).
NDArray unpack_layout(const LayoutRewriteStep& layout, const NDArray& packed, const std::vector<int64_t>& shape);

// The one stage that reads placeholder `tensor` directly, or null when none or several do or the
// reader is inlined (its reads then happen inside other stages).
const Stage* sole_reader(const ScheduleState& state, const std::string& tensor);

// The layout of input `tensor` that follows the loops of the one stage reading it: each dimension
// the reader indexes by one of its root axes is split like that axis (its split leaves), and the
// sub-dimensions are ordered as their loops are nested. A reader computed at a consumer's loop
// covers one tile of an axis per iteration: that dimension gets the tile index as an outer block
// (outermost, as the consumer's loops enclose the reader's) and the leaves' extents within the
// tile, so each tile's weights are contiguous (a default schedule's 16-channel register tile makes
// a KCRS weight [K/16][C][R][S][16], oneDNN's blocked form). nullopt when it cannot
// follow them: no stage or several read the tensor, a read index is not a plain axis, or the
// tensor is packed by a cache_read stage already. Call it on the state the other steps made.
std::optional<LayoutRewriteStep> follow_loops_layout(const ScheduleState& state, const std::string& tensor);

}  // namespace tt
