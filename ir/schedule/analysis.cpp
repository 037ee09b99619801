// Stage analysis over a schedule state: Ansor's access analysis (simple access, axis order,
// reuse) computed from each stage's TE body, plus the chain walk that finds a fusable consumer.
#include "ir/schedule/analysis.h"

#include <algorithm>
#include <set>

#include "ir/expr/simplify.h"

namespace tt {

namespace {

// The axis variable of an index that is `v`, `v + c`, `c + v` or `v - c`; nullptr otherwise.
const VarNode* index_var(const Expr& index) {
  if (const auto* v = index.as<VarNode>()) return v;
  if (const auto* add = index.as<AddNode>()) {
    if (add->b.as<IntImmNode>()) return add->a.as<VarNode>();
    if (add->a.as<IntImmNode>()) return add->b.as<VarNode>();
  }
  if (const auto* sub = index.as<SubNode>())
    if (sub->b.as<IntImmNode>()) return sub->a.as<VarNode>();
  return nullptr;
}

// Finds selects and transcendental calls anywhere in a body.
class CostlyNodeFinder : public ExprVisitor {
 public:
  bool has_select = false, has_expensive_call = false;
  void visit_Select(const SelectNode* node) override {
    has_select = true;
    ExprVisitor::visit_Select(node);
  }
  void visit_Call(const CallNode* node) override {
    switch (node->op) {
      case Intrinsic::exp:
      case Intrinsic::log:
      case Intrinsic::tanh:
      case Intrinsic::sigmoid:
      case Intrinsic::erf:
      case Intrinsic::pow:
        has_expensive_call = true;
        break;
      case Intrinsic::sqrt:
      case Intrinsic::fabs:
      case Intrinsic::floor:
      case Intrinsic::ceil:
        break;
    }
    ExprVisitor::visit_Call(node);
  }
};

std::vector<AxisInfo> axes_of(const Stage& st, bool reduce) {
  std::vector<AxisInfo> out;
  const size_t n = st.op->axes.size();
  for (int r = 0; r < st.num_roots; ++r) {
    bool is_reduce = size_t(r) >= n;
    if (is_reduce == reduce) out.push_back(AxisInfo{st.iters[r].name, st.iters[r].extent});
  }
  return out;
}

// True if the read indexes the consumer's axes exactly, dimension d by axis d.
bool reads_at_own_axes(const OperationNode& consumer, const TensorReadNode* read) {
  if (read->indices.size() != consumer.axes.size()) return false;
  for (size_t d = 0; d < read->indices.size(); ++d)
    if (read->indices[d].as<VarNode>() != consumer.axes[d].var.get()) return false;
  return true;
}

}  // namespace

std::vector<std::string> StageAnalysis::producers(const std::string& stage) const {
  std::vector<std::string> out;
  for (const Operation& in : state_.stage(stage).op->input_ops())
    if (!in->is_placeholder()) out.push_back(in->name);
  return out;
}

std::vector<std::string> StageAnalysis::consumers(const std::string& stage) const {
  return state_.consumers(stage);
}

std::vector<AxisInfo> StageAnalysis::spatial_axes(const std::string& stage) const {
  return axes_of(state_.stage(stage), false);
}

std::vector<AxisInfo> StageAnalysis::reduce_axes(const std::string& stage) const {
  return axes_of(state_.stage(stage), true);
}

bool StageAnalysis::is_output(const std::string& stage) const {
  return state_.stage(stage).is_output;
}

bool StageAnalysis::is_simple_access(const std::string& stage) const {
  const OperationNode& op = *state_.stage(stage).op;
  for (const TensorReadNode* read : tensor_reads(op.body))
    for (const Expr& index : read->indices)
      if (!index.as<IntImmNode>() && !index_var(index)) return false;
  return true;
}

bool StageAnalysis::is_strictly_inlinable(const std::string& stage) const {
  const OperationNode& op = *state_.stage(stage).op;
  if (!op.reduce_axes().empty()) return false;
  auto reads = tensor_reads(op.body);
  if (reads.empty()) return true;
  if (!is_simple_access(stage)) return false;
  for (const TensorReadNode* read : reads) {
    // Same order, no duplicate: the axes the read uses appear at strictly increasing positions.
    int last = -1;
    for (const Expr& index : read->indices) {
      const VarNode* v = index_var(index);
      if (!v) continue;  // a constant index
      int position = -1;
      for (size_t a = 0; a < op.axes.size(); ++a)
        if (op.axes[a].var.get() == v) position = int(a);
      if (position <= last) return false;
      last = position;
    }
  }
  CostlyNodeFinder finder;
  finder.visit(op.body);
  return !finder.has_select && !finder.has_expensive_call;
}

int StageAnalysis::num_reused_inputs(const std::string& stage) const {
  const OperationNode& op = *state_.stage(stage).op;
  std::set<const OperationNode*> reused;
  for (const TensorReadNode* read : tensor_reads(op.body)) {
    for (const IterVar& axis : op.axes) {
      if (axis.extent() <= 1) continue;
      bool used = false;
      for (const Expr& index : read->indices) used |= uses_var(index, axis.var.get());
      if (!used) reused.insert(read->op.get());
    }
  }
  return int(reused.size());
}

bool StageAnalysis::needs_multi_level_tiling(const std::string& stage) const {
  int reused = num_reused_inputs(stage);
  return reused >= 2 || (reused >= 1 && state_.stage(stage).has_reduction());
}

std::optional<std::string> StageAnalysis::elementwise_matched_consumer(
    const std::string& stage) const {
  const Stage* current = &state_.stage(stage);
  const std::vector<int64_t> shape = current->op->shape;
  while (true) {
    std::vector<std::string> users = state_.consumers(current->name());
    if (users.size() != 1) return std::nullopt;
    const Stage& user = state_.stage(users[0]);
    if (user.has_reduction() || user.op->shape != shape) return std::nullopt;
    for (const TensorReadNode* read : tensor_reads(user.op->body))
      if (read->op == current->op && !reads_at_own_axes(*user.op, read)) return std::nullopt;
    if (user.attach != AttachKind::Inline) return user.name();
    current = &user;
  }
}

namespace {

// The innermost of `axes` that every read using it indexes only in its last dimension, as the
// axis alone or shifted by a constant, with at least one such read; -1 if none.
int innermost_unit_stride(const std::vector<IterVar>& axes,
                          const std::vector<const TensorReadNode*>& reads) {
  for (int a = int(axes.size()) - 1; a >= 0; --a) {
    const VarNode* v = axes[a].var.get();
    bool friendly = true, any = false;
    for (const TensorReadNode* read : reads) {
      for (size_t d = 0; d < read->indices.size(); ++d) {
        if (!uses_var(read->indices[d], v)) continue;
        if (d + 1 == read->indices.size() && index_var(read->indices[d]) == v) {
          any = true;
        } else {
          friendly = false;
        }
      }
    }
    if (friendly && any) return a;
  }
  return -1;
}

}  // namespace

int StageAnalysis::unit_stride_axis(const std::string& stage) const {
  const OperationNode& op = *state_.stage(stage).op;
  return innermost_unit_stride(op.axes, tensor_reads(op.body));
}

int StageAnalysis::unit_stride_reduce_axis(const std::string& stage) const {
  const OperationNode& op = *state_.stage(stage).op;
  return innermost_unit_stride(op.reduce_axes(), tensor_reads(op.body));
}

std::optional<std::string> StageAnalysis::packable_input(const std::string& stage) const {
  return packable_input(stage, unit_stride_axis(stage));
}

std::optional<std::string> StageAnalysis::packable_input(const std::string& stage, int unit) const {
  const OperationNode& op = *state_.stage(stage).op;
  if (unit < 0 || op.reduce_axes().empty()) return std::nullopt;
  for (const TensorReadNode* read : tensor_reads(op.body)) {
    if (!read->op->is_placeholder() || read->indices.empty() ||
        read->indices.back().as<VarNode>() != op.axes[unit].var.get())
      continue;
    for (const IterVar& r : op.reduce_axes())
      for (const Expr& index : read->indices)
        if (uses_var(index, r.var.get())) return read->op->name;
  }
  return std::nullopt;
}

bool StageAnalysis::used_only_in_last_index(const std::string& stage, int axis, bool reduce) const {
  const OperationNode& op = *state_.stage(stage).op;
  const std::vector<IterVar>& axes = reduce ? op.reduce_axes() : op.axes;
  if (axis < 0 || axis >= int(axes.size())) return false;
  const VarNode* v = axes[axis].var.get();
  bool any = false;
  for (const TensorReadNode* r : tensor_reads(op.body)) {
    for (size_t d = 0; d + 1 < r->indices.size(); ++d)
      if (uses_var(r->indices[d], v)) return false;
    if (!r->indices.empty() && uses_var(r->indices.back(), v)) any = true;
  }
  return any;
}

bool StageAnalysis::reads_with_unit_stride(const std::string& stage, int axis) const {
  const OperationNode& op = *state_.stage(stage).op;
  const Var& v = op.axes.at(axis).var;
  for (const TensorReadNode* r : tensor_reads(op.body)) {
    if (r->indices.empty() || !uses_var(r->indices.back(), v.get())) continue;
    const Expr& index = r->indices.back();
    Expr step = simplify(substitute(index, VarMap{{v.get(), Expr(v) + 1}}) - index);
    if (!is_const_int(step, 1)) return false;
  }
  return true;
}

int StageAnalysis::reuse_axis(const std::string& stage, int vector_axis) const {
  const OperationNode& op = *state_.stage(stage).op;
  const VarNode* v = op.axes.at(vector_axis).var.get();
  auto reads = tensor_reads(op.body);
  for (int a = int(op.axes.size()) - 1; a >= 0; --a) {
    if (a == vector_axis || op.axes[a].extent() <= 1) continue;
    bool reused = true;  // every vector operand is independent of this axis
    for (const TensorReadNode* r : reads) {
      bool vector_operand = !r->indices.empty() && uses_var(r->indices.back(), v);
      for (const Expr& i : r->indices) reused &= !(vector_operand && uses_var(i, op.axes[a].var.get()));
    }
    if (reused) return a;
  }
  for (int a = int(op.axes.size()) - 1; a >= 0; --a)
    if (a != vector_axis && op.axes[a].extent() > 1) return a;
  return -1;
}

}  // namespace tt
