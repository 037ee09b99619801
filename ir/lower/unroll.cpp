// Statement simplification and loop unrolling. simplify_stmt knows each loop variable's range, so
// tail guards of divisible splits fold away and one-iteration loops disappear; unrolling then
// leaves constant indices, which is what lets LLVM keep a register tile in registers.
#include "ir/error.h"
#include "ir/expr/simplify.h"
#include "ir/lower/passes.h"

namespace tt {

namespace {

class StmtSimplifier : public PruningStmtMutator {
 public:
  Expr mutate(const Expr& e) override { return simplify(e, ranges_); }

  Stmt mutate_For(const ForNode* n, const Stmt& self) override {
    Expr min = mutate(n->min), extent = mutate(n->extent);
    int64_t lo, ext;
    if (is_const_int(extent, &ext) && ext <= 0) return Stmt();
    if (is_const_int(extent, &ext) && ext == 1 && n->for_kind != ForKind::Parallel) {
      return mutate_stmt(substitute(n->body, VarMap{{n->var.get(), min}}));
    }
    if (is_const_int(min, &lo) && is_const_int(extent, &ext)) ranges_[n->var.get()] = IntInterval{lo, lo + ext - 1};
    Stmt body = mutate_stmt(n->body);
    ranges_.erase(n->var.get());
    if (!body.defined()) return Stmt();
    if (min.same_as(n->min) && extent.same_as(n->extent) && body.same_as(n->body)) return self;
    return ForNode::make(n->var, min, extent, n->for_kind, body);
  }

  Stmt mutate_IfThenElse(const IfThenElseNode* n, const Stmt& self) override {
    Expr cond = mutate(n->cond);
    int64_t v;
    if (is_const_int(cond, &v)) return v ? mutate_stmt(n->then_case) : mutate_stmt(n->else_case);
    Stmt t = mutate_stmt(n->then_case), e = mutate_stmt(n->else_case);
    if (!t.defined() && !e.defined()) return Stmt();
    if (!t.defined()) return IfThenElseNode::make(NotNode::make(cond), e);
    if (cond.same_as(n->cond) && t.same_as(n->then_case) && e.same_as(n->else_case)) return self;
    return IfThenElseNode::make(cond, t, e);
  }

  Stmt mutate_LetStmt(const LetStmtNode* n, const Stmt& self) override {
    Expr value = mutate(n->value);
    Stmt body = mutate_stmt(n->body);
    if (!body.defined()) return Stmt();
    if (value.same_as(n->value) && body.same_as(n->body)) return self;
    return LetStmtNode::make(n->var, value, body);
  }

 private:
  VarRanges ranges_;
};

// The number of innermost-body executions of a statement (loops multiplied, blocks summed); -1 if
// any extent is not constant.
int64_t iteration_count(const Stmt& s) {
  if (!s.defined()) return 0;
  if (const auto* f = s.as<ForNode>()) {
    int64_t ext, inner = iteration_count(f->body);
    if (!is_const_int(f->extent, &ext) || inner < 0) return -1;
    return ext * inner;
  }
  if (const auto* b = s.as<BlockNode>()) {
    int64_t total = 0;
    for (const Stmt& c : b->stmts) {
      int64_t n = iteration_count(c);
      if (n < 0) return -1;
      total += n;
    }
    return total;
  }
  if (const auto* l = s.as<LetStmtNode>()) return iteration_count(l->body);
  if (const auto* a = s.as<AllocateNode>()) return iteration_count(a->body);
  if (const auto* i = s.as<IfThenElseNode>()) {
    int64_t t = iteration_count(i->then_case), e = iteration_count(i->else_case);
    return t < 0 || e < 0 ? -1 : std::max<int64_t>(1, t + e);
  }
  return 1;
}

class AutoUnroller : public StmtMutator {
 public:
  explicit AutoUnroller(const std::unordered_map<const VarNode*, int64_t>& steps) : steps_(steps) {}
  Stmt mutate_For(const ForNode* n, const Stmt& self) override {
    int64_t saved = limit_;
    auto it = steps_.find(n->var.get());
    if (it != steps_.end()) limit_ = std::max(limit_, it->second);
    Stmt body = mutate_stmt(n->body);
    limit_ = saved;
    ForKind kind = n->for_kind;
    // Only loops strictly inside the pragma's loop are candidates.
    int64_t count = iteration_count(ForNode::make(n->var, n->min, n->extent, ForKind::Serial, body));
    if (kind == ForKind::Serial && limit_ > 0 && count >= 0 && count <= limit_ && is_const_int(n->extent)) kind = ForKind::Unrolled;
    if (kind == n->for_kind && body.same_as(n->body)) return self;
    return ForNode::make(n->var, n->min, n->extent, kind, body);
  }

 private:
  const std::unordered_map<const VarNode*, int64_t>& steps_;
  int64_t limit_ = 0;
};

class Unroller : public StmtMutator {
 public:
  Stmt mutate_For(const ForNode* n, const Stmt& self) override {
    Stmt body = mutate_stmt(n->body);
    if (n->for_kind != ForKind::Unrolled) {
      return body.same_as(n->body) ? self : ForNode::make(n->var, n->min, n->extent, n->for_kind, body);
    }
    int64_t ext = const_int(n->extent);
    // Past this many statement copies unrolling only bloats the code; the loop stays a loop.
    constexpr int64_t kMaxUnrolledCopies = 512;
    int64_t inner = iteration_count(body);
    if (inner < 0 || ext * std::max<int64_t>(inner, 1) > kMaxUnrolledCopies)
      return ForNode::make(n->var, n->min, n->extent, ForKind::Serial, body);
    std::vector<Stmt> copies;
    for (int64_t i = 0; i < ext; ++i) copies.push_back(substitute(body, VarMap{{n->var.get(), simplify(n->min + Expr(i))}}));
    if (copies.empty()) return Stmt();
    return BlockNode::make(copies);
  }
};

}  // namespace

Stmt simplify_stmt(const Stmt& s) {
  StmtSimplifier simplifier;
  Stmt out = simplifier.mutate_stmt(s);
  TT_ASSERT(out.defined(), "the kernel body simplified to nothing");
  return out;
}

Stmt simplify_substmt(const Stmt& s) {
  StmtSimplifier simplifier;
  return simplifier.mutate_stmt(s);
}

Stmt apply_auto_unroll(const Stmt& s, const std::unordered_map<const VarNode*, int64_t>& max_steps) {
  if (max_steps.empty()) return s;
  AutoUnroller unroller(max_steps);
  return unroller.mutate_stmt(s);
}

Stmt unroll_loops(const Stmt& s) {
  Unroller unroller;
  return unroller.mutate_stmt(s);
}

}  // namespace tt
