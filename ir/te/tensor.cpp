// Placeholders, computes and reductions: the constructors of the tensor-expression graph, and its
// traversal in producer-before-consumer order.
#include "ir/te/tensor.h"

#include <fmt/ranges.h>

#include <functional>
#include <set>
#include <sstream>

#include "ir/error.h"
#include "ir/int_math.h"

namespace tt {

namespace {

class ReadCollector : public ExprVisitor {
 public:
  void visit_TensorRead(const TensorReadNode* n) override {
    reads.push_back(n);
    ExprVisitor::visit_TensorRead(n);
  }
  std::vector<const TensorReadNode*> reads;
};

const std::vector<IterVar> kNoAxes;

}  // namespace

const std::vector<IterVar>& OperationNode::reduce_axes() const {
  if (const auto* r = body.as<ReduceNode>()) return r->axes;
  return kNoAxes;
}

std::vector<const TensorReadNode*> tensor_reads(const Expr& e) {
  ReadCollector c;
  c.visit(e);
  return c.reads;
}

std::vector<Operation> OperationNode::input_ops() const {
  std::set<const OperationNode*> seen;
  std::vector<Operation> ops;
  for (const TensorReadNode* r : tensor_reads(body))
    if (seen.insert(r->op.get()).second) ops.push_back(r->op);
  return ops;
}

int64_t Tensor::num_elements() const {
  int64_t n = 1;
  for (int64_t d : shape()) n *= d;
  return n;
}

Expr Tensor::operator()(std::vector<Expr> indices) const {
  if (int(indices.size()) != ndim()) {
    internal_error("tensor {} has {} dimensions but is read with {} indices", name(), ndim(), indices.size());
  }
  return TensorReadNode::make(op_, std::move(indices));
}

namespace {

// Every tensor fits the kernels' 32-bit index arithmetic (int_math.h).
void check_size(const std::vector<int64_t>& shape, const char* kind, const std::string& name) {
  std::optional<int64_t> count = checked_product(shape);
  if (!count || *count > kMaxTensorElements)
    user_error("{} '{}' of shape [{}] has {} elements; tensortune's kernels index tensors of at most 2^31 - 1 elements",
               kind, name, fmt::join(shape, ", "), count ? std::to_string(*count) : "more than 2^63");
}

}  // namespace

Tensor placeholder(std::vector<int64_t> shape, DType dtype, std::string name) {
  for (int64_t d : shape) {
    if (d <= 0) user_error("placeholder '{}': dimension {} is not positive", name, d);
  }
  check_size(shape, "placeholder", name);
  auto op = std::make_shared<OperationNode>();
  op->op_kind = OpKind::Placeholder;
  op->name = std::move(name);
  op->dtype = dtype;
  op->shape = std::move(shape);
  return Tensor(op);
}

Tensor compute(std::vector<int64_t> shape, const ComputeBody& body, std::string name, std::string tag) {
  static const char* kAxisNames[] = {"i", "j", "k", "l", "m", "n", "o", "p"};
  auto op = std::make_shared<OperationNode>();
  op->op_kind = OpKind::Compute;
  op->name = std::move(name);
  op->tag = std::move(tag);
  std::vector<Var> vars;
  for (int64_t d : shape)
    if (d <= 0) user_error("compute '{}': dimension {} is not positive", op->name, d);
  check_size(shape, "compute", op->name);
  for (size_t d = 0; d < shape.size(); ++d) {
    std::string axis_name = d < 8 ? kAxisNames[d] : "ax" + std::to_string(d);
    Var v(axis_name);
    vars.push_back(v);
    op->axes.push_back(IterVar{v, Range{Expr(0), Expr(shape[d])}, IterKind::DataParallel});
  }
  op->shape = std::move(shape);
  op->body = body(vars);
  TT_ASSERT(op->body.defined(), "compute {} has an undefined body", op->name);
  TT_ASSERT(op->body.type().lanes == 1, "compute {} has a vector body", op->name);
  op->dtype = op->body.type();
  return Tensor(op);
}

IterVar reduce_axis(int64_t extent, std::string name) {
  if (extent <= 0) user_error("reduce axis '{}' has non-positive extent {}", name, extent);
  return IterVar{Var(std::move(name)), Range{Expr(0), Expr(extent)}, IterKind::Reduce};
}

Expr sum(Expr source, std::vector<IterVar> axes) { return ReduceNode::make(ReduceOp::Sum, source, axes); }
Expr reduce_max(Expr source, std::vector<IterVar> axes) { return ReduceNode::make(ReduceOp::Max, source, axes); }
Expr reduce_min(Expr source, std::vector<IterVar> axes) { return ReduceNode::make(ReduceOp::Min, source, axes); }

std::vector<Operation> topological_order(const std::vector<Tensor>& outputs) {
  std::vector<Operation> order;
  std::set<const OperationNode*> visited;
  std::function<void(const Operation&)> visit = [&](const Operation& op) {
    if (!visited.insert(op.get()).second) return;
    if (!op->is_placeholder()) {
      for (const Operation& in : op->input_ops()) visit(in);
    }
    order.push_back(op);
  };
  for (const Tensor& t : outputs) visit(t.op());
  return order;
}

std::string to_string(const std::vector<Tensor>& outputs) {
  std::ostringstream os;
  for (const Operation& op : topological_order(outputs)) {
    os << op->name << "[";
    for (size_t d = 0; d < op->shape.size(); ++d) os << (d ? ", " : "") << op->shape[d];
    os << "] " << op->dtype.to_string();
    if (op->is_placeholder()) {
      os << " = placeholder\n";
      continue;
    }
    os << " = compute(";
    for (size_t d = 0; d < op->axes.size(); ++d) os << (d ? ", " : "") << op->axes[d].var.name();
    os << ") " << to_string(op->body);
    if (!op->tag.empty()) os << "  # " << op->tag;
    os << "\n";
  }
  return os.str();
}

}  // namespace tt
