// The lowering pipeline: schedule state -> loop IR. Read lower() at the bottom first; the helpers
// above it are its steps in order.
//   1. effective bodies: inlined stages substituted into their consumers;
//   2. stage loops (bound inference, bound_inference.cpp): every leaf loop gets a variable and an
//      extent; a stage computed at a consumer's loop covers just the region that loop's iteration reads;
//   3. loop nests: each stage's loops around its store (reductions: an init nest and an update
//      nest), with attached stages placed at the start of their loop's body;
//   4. loop-IR passes: simplify, auto-unroll, partition vector tails, vectorize, unroll, simplify.
#include "ir/lower/lower.h"

#include <algorithm>
#include <map>

#include "ir/error.h"
#include "ir/expr/simplify.h"
#include "ir/lower/bound_inference.h"
#include "ir/lower/passes.h"
#include "ir/schedule/layout.h"

namespace tt {

namespace {

// What building the nests needs beyond the bounds: the kernel's input buffers, and the layout of
// each input a layout_rewrite step packed.
struct LowerContext : LoopBounds {
  std::map<const OperationNode*, Buffer> input_buffers;
  std::map<const OperationNode*, const LayoutRewriteStep*> input_layouts;
};

Expr flat_index(const std::vector<Expr>& indices, const std::vector<Expr>& region_min,
                const std::vector<int64_t>& region_extent) {
  Expr index = Expr(0);
  for (size_t d = 0; d < indices.size(); ++d) index = index * Expr(region_extent[d]) + (indices[d] - region_min[d]);
  return index;
}

// Whether a layout only permutes the dimensions (no dimension split): the storage order of a stage
// computed at a loop, whose buffer holds one region.
bool is_permutation(const LayoutRewriteStep& layout) {
  for (const auto& f : layout.factors)
    if (!f.empty()) return false;
  return true;
}

// The index into a stage's buffer: its packed index when it is stored in a layout (a root stage),
// the region's flat index with the dimensions in the layout's order (a permutation: the storage
// order of a stage computed at a loop), else the region's flat index.
Expr stage_index(const LayoutRewriteStep* layout, const StageLoops& sl, const std::vector<Expr>& indices) {
  if (!layout) return flat_index(indices, sl.region_min, sl.region_extent);
  if (sl.stage->attach == AttachKind::Root) return packed_flat_index(*layout, sl.stage->op->shape, indices);
  std::vector<Expr> i, lo;
  std::vector<int64_t> extent;
  for (auto [d, k] : layout->order) {
    i.push_back(indices[size_t(d)]);
    lo.push_back(sl.region_min[size_t(d)]);
    extent.push_back(sl.region_extent[size_t(d)]);
  }
  return flat_index(i, lo, extent);
}

// ---- 3. loop nests ----

class ReadsToLoads : public ExprMutator {
 public:
  explicit ReadsToLoads(const LowerContext& ctx) : ctx_(ctx) {}
  Expr mutate_TensorRead(const TensorReadNode* n, const Expr& self) override {
    Expr e = ExprMutator::mutate_TensorRead(n, self);
    const auto* read = e.as<TensorReadNode>();
    auto in = ctx_.input_buffers.find(n->op.get());
    if (in != ctx_.input_buffers.end()) {
      if (auto layout = ctx_.input_layouts.find(n->op.get()); layout != ctx_.input_layouts.end())
        return LoadNode::make(in->second, packed_flat_index(*layout->second, n->op->shape, read->indices));
      std::vector<Expr> zero(read->indices.size(), Expr(0));
      return LoadNode::make(in->second, flat_index(read->indices, zero, n->op->shape));
    }
    const StageLoops& sl = ctx_.loops.at(ctx_.stage_of_op.at(n->op.get()));
    return LoadNode::make(sl.buffer, stage_index(ctx_.state->layout_of(sl.stage->name()), sl, read->indices));
  }

 private:
  const LowerContext& ctx_;
};

Stmt build_stage(LowerContext& ctx, const StageLoops& sl);

ForKind for_kind(LoopAnnotation a) {
  switch (a) {
    case LoopAnnotation::None: return ForKind::Serial;
    case LoopAnnotation::Parallel: return ForKind::Parallel;
    case LoopAnnotation::Vectorize: return ForKind::Vectorized;
    case LoopAnnotation::Unroll: return ForKind::Unrolled;
  }
  return ForKind::Serial;
}

// The deepest leaf position whose variable `e` uses (-1 for none).
int deepest_position(const StageLoops& sl, const Expr& e) {
  for (int p = int(sl.leaf_vars.size()) - 1; p >= 0; --p)
    if (uses_var(e, sl.leaf_vars[p].get())) return p;
  return -1;
}

// Wraps `body` in the loops at `positions` (outermost first), placing each predicate just inside
// the deepest loop it depends on (outside them all when that loop is not among them), and, when
// `place_attached`, each stage computed at one of these loops at the start of that loop's body.
Stmt wrap_loops(LowerContext& ctx, const StageLoops& sl, const std::vector<int>& positions, Stmt body,
                const std::vector<Expr>& predicates, bool place_attached = true) {
  const Stage& st = *sl.stage;
  std::vector<bool> placed(predicates.size(), false);
  for (int i = int(positions.size()) - 1; i >= 0; --i) {
    int p = positions[i];
    for (size_t k = 0; k < predicates.size(); ++k) {
      if (deepest_position(sl, predicates[k]) != p) continue;
      body = IfThenElseNode::make(predicates[k], body);
      placed[k] = true;
    }
    std::vector<Stmt> attached;
    std::vector<Buffer> allocations;
    for (const Stage& other : ctx.state->stages()) {
      if (!place_attached || other.attach != AttachKind::At || other.attach_stage != st.name() ||
          other.attach_loop != st.iters[st.leaves[p]].name)
        continue;
      const StageLoops& osl = ctx.loops.at(other.name());
      attached.push_back(build_stage(ctx, osl));
      allocations.push_back(osl.buffer);
    }
    if (!attached.empty()) {
      attached.push_back(body);
      body = BlockNode::make(attached);
      for (auto b = allocations.rbegin(); b != allocations.rend(); ++b) body = AllocateNode::make(*b, body);
    }
    const IterInfo& it = st.iters[st.leaves[p]];
    body = ForNode::make(sl.leaf_vars[p], Expr(0), Expr(sl.extents[st.leaves[p]]), for_kind(it.annotation), body);
  }
  for (size_t k = 0; k < predicates.size(); ++k)
    if (!placed[k]) body = IfThenElseNode::make(predicates[k], body);
  return body;
}

Stmt build_stage(LowerContext& ctx, const StageLoops& sl) {
  const Stage& st = *sl.stage;
  const auto& op = *st.op;
  VarMap to_leaves = root_substitution(sl);
  std::vector<Expr> out_indices(sl.root_values.begin(), sl.root_values.begin() + op.axes.size());
  const LayoutRewriteStep* layout = ctx.state->layout_of(st.name());
  Expr store_index = stage_index(layout, sl, out_indices);
  ReadsToLoads to_loads(ctx);
  std::vector<int> all;
  for (int p = 0; p < int(st.leaves.size()); ++p) all.push_back(p);

  const auto* reduce = sl.body.as<ReduceNode>();
  if (!reduce) {
    Expr value = to_loads.mutate(substitute(sl.body, to_leaves));
    return wrap_loops(ctx, sl, all, StoreNode::make(sl.buffer, store_index, value), sl.predicates);
  }
  // Reductions: loops before the first reduce loop are shared; inside it, an init nest over the
  // remaining data-parallel loops, then the update nest over all the remaining loops.
  int first_reduce = 0;
  while (st.iters[st.leaves[first_reduce]].kind != IterKind::Reduce) ++first_reduce;
  std::vector<int> shared(all.begin(), all.begin() + first_reduce), init_loops, update_loops;
  for (int p = first_reduce; p < int(all.size()); ++p) {
    update_loops.push_back(p);
    if (st.iters[st.leaves[p]].kind != IterKind::Reduce) init_loops.push_back(p);
  }
  std::vector<Expr> spatial_predicates;
  for (const Expr& pred : sl.predicates) {
    bool reduce_dependent = false;
    for (int p = 0; p < int(st.leaves.size()); ++p)
      reduce_dependent |= st.iters[st.leaves[p]].kind == IterKind::Reduce && uses_var(pred, sl.leaf_vars[p].get());
    if (!reduce_dependent) spatial_predicates.push_back(pred);
  }
  auto inner_only = [&](const std::vector<Expr>& preds) {
    std::vector<Expr> out;
    for (const Expr& p : preds)
      if (deepest_position(sl, p) >= first_reduce) out.push_back(p);
    return out;
  };
  auto outer_only = [&](const std::vector<Expr>& preds) {
    std::vector<Expr> out;
    for (const Expr& p : preds)
      if (deepest_position(sl, p) < first_reduce) out.push_back(p);
    return out;
  };
  Stmt init = StoreNode::make(sl.buffer, store_index, reduce_identity(reduce->op, reduce->type));
  Expr source = to_loads.mutate(substitute(reduce->source, to_leaves));
  Stmt update = StoreNode::make(sl.buffer, store_index,
                                reduce_combine(reduce->op, LoadNode::make(sl.buffer, store_index), source));
  // Stages computed inside the reduction feed the update only.
  Stmt init_nest = wrap_loops(ctx, sl, init_loops, init, inner_only(spatial_predicates), false);
  Stmt update_nest = wrap_loops(ctx, sl, update_loops, update, inner_only(sl.predicates));
  return wrap_loops(ctx, sl, shared, BlockNode::make({init_nest, update_nest}), outer_only(sl.predicates));
}

}  // namespace

LoweredFunc lower(const ScheduleState& state, const std::string& name, const LowerOptions& options) {
  LowerContext ctx;
  ctx.state = &state;
  LoweredFunc func;
  func.name = name;
  for (const Tensor& in : state.inputs()) {
    const LayoutRewriteStep* layout = state.layout_of(in.name());
    Buffer b = BufferNode::make(in.name(), in.dtype(), layout ? packed_shape(*layout, in.shape()) : in.shape(),
                                BufferScope::Param);
    ctx.input_buffers[in.op().get()] = b;
    if (layout) ctx.input_layouts[in.op().get()] = layout;
    func.params.push_back(b);
  }

  // 1-2. Effective bodies (inlined stages substituted) and stage loops (bound inference).
  static_cast<LoopBounds&>(ctx) = bind_loops(state);
  // A stage stored in a rewritten layout keeps its whole buffer, in the packed shape.
  for (const Stage& st : state.stages()) {
    const LayoutRewriteStep* layout = state.layout_of(st.name());
    if (!layout || st.attach == AttachKind::Root) continue;
    if (st.attach == AttachKind::Inline)
      user_error("stage '{}' has a storage layout but is inlined: it has no buffer to store so", st.name());
    if (!is_permutation(*layout))
      user_error("stage '{}' is computed at a loop, so its layout may only order its dimensions (no factors): its "
                 "buffer holds one region",
                 st.name());
  }
  for (auto& [name, sl] : ctx.loops) {
    const LayoutRewriteStep* layout = state.layout_of(name);
    if (!layout || sl.stage->attach != AttachKind::Root) continue;
    sl.buffer = BufferNode::make(sl.buffer->name, sl.buffer->dtype, packed_shape(*layout, sl.stage->op->shape),
                                 sl.buffer->scope);
  }

  // 3. Loop nests of the root stages in producer order, inside the allocations of intermediates.
  std::vector<Stmt> nests;
  std::vector<Buffer> intermediates;
  for (const Stage& st : state.stages()) {
    if (st.attach != AttachKind::Root) continue;
    const StageLoops& sl = ctx.loops.at(st.name());
    nests.push_back(build_stage(ctx, sl));
    if (!st.is_output) intermediates.push_back(sl.buffer);
  }
  for (const Tensor& out : state.outputs()) func.params.push_back(ctx.loops.at(out.name()).buffer);
  Stmt body = BlockNode::make(nests);
  for (auto b = intermediates.rbegin(); b != intermediates.rend(); ++b) body = AllocateNode::make(*b, body);
  func.body = body;

  // 4. Loop-IR passes.
  auto run = [&](const char* pass, const std::function<Stmt(const Stmt&)>& f) {
    func.body = f(func.body);
    if (options.verify) verify(func);
    if (options.after_pass) options.after_pass(pass, func);
  };
  run("loop_nests", [](const Stmt& s) { return s; });
  run("simplify", simplify_stmt);
  run("auto_unroll", [&](const Stmt& s) { return apply_auto_unroll(s, ctx.auto_unroll); });
  run("partition_vector_tails", partition_vector_tails);
  run("vectorize", vectorize_loops);
  run("unroll", unroll_loops);
  run("simplify_final", simplify_stmt);
  return func;
}

}  // namespace tt
