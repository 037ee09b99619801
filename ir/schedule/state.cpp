// Applying schedule steps to the state: each apply_* checks the step against the current state
// and raises UserError (naming the step) before changing anything.
#include "ir/schedule/state.h"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include "ir/error.h"
#include "ir/int_math.h"
#include "ir/schedule/layout.h"
#include "ir/schedule/state_internal.h"

namespace tt {

namespace {


}  // namespace

int Stage::find_leaf(const std::string& loop) const {
  for (size_t p = 0; p < leaves.size(); ++p)
    if (iters[leaves[p]].name == loop) return int(p);
  return -1;
}

Stage make_stage(const Operation& op) {
  Stage s;
  s.op = op;
  std::set<std::string> names;
  auto add = [&](const IterVar& iv) {
    std::string name = iv.var.name();
    while (!names.insert(name).second) name += "_";
    s.iters.push_back(IterInfo{name, iv.kind, iv.extent()});
  };
  for (const IterVar& iv : op->axes) add(iv);
  for (const IterVar& iv : op->reduce_axes()) add(iv);
  s.num_roots = int(s.iters.size());
  for (int i = 0; i < s.num_roots; ++i) s.leaves.push_back(i);
  return s;
}

std::vector<int64_t> iter_extents(const Stage& stage, const std::vector<int64_t>& root_extents) {
  TT_ASSERT(int(root_extents.size()) == stage.num_roots, "root extents of {}", stage.name());
  std::vector<int64_t> ext(stage.iters.size(), 0);
  std::copy(root_extents.begin(), root_extents.end(), ext.begin());
  for (const IterRelation& rel : stage.relations) {
    if (const auto* split = std::get_if<SplitRelation>(&rel)) {
      int64_t parent = ext[split->parent];
      if (split->nparts) {
        ext[split->children[0]] = split->factors[0];
        ext[split->children[1]] = ceil_div(parent, split->factors[0]);
      } else {
        int64_t inner = 1;
        for (size_t f = 0; f < split->factors.size(); ++f) {
          ext[split->children[f + 1]] = split->factors[f];
          inner *= split->factors[f];
        }
        ext[split->children[0]] = ceil_div(parent, inner);
      }
    } else {
      const auto& fuse = std::get<FuseRelation>(rel);
      int64_t product = 1;
      for (int p : fuse.parents) product *= ext[p];
      ext[fuse.child] = product;
    }
  }
  return ext;
}

ScheduleState::ScheduleState(std::vector<Tensor> outputs) : outputs_(std::move(outputs)) {
  for (const Operation& op : topological_order(outputs_)) {
    if (op->is_placeholder()) {
      input_order_.push_back(op->name);
      continue;
    }
    stages_.push_back(make_stage(op));
  }
  for (Stage& s : stages_) {
    for (const Tensor& t : outputs_) s.is_output |= (t.op() == s.op);
  }
}

const Stage& ScheduleState::stage(const std::string& name) const {
  for (const Stage& s : stages_)
    if (s.name() == name) return s;
  user_error("no stage named '{}'", name);
}

Stage& ScheduleState::mutable_stage(const std::string& name, const Step& step) {
  for (Stage& s : stages_)
    if (s.name() == name) return s;
  std::string known;
  for (const Stage& s : stages_) known += (known.empty() ? "" : ", ") + s.name();
  step_error(step, "no stage named '{}' (stages: {})", name, known);
}

std::vector<Tensor> ScheduleState::inputs() const {
  std::vector<Tensor> in;
  for (const Operation& op : topological_order(outputs_))
    if (op->is_placeholder()) in.emplace_back(op);
  // A step that replaces an input (winograd's transformed weights) keeps its name and its place.
  auto position = [&](const Tensor& t) {
    return std::find(input_order_.begin(), input_order_.end(), t.name()) - input_order_.begin();
  };
  std::stable_sort(in.begin(), in.end(), [&](const Tensor& a, const Tensor& b) { return position(a) < position(b); });
  return in;
}

std::vector<std::string> ScheduleState::consumers(const std::string& stage_name) const {
  const Operation& op = stage(stage_name).op;
  std::vector<std::string> out;
  for (const Stage& s : stages_) {
    for (const Operation& in : s.op->input_ops())
      if (in == op) out.push_back(s.name());
  }
  return out;
}

std::vector<std::string> ScheduleState::effective_consumers(const std::string& stage_name) const {
  std::vector<std::string> out;
  for (const std::string& c : consumers(stage_name)) {
    if (stage(c).attach != AttachKind::Inline) {
      if (std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
      continue;
    }
    for (const std::string& e : effective_consumers(c))
      if (std::find(out.begin(), out.end(), e) == out.end()) out.push_back(e);
  }
  return out;
}

std::vector<std::string> ScheduleState::apply(const Step& step) {
  std::vector<std::string> made = std::visit(
      [&](const auto& s) -> std::vector<std::string> {
        using T = std::decay_t<decltype(s)>;
        if constexpr (std::is_same_v<T, SplitStep>) return apply_split(s);
        else if constexpr (std::is_same_v<T, FuseStep>) return apply_fuse(s);
        else if constexpr (std::is_same_v<T, ReorderStep>) return apply_reorder(s), std::vector<std::string>{};
        else if constexpr (std::is_same_v<T, AnnotateStep>) return apply_annotate(s), std::vector<std::string>{};
        else if constexpr (std::is_same_v<T, ComputeAtStep>) return apply_compute_at(s), std::vector<std::string>{};
        else if constexpr (std::is_same_v<T, ComputeInlineStep>) return apply_compute_inline(s), std::vector<std::string>{};
        else if constexpr (std::is_same_v<T, ComputeRootStep>) return apply_compute_root(s), std::vector<std::string>{};
        else if constexpr (std::is_same_v<T, CacheWriteStep>) return apply_cache_write(s);
        else if constexpr (std::is_same_v<T, CacheReadStep>) return apply_cache_read(s);
        else if constexpr (std::is_same_v<T, RfactorStep>) return apply_rfactor(s);
        else if constexpr (std::is_same_v<T, PragmaStep>) return apply_pragma(s), std::vector<std::string>{};
        else if constexpr (std::is_same_v<T, FollowSplitStep>) return apply_follow_split(s);
        else if constexpr (std::is_same_v<T, FollowFusedSplitStep>) return apply_follow_fused_split(s);
        else if constexpr (std::is_same_v<T, LayoutRewriteStep>) return apply_layout_rewrite(s), std::vector<std::string>{};
        else if constexpr (std::is_same_v<T, WinogradStep>) return apply_winograd(s), std::vector<std::string>{};
        else static_assert(sizeof(T) == 0, "unhandled step kind");
      },
      step);
  // `step` may refer into steps_ itself (replaying a state's own history); push_back copies it first.
  steps_.push_back(step);
  return made;
}

void ScheduleState::apply_layout_rewrite(const LayoutRewriteStep& s) {
  // An input, or a stage whose whole buffer is stored in the layout (the task's output, or an
  // intermediate computed at the root, such as a padded copy of the input).
  std::vector<int64_t> shape;
  bool found = false;
  for (const Tensor& t : inputs())
    if (t.name() == s.tensor) shape = t.shape(), found = true;
  for (const Stage& st : stages_)
    if (st.name() == s.tensor) shape = st.op->shape, found = true;
  if (!found) step_error(s, "the graph has no input or stage named '{}'", s.tensor);
  if (layouts_.count(s.tensor)) step_error(s, "'{}' already has a layout", s.tensor);
  check_layout(s, shape);
  layouts_[s.tensor] = s;
}

const WinogradStep* ScheduleState::weight_transform_of(const std::string& tensor) const {
  auto it = weight_transforms_.find(tensor);
  return it == weight_transforms_.end() ? nullptr : &it->second;
}

const LayoutRewriteStep* ScheduleState::layout_of(const std::string& tensor) const {
  auto it = layouts_.find(tensor);
  return it == layouts_.end() ? nullptr : &it->second;
}

std::vector<std::string> ScheduleState::leaf_names(const std::string& stage_name) const {
  const Stage& st = stage(stage_name);
  std::vector<std::string> names;
  for (int leaf : st.leaves) names.push_back(st.iters[leaf].name);
  return names;
}

void ScheduleState::check_nothing_attached(const Stage& stage, const std::string& loop, const Step& step) const {
  for (const Stage& other : stages_) {
    if (other.attach == AttachKind::At && other.attach_stage == stage.name() && (loop.empty() || other.attach_loop == loop)) {
      step_error(step, "stage '{}' is computed at loop '{}' of '{}'", other.name(), other.attach_loop, stage.name());
    }
  }
}

std::vector<std::string> ScheduleState::apply_split(const SplitStep& s) {
  return split_loop(s, s.stage, s.loop, s.factors, s.nparts);
}

const SplitStep& ScheduleState::source_split(const Step& step, int index) const {
  if (index < 0 || index >= int(steps_.size()))
    step_error(step, "source step {} does not exist (the history has {} steps)", index, steps_.size());
  const auto* split = std::get_if<SplitStep>(&steps_[index]);
  if (!split) step_error(step, "source step {} is {}, not a split", index, tt::to_string(steps_[index]));
  if (split->nparts) step_error(step, "source step {} is an nparts split; only factor splits can be followed", index);
  return *split;
}

std::vector<std::string> ScheduleState::apply_follow_split(const FollowSplitStep& s) {
  const SplitStep& src = source_split(s, s.src_step);
  if (s.n_split < 1 || s.n_split > int(src.factors.size()) + 1)
    step_error(s, "n_split must be between 1 and {} (the source split has {} factors)", src.factors.size() + 1,
               src.factors.size());
  std::vector<int64_t> factors(src.factors.begin(), src.factors.begin() + (s.n_split - 1));
  // Each factor was checked when its split applied, so their product fits (see split_loop).
  int64_t rest = 1;
  for (size_t f = s.n_split - 1; f < src.factors.size(); ++f) rest *= src.factors[f];
  factors.push_back(rest);
  return split_loop(s, s.stage, s.loop, factors, false);
}

std::vector<std::string> ScheduleState::apply_follow_fused_split(const FollowFusedSplitStep& s) {
  if (s.src_steps.empty()) step_error(s, "no source steps");
  if (s.level < 0) step_error(s, "level {} is negative", s.level);
  int64_t product = 1;
  for (int index : s.src_steps) {
    const SplitStep& src = source_split(s, index);
    if (s.level >= int(src.factors.size()))
      step_error(s, "source step {} has {} factors, no level {}", index, src.factors.size(), s.level);
    if (__builtin_mul_overflow(product, src.factors[s.level], &product) || product > kMaxTensorElements)
      step_error(s, "the followed factors multiply to more than {}", kMaxTensorElements);
  }
  return split_loop(s, s.stage, s.loop, {product}, !s.factor_or_nparts);
}

std::vector<std::string> ScheduleState::split_loop(const Step& step, const std::string& stage_name,
                                                   const std::string& loop, const std::vector<int64_t>& factors,
                                                   bool nparts) {
  Stage& st = mutable_stage(stage_name, step);
  int pos = st.find_leaf(loop);
  if (pos < 0) step_error(step, "stage '{}' has no loop '{}'", stage_name, loop);
  if (factors.empty()) step_error(step, "no split factors");
  if (nparts && factors.size() != 1) step_error(step, "nparts takes exactly one factor");
  // Loops and indices are 32-bit: the factors' product (the extent their loops cover) must fit.
  int64_t product = 1;
  for (int64_t f : factors) {
    if (f < 1) step_error(step, "split factor {} is not positive", f);
    if (__builtin_mul_overflow(product, f, &product) || product > kMaxTensorElements)
      step_error(step, "split factors {} multiply to more than {}", fmt::format("{}", fmt::join(factors, ", ")),
                 kMaxTensorElements);
  }
  check_nothing_attached(st, loop, step);
  int parent = st.leaves[pos];
  IterInfo parent_info = st.iters[parent];
  SplitRelation rel{parent, {}, factors, nparts};
  std::vector<int> children;
  std::vector<std::string> names;
  size_t parts = nparts ? 2 : factors.size() + 1;
  for (size_t c = 0; c < parts; ++c) {
    children.push_back(int(st.iters.size()));
    names.push_back(parent_info.name + "." + std::to_string(c));
    st.iters.push_back(IterInfo{names.back(), parent_info.kind, 0});
  }
  rel.children = children;
  st.relations.push_back(rel);
  st.leaves.erase(st.leaves.begin() + pos);
  st.leaves.insert(st.leaves.begin() + pos, children.begin(), children.end());
  std::vector<int64_t> roots;
  for (int r = 0; r < st.num_roots; ++r) roots.push_back(st.iters[r].extent);
  std::vector<int64_t> ext = iter_extents(st, roots);
  for (size_t i = 0; i < st.iters.size(); ++i) st.iters[i].extent = ext[i];
  return names;
}

std::vector<std::string> ScheduleState::apply_fuse(const FuseStep& s) {
  Stage& st = mutable_stage(s.stage, s);
  if (s.loops.size() < 2) step_error(s, "fuse needs at least two loops");
  int first = st.find_leaf(s.loops[0]);
  for (size_t i = 0; i < s.loops.size(); ++i) {
    int pos = st.find_leaf(s.loops[i]);
    if (pos < 0) step_error(s, "stage '{}' has no loop '{}'", s.stage, s.loops[i]);
    if (pos != first + int(i)) step_error(s, "loops must be adjacent and listed outermost first");
    if (st.iters[st.leaves[pos]].kind != st.iters[st.leaves[first]].kind)
      step_error(s, "cannot fuse a reduction loop with a data-parallel loop");
    if (i + 1 < s.loops.size()) check_nothing_attached(st, s.loops[i], s);
  }
  FuseRelation rel;
  std::string name;
  int64_t extent = 1;
  for (size_t i = 0; i < s.loops.size(); ++i) {
    int it = st.leaves[first + i];
    rel.parents.push_back(it);
    name += st.iters[it].name + ".";
    if (__builtin_mul_overflow(extent, st.iters[it].extent, &extent) || extent > kMaxTensorElements)
      step_error(s, "the fused loop would run more than {} iterations", kMaxTensorElements);
  }
  rel.child = int(st.iters.size());
  st.iters.push_back(IterInfo{name + "fused", st.iters[rel.parents[0]].kind, extent});
  // A stage attached at the innermost fused loop now lives at the fused loop.
  for (Stage& other : stages_) {
    if (other.attach == AttachKind::At && other.attach_stage == s.stage && other.attach_loop == s.loops.back())
      other.attach_loop = st.iters[rel.child].name;
  }
  st.relations.push_back(rel);
  st.leaves.erase(st.leaves.begin() + first, st.leaves.begin() + first + s.loops.size());
  st.leaves.insert(st.leaves.begin() + first, rel.child);
  return {st.iters[rel.child].name};
}

void ScheduleState::apply_reorder(const ReorderStep& s) {
  Stage& st = mutable_stage(s.stage, s);
  std::vector<int> positions;
  std::set<std::string> seen;
  for (const std::string& loop : s.order) {
    int pos = st.find_leaf(loop);
    if (pos < 0) step_error(s, "stage '{}' has no loop '{}'", s.stage, loop);
    if (!seen.insert(loop).second) step_error(s, "loop '{}' is listed twice", loop);
    positions.push_back(pos);
  }
  std::vector<int> sorted = positions;
  std::sort(sorted.begin(), sorted.end());
  std::vector<int> leaves = st.leaves;
  for (size_t i = 0; i < sorted.size(); ++i) leaves[sorted[i]] = st.leaves[positions[i]];
  st.leaves = leaves;
}

void ScheduleState::apply_annotate(const AnnotateStep& s) {
  Stage& st = mutable_stage(s.stage, s);
  int pos = st.find_leaf(s.loop);
  if (pos < 0) step_error(s, "stage '{}' has no loop '{}'", s.stage, s.loop);
  IterInfo& it = st.iters[st.leaves[pos]];
  if (s.annotation == LoopAnnotation::Vectorize) {
    if (it.kind == IterKind::Reduce) step_error(s, "cannot vectorize reduction loop '{}'", s.loop);
    if (pos + 1 != int(st.leaves.size())) step_error(s, "only the innermost loop can be vectorized");
    check_nothing_attached(st, s.loop, s);
  }
  if (s.annotation == LoopAnnotation::Parallel) {
    if (it.kind == IterKind::Reduce) step_error(s, "cannot parallelize reduction loop '{}' (the sum would race)", s.loop);
    for (int p = 0; p < int(st.leaves.size()); ++p) {
      if (p != pos && st.iters[st.leaves[p]].annotation == LoopAnnotation::Parallel)
        step_error(s, "loop '{}' is already parallel; nested parallel loops are not supported", st.iters[st.leaves[p]].name);
    }
  }
  it.annotation = s.annotation;
}

void ScheduleState::apply_compute_at(const ComputeAtStep& s) {
  Stage& st = mutable_stage(s.stage, s);
  const Stage& target = mutable_stage(s.target_stage, s);  // an unknown target names the step too
  if (st.is_output) step_error(s, "'{}' is an output; it must be computed at the root", s.stage);
  std::vector<std::string> users = effective_consumers(s.stage);
  if (users.size() != 1) step_error(s, "'{}' has {} consumers; compute_at needs exactly one", s.stage, users.size());
  if (target.attach == AttachKind::Inline) step_error(s, "'{}' is inlined and has no loops", s.target_stage);
  int target_pos = target.find_leaf(s.target_loop);
  if (target_pos < 0) step_error(s, "stage '{}' has no loop '{}'", s.target_stage, s.target_loop);
  // The target must be the consumer, or a stage the consumer is computed inside (at or below the
  // target loop), so the producer's values exist before the consumer reads them.
  std::string inner = users[0], where_loop;
  while (inner != s.target_stage) {
    const Stage& c = stage(inner);
    if (c.attach != AttachKind::At)
      step_error(s, "'{}' is neither the consumer '{}' nor a stage it is computed inside", s.target_stage, users[0]);
    where_loop = c.attach_loop;
    inner = c.attach_stage;
  }
  if (!where_loop.empty() && target.find_leaf(where_loop) < target_pos)
    step_error(s, "'{}' is computed at loop '{}', outside '{}'", users[0], where_loop, s.target_loop);
  st.attach = AttachKind::At;
  st.attach_stage = s.target_stage;
  st.attach_loop = s.target_loop;
}

void ScheduleState::apply_compute_inline(const ComputeInlineStep& s) {
  Stage& st = mutable_stage(s.stage, s);
  if (st.is_output) step_error(s, "'{}' is an output and cannot be inlined", s.stage);
  if (st.has_reduction()) step_error(s, "'{}' is a reduction and cannot be inlined", s.stage);
  check_nothing_attached(st, "", s);
  st.attach = AttachKind::Inline;
  st.attach_stage.clear();
  st.attach_loop.clear();
}

void ScheduleState::apply_compute_root(const ComputeRootStep& s) {
  Stage& st = mutable_stage(s.stage, s);
  st.attach = AttachKind::Root;
  st.attach_stage.clear();
  st.attach_loop.clear();
}

void ScheduleState::apply_pragma(const PragmaStep& s) {
  Stage& st = mutable_stage(s.stage, s);
  int pos = st.find_leaf(s.loop);
  if (pos < 0) step_error(s, "stage '{}' has no loop '{}'", s.stage, s.loop);
  if (s.name != "auto_unroll_max_step") step_error(s, "unknown pragma '{}' (known: auto_unroll_max_step)", s.name);
  if (s.value < 0) step_error(s, "auto_unroll_max_step must not be negative");
  st.iters[st.leaves[pos]].auto_unroll_max_step = s.value;
}


std::string ScheduleState::to_string() const {
  std::ostringstream os;
  for (const Stage& st : stages_) {
    os << st.name();
    if (st.attach == AttachKind::Inline) os << " (inlined)";
    if (st.attach == AttachKind::At) os << " (at " << st.attach_stage << "." << st.attach_loop << ")";
    os << ":";
    for (int leaf : st.leaves) {
      const IterInfo& it = st.iters[leaf];
      os << " " << it.name << "[" << it.extent << "]";
      if (it.kind == IterKind::Reduce) os << "r";
      if (it.annotation != LoopAnnotation::None) os << "@" << annotation_name(it.annotation);
      if (it.auto_unroll_max_step) os << "@unroll<=" << it.auto_unroll_max_step;
    }
    os << "\n";
  }
  for (const auto& [tensor, layout] : layouts_) os << tensor << " stored as " << tt::to_string(Step(layout)) << "\n";
  return os.str();
}

}  // namespace tt
