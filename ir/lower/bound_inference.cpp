// Bound inference: gives every leaf loop of every (not inlined) stage its variable and extent. A
// stage computed at a consumer's loop covers only the region one iteration of that loop reads; its
// loops shrink to that region. Lowering builds its loop nests on these bounds, and infer_bounds
// reports them to the search without building any loop IR: one implementation for both.
#include "ir/lower/bound_inference.h"

#include <algorithm>

#include "ir/error.h"
#include "ir/expr/simplify.h"

namespace tt {

// Maps a stage's root axes (data-parallel, then reduce) to their values in its leaf variables.
VarMap root_substitution(const StageLoops& sl) {
  const OperationNode& op = *sl.stage->op;
  VarMap map;
  for (size_t d = 0; d < op.axes.size(); ++d) map[op.axes[d].var.get()] = sl.root_values[d];
  for (size_t r = 0; r < op.reduce_axes().size(); ++r)
    map[op.reduce_axes()[r].var.get()] = sl.root_values[op.axes.size() + r];
  return map;
}

namespace {

// Substitutes inlined stages into the bodies that read them.

class InlineReads : public ExprMutator {
 public:
  // For each inlined op: its axes and its (already inlined) body.
  std::map<const OperationNode*, std::pair<std::vector<IterVar>, Expr>> inlined;
  Expr mutate_TensorRead(const TensorReadNode* n, const Expr& self) override {
    Expr e = ExprMutator::mutate_TensorRead(n, self);
    auto it = inlined.find(n->op.get());
    if (it == inlined.end()) return e;
    const auto* read = e.as<TensorReadNode>();
    VarMap map;
    for (size_t d = 0; d < it->second.first.size(); ++d)
      map[it->second.first[d].var.get()] = read->indices[d];
    return substitute(it->second.second, map);
  }
};

// Symbolic [lo, hi] of an index expression when the variables in `varying` sweep their ranges and
// every other variable is held fixed. Returns false when the expression defeats the analysis.
bool symbolic_bounds(const Expr& e, const VarRanges& varying, Expr* lo, Expr* hi) {
  if (const auto* v = e.as<VarNode>()) {
    auto it = varying.find(v);
    if (it == varying.end()) {
      *lo = *hi = e;
      return true;
    }
    *lo = Expr(*it->second.min);
    *hi = Expr(*it->second.max);
    return true;
  }
  if (e.as<IntImmNode>()) {
    *lo = *hi = e;
    return true;
  }
  auto binary = [&](const BinaryNode* n, Expr* alo, Expr* ahi, Expr* blo, Expr* bhi) {
    return symbolic_bounds(n->a, varying, alo, ahi) && symbolic_bounds(n->b, varying, blo, bhi);
  };
  Expr alo, ahi, blo, bhi;
  switch (e.kind()) {
    case ExprKind::Add: {
      if (!binary(e.as<AddNode>(), &alo, &ahi, &blo, &bhi)) return false;
      *lo = alo + blo, *hi = ahi + bhi;
      return true;
    }
    case ExprKind::Sub: {
      if (!binary(e.as<SubNode>(), &alo, &ahi, &blo, &bhi)) return false;
      *lo = alo - bhi, *hi = ahi - blo;
      return true;
    }
    case ExprKind::Mul: {
      auto* n = e.as<MulNode>();
      if (!binary(n, &alo, &ahi, &blo, &bhi)) return false;
      int64_t c;
      if (is_const_int(simplify(blo), &c) && is_const_int(simplify(bhi), c)) {
        *lo = c >= 0 ? alo * Expr(c) : ahi * Expr(c);
        *hi = c >= 0 ? ahi * Expr(c) : alo * Expr(c);
        return true;
      }
      if (is_const_int(simplify(alo), &c) && is_const_int(simplify(ahi), c)) {
        *lo = c >= 0 ? blo * Expr(c) : bhi * Expr(c);
        *hi = c >= 0 ? bhi * Expr(c) : blo * Expr(c);
        return true;
      }
      // Both factors fixed (a varying variable of a single value included): their product, with
      // the fixed values substituted, never `e`, which may still name a varying variable.
      if (structural_equal(alo, ahi) && structural_equal(blo, bhi)) {
        *lo = *hi = alo * blo;
        return true;
      }
      return false;
    }
    case ExprKind::Div: {
      auto* n = e.as<DivNode>();
      int64_t c;
      if (!is_const_int(n->b, &c) || c <= 0 || !symbolic_bounds(n->a, varying, &alo, &ahi))
        return false;
      *lo = alo / Expr(c), *hi = ahi / Expr(c);
      return true;
    }
    case ExprKind::Mod: {
      auto* n = e.as<ModNode>();
      int64_t c;
      if (!is_const_int(n->b, &c) || c <= 0 || !symbolic_bounds(n->a, varying, &alo, &ahi))
        return false;
      if (structural_equal(simplify(alo), simplify(ahi))) {
        *lo = *hi = alo % Expr(c);
        return true;
      }
      *lo = Expr(0), *hi = Expr(c - 1);
      return true;
    }
    case ExprKind::Min:
    case ExprKind::Max: {
      auto* n = static_cast<const BinaryNode*>(e.get());
      if (!binary(n, &alo, &ahi, &blo, &bhi)) return false;
      bool is_min = e.kind() == ExprKind::Min;
      *lo = is_min ? min(alo, blo) : max(alo, blo);
      *hi = is_min ? min(ahi, bhi) : max(ahi, bhi);
      return true;
    }
    case ExprKind::Select: {
      auto* n = e.as<SelectNode>();
      if (!symbolic_bounds(n->true_value, varying, &alo, &ahi) ||
          !symbolic_bounds(n->false_value, varying, &blo, &bhi))
        return false;
      *lo = min(alo, blo), *hi = max(ahi, bhi);
      return true;
    }
    default:
      return false;
  }
}

// Expresses every iter of a stage through its leaf variables, replaying the relations backwards.
std::vector<Expr> iter_values(const Stage& st, const std::vector<int64_t>& ext,
                              const std::vector<Var>& leaf_vars) {
  std::vector<Expr> value(st.iters.size());
  for (size_t p = 0; p < st.leaves.size(); ++p) value[st.leaves[p]] = leaf_vars[p];
  for (auto rel = st.relations.rbegin(); rel != st.relations.rend(); ++rel) {
    if (const auto* split = std::get_if<SplitRelation>(&*rel)) {
      Expr v = value[split->children[0]];
      for (size_t c = 1; c < split->children.size(); ++c)
        v = v * Expr(ext[split->children[c]]) + value[split->children[c]];
      value[split->parent] = v;
    } else {
      const auto& fuse = std::get<FuseRelation>(*rel);
      int64_t stride = 1;
      for (int p = int(fuse.parents.size()) - 1; p >= 0; --p) {
        Expr quotient = stride == 1 ? value[fuse.child] : value[fuse.child] / Expr(stride);
        value[fuse.parents[p]] = p == 0 ? quotient : quotient % Expr(ext[fuse.parents[p]]);
        stride *= ext[fuse.parents[p]];
      }
    }
  }
  return value;
}

// The region of `producer` that one iteration of `target`'s loop at `position` reads. The
// producer's consumer is `target` itself or a stage computed (transitively) inside it; the loops of
// every stage on that chain sweep their ranges, as do the target's loops inside `position`.
void infer_region(const LoopBounds& ctx, const StageLoops& consumer, const StageLoops& target,
                  int position, const OperationNode* producer, std::vector<Expr>* region_min,
                  std::vector<int64_t>* region_extent) {
  VarRanges varying;
  for (size_t p = position + 1; p < target.leaf_vars.size(); ++p)
    varying[target.leaf_vars[p].get()] = ctx.ranges.at(target.leaf_vars[p].get());
  for (const StageLoops* s = &consumer; s != &target;) {
    for (const Var& v : s->leaf_vars) varying[v.get()] = ctx.ranges.at(v.get());
    // Later steps (compute_root, compute_inline) can undo the chain a compute_at relied on.
    if (s->stage->attach != AttachKind::At)
      user_error(
          "cannot lower: '{}' is computed at '{}', but its consumer '{}' is no longer computed "
          "inside '{}'",
          producer->name, target.stage->name(), consumer.stage->name(), target.stage->name());
    s = &ctx.loops.at(s->stage->attach_stage);
  }
  std::vector<std::vector<Expr>> reads;
  for (const TensorReadNode* r : tensor_reads(consumer.body))
    if (r->op.get() == producer) reads.push_back(r->indices);
  VarMap to_leaves = root_substitution(consumer);
  size_t ndim = producer->shape.size();
  region_min->assign(ndim, Expr());
  region_extent->assign(ndim, 0);
  for (size_t d = 0; d < ndim; ++d) {
    Expr lo, hi;
    bool ok = !reads.empty();
    for (const auto& idx : reads) {
      Expr l, h;
      if (!ok ||
          !symbolic_bounds(simplify(substitute(idx[d], to_leaves), ctx.ranges), varying, &l, &h)) {
        ok = false;
        break;
      }
      lo = lo.defined() ? min(lo, l) : l;
      hi = hi.defined() ? max(hi, h) : h;
    }
    int64_t extent = 0;
    if (ok) {
      lo = simplify(lo, ctx.ranges);
      ok = is_const_int(simplify(hi - lo + 1, ctx.ranges), &extent) && extent < producer->shape[d];
    }
    if (!ok) {  // a full dimension is always correct
      lo = Expr(0);
      extent = producer->shape[d];
    }
    (*region_min)[d] = lo;
    (*region_extent)[d] = extent;
  }
}

void bind_stage_loops(LoopBounds& ctx, const Stage& st, StageLoops& sl) {
  sl.stage = &st;
  const auto& op = *st.op;
  size_t ndim = op.shape.size();
  if (st.attach == AttachKind::At) {
    StageLoops& target = ctx.loops.at(st.attach_stage);
    sl.attach_position = target.stage->find_leaf(st.attach_loop);
    TT_ASSERT(sl.attach_position >= 0, "attach loop {} of {} vanished", st.attach_loop,
              st.attach_stage);
    std::vector<std::string> users = ctx.state->effective_consumers(st.name());
    if (users.size() != 1)
      user_error("cannot lower: '{}' is computed at '{}' but has {} consumers", st.name(),
                 st.attach_stage, users.size());
    infer_region(ctx, ctx.loops.at(users[0]), target, sl.attach_position, &op, &sl.region_min,
                 &sl.region_extent);
  } else {
    sl.region_min.assign(ndim, Expr(0));
    sl.region_extent = op.shape;
  }
  std::vector<int64_t> roots = sl.region_extent;
  for (const IterVar& iv : op.reduce_axes()) roots.push_back(iv.extent());
  sl.extents = iter_extents(st, roots);
  for (int leaf : st.leaves) {
    Var v(st.iters[leaf].name);
    sl.leaf_vars.push_back(v);
    ctx.ranges[v.get()] = IntInterval{0, sl.extents[leaf] - 1};
    if (st.iters[leaf].auto_unroll_max_step)
      ctx.auto_unroll[v.get()] = st.iters[leaf].auto_unroll_max_step;
  }
  std::vector<Expr> values = iter_values(st, sl.extents, sl.leaf_vars);
  // A split whose parts cover more than its parent (non-divisible, or nparts over a short loop)
  // must skip the excess: past the parent's extent its values would alias the next outer value.
  auto add_predicate = [&](Expr cond) {
    cond = simplify(cond, ctx.ranges);
    bool known = is_const_int(cond, 1);
    for (const Expr& p : sl.predicates) known |= structural_equal(p, cond);
    if (!known) sl.predicates.push_back(cond);
  };
  for (const IterRelation& rel : st.relations) {
    if (const auto* split = std::get_if<SplitRelation>(&rel)) {
      int64_t covered = 1;
      for (int c : split->children) covered *= sl.extents[c];
      if (covered > sl.extents[split->parent])
        add_predicate(values[split->parent] < Expr(sl.extents[split->parent]));
    }
  }
  for (int r = 0; r < st.num_roots; ++r) {
    Expr offset = values[r];
    Expr value = r < int(ndim) ? sl.region_min[r] + offset : offset;
    sl.root_values.push_back(simplify(value, ctx.ranges));
    // Iterations past the region (a split that does not divide it) or past the tensor (a region
    // that overhangs its edge) are skipped; the simplifier drops the guards it can prove.
    int64_t root_extent = roots[r];
    int64_t full = r < int(ndim) ? op.shape[r] : root_extent;
    for (Expr cond : {offset < Expr(root_extent), value < Expr(full), value >= Expr(0)})
      add_predicate(cond);
  }
  DType dtype = op.dtype;
  BufferScope scope = st.is_output ? BufferScope::Param : BufferScope::Local;
  sl.buffer = BufferNode::make(op.name, dtype, sl.region_extent, scope);
}

}  // namespace

LoopBounds bind_loops(const ScheduleState& state) {
  LoopBounds bounds;
  bounds.state = &state;
  // Effective bodies, producers first so inlined chains resolve.
  InlineReads inliner;
  std::map<std::string, Expr> bodies;
  for (const Stage& st : state.stages()) {
    Expr body = inliner.mutate(st.op->body);
    if (st.attach == AttachKind::Inline)
      inliner.inlined[st.op.get()] = {st.op->axes, body};
    else
      bodies[st.name()] = body;
    bounds.stage_of_op[st.op.get()] = st.name();
  }
  // Consumers first: a stage's region depends on its consumer's loops.
  for (auto it = state.stages().rbegin(); it != state.stages().rend(); ++it) {
    if (it->attach == AttachKind::Inline) continue;
    StageLoops& sl = bounds.loops[it->name()];
    sl.body = bodies.at(it->name());
    bind_stage_loops(bounds, *it, sl);
  }
  return bounds;
}

std::vector<StageBounds> infer_bounds(const ScheduleState& state) {
  LoopBounds bounds = bind_loops(state);
  std::vector<StageBounds> out;
  for (const Stage& st : state.stages()) {
    StageBounds b;
    b.stage = st.name();
    auto it = bounds.loops.find(st.name());
    if (it != bounds.loops.end()) {
      for (int leaf : st.leaves) b.leaf_extents.push_back(it->second.extents[leaf]);
      b.region_extent = it->second.region_extent;
    }
    out.push_back(std::move(b));
  }
  return out;
}

}  // namespace tt
