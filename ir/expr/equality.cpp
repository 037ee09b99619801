// Structural equality and hashing of expressions: two expressions are equal when they have the same
// tree, with variables compared by identity and constants by value. The simplifier uses equality to
// cancel terms; workload keys hash printed text instead (see search/).
#include <functional>

#include "ir/error.h"
#include "ir/expr/expr.h"
#include "ir/loop/stmt.h"
#include "ir/te/tensor.h"

namespace tt {

bool structural_equal(const Expr& a, const Expr& b) {
  if (a.same_as(b)) return true;
  if (!a.defined() || !b.defined()) return false;
  if (a.kind() != b.kind() || a.type() != b.type()) return false;
  switch (a.kind()) {
    case ExprKind::IntImm: return a.as<IntImmNode>()->value == b.as<IntImmNode>()->value;
    case ExprKind::FloatImm: return a.as<FloatImmNode>()->value == b.as<FloatImmNode>()->value;
    case ExprKind::Var: return false;  // different nodes
    case ExprKind::Not: return structural_equal(a.as<NotNode>()->a, b.as<NotNode>()->a);
    case ExprKind::Select: {
      auto *x = a.as<SelectNode>(), *y = b.as<SelectNode>();
      return structural_equal(x->cond, y->cond) && structural_equal(x->true_value, y->true_value) &&
             structural_equal(x->false_value, y->false_value);
    }
    case ExprKind::Cast: return structural_equal(a.as<CastNode>()->value, b.as<CastNode>()->value);
    case ExprKind::Call: {
      auto *x = a.as<CallNode>(), *y = b.as<CallNode>();
      if (x->op != y->op || x->args.size() != y->args.size()) return false;
      for (size_t i = 0; i < x->args.size(); ++i)
        if (!structural_equal(x->args[i], y->args[i])) return false;
      return true;
    }
    case ExprKind::Ramp: {
      auto *x = a.as<RampNode>(), *y = b.as<RampNode>();
      return x->lanes == y->lanes && structural_equal(x->base, y->base) && structural_equal(x->stride, y->stride);
    }
    case ExprKind::Broadcast: {
      auto *x = a.as<BroadcastNode>(), *y = b.as<BroadcastNode>();
      return x->lanes == y->lanes && structural_equal(x->value, y->value);
    }
    case ExprKind::Load: {
      auto *x = a.as<LoadNode>(), *y = b.as<LoadNode>();
      return x->buffer == y->buffer && structural_equal(x->index, y->index);
    }
    case ExprKind::TensorRead: {
      auto *x = a.as<TensorReadNode>(), *y = b.as<TensorReadNode>();
      if (x->op != y->op) return false;
      for (size_t i = 0; i < x->indices.size(); ++i)
        if (!structural_equal(x->indices[i], y->indices[i])) return false;
      return true;
    }
    case ExprKind::Reduce: {
      auto *x = a.as<ReduceNode>(), *y = b.as<ReduceNode>();
      if (x->op != y->op || x->axes.size() != y->axes.size()) return false;
      for (size_t i = 0; i < x->axes.size(); ++i)
        if (x->axes[i].var.get() != y->axes[i].var.get()) return false;
      return structural_equal(x->source, y->source);
    }
    default: {
      TT_ASSERT(is_binary(a.kind()), "unhandled kind {}", expr_kind_name(a.kind()));
      auto *x = static_cast<const BinaryNode*>(a.get()), *y = static_cast<const BinaryNode*>(b.get());
      return structural_equal(x->a, y->a) && structural_equal(x->b, y->b);
    }
  }
}

namespace {

size_t combine(size_t seed, size_t value) { return seed ^ (value + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2)); }

class Hasher : public ExprVisitor {
 public:
  size_t hash = 0;
  void visit(const Expr& e) override {
    if (!e.defined()) return;
    hash = combine(hash, size_t(e.kind()) * 131 + e.type().lanes);
    ExprVisitor::visit(e);
  }
  void visit_IntImm(const IntImmNode* n) override { hash = combine(hash, std::hash<int64_t>()(n->value)); }
  void visit_FloatImm(const FloatImmNode* n) override { hash = combine(hash, std::hash<double>()(n->value)); }
  void visit_Var(const VarNode* n) override { hash = combine(hash, std::hash<const void*>()(n)); }
  void visit_Call(const CallNode* n) override {
    hash = combine(hash, size_t(n->op));
    ExprVisitor::visit_Call(n);
  }
  void visit_Load(const LoadNode* n) override {
    hash = combine(hash, std::hash<const void*>()(n->buffer.get()));
    ExprVisitor::visit_Load(n);
  }
  void visit_TensorRead(const TensorReadNode* n) override {
    hash = combine(hash, std::hash<const void*>()(n->op.get()));
    ExprVisitor::visit_TensorRead(n);
  }
};

}  // namespace

size_t structural_hash(const Expr& e) {
  Hasher h;
  h.visit(e);
  return h.hash;
}

}  // namespace tt
