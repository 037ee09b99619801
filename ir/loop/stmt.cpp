// Construction of loop IR statements and the default visitor/mutator walks.
#include "ir/loop/stmt.h"

#include "ir/error.h"
#include "ir/int_math.h"
#include "ir/ndarray.h"

namespace tt {

const char* for_kind_name(ForKind kind) {
  switch (kind) {
    case ForKind::Serial: return "for";
    case ForKind::Parallel: return "parallel";
    case ForKind::Vectorized: return "vectorized";
    case ForKind::Unrolled: return "unrolled";
  }
  return "?";
}

Buffer BufferNode::make(std::string name, DType dtype, std::vector<int64_t> shape, BufferScope scope) {
  TT_ASSERT(dtype.lanes == 1, "buffer {} of vector type", name);
  auto b = std::make_shared<BufferNode>();
  b->name = std::move(name);
  b->dtype = dtype;
  for (int64_t d : shape) TT_ASSERT(d > 0, "buffer {} has a non-positive dimension", b->name);
  // Kernels index in 32 bits (codegen's nsw i32 arithmetic): a buffer past that — a packed or
  // padded layout can outgrow the tensor it holds — is refused here rather than miscompiled.
  std::optional<int64_t> size = checked_product(shape);
  if (!size || *size > kMaxTensorElements)
    user_error("buffer {} of shape {} needs more than {} elements; kernels index in 32 bits", b->name,
               shape_to_string(shape), kMaxTensorElements);
  b->size = *size;
  b->shape = std::move(shape);
  b->scope = scope;
  return b;
}

Stmt ForNode::make(Var var, Expr min, Expr extent, ForKind kind, Stmt body) {
  TT_ASSERT(min.defined() && extent.defined() && body.defined(), "incomplete For over {}", var.name());
  TT_ASSERT(min.type() == DType::int32() && extent.type() == DType::int32(), "For bounds must be int32");
  if (kind == ForKind::Vectorized || kind == ForKind::Unrolled) {
    TT_ASSERT(is_const_int(extent), "{} loop over {} needs a constant extent, got {}", for_kind_name(kind),
              var.name(), to_string(extent));
  }
  return Stmt(std::make_shared<const ForNode>(std::move(var), std::move(min), std::move(extent), kind, std::move(body)));
}

Stmt LetStmtNode::make(Var var, Expr value, Stmt body) {
  TT_ASSERT(value.defined() && body.defined(), "incomplete LetStmt {}", var.name());
  TT_ASSERT(value.type() == var.type(), "LetStmt {} of type {} bound to {}", var.name(), var.type().to_string(),
            value.type().to_string());
  return Stmt(std::make_shared<const LetStmtNode>(std::move(var), std::move(value), std::move(body)));
}

Stmt IfThenElseNode::make(Expr cond, Stmt then_case, Stmt else_case) {
  TT_ASSERT(cond.defined() && then_case.defined(), "incomplete IfThenElse");
  TT_ASSERT(cond.type() == DType::boolean(), "IfThenElse condition of type {}", cond.type().to_string());
  return Stmt(std::make_shared<const IfThenElseNode>(std::move(cond), std::move(then_case), std::move(else_case)));
}

Stmt StoreNode::make(Buffer buffer, Expr index, Expr value) {
  TT_ASSERT(buffer && index.defined() && value.defined(), "incomplete Store");
  TT_ASSERT(index.type().is_integer_like(), "Store index of type {}", index.type().to_string());
  TT_ASSERT(value.type() == buffer->dtype.with_lanes(index.type().lanes), "Store of {} into {} buffer {} at {}-lane index",
            value.type().to_string(), buffer->dtype.to_string(), buffer->name, index.type().lanes);
  return Stmt(std::make_shared<const StoreNode>(std::move(buffer), std::move(index), std::move(value)));
}

Stmt AllocateNode::make(Buffer buffer, Stmt body) {
  TT_ASSERT(buffer && buffer->scope == BufferScope::Local, "Allocate of a non-local buffer");
  TT_ASSERT(body.defined(), "Allocate {} without a body", buffer->name);
  return Stmt(std::make_shared<const AllocateNode>(std::move(buffer), std::move(body)));
}

Stmt BlockNode::make(std::vector<Stmt> stmts) {
  std::vector<Stmt> flat;
  for (Stmt& s : stmts) {
    if (!s.defined()) continue;
    if (const auto* b = s.as<BlockNode>()) {
      flat.insert(flat.end(), b->stmts.begin(), b->stmts.end());
    } else {
      flat.push_back(std::move(s));
    }
  }
  TT_ASSERT(!flat.empty(), "empty Block");
  if (flat.size() == 1) return flat[0];
  return Stmt(std::make_shared<const BlockNode>(std::move(flat)));
}

void StmtVisitor::visit_stmt(const Stmt& s) {
  if (!s.defined()) return;
  switch (s.kind()) {
#define TT_CASE(name) \
  case StmtKind::name: return visit_##name(static_cast<const name##Node*>(s.get()));
    TT_STMT_NODES(TT_CASE)
#undef TT_CASE
  }
}

void StmtVisitor::visit_For(const ForNode* n) {
  visit(n->min);
  visit(n->extent);
  visit_stmt(n->body);
}
void StmtVisitor::visit_LetStmt(const LetStmtNode* n) {
  visit(n->value);
  visit_stmt(n->body);
}
void StmtVisitor::visit_IfThenElse(const IfThenElseNode* n) {
  visit(n->cond);
  visit_stmt(n->then_case);
  visit_stmt(n->else_case);
}
void StmtVisitor::visit_Store(const StoreNode* n) {
  visit(n->index);
  visit(n->value);
}
void StmtVisitor::visit_Allocate(const AllocateNode* n) { visit_stmt(n->body); }
void StmtVisitor::visit_Block(const BlockNode* n) {
  for (const Stmt& s : n->stmts) visit_stmt(s);
}

Stmt StmtMutator::mutate_stmt(const Stmt& s) {
  if (!s.defined()) return s;
  switch (s.kind()) {
#define TT_CASE(name) \
  case StmtKind::name: return mutate_##name(static_cast<const name##Node*>(s.get()), s);
    TT_STMT_NODES(TT_CASE)
#undef TT_CASE
  }
  internal_error("unknown statement kind");
}

Stmt StmtMutator::mutate_For(const ForNode* n, const Stmt& self) {
  Expr min = mutate(n->min), extent = mutate(n->extent);
  Stmt body = mutate_stmt(n->body);
  if (min.same_as(n->min) && extent.same_as(n->extent) && body.same_as(n->body)) return self;
  return ForNode::make(n->var, min, extent, n->for_kind, body);
}
Stmt StmtMutator::mutate_LetStmt(const LetStmtNode* n, const Stmt& self) {
  Expr value = mutate(n->value);
  Stmt body = mutate_stmt(n->body);
  if (value.same_as(n->value) && body.same_as(n->body)) return self;
  return LetStmtNode::make(n->var, value, body);
}
Stmt StmtMutator::mutate_IfThenElse(const IfThenElseNode* n, const Stmt& self) {
  Expr cond = mutate(n->cond);
  Stmt t = mutate_stmt(n->then_case), e = mutate_stmt(n->else_case);
  if (cond.same_as(n->cond) && t.same_as(n->then_case) && e.same_as(n->else_case)) return self;
  return IfThenElseNode::make(cond, t, e);
}
Stmt StmtMutator::mutate_Store(const StoreNode* n, const Stmt& self) {
  Expr index = mutate(n->index), value = mutate(n->value);
  if (index.same_as(n->index) && value.same_as(n->value)) return self;
  return StoreNode::make(n->buffer, index, value);
}
Stmt StmtMutator::mutate_Allocate(const AllocateNode* n, const Stmt& self) {
  Stmt body = mutate_stmt(n->body);
  return body.same_as(n->body) ? self : AllocateNode::make(n->buffer, body);
}
Stmt StmtMutator::mutate_Block(const BlockNode* n, const Stmt& self) {
  std::vector<Stmt> stmts;
  bool changed = false;
  for (const Stmt& s : n->stmts) {
    stmts.push_back(mutate_stmt(s));
    changed |= !stmts.back().same_as(s);
  }
  return changed ? BlockNode::make(std::move(stmts)) : self;
}

namespace {
class StmtSubstituter : public StmtMutator {
 public:
  explicit StmtSubstituter(const VarMap& map) : map_(map) {}
  Expr mutate_Var(const VarNode* node, const Expr& self) override {
    auto it = map_.find(node);
    return it == map_.end() ? self : it->second;
  }

 private:
  const VarMap& map_;
};
}  // namespace

Stmt substitute(const Stmt& s, const VarMap& map) {
  if (map.empty()) return s;
  StmtSubstituter sub(map);
  return sub.mutate_stmt(s);
}

}  // namespace tt
