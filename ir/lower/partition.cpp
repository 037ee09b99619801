// Loop partitioning for vector tails. A vectorized loop whose lanes run past a tensor's edge
// carries a lane-varying guard (`if (j.0*8 + j.1 < 17)`), and a guard that varies by lane forces
// the loop back to scalar code. This pass removes those guards before vectorization:
//   - an enclosing loop the guard depends on is split into a main range, where every lane of every
//     vector is in bounds (the simplifier then drops the guard), and a tail; tail iterations are
//     peeled into copies with the loop variable constant (up to kMaxPeeledIterations);
//   - a vectorized loop whose guard then only bounds its own variable (`j.1 < 1`) is shortened to
//     the lanes that pass: the tail becomes one shorter vector (one lane: a scalar), never a
//     scalar loop over the whole extent;
//   - a vectorized loop wider than kMaxVectorLanes is strip-mined into kStripLanes-lane vectors
//     plus one shorter vector for the remainder.
#include <algorithm>

#include "ir/error.h"
#include "ir/expr/simplify.h"
#include "ir/lower/passes.h"

namespace tt {

namespace {

// Tail iterations past this many stay a loop (with their guards, so scalar code): peeling copies
// the loop body once per iteration.
constexpr int64_t kMaxPeeledIterations = 4;
// Lanes of the vectors a too-wide vectorized loop is cut into: one AVX-512 register, two AVX2.
constexpr int64_t kStripLanes = 16;

int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

// The constant coefficient of `var` in `e` when `e` is affine in it (`var` only under additions,
// subtractions and multiplications by constants); false otherwise.
bool affine_coefficient(const Expr& e, const VarNode* var, int64_t* coefficient) {
  if (!uses_var(e, var)) {
    *coefficient = 0;
    return true;
  }
  if (e.as<VarNode>() == var) {
    *coefficient = 1;
    return true;
  }
  int64_t a, b, c;
  if (const auto* n = e.as<AddNode>()) {
    if (!affine_coefficient(n->a, var, &a) || !affine_coefficient(n->b, var, &b)) return false;
    *coefficient = a + b;
    return true;
  }
  if (const auto* n = e.as<SubNode>()) {
    if (!affine_coefficient(n->a, var, &a) || !affine_coefficient(n->b, var, &b)) return false;
    *coefficient = a - b;
    return true;
  }
  if (const auto* n = e.as<MulNode>()) {
    if (is_const_int(n->a, &c) && affine_coefficient(n->b, var, &b))
      return *coefficient = c * b, true;
    if (is_const_int(n->b, &c) && affine_coefficient(n->a, var, &a))
      return *coefficient = c * a, true;
    return false;
  }
  return false;
}

// A comparison of integers as `d < 0`; undefined for other conditions.
Expr as_negative_test(const Expr& cond) {
  auto integer = [](const Expr& x) { return x.type().lanes == 1 && x.type().is_integer_like(); };
  if (const auto* n = cond.as<LTNode>()) return integer(n->a) ? simplify(n->a - n->b) : Expr();
  if (const auto* n = cond.as<LENode>()) return integer(n->a) ? simplify(n->a - n->b - 1) : Expr();
  if (const auto* n = cond.as<GTNode>()) return integer(n->a) ? simplify(n->b - n->a) : Expr();
  if (const auto* n = cond.as<GENode>()) return integer(n->a) ? simplify(n->b - n->a - 1) : Expr();
  return Expr();
}

void split_conjuncts(const Expr& cond, std::vector<Expr>* out) {
  if (const auto* n = cond.as<AndNode>()) {
    split_conjuncts(n->a, out);
    split_conjuncts(n->b, out);
    return;
  }
  out->push_back(cond);
}

Expr conjunction(const std::vector<Expr>& conds) {
  Expr all;
  for (const Expr& c : conds) all = all.defined() ? (all && c) : c;
  return all;
}

// Finds, for loop `u`, the first iteration at which some vectorized loop inside it has a lane that
// a guard excludes: before it the guards hold for every lane and every value of the loops between.
class MainRangeFinder : public StmtVisitor {
 public:
  MainRangeFinder(const VarNode* u, int64_t u_min) : u_(u), u_min_(u_min) {}
  std::optional<int64_t> first_partial;  // the main range is [u_min, first_partial)

  void visit_For(const ForNode* n) override {
    int64_t lo, ext;
    bool constant = is_const_int(n->min, &lo) && is_const_int(n->extent, &ext);
    if (!constant) return StmtVisitor::visit_For(n);
    ranges_[n->var.get()] = IntInterval{lo, lo + ext - 1};
    if (n->for_kind == ForKind::Vectorized) vectors_.push_back(n->var.get());
    StmtVisitor::visit_For(n);
    if (n->for_kind == ForKind::Vectorized) vectors_.pop_back();
    ranges_.erase(n->var.get());
  }

  void visit_IfThenElse(const IfThenElseNode* n) override {
    if (!vectors_.empty()) {
      std::vector<Expr> conds;
      split_conjuncts(n->cond, &conds);
      for (const Expr& c : conds) consider(c);
    }
    StmtVisitor::visit_IfThenElse(n);
  }

 private:
  // A guard `a*u + b*v + r < 0` (v a vector lane, r over the loops inside u) holds for every lane
  // and every inner iteration while a*u < -(max(b*v) + max(r)).
  void consider(const Expr& cond) {
    const VarNode* v = vectors_.back();
    Expr d = as_negative_test(cond);
    if (!d.defined() || !uses_var(d, v) || !uses_var(d, u_)) return;
    int64_t a, b;
    if (!affine_coefficient(d, u_, &a) || !affine_coefficient(d, v, &b) || a <= 0) return;
    Expr rest = simplify(substitute(d, VarMap{{u_, Expr(0)}, {v, Expr(0)}}));
    IntInterval r = const_bounds(rest, ranges_);
    const IntInterval& lanes = ranges_.at(v);
    if (!r.max) return;  // depends on loops outside u: no constant split point
    int64_t worst = *r.max + (b > 0 ? b * *lanes.max : b * *lanes.min);
    int64_t last_full = floor_div(-worst - 1, a);
    int64_t first = std::max(last_full + 1, u_min_);
    if (!first_partial || first < *first_partial) first_partial = first;
  }

  const VarNode* u_;
  int64_t u_min_;
  VarRanges ranges_;
  std::vector<const VarNode*> vectors_;
};

class VectorTailPartitioner : public PruningStmtMutator {
 public:
  Stmt mutate_For(const ForNode* n, const Stmt& self) override {
    int64_t lo, ext;
    if (!is_const_int(n->min, &lo) || !is_const_int(n->extent, &ext))
      return StmtMutator::mutate_For(n, self);
    if (n->for_kind == ForKind::Vectorized) {
      if (ext > kMaxVectorLanes) return mutate_stmt(strip_mine(n, lo, ext));
      return shorten(n, self, lo, ext, mutate_stmt(n->body));
    }
    MainRangeFinder finder(n->var.get(), lo);
    finder.visit_stmt(n->body);
    const int64_t end = lo + ext;
    if (finder.first_partial && *finder.first_partial < end) {
      int64_t m = *finder.first_partial;
      bool peel = end - m <= kMaxPeeledIterations;
      // With nothing to peel and no main range, splitting would only rebuild the same loop; and
      // a parallel loop with no main range would lose its parallelism to the peeled copies.
      bool parallel_lost = n->for_kind == ForKind::Parallel && m == lo;
      if ((m > lo || peel) && !parallel_lost) {
        std::vector<Stmt> pieces;
        if (m > lo)
          pieces.push_back(ForNode::make(n->var, n->min, Expr(m - lo), n->for_kind, n->body));
        if (peel) {
          for (int64_t t = m; t < end; ++t)
            pieces.push_back(substitute(n->body, VarMap{{n->var.get(), Expr(t)}}));
        } else {
          pieces.push_back(ForNode::make(n->var, Expr(m), Expr(end - m), n->for_kind, n->body));
        }
        // Simplifying each piece drops the guards its range decides; then the loops inside get
        // the same treatment (the main range finds nothing more to split at this loop).
        std::vector<Stmt> out;
        for (const Stmt& p : pieces) {
          Stmt s = simplify_substmt(p);
          if (s.defined()) out.push_back(mutate_stmt(s));
        }
        if (out.empty()) return Stmt();
        return BlockNode::make(out);
      }
    }
    Stmt body = mutate_stmt(n->body);
    if (!body.defined()) return Stmt();
    return body.same_as(n->body) ? self
                                 : ForNode::make(n->var, n->min, n->extent, n->for_kind, body);
  }

  Stmt mutate_IfThenElse(const IfThenElseNode* n, const Stmt& self) override {
    Stmt t = mutate_stmt(n->then_case), e = mutate_stmt(n->else_case);
    if (!t.defined() && !e.defined()) return Stmt();
    if (!t.defined()) return IfThenElseNode::make(!n->cond, e);
    if (t.same_as(n->then_case) && e.same_as(n->else_case)) return self;
    return IfThenElseNode::make(n->cond, t, e);
  }

  Stmt mutate_LetStmt(const LetStmtNode* n, const Stmt& self) override {
    Stmt body = mutate_stmt(n->body);
    if (!body.defined()) return Stmt();
    return body.same_as(n->body) ? self : LetStmtNode::make(n->var, n->value, body);
  }

 private:
  // for v in [lo, lo + ext) -> for vo in [0, ext / W) { vector of W } + one vector of ext % W.
  static Stmt strip_mine(const ForNode* n, int64_t lo, int64_t ext) {
    Var outer(n->var.name() + ".strip"), inner(n->var.name());
    int64_t full = ext / kStripLanes, rest = ext % kStripLanes;
    std::vector<Stmt> pieces;
    Stmt body =
        substitute(n->body, VarMap{{n->var.get(), Expr(lo) + outer * Expr(kStripLanes) + inner}});
    pieces.push_back(
        ForNode::make(outer, Expr(0), Expr(full), ForKind::Serial,
                      ForNode::make(inner, Expr(0), Expr(kStripLanes), ForKind::Vectorized, body)));
    if (rest > 0) {
      Var tail(n->var.name());
      Stmt tail_body =
          substitute(n->body, VarMap{{n->var.get(), Expr(lo + full * kStripLanes) + tail}});
      pieces.push_back(ForNode::make(tail, Expr(0), Expr(rest), ForKind::Vectorized, tail_body));
    }
    return BlockNode::make(pieces);
  }

  // Narrows a vectorized loop to the lanes its guards admit, when the guards bound only its own
  // variable by constants; guards that do not depend on the lanes move outside the loop.
  static Stmt shorten(const ForNode* n, const Stmt& self, int64_t lo, int64_t ext, Stmt body) {
    if (!body.defined()) return Stmt();
    const VarNode* v = n->var.get();
    int64_t begin = lo, end = lo + ext;
    std::vector<Expr> outside, inside;
    bool changed = false;
    while (const auto* guard = body.as<IfThenElseNode>()) {
      if (guard->else_case.defined()) break;
      std::vector<Expr> conds;
      split_conjuncts(guard->cond, &conds);
      for (const Expr& c : conds) {
        if (!uses_var(c, v)) {
          outside.push_back(c);
          continue;
        }
        Expr d = as_negative_test(c);
        int64_t b;
        Expr rest = d.defined() ? simplify(substitute(d, VarMap{{v, Expr(0)}})) : Expr();
        int64_t r;
        if (!d.defined() || !affine_coefficient(d, v, &b) || b == 0 || !is_const_int(rest, &r)) {
          inside.push_back(c);
          continue;
        }
        // b*v + r < 0: v <= floor((-r - 1) / b) for b > 0, v >= floor(r / -b) + 1 for b < 0.
        if (b > 0)
          end = std::min(end, floor_div(-r - 1, b) + 1);
        else
          begin = std::max(begin, floor_div(r, -b) + 1);
      }
      body = guard->then_case;
      changed = true;
    }
    if (!changed)
      return body.same_as(n->body) ? self
                                   : ForNode::make(n->var, n->min, n->extent, n->for_kind, body);
    if (end <= begin) return Stmt();
    if (!inside.empty()) body = IfThenElseNode::make(conjunction(inside), body);
    Stmt loop = ForNode::make(n->var, Expr(begin), Expr(end - begin), ForKind::Vectorized, body);
    if (!outside.empty()) loop = IfThenElseNode::make(conjunction(outside), loop);
    return loop;
  }
};

}  // namespace

Stmt partition_vector_tails(const Stmt& s) {
  VectorTailPartitioner p;
  Stmt out = p.mutate_stmt(s);
  TT_ASSERT(out.defined(), "partitioning left the kernel empty");
  return out;
}

}  // namespace tt
