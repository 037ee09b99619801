// The default walks of ExprVisitor and ExprMutator, and the passes that need nothing more than them:
// substitution and variable-use queries.
#include "ir/error.h"
#include "ir/expr/expr.h"
#include "ir/te/tensor.h"

namespace tt {

void ExprVisitor::visit(const Expr& e) {
  if (!e.defined()) return;
  switch (e.kind()) {
#define TT_CASE(name) \
  case ExprKind::name: return visit_##name(static_cast<const name##Node*>(e.get()));
    TT_EXPR_NODES(TT_CASE)
#undef TT_CASE
  }
}

void ExprVisitor::visit_IntImm(const IntImmNode*) {}
void ExprVisitor::visit_FloatImm(const FloatImmNode*) {}
void ExprVisitor::visit_Var(const VarNode*) {}
#define TT_VISIT_BINARY(name)                               \
  void ExprVisitor::visit_##name(const name##Node* node) { \
    visit(node->a);                                         \
    visit(node->b);                                         \
  }
TT_VISIT_BINARY(Add)
TT_VISIT_BINARY(Sub)
TT_VISIT_BINARY(Mul)
TT_VISIT_BINARY(Div)
TT_VISIT_BINARY(Mod)
TT_VISIT_BINARY(Min)
TT_VISIT_BINARY(Max)
TT_VISIT_BINARY(EQ)
TT_VISIT_BINARY(NE)
TT_VISIT_BINARY(LT)
TT_VISIT_BINARY(LE)
TT_VISIT_BINARY(GT)
TT_VISIT_BINARY(GE)
TT_VISIT_BINARY(And)
TT_VISIT_BINARY(Or)
#undef TT_VISIT_BINARY
void ExprVisitor::visit_Not(const NotNode* node) { visit(node->a); }
void ExprVisitor::visit_Select(const SelectNode* node) {
  visit(node->cond);
  visit(node->true_value);
  visit(node->false_value);
}
void ExprVisitor::visit_Cast(const CastNode* node) { visit(node->value); }
void ExprVisitor::visit_Call(const CallNode* node) {
  for (const Expr& a : node->args) visit(a);
}
void ExprVisitor::visit_Ramp(const RampNode* node) {
  visit(node->base);
  visit(node->stride);
}
void ExprVisitor::visit_Broadcast(const BroadcastNode* node) { visit(node->value); }
void ExprVisitor::visit_Load(const LoadNode* node) { visit(node->index); }
void ExprVisitor::visit_TensorRead(const TensorReadNode* node) {
  for (const Expr& i : node->indices) visit(i);
}
void ExprVisitor::visit_Reduce(const ReduceNode* node) { visit(node->source); }

Expr ExprMutator::mutate(const Expr& e) {
  if (!e.defined()) return e;
  switch (e.kind()) {
#define TT_CASE(name) \
  case ExprKind::name: return mutate_##name(static_cast<const name##Node*>(e.get()), e);
    TT_EXPR_NODES(TT_CASE)
#undef TT_CASE
  }
  internal_error("unknown expression kind");
}

Expr ExprMutator::mutate_IntImm(const IntImmNode*, const Expr& self) { return self; }
Expr ExprMutator::mutate_FloatImm(const FloatImmNode*, const Expr& self) { return self; }
Expr ExprMutator::mutate_Var(const VarNode*, const Expr& self) { return self; }
#define TT_MUTATE_BINARY(name)                                                   \
  Expr ExprMutator::mutate_##name(const name##Node* node, const Expr& self) {    \
    Expr a = mutate(node->a), b = mutate(node->b);                               \
    if (a.same_as(node->a) && b.same_as(node->b)) return self;                   \
    return name##Node::make(a, b);                                               \
  }
TT_MUTATE_BINARY(Add)
TT_MUTATE_BINARY(Sub)
TT_MUTATE_BINARY(Mul)
TT_MUTATE_BINARY(Div)
TT_MUTATE_BINARY(Mod)
TT_MUTATE_BINARY(Min)
TT_MUTATE_BINARY(Max)
TT_MUTATE_BINARY(EQ)
TT_MUTATE_BINARY(NE)
TT_MUTATE_BINARY(LT)
TT_MUTATE_BINARY(LE)
TT_MUTATE_BINARY(GT)
TT_MUTATE_BINARY(GE)
TT_MUTATE_BINARY(And)
TT_MUTATE_BINARY(Or)
#undef TT_MUTATE_BINARY

Expr ExprMutator::mutate_Not(const NotNode* node, const Expr& self) {
  Expr a = mutate(node->a);
  return a.same_as(node->a) ? self : NotNode::make(a);
}
Expr ExprMutator::mutate_Select(const SelectNode* node, const Expr& self) {
  Expr c = mutate(node->cond), t = mutate(node->true_value), f = mutate(node->false_value);
  if (c.same_as(node->cond) && t.same_as(node->true_value) && f.same_as(node->false_value)) return self;
  return SelectNode::make(c, t, f);
}
Expr ExprMutator::mutate_Cast(const CastNode* node, const Expr& self) {
  Expr v = mutate(node->value);
  return v.same_as(node->value) ? self : CastNode::make(node->type, v);
}
Expr ExprMutator::mutate_Call(const CallNode* node, const Expr& self) {
  std::vector<Expr> args;
  bool changed = false;
  for (const Expr& a : node->args) {
    args.push_back(mutate(a));
    changed |= !args.back().same_as(a);
  }
  return changed ? CallNode::make(node->op, std::move(args)) : self;
}
Expr ExprMutator::mutate_Ramp(const RampNode* node, const Expr& self) {
  Expr b = mutate(node->base), s = mutate(node->stride);
  if (b.same_as(node->base) && s.same_as(node->stride)) return self;
  return RampNode::make(b, s, node->lanes);
}
Expr ExprMutator::mutate_Broadcast(const BroadcastNode* node, const Expr& self) {
  Expr v = mutate(node->value);
  return v.same_as(node->value) ? self : BroadcastNode::make(v, node->lanes);
}
Expr ExprMutator::mutate_Load(const LoadNode* node, const Expr& self) {
  Expr i = mutate(node->index);
  return i.same_as(node->index) ? self : LoadNode::make(node->buffer, i);
}
Expr ExprMutator::mutate_TensorRead(const TensorReadNode* node, const Expr& self) {
  std::vector<Expr> indices;
  bool changed = false;
  for (const Expr& i : node->indices) {
    indices.push_back(mutate(i));
    changed |= !indices.back().same_as(i);
  }
  return changed ? TensorReadNode::make(node->op, std::move(indices)) : self;
}
Expr ExprMutator::mutate_Reduce(const ReduceNode* node, const Expr& self) {
  Expr s = mutate(node->source);
  return s.same_as(node->source) ? self : ReduceNode::make(node->op, s, node->axes);
}

namespace {

class Substituter : public ExprMutator {
 public:
  explicit Substituter(const VarMap& map) : map_(map) {}
  Expr mutate_Var(const VarNode* node, const Expr& self) override {
    auto it = map_.find(node);
    return it == map_.end() ? self : it->second;
  }

 private:
  const VarMap& map_;
};

class VarFinder : public ExprVisitor {
 public:
  explicit VarFinder(const std::vector<const VarNode*>& vars) : vars_(vars) {}
  void visit_Var(const VarNode* node) override {
    for (const VarNode* v : vars_) found |= (v == node);
  }
  bool found = false;

 private:
  const std::vector<const VarNode*>& vars_;
};

}  // namespace

Expr substitute(const Expr& e, const VarMap& map) {
  if (map.empty()) return e;
  Substituter s(map);
  return s.mutate(e);
}

bool uses_any_var(const Expr& e, const std::vector<const VarNode*>& vars) {
  VarFinder finder(vars);
  finder.visit(e);
  return finder.found;
}

bool uses_var(const Expr& e, const VarNode* var) { return uses_any_var(e, {var}); }

}  // namespace tt
