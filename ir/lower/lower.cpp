// The lowering pipeline: schedule state -> loop IR. Read lower() at the bottom first; the helpers
// above it are its steps in order.
//   1. effective bodies: inlined stages substituted into their consumers;
//   2. stage loops (bound inference): every leaf loop gets a variable and an extent; a stage
//      computed at a consumer's loop covers just the region that loop's iteration reads;
//   3. loop nests: each stage's loops around its store (reductions: an init nest and an update
//      nest), with attached stages placed at the start of their loop's body;
//   4. loop-IR passes: simplify, auto-unroll, vectorize, unroll, simplify.
#include "ir/lower/lower.h"

#include <algorithm>
#include <map>

#include "ir/error.h"
#include "ir/expr/simplify.h"
#include "ir/lower/passes.h"

namespace tt {

namespace {

// ---- 1. inlining ----

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
    for (size_t d = 0; d < it->second.first.size(); ++d) map[it->second.first[d].var.get()] = read->indices[d];
    return substitute(it->second.second, map);
  }
};

// ---- 2. stage loops ----

struct StageLoops {
  const Stage* stage = nullptr;
  Expr body;                       // effective body (a Reduce for reductions)
  std::vector<Expr> region_min;    // per output dimension
  std::vector<int64_t> region_extent;
  std::vector<int64_t> extents;    // per iter
  std::vector<Var> leaf_vars;      // per leaf position
  std::vector<Expr> root_values;   // per root iter: its index in leaf variables (offset included)
  std::vector<Expr> predicates;    // conditions for an iteration to be inside the stage's domain
  Buffer buffer;
  int attach_position = -1;        // in the target's leaves
};

struct LowerContext {
  const ScheduleState* state = nullptr;
  std::map<std::string, StageLoops> loops;
  std::map<const OperationNode*, std::string> stage_of_op;
  std::map<const OperationNode*, Buffer> input_buffers;
  std::unordered_map<const VarNode*, int64_t> auto_unroll;
  VarRanges ranges;  // every leaf variable's range
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
      if (structural_equal(alo, ahi) && structural_equal(blo, bhi)) {
        *lo = *hi = e;
        return true;
      }
      return false;
    }
    case ExprKind::Div: {
      auto* n = e.as<DivNode>();
      int64_t c;
      if (!is_const_int(n->b, &c) || c <= 0 || !symbolic_bounds(n->a, varying, &alo, &ahi)) return false;
      *lo = alo / Expr(c), *hi = ahi / Expr(c);
      return true;
    }
    case ExprKind::Mod: {
      auto* n = e.as<ModNode>();
      int64_t c;
      if (!is_const_int(n->b, &c) || c <= 0 || !symbolic_bounds(n->a, varying, &alo, &ahi)) return false;
      if (structural_equal(simplify(alo), simplify(ahi))) {
        *lo = *hi = e;
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
      if (!symbolic_bounds(n->true_value, varying, &alo, &ahi) || !symbolic_bounds(n->false_value, varying, &blo, &bhi))
        return false;
      *lo = min(alo, blo), *hi = max(ahi, bhi);
      return true;
    }
    default: return false;
  }
}

// Expresses every iter of a stage through its leaf variables, replaying the relations backwards.
std::vector<Expr> iter_values(const Stage& st, const std::vector<int64_t>& ext, const std::vector<Var>& leaf_vars) {
  std::vector<Expr> value(st.iters.size());
  for (size_t p = 0; p < st.leaves.size(); ++p) value[st.leaves[p]] = leaf_vars[p];
  for (auto rel = st.relations.rbegin(); rel != st.relations.rend(); ++rel) {
    if (const auto* split = std::get_if<SplitRelation>(&*rel)) {
      Expr v = value[split->children[0]];
      for (size_t c = 1; c < split->children.size(); ++c) v = v * Expr(ext[split->children[c]]) + value[split->children[c]];
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

// Maps a stage's root axes (data-parallel, then reduce) to their values in its leaf variables.
VarMap root_substitution(const StageLoops& sl) {
  const OperationNode& op = *sl.stage->op;
  VarMap map;
  for (size_t d = 0; d < op.axes.size(); ++d) map[op.axes[d].var.get()] = sl.root_values[d];
  for (size_t r = 0; r < op.reduce_axes().size(); ++r)
    map[op.reduce_axes()[r].var.get()] = sl.root_values[op.axes.size() + r];
  return map;
}

// The region of `producer` that one iteration of `target`'s loop at `position` reads. The
// producer's consumer is `target` itself or a stage computed (transitively) inside it; the loops of
// every stage on that chain sweep their ranges, as do the target's loops inside `position`.
void infer_region(const LowerContext& ctx, const StageLoops& consumer, const StageLoops& target, int position,
                  const OperationNode* producer, std::vector<Expr>* region_min, std::vector<int64_t>* region_extent) {
  VarRanges varying;
  for (size_t p = position + 1; p < target.leaf_vars.size(); ++p)
    varying[target.leaf_vars[p].get()] = ctx.ranges.at(target.leaf_vars[p].get());
  for (const StageLoops* s = &consumer; s != &target;) {
    for (const Var& v : s->leaf_vars) varying[v.get()] = ctx.ranges.at(v.get());
    // Later steps (compute_root, compute_inline) can undo the chain a compute_at relied on.
    if (s->stage->attach != AttachKind::At)
      user_error("cannot lower: '{}' is computed at '{}', but its consumer '{}' is no longer computed inside '{}'",
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
      if (!ok || !symbolic_bounds(simplify(substitute(idx[d], to_leaves), ctx.ranges), varying, &l, &h)) {
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

Expr flat_index(const std::vector<Expr>& indices, const std::vector<Expr>& region_min,
                const std::vector<int64_t>& region_extent) {
  Expr index = Expr(0);
  for (size_t d = 0; d < indices.size(); ++d) index = index * Expr(region_extent[d]) + (indices[d] - region_min[d]);
  return index;
}

void bind_stage_loops(LowerContext& ctx, const Stage& st, StageLoops& sl) {
  sl.stage = &st;
  const auto& op = *st.op;
  size_t ndim = op.shape.size();
  if (st.attach == AttachKind::At) {
    StageLoops& target = ctx.loops.at(st.attach_stage);
    sl.attach_position = target.stage->find_leaf(st.attach_loop);
    TT_ASSERT(sl.attach_position >= 0, "attach loop {} of {} vanished", st.attach_loop, st.attach_stage);
    std::vector<std::string> users = ctx.state->effective_consumers(st.name());
    if (users.size() != 1)
      user_error("cannot lower: '{}' is computed at '{}' but has {} consumers", st.name(), st.attach_stage, users.size());
    infer_region(ctx, ctx.loops.at(users[0]), target, sl.attach_position, &op, &sl.region_min, &sl.region_extent);
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
    if (st.iters[leaf].auto_unroll_max_step) ctx.auto_unroll[v.get()] = st.iters[leaf].auto_unroll_max_step;
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
      if (covered > sl.extents[split->parent]) add_predicate(values[split->parent] < Expr(sl.extents[split->parent]));
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
    for (Expr cond : {offset < Expr(root_extent), value < Expr(full), value >= Expr(0)}) add_predicate(cond);
  }
  DType dtype = op.dtype;
  BufferScope scope = st.is_output ? BufferScope::Param : BufferScope::Local;
  sl.buffer = BufferNode::make(op.name, dtype, sl.region_extent, scope);
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
      std::vector<Expr> zero(read->indices.size(), Expr(0));
      return LoadNode::make(in->second, flat_index(read->indices, zero, n->op->shape));
    }
    const StageLoops& sl = ctx_.loops.at(ctx_.stage_of_op.at(n->op.get()));
    return LoadNode::make(sl.buffer, flat_index(read->indices, sl.region_min, sl.region_extent));
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
  Expr store_index = flat_index(out_indices, sl.region_min, sl.region_extent);
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
    Buffer b = BufferNode::make(in.name(), in.dtype(), in.shape(), BufferScope::Param);
    ctx.input_buffers[in.op().get()] = b;
    func.params.push_back(b);
  }

  // 1. Effective bodies, producers first so inlined chains resolve.
  InlineReads inliner;
  std::map<std::string, Expr> bodies;
  for (const Stage& st : state.stages()) {
    Expr body = inliner.mutate(st.op->body);
    if (st.attach == AttachKind::Inline) inliner.inlined[st.op.get()] = {st.op->axes, body};
    else bodies[st.name()] = body;
    ctx.stage_of_op[st.op.get()] = st.name();
  }

  // 2. Stage loops, consumers first: a stage's region depends on its consumer's loops.
  for (auto it = state.stages().rbegin(); it != state.stages().rend(); ++it) {
    if (it->attach == AttachKind::Inline) continue;
    StageLoops& sl = ctx.loops[it->name()];
    sl.body = bodies.at(it->name());
    bind_stage_loops(ctx, *it, sl);
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
  run("vectorize", vectorize_loops);
  run("unroll", unroll_loops);
  run("simplify_final", simplify_stmt);
  return func;
}

}  // namespace tt
