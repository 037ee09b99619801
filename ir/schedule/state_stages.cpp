// The schedule steps that add stages — cache_write, cache_read, rfactor — and the rebuilding of
// consumers when a stage's operation is replaced; the rest of the state is in state.cpp.
#include <algorithm>
#include <map>
#include <set>

#include "ir/schedule/state.h"
#include "ir/schedule/state_internal.h"

namespace tt {

namespace {
class ReadRedirector : public ExprMutator {
 public:
  std::map<const OperationNode*, Operation> replace;
  Expr mutate_TensorRead(const TensorReadNode* n, const Expr& self) override {
    Expr e = ExprMutator::mutate_TensorRead(n, self);
    auto it = replace.find(n->op.get());
    if (it == replace.end()) return e;
    return TensorReadNode::make(it->second, e.as<TensorReadNode>()->indices);
  }
};
}  // namespace

namespace {

// A copy of a compute op whose data-parallel axes carry the given names (loop names follow them).
Operation rename_axes(const Operation& op, const std::vector<std::string>& names) {
  auto renamed = std::make_shared<OperationNode>(*op);
  VarMap map;
  for (size_t d = 0; d < renamed->axes.size(); ++d) {
    Var v(names[d]);
    map[renamed->axes[d].var.get()] = v;
    renamed->axes[d].var = v;
  }
  renamed->body = substitute(renamed->body, map);
  return renamed;
}

}  // namespace

std::vector<std::string> ScheduleState::apply_cache_write(const CacheWriteStep& s) {
  Stage& st = mutable_stage(s.stage, s);
  if (!st.relations.empty() || st.attach != AttachKind::Root)
    step_error(s, "cache_write must come before other steps on stage '{}'", s.stage);
  check_nothing_attached(st, "", s);
  for (const Stage& other : stages_)
    if (other.name() == s.stage + ".local") step_error(s, "'{}' already has a cache stage", s.stage);
  const Operation old_op = st.op;
  // The cache stage takes the original computation; the stage becomes a copy out of it.
  auto local = std::make_shared<OperationNode>(*old_op);
  local->name = old_op->name + ".local";
  Tensor local_tensor(local);
  Tensor copy = compute(old_op->shape, [&](const std::vector<Var>& i) {
    return local_tensor(std::vector<Expr>(i.begin(), i.end()));
  }, old_op->name, old_op->tag);
  // The copy keeps the original's loop names, so steps written for the stage still apply.
  std::vector<std::string> names;
  for (const IterVar& iv : old_op->axes) names.push_back(iv.var.name());
  Operation copy_op = rename_axes(copy.op(), names);
  size_t index = &st - stages_.data();
  bool is_output = st.is_output;
  replace_operation(index, copy_op);
  stages_[index] = make_stage(copy_op);
  Stage local_stage = make_stage(local);
  // `st` dangles from here on: the insertion moves the stages.
  stages_.insert(stages_.begin() + index, local_stage);
  stages_[index + 1].is_output = is_output;
  return leaf_names(s.stage + ".local");
}

std::vector<std::string> ScheduleState::apply_cache_read(const CacheReadStep& s) {
  Stage& reader = mutable_stage(s.reader, s);
  Operation source;
  for (const Operation& in : reader.op->input_ops())
    if (in->name == s.tensor) source = in;
  if (!source) step_error(s, "'{}' does not read a tensor named '{}'", s.reader, s.tensor);
  if (reader.attach == AttachKind::Inline) step_error(s, "'{}' is inlined", s.reader);
  for (const Stage& other : stages_)
    if (other.name() == s.tensor + ".cache") step_error(s, "'{}' already has a cache stage", s.tensor);
  Tensor src(source);
  Tensor cache = compute(source->shape, [&](const std::vector<Var>& i) {
    return src(std::vector<Expr>(i.begin(), i.end()));
  }, s.tensor + ".cache", "cache");
  ReadRedirector redirect;
  redirect.replace[source.get()] = cache.op();
  auto rebuilt = std::make_shared<OperationNode>(*reader.op);
  rebuilt->body = redirect.mutate(reader.op->body);
  size_t index = &reader - stages_.data();
  // The reader keeps its loops and attachments: only the tensor it reads changes.
  Stage kept = reader;
  replace_operation(index, rebuilt);
  kept.op = stages_[index].op;
  stages_[index] = kept;
  // `reader` dangles from here on: the insertion moves the stages.
  stages_.insert(stages_.begin() + index, make_stage(cache.op()));
  return leaf_names(s.tensor + ".cache");
}

std::vector<std::string> ScheduleState::apply_rfactor(const RfactorStep& s) {
  Stage& st = mutable_stage(s.stage, s);
  int pos = st.find_leaf(s.loop);
  if (pos < 0) step_error(s, "stage '{}' has no loop '{}'", s.stage, s.loop);
  if (st.iters[st.leaves[pos]].kind != IterKind::Reduce) step_error(s, "'{}' is not a reduction loop", s.loop);
  if (st.attach != AttachKind::Root) step_error(s, "rfactor needs '{}' computed at the root", s.stage);
  check_nothing_attached(st, "", s);
  for (const Stage& other : stages_)
    if (other.name() == s.stage + ".rf") step_error(s, "'{}' already has an rfactor stage", s.stage);
  const Operation old_op = st.op;
  const auto* reduce = old_op->body.as<ReduceNode>();
  // Express each reduce root axis through the reduce leaves: each leaf gets a fresh variable, and
  // the relations are replayed backwards from leaves to roots.
  std::vector<Expr> value(st.iters.size());
  std::vector<int64_t> roots;
  for (int r = 0; r < st.num_roots; ++r) roots.push_back(st.iters[r].extent);
  std::vector<int64_t> ext = iter_extents(st, roots);
  int factored = st.leaves[pos];
  Var factored_var(st.iters[factored].name);
  std::vector<IterVar> rf_reduce_axes;
  for (int leaf : st.leaves) {
    if (st.iters[leaf].kind != IterKind::Reduce) continue;
    if (leaf == factored) {
      value[leaf] = factored_var;
    } else {
      IterVar iv = reduce_axis(ext[leaf], st.iters[leaf].name);
      value[leaf] = iv.var;
      rf_reduce_axes.push_back(iv);
    }
  }
  Expr predicate;
  for (auto rel = st.relations.rbegin(); rel != st.relations.rend(); ++rel) {
    if (const auto* split = std::get_if<SplitRelation>(&*rel)) {
      if (st.iters[split->parent].kind != IterKind::Reduce) continue;
      Expr v = value[split->children[0]];
      for (size_t c = 1; c < split->children.size(); ++c) v = v * Expr(ext[split->children[c]]) + value[split->children[c]];
      value[split->parent] = v;
      int64_t covered = 1;
      for (int c : split->children) covered *= ext[c];
      if (covered != ext[split->parent]) {
        Expr in_range = v < Expr(ext[split->parent]);
        predicate = predicate.defined() ? (predicate && in_range) : in_range;
      }
    } else {
      const auto& fuse = std::get<FuseRelation>(*rel);
      if (st.iters[fuse.child].kind != IterKind::Reduce) continue;
      int64_t stride = 1;
      for (int p = int(fuse.parents.size()) - 1; p >= 0; --p) {
        value[fuse.parents[p]] = (value[fuse.child] / Expr(stride)) % Expr(ext[fuse.parents[p]]);
        stride *= ext[fuse.parents[p]];
      }
    }
  }
  VarMap map;
  for (size_t r = 0; r < reduce->axes.size(); ++r) map[reduce->axes[r].var.get()] = value[old_op->axes.size() + r];
  Expr source = substitute(reduce->source, map);
  if (predicate.defined()) source = select(predicate, source, reduce_identity(reduce->op, source.type()));
  std::vector<int64_t> rf_shape = old_op->shape;
  rf_shape.push_back(ext[factored]);
  ReduceOp op = reduce->op;
  Tensor rf = compute(rf_shape, [&](const std::vector<Var>& i) {
    VarMap m{{factored_var.get(), i.back()}};
    for (size_t d = 0; d < old_op->axes.size(); ++d) m[old_op->axes[d].var.get()] = i[d];
    Expr body = substitute(source, m);
    // The other reduce leaves still reduce; with none left, the partial value is the element itself.
    if (rf_reduce_axes.empty()) return body;
    return ReduceNode::make(op, body, rf_reduce_axes);
  }, old_op->name + ".rf", old_op->tag);
  IterVar merge = reduce_axis(ext[factored], st.iters[factored].name);
  Tensor merged = compute(old_op->shape, [&](const std::vector<Var>& i) {
    std::vector<Expr> idx(i.begin(), i.end());
    idx.push_back(merge.var);
    return ReduceNode::make(op, rf(idx), {merge});
  }, old_op->name, old_op->tag);
  std::vector<std::string> names;
  for (const IterVar& iv : old_op->axes) names.push_back(iv.var.name());
  names.push_back(st.iters[factored].name);
  Operation rf_op = rename_axes(rf.op(), names);
  // The merge stage reads the renamed rf op.
  ReadRedirector to_renamed;
  to_renamed.replace[rf.op().get()] = rf_op;
  auto merged_op = std::make_shared<OperationNode>(*rename_axes(merged.op(), {names.begin(), names.end() - 1}));
  merged_op->body = to_renamed.mutate(merged_op->body);
  size_t index = &st - stages_.data();
  bool is_output = st.is_output;
  replace_operation(index, merged_op);
  stages_[index] = make_stage(stages_[index].op);
  stages_[index].is_output = is_output;
  // `st` dangles from here on: the insertion moves the stages.
  stages_.insert(stages_.begin() + index, make_stage(rf_op));
  return leaf_names(s.stage + ".rf");
}

void ScheduleState::replace_operation(size_t index, const Operation& new_op) {
  ReadRedirector redirect;
  redirect.replace[stages_[index].op.get()] = new_op;
  const Operation old_op = stages_[index].op;
  stages_[index].op = new_op;
  for (size_t i = index + 1; i < stages_.size(); ++i) {
    Expr body = redirect.mutate(stages_[i].op->body);
    if (body.same_as(stages_[i].op->body)) continue;
    auto rebuilt = std::make_shared<OperationNode>(*stages_[i].op);
    rebuilt->body = body;
    redirect.replace[stages_[i].op.get()] = rebuilt;
    stages_[i].op = rebuilt;
  }
  for (Tensor& t : outputs_) {
    auto it = redirect.replace.find(t.op().get());
    if (it != redirect.replace.end()) t = Tensor(it->second);
  }
}

}  // namespace tt
