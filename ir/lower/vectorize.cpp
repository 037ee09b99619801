// Vectorization of loops marked Vectorized: the loop variable becomes ramp(min, 1, lanes) and every
// expression that depends on it becomes a vector of that many lanes; loop-invariant values stay
// scalar and are broadcast where they meet a vector. Codegen then emits explicit LLVM vector IR,
// so vectorization never depends on LLVM's loop vectorizer. A body that cannot be vectorized
// safely keeps its serial loop (see passes.h for the cases).
#include "ir/error.h"
#include "ir/expr/simplify.h"
#include "ir/lower/passes.h"

namespace tt {

namespace {

// Thrown inside the widening when the body cannot be vectorized; caught at the loop.
struct CannotVectorize {};

class Widener : public StmtMutator {
 public:
  Widener(const VarNode* var, Expr min, int lanes) : var_(var), min_(std::move(min)), lanes_(lanes) {}

  Expr mutate_Var(const VarNode* n, const Expr& self) override {
    if (n == var_) return RampNode::make(min_, Expr(1), lanes_);
    return self;
  }

  Expr widen(const Expr& e) {
    if (e.type().lanes == lanes_) return e;
    return BroadcastNode::make(e, lanes_);
  }

#define TT_WIDEN_BINARY(name)                                                 \
  Expr mutate_##name(const name##Node* n, const Expr& self) override {        \
    Expr a = mutate(n->a), b = mutate(n->b);                                  \
    if (a.same_as(n->a) && b.same_as(n->b)) return self;                      \
    if (a.type().lanes == 1 && b.type().lanes == 1) return name##Node::make(a, b); \
    return name##Node::make(widen(a), widen(b));                              \
  }
  // Index arithmetic keeps ramps as ramps, so a unit-stride access stays recognisable as one
  // contiguous vector load: x(b) + ramp(r, s) = ramp(b + r, s), ramp(r, s) * x(c) = ramp(r*c, s*c).
  Expr mutate_Add(const AddNode* n, const Expr& self) override { return ramp_arith(n, self); }
  Expr mutate_Sub(const SubNode* n, const Expr& self) override { return ramp_arith(n, self); }
  Expr mutate_Mul(const MulNode* n, const Expr& self) override { return ramp_arith(n, self); }
  TT_WIDEN_BINARY(Div)
  TT_WIDEN_BINARY(Mod)
  TT_WIDEN_BINARY(Min)
  TT_WIDEN_BINARY(Max)
  TT_WIDEN_BINARY(EQ)
  TT_WIDEN_BINARY(NE)
  TT_WIDEN_BINARY(LT)
  TT_WIDEN_BINARY(LE)
  TT_WIDEN_BINARY(GT)
  TT_WIDEN_BINARY(GE)
  TT_WIDEN_BINARY(And)
  TT_WIDEN_BINARY(Or)
#undef TT_WIDEN_BINARY

  Expr ramp_arith(const BinaryNode* n, const Expr& self) {
    Expr a = mutate(n->a), b = mutate(n->b);
    if (a.same_as(n->a) && b.same_as(n->b)) return self;
    ExprKind k = n->kind;
    auto make = [k](Expr x, Expr y) -> Expr {
      if (k == ExprKind::Add) return AddNode::make(x, y);
      if (k == ExprKind::Sub) return SubNode::make(x, y);
      return MulNode::make(x, y);
    };
    if (a.type().lanes == 1 && b.type().lanes == 1) return make(a, b);
    const auto* ra = a.as<RampNode>();
    const auto* rb = b.as<RampNode>();
    if (a.type().is_integer_like()) {
      if (ra && b.type().lanes == 1) {
        if (k == ExprKind::Mul) return RampNode::make(simplify(ra->base * b), simplify(ra->stride * b), lanes_);
        return RampNode::make(simplify(make(ra->base, b)), ra->stride, lanes_);
      }
      if (rb && a.type().lanes == 1) {
        if (k == ExprKind::Mul) return RampNode::make(simplify(a * rb->base), simplify(a * rb->stride), lanes_);
        if (k == ExprKind::Add) return RampNode::make(simplify(a + rb->base), rb->stride, lanes_);
      }
      if (ra && rb && k != ExprKind::Mul) {
        return RampNode::make(simplify(make(ra->base, rb->base)), simplify(make(ra->stride, rb->stride)), lanes_);
      }
    }
    return make(widen(a), widen(b));
  }

  // What codegen can evaluate under a mask (emit_guarded): an expression without loads, a load
  // whose index loads nothing, or a select of such.
  static bool guardable(const Expr& e) {
    if (!contains_load(e)) return true;
    if (const auto* load = e.as<LoadNode>()) return !contains_load(load->index);
    if (const auto* select = e.as<SelectNode>()) return guardable(select->true_value) && guardable(select->false_value);
    return false;
  }
  Expr widen_guarded(const Expr& e) {
    if (const auto* load = e.as<LoadNode>(); load && load->type.lanes == 1)
      return LoadNode::make(load->buffer, BroadcastNode::make(load->index, lanes_));
    if (const auto* select = e.as<SelectNode>(); select && contains_load(e))
      return SelectNode::make(select->cond, widen_guarded(select->true_value), widen_guarded(select->false_value));
    return widen(e);
  }

  Expr mutate_Select(const SelectNode* n, const Expr& self) override {
    Expr c = mutate(n->cond), t = mutate(n->true_value), f = mutate(n->false_value);
    if (c.same_as(n->cond) && t.same_as(n->true_value) && f.same_as(n->false_value)) return self;
    // A lane-varying condition guarding a load could read out of bounds in the lanes it excludes;
    // when the load is the whole branch (a padding read), codegen makes it a masked load, which
    // touches only the selected lanes.
    // Branches that are selects of loads (a concatenation along the vector axis) are masked the same
    // way, each load under its conditions.
    if (c.type().lanes > 1) {
      if (!guardable(t) || !guardable(f)) throw CannotVectorize{};
      // Scalar loads in the branches must become vector loads (broadcast indices) to be masked.
      return SelectNode::make(c, widen_guarded(t), widen_guarded(f));
    }
    if (c.type().lanes == 1 && t.type().lanes == 1 && f.type().lanes == 1) return SelectNode::make(c, t, f);
    return SelectNode::make(c, widen(t), widen(f));
  }

  Expr mutate_Cast(const CastNode* n, const Expr& self) override {
    Expr v = mutate(n->value);
    if (v.same_as(n->value)) return self;
    return CastNode::make(n->type.with_lanes(v.type().lanes), v);
  }

  Expr mutate_Call(const CallNode* n, const Expr& self) override {
    std::vector<Expr> args;
    bool vector = false;
    for (const Expr& a : n->args) {
      args.push_back(mutate(a));
      vector |= args.back().type().lanes > 1;
    }
    if (!vector) return ExprMutator::mutate_Call(n, self);
    for (Expr& a : args) a = widen(a);
    return CallNode::make(n->op, args);
  }

  Expr mutate_Load(const LoadNode* n, const Expr& self) override {
    Expr index = simplify(mutate(n->index));
    if (index.same_as(n->index)) return self;
    return LoadNode::make(n->buffer, index);
  }

  Stmt mutate_Store(const StoreNode* n, const Stmt& self) override {
    Expr index = simplify(mutate(n->index)), value = mutate(n->value);
    // Every lane storing to one address is a reduction across lanes, not vector code.
    if (index.type().lanes == 1) throw CannotVectorize{};
    return StoreNode::make(n->buffer, index, widen(value));
  }

  Stmt mutate_For(const ForNode*, const Stmt&) override { throw CannotVectorize{}; }
  Stmt mutate_IfThenElse(const IfThenElseNode* n, const Stmt& self) override {
    Expr cond = mutate(n->cond);
    if (cond.type().lanes > 1) throw CannotVectorize{};
    Stmt t = mutate_stmt(n->then_case), e = mutate_stmt(n->else_case);
    if (cond.same_as(n->cond) && t.same_as(n->then_case) && e.same_as(n->else_case)) return self;
    return IfThenElseNode::make(cond, t, e);
  }
  Stmt mutate_LetStmt(const LetStmtNode*, const Stmt&) override { throw CannotVectorize{}; }
  Stmt mutate_Allocate(const AllocateNode*, const Stmt&) override { throw CannotVectorize{}; }

 private:
  static bool contains_load(const Expr& e) {
    struct Finder : ExprVisitor {
      bool found = false;
      void visit_Load(const LoadNode*) override { found = true; }
    } f;
    f.visit(e);
    return f.found;
  }

  const VarNode* var_;
  Expr min_;
  int lanes_;
};

class LoopVectorizer : public StmtMutator {
 public:
  Stmt mutate_For(const ForNode* n, const Stmt& self) override {
    Stmt body = mutate_stmt(n->body);
    if (n->for_kind == ForKind::Vectorized) {
      int64_t lanes = const_int(n->extent);
      if (lanes > 1 && lanes <= kMaxVectorLanes) {
        try {
          Widener w(n->var.get(), n->min, int(lanes));
          return w.mutate_stmt(body);
        } catch (const CannotVectorize&) {
        }
      }
      return ForNode::make(n->var, n->min, n->extent, ForKind::Serial, body);
    }
    return body.same_as(n->body) ? self : ForNode::make(n->var, n->min, n->extent, n->for_kind, body);
  }
};

}  // namespace

Stmt vectorize_loops(const Stmt& s) {
  LoopVectorizer v;
  return v.mutate_stmt(s);
}

}  // namespace tt
