// Weight layout rewrite: the mixed-radix mapping of an original index to its packed position, the
// packing of an array, and the layout that follows a reader stage's loops.
#include "ir/schedule/layout.h"

#include <algorithm>
#include <cstring>
#include <set>

#include "ir/error.h"
#include "ir/int_math.h"
#include "ir/lower/bound_inference.h"
#include "ir/schedule/state.h"

namespace tt {

namespace {


// The stride (within its dimension) of each sub-dimension of dimension d, outermost first.
std::vector<int64_t> sub_strides(const LayoutRewriteStep& layout, int d) {
  const std::vector<int64_t>& f = layout.factors[d];
  std::vector<int64_t> strides(f.size() + 1, 1);
  for (int k = int(f.size()) - 1; k >= 0; --k) strides[k] = strides[k + 1] * f[k];
  return strides;
}

}  // namespace

void check_layout(const LayoutRewriteStep& layout, const std::vector<int64_t>& shape) {
  auto fail = [&](const std::string& why) {
    user_error("invalid schedule step {}: {}", to_string(Step(layout)), why);
  };
  if (shape.empty()) fail(fmt::format("'{}' is a scalar: it has no layout to rewrite", layout.tensor));
  if (layout.factors.size() != shape.size())
    fail(fmt::format("tensor '{}' has {} dimensions, the layout gives factors for {}", layout.tensor, shape.size(),
                     layout.factors.size()));
  size_t subs = 0;
  for (size_t d = 0; d < shape.size(); ++d) {
    int64_t product = 1;
    for (int64_t f : layout.factors[d]) {
      if (f < 1) fail(fmt::format("factor {} of dimension {} is below 1", f, d));
      if (f > shape[d] || product > shape[d] / f)
        fail(fmt::format("the factors of dimension {} multiply past its extent {}", d, shape[d]));
      product *= f;
    }
    subs += layout.factors[d].size() + 1;
  }
  std::set<std::pair<int, int>> seen;
  for (auto [d, k] : layout.order) {
    if (d < 0 || d >= int(shape.size()) || k < 0 || k > int(layout.factors[d].size()))
      fail(fmt::format("the order names sub-dimension {}.{}, which the factors do not make", d, k));
    if (!seen.insert({d, k}).second) fail(fmt::format("the order names sub-dimension {}.{} twice", d, k));
  }
  if (seen.size() != subs)
    fail(fmt::format("the order lists {} of the {} sub-dimensions; it must list each once", seen.size(), subs));
}

std::vector<int64_t> sub_extents(const LayoutRewriteStep& layout, const std::vector<int64_t>& shape, int d) {
  const std::vector<int64_t>& f = layout.factors[d];
  std::vector<int64_t> strides = sub_strides(layout, d);
  std::vector<int64_t> extents{ceil_div(shape[d], strides[0])};
  extents.insert(extents.end(), f.begin(), f.end());
  return extents;
}

std::vector<int64_t> packed_shape(const LayoutRewriteStep& layout, const std::vector<int64_t>& shape) {
  std::vector<int64_t> out;
  for (auto [d, k] : layout.order) out.push_back(sub_extents(layout, shape, d)[k]);
  return out;
}

Expr packed_flat_index(const LayoutRewriteStep& layout, const std::vector<int64_t>& shape,
                       const std::vector<Expr>& indices) {
  TT_ASSERT(indices.size() == shape.size(), "packed index of '{}': {} indices for rank {}", layout.tensor,
            indices.size(), shape.size());
  Expr flat = Expr(0);
  for (auto [d, k] : layout.order) {
    std::vector<int64_t> extents = sub_extents(layout, shape, d);
    std::vector<int64_t> strides = sub_strides(layout, d);
    Expr sub = indices[d];
    if (strides[k] != 1) sub = DivNode::make(sub, Expr(strides[k]));
    if (k > 0) sub = ModNode::make(sub, Expr(extents[k]));
    flat = flat * Expr(extents[k]) + sub;
  }
  return flat;
}

namespace {

// Walks every packed position of `layout` over an array of `shape`, calling copy(packed_offset,
// source_offset, count) for each run of `count` elements that lie inside the original (padding
// positions are skipped): each position's original index is the mixed-radix sum of its
// sub-dimension indices, and the innermost packed dimension is walked as a row whose source offset
// moves by a fixed step, so only the outer positions pay for the sum.
template <typename Copy>
void walk_layout(const LayoutRewriteStep& layout, const std::vector<int64_t>& shape, int64_t* row_step_out,
                 Copy copy) {
  std::vector<int64_t> packed = packed_shape(layout, shape);
  std::vector<int64_t> source_stride(shape.size(), 1);
  for (int d = int(shape.size()) - 2; d >= 0; --d) source_stride[d] = source_stride[d + 1] * shape[d + 1];
  std::vector<int64_t> weight;  // per packed position: its stride within its dimension
  for (auto [d, k] : layout.order) weight.push_back(sub_strides(layout, d)[k]);
  const int last = int(packed.size()) - 1;
  const int last_dim = layout.order[last].first;
  const int64_t row = packed[last];
  *row_step_out = weight[last] * source_stride[last_dim];
  int64_t total = 1;
  for (int64_t e : packed) total *= e;
  std::vector<int64_t> counter(packed.size(), 0), original(shape.size(), 0);
  for (int64_t flat = 0; flat < total; flat += row) {
    std::fill(original.begin(), original.end(), 0);
    for (int p = 0; p < last; ++p) original[layout.order[p].first] += counter[p] * weight[p];
    bool inside = true;
    int64_t offset = 0;
    for (size_t d = 0; d < shape.size(); ++d) {
      inside &= d == size_t(last_dim) || original[d] < shape[d];
      offset += original[d] * source_stride[d];
    }
    if (inside) {
      int64_t count = 0;
      for (int64_t at = original[last_dim]; count < row && at < shape[last_dim]; ++count, at += weight[last]) {
      }
      copy(flat, offset, count);
    }
    for (int p = last - 1; p >= 0; --p) {
      if (++counter[p] < packed[p]) break;
      counter[p] = 0;
    }
  }
}

}  // namespace

NDArray pack_layout(const LayoutRewriteStep& layout, const NDArray& source) {
  const std::vector<int64_t>& shape = source.shape();
  check_layout(layout, shape);
  NDArray out(packed_shape(layout, shape), source.dtype());
  const size_t bytes = source.dtype().bytes();
  const char* src = static_cast<const char*>(source.data());
  char* dst = static_cast<char*>(out.data());
  int64_t step = 0;
  walk_layout(layout, shape, &step, [&](int64_t flat, int64_t offset, int64_t count) {
    for (int64_t i = 0; i < count; ++i) std::memcpy(dst + (flat + i) * bytes, src + (offset + i * step) * bytes, bytes);
  });
  return out;
}

NDArray unpack_layout(const LayoutRewriteStep& layout, const NDArray& packed, const std::vector<int64_t>& shape) {
  check_layout(layout, shape);
  if (packed.shape() != packed_shape(layout, shape))
    user_error("unpacking '{}': the array is {}, its layout packs {} into {}", layout.tensor,
               shape_to_string(packed.shape()), shape_to_string(shape), shape_to_string(packed_shape(layout, shape)));
  NDArray out(shape, packed.dtype());
  const size_t bytes = packed.dtype().bytes();
  const char* src = static_cast<const char*>(packed.data());
  char* dst = static_cast<char*>(out.data());
  int64_t step = 0;
  walk_layout(layout, shape, &step, [&](int64_t flat, int64_t offset, int64_t count) {
    for (int64_t i = 0; i < count; ++i) std::memcpy(dst + (offset + i * step) * bytes, src + (flat + i) * bytes, bytes);
  });
  return out;
}

namespace {

// The split leaves of iter `i` (the nodes a chain of splits from it ends in), outermost first.
void split_leaves(const Stage& st, int i, std::vector<int>& out) {
  for (const IterRelation& rel : st.relations)
    if (const auto* split = std::get_if<SplitRelation>(&rel); split && split->parent == i) {
      for (int c : split->children) split_leaves(st, c, out);
      return;
    }
  out.push_back(i);
}

// Where iter `i` sits in the loop nest, as a key that sorts outer loops first: its leaf position,
// then (for a node fused into a loop) its place among the fused loops.
std::vector<int> nest_key(const Stage& st, int i) {
  for (size_t p = 0; p < st.leaves.size(); ++p)
    if (st.leaves[p] == i) return {int(p)};
  for (const IterRelation& rel : st.relations) {
    if (const auto* split = std::get_if<SplitRelation>(&rel); split && split->parent == i)
      return nest_key(st, split->children[0]);
    if (const auto* fuse = std::get_if<FuseRelation>(&rel)) {
      auto at = std::find(fuse->parents.begin(), fuse->parents.end(), i);
      if (at == fuse->parents.end()) continue;
      std::vector<int> key = nest_key(st, fuse->child);
      key.push_back(int(at - fuse->parents.begin()));
      return key;
    }
  }
  return {};  // not reachable from a loop (cannot happen for a well-formed stage)
}

}  // namespace

namespace {

// The reads of placeholder `tensor` in the stage's body.
std::vector<const TensorReadNode*> reads_of(const Stage& st, const std::string& tensor) {
  std::vector<const TensorReadNode*> out;
  for (const TensorReadNode* r : tensor_reads(st.op->body))
    if (r->op->name == tensor && r->op->is_placeholder()) out.push_back(r);
  return out;
}

}  // namespace

const Stage* sole_reader(const ScheduleState& state, const std::string& tensor) {
  const Stage* reader = nullptr;
  for (const Stage& st : state.stages()) {
    if (reads_of(st, tensor).empty()) continue;
    if (reader || st.attach == AttachKind::Inline) return nullptr;
    reader = &st;
  }
  return reader;
}

std::optional<LayoutRewriteStep> follow_loops_layout(const ScheduleState& state, const std::string& tensor) {
  const Stage* reader = sole_reader(state, tensor);
  if (!reader || reader->name() == tensor + ".cache") return std::nullopt;
  const Stage& st = *reader;
  std::vector<const TensorReadNode*> reads = reads_of(st, tensor);
  // The root axis each dimension is read with (-1: a dimension of extent 1 read at 0, as a depthwise
  // convolution reads its weights' channel dimension); every read must use the same ones.
  std::vector<int> root_of_dim;
  for (size_t d = 0; d < reads[0]->indices.size(); ++d) {
    const Expr& index = reads[0]->indices[d];
    int64_t constant = 0;
    if (is_const_int(index, &constant) && constant == 0 && reads[0]->op->shape[d] == 1) {
      root_of_dim.push_back(-1);
      continue;
    }
    const auto* v = index.as<VarNode>();
    int root = -1;
    for (size_t a = 0; v && a < st.op->axes.size(); ++a)
      if (st.op->axes[a].var.get() == v) root = int(a);
    const auto& reduce = st.op->reduce_axes();
    for (size_t a = 0; v && a < reduce.size(); ++a)
      if (reduce[a].var.get() == v) root = int(st.op->axes.size() + a);
    if (root < 0) return std::nullopt;
    root_of_dim.push_back(root);
  }
  for (const TensorReadNode* r : reads)
    for (size_t d = 0; d < r->indices.size(); ++d)
      if (root_of_dim[d] >= 0 && r->indices[d].get() != reads[0]->indices[d].get()) return std::nullopt;

  // Under compute_at the reader computes one tile of its consumer per iteration: a spatial axis
  // covers a region of its full extent. Such a dimension gets an outer block sub-dimension (the
  // tile index, outermost: the consumer's loops enclose the reader's), then the reader's own split
  // leaves with their extents within the tile.
  std::vector<int64_t> region;
  for (const StageBounds& b : infer_bounds(state))
    if (b.stage == st.name()) region = b.region_extent;
  std::vector<int64_t> root_extent;
  for (size_t a = 0; a < st.op->axes.size(); ++a) root_extent.push_back(a < region.size() ? region[a] : st.op->shape[a]);
  for (const IterVar& r : st.op->reduce_axes()) root_extent.push_back(r.extent());
  std::vector<int64_t> extent = iter_extents(st, root_extent);

  LayoutRewriteStep layout{tensor, {}, {}};
  std::vector<std::pair<std::vector<int>, std::pair<int, int>>> keyed;
  for (size_t d = 0; d < root_of_dim.size(); ++d) {
    if (root_of_dim[d] < 0) {
      layout.factors.push_back({});
      keyed.push_back({{-1}, {int(d), 0}});
      continue;
    }
    const int root = root_of_dim[d];
    const bool blocked = root < int(st.op->axes.size()) && root_extent[root] < st.op->shape[root];
    std::vector<int> leaves;
    split_leaves(st, root, leaves);
    std::vector<int64_t> factors;
    if (!blocked) {
      for (size_t k = 1; k < leaves.size(); ++k) factors.push_back(extent[leaves[k]]);
    } else {
      // Within the tile, leaves outside its extent (a split wider than the tile) iterate once.
      int64_t inner = 1;
      std::vector<int64_t> within(leaves.size());
      for (int k = int(leaves.size()) - 1; k >= 0; --k) {
        within[k] = std::min(extent[leaves[k]], (root_extent[root] + inner - 1) / inner);
        inner *= within[k];
      }
      if (inner != root_extent[root]) {
        // The leaves do not tile the tile exactly: keep it whole, nested at its innermost loop.
        leaves = {leaves.back()};
        within = {root_extent[root]};
      }
      factors = within;
    }
    layout.factors.push_back(factors);
    if (blocked) keyed.push_back({{-1}, {int(d), 0}});
    for (size_t k = 0; k < leaves.size(); ++k)
      keyed.push_back({nest_key(st, leaves[k]), {int(d), int(k + blocked)}});
  }
  std::stable_sort(keyed.begin(), keyed.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [key, sub] : keyed) layout.order.push_back(sub);
  try {
    check_layout(layout, reads[0]->op->shape);
  } catch (const UserError&) {
    return std::nullopt;  // a split tree whose leaves do not form a layout (factors past the extent)
  }
  return layout;
}

}  // namespace tt
