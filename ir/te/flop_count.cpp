// FLOP counting by a walk over each compute body; see flop_count.h for the rules.
#include "ir/te/flop_count.h"

#include <algorithm>

#include "ir/error.h"

namespace tt {

namespace {

// Operations per evaluation of `e`, counting only arithmetic on values of type code `code`.
int64_t count(const Expr& e, TypeCode code) {
  if (!e.defined()) return 0;
  const ExprNode* node = e.get();
  if (is_binary(node->kind)) {
    const auto* b = static_cast<const BinaryNode*>(node);
    int64_t self = b->a.type().code == code ? 1 : 0;
    return self + count(b->a, code) + count(b->b, code);
  }
  switch (node->kind) {
    case ExprKind::Not:
      return count(e.as<NotNode>()->a, code);
    case ExprKind::Select: {
      const auto* s = e.as<SelectNode>();
      return count(s->cond, code) +
             std::max(count(s->true_value, code), count(s->false_value, code));
    }
    case ExprKind::Cast:
      return count(e.as<CastNode>()->value, code);
    case ExprKind::Call: {
      int64_t n = 0;
      for (const Expr& a : e.as<CallNode>()->args) n += count(a, code);
      return n;
    }
    case ExprKind::TensorRead: {
      int64_t n = 0;
      for (const Expr& i : e.as<TensorReadNode>()->indices) n += count(i, code);
      return n;
    }
    case ExprKind::Reduce: {
      const auto* r = e.as<ReduceNode>();
      int64_t iterations = 1;
      for (const IterVar& axis : r->axes) iterations *= axis.extent();
      int64_t combiner = r->type.code == code ? 1 : 0;
      return iterations * (count(r->source, code) + combiner);
    }
    case ExprKind::IntImm:
    case ExprKind::FloatImm:
    case ExprKind::Var:
      return 0;
    default:
      internal_error("flop_count: unexpected {} node in a compute body",
                     expr_kind_name(node->kind));
  }
}

}  // namespace

int64_t flop_count(const OperationNode& op) {
  if (op.is_placeholder()) return 0;
  int64_t elements = 1;
  for (int64_t d : op.shape) elements *= d;
  return elements * count(op.body, op.dtype.code);
}

int64_t flop_count(const std::vector<Tensor>& outputs) {
  int64_t total = 0;
  for (const Operation& op : topological_order(outputs)) total += flop_count(*op);
  return total;
}

}  // namespace tt
