// The winograd step: recognising a 3×3 stride-1 convolution stage and replacing it with the stages
// of its Winograd form (ir/te/winograd.h), the weights read transformed.
#include <algorithm>

#include "ir/expr/simplify.h"
#include "ir/schedule/state.h"
#include "ir/schedule/state_internal.h"
#include "ir/te/ops.h"
#include "ir/te/winograd.h"

namespace tt {

namespace {

bool is_var(const Expr& e, const Var& v) {
  const auto* n = e.as<VarNode>();
  return n && n == v.get();
}

// Whether index expression `e` is `expected` (after simplification).
bool same_index(const Expr& e, const Expr& expected) { return is_const_int(simplify(e - expected), int64_t(0)); }

struct ConvMatch {
  Operation data, weight;
  std::string why_not;  // empty when matched
};

// data[n][rc][h + ry][w + rx] · weight[k][rc][ry][rx] summed over (rc, ry, rx), ry and rx of extent 3:
// what ops::conv2d builds for a 3×3 kernel with stride 1, dilation 1 and one group.
ConvMatch match_direct_conv(const Operation& op) {
  ConvMatch m;
  auto refuse = [&](std::string why) {
    m.why_not = std::move(why);
    return m;
  };
  if (op->tag != ops::kTagConv2d) return refuse(fmt::format("'{}' is not a convolution (tag '{}')", op->name, op->tag));
  const auto* reduce = op->body.as<ReduceNode>();
  if (!reduce || reduce->op != ReduceOp::Sum || reduce->axes.size() != 3 || op->axes.size() != 4)
    return refuse("it is not a sum over input channels and a 2-D window");
  if (reduce->axes[1].extent() != winograd::kKernelSize || reduce->axes[2].extent() != winograd::kKernelSize)
    return refuse(fmt::format("its kernel is {}x{}, not 3x3", reduce->axes[1].extent(), reduce->axes[2].extent()));
  const auto* mul = reduce->source.as<MulNode>();
  const auto* a = mul ? mul->a.as<TensorReadNode>() : nullptr;
  const auto* b = mul ? mul->b.as<TensorReadNode>() : nullptr;
  if (!a || !b || a->indices.size() != 4 || b->indices.size() != 4)
    return refuse("its body is not a product of a data and a weight read");
  const Var &n = op->axes[0].var, &k = op->axes[1].var, &h = op->axes[2].var, &w = op->axes[3].var;
  const Var &rc = reduce->axes[0].var, &ry = reduce->axes[1].var, &rx = reduce->axes[2].var;
  bool data_ok = is_var(a->indices[0], n) && is_var(a->indices[1], rc) && same_index(a->indices[2], h + ry) &&
                 same_index(a->indices[3], w + rx);
  if (!data_ok) return refuse("it is not stride 1, dilation 1 with one group");
  bool weight_ok = is_var(b->indices[0], k) && is_var(b->indices[1], rc) && is_var(b->indices[2], ry) &&
                   is_var(b->indices[3], rx);
  if (!weight_ok) return refuse("its weights are not read as [K][C][3][3]");
  if (!b->op->is_placeholder()) return refuse(fmt::format("its weights '{}' are computed, not an input", b->op->name));
  m.data = a->op;
  m.weight = b->op;
  return m;
}

}  // namespace

void ScheduleState::apply_winograd(const WinogradStep& s) {
  Stage& st = mutable_stage(s.stage, s);
  if (!winograd::supported_tile(s.tile)) step_error(s, "tile {} is not supported (2, 4 or 6)", s.tile);
  if (!st.relations.empty() || st.attach != AttachKind::Root || st.leaves.size() != size_t(st.num_roots))
    step_error(s, "winograd must come before other steps on stage '{}'", s.stage);
  check_nothing_attached(st, "", s);
  const Operation old_op = st.op;
  ConvMatch match = match_direct_conv(old_op);
  if (!match.why_not.empty()) step_error(s, "{}", match.why_not);
  const std::string& weight = match.weight->name;
  for (const Stage& other : stages_) {
    if (&other == &st) continue;
    for (const Operation& in : other.op->input_ops())
      if (in == match.weight) step_error(s, "weights '{}' are also read by '{}'", weight, other.name());
  }
  if (layouts_.count(weight)) step_error(s, "weights '{}' already have a layout (apply winograd first)", weight);
  for (const Tensor& out : outputs_)
    if (out.op() == match.weight) step_error(s, "weights '{}' are an output", weight);

  Tensor u = placeholder(winograd::transformed_weight_shape(match.weight->shape, s.tile), match.weight->dtype, weight);
  std::vector<std::string> names;
  for (const IterVar& iv : old_op->axes) names.push_back(iv.var.name());
  Tensor out = winograd::conv2d(Tensor(match.data), u, old_op->shape[2], old_op->shape[3], s.tile, old_op->name, names);
  // The new stages between the data and the output transform, producers first.
  std::vector<Stage> added;
  for (const Operation& op : topological_order({out})) {
    if (op->is_placeholder() || op == out.op() || op == match.data) continue;
    if (std::find_if(stages_.begin(), stages_.end(), [&](const Stage& x) { return x.op == op; }) != stages_.end())
      continue;
    for (const Stage& x : stages_)
      if (x.name() == op->name) step_error(s, "the state already has a stage named '{}'", op->name);
    added.push_back(make_stage(op));
  }
  size_t index = &st - stages_.data();
  bool is_output = st.is_output;
  replace_operation(index, out.op());
  stages_[index] = make_stage(out.op());
  stages_[index].is_output = is_output;
  // `st` dangles from here on: the insertion moves the stages.
  stages_.insert(stages_.begin() + long(index), added.begin(), added.end());
  weight_transforms_[weight] = s;
}

}  // namespace tt
