// Simplification of integer index arithmetic and constant folding; see simplify.h for the rules.
// Linear sums are the heart of it: a split turns `i` into `io*8 + ii`, a flattening multiplies by
// strides, and bound inference subtracts two such sums; keeping them canonical lets the terms cancel.
#include "ir/expr/simplify.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "ir/error.h"

namespace tt {

namespace {

int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}
int64_t floor_mod(int64_t a, int64_t b) { return a - floor_div(a, b) * b; }

// sum(coef * term) + constant over int32 expressions; terms are non-constant, non-sum atoms.
struct LinearForm {
  std::vector<std::pair<Expr, int64_t>> terms;
  int64_t constant = 0;

  void add_term(const Expr& term, int64_t coef) {
    if (coef == 0) return;
    for (auto& [t, c] : terms) {
      if (structural_equal(t, term)) {
        c += coef;
        return;
      }
    }
    terms.emplace_back(term, coef);
  }
  void add(const LinearForm& other, int64_t scale) {
    for (const auto& [t, c] : other.terms) add_term(t, c * scale);
    constant += other.constant * scale;
  }
  bool is_constant() const {
    for (const auto& [t, c] : terms)
      if (c != 0) return false;
    return true;
  }
  // The gcd of all term coefficients (0 when there are none).
  int64_t coefficient_gcd() const {
    int64_t g = 0;
    for (const auto& [t, c] : terms) g = std::gcd(g, c < 0 ? -c : c);
    return g;
  }
};

class Simplifier : public ExprMutator {
 public:
  explicit Simplifier(const VarRanges& ranges) : ranges_(ranges) {}

  Expr mutate_Add(const AddNode* n, const Expr& self) override { return linear(self); }
  Expr mutate_Sub(const SubNode* n, const Expr& self) override { return linear(self); }
  Expr mutate_Mul(const MulNode* n, const Expr& self) override { return linear(self); }

  Expr mutate_Div(const DivNode* n, const Expr& self) override {
    Expr a = mutate(n->a), b = mutate(n->b);
    if (n->type.is_float() || n->type.is_vector()) return fold_float_or_rebuild(n->kind, a, b, self, n);
    int64_t c;
    if (!is_const_int(b, &c) || c == 0) return rebuild<DivNode>(n, a, b, self);
    if (c == 1) return a;
    if (c < 0) return DivNode::make(a, b);
    // A numerator confined to one quotient interval divides to a constant.
    IntInterval whole = const_bounds(a, ranges_);
    if (whole.bounded() && floor_div(*whole.min, c) == floor_div(*whole.max, c))
      return IntImmNode::make(n->type, floor_div(*whole.min, c));
    LinearForm f = to_linear(a);
    if (f.is_constant()) return IntImmNode::make(n->type, floor_div(f.constant, c));
    // (c*X + r) / c == X + r / c, exactly, for floor division; r / c vanishes when r in [0, c).
    LinearForm multiple, rest;
    for (const auto& [t, coef] : f.terms) {
      if (coef % c == 0) multiple.add_term(t, coef / c);
      else rest.add_term(t, coef);
    }
    multiple.constant = floor_div(f.constant, c);
    rest.constant = floor_mod(f.constant, c);
    if (multiple.terms.empty() && multiple.constant == 0) {
      IntInterval r = const_bounds(a, ranges_);
      if (r.bounded() && *r.min >= 0 && *r.max < c) return IntImmNode::make(n->type, 0);
      return DivNode::make(from_linear(f, n->type), b);
    }
    Expr rest_expr = from_linear(rest, n->type);
    IntInterval r = const_bounds(rest_expr, ranges_);
    if (r.bounded() && *r.min >= 0 && *r.max < c) return from_linear(multiple, n->type);
    LinearForm sum = multiple;
    sum.add_term(simplify_div_atom(rest_expr, b), 1);
    return from_linear(sum, n->type);
  }

  Expr mutate_Mod(const ModNode* n, const Expr& self) override {
    Expr a = mutate(n->a), b = mutate(n->b);
    if (n->type.is_vector()) return rebuild<ModNode>(n, a, b, self);
    int64_t c;
    if (!is_const_int(b, &c) || c <= 0) return rebuild<ModNode>(n, a, b, self);
    if (c == 1) return IntImmNode::make(n->type, 0);
    IntInterval whole = const_bounds(a, ranges_);
    if (whole.bounded() && floor_div(*whole.min, c) == floor_div(*whole.max, c)) {
      int64_t q = floor_div(*whole.min, c);
      return q == 0 ? a : simplify(a - Expr(q * c), ranges_);
    }
    LinearForm f = to_linear(a);
    // Terms whose coefficient is a multiple of c contribute nothing to a floor modulo.
    LinearForm rest;
    for (const auto& [t, coef] : f.terms)
      if (coef % c != 0) rest.add_term(t, coef);
    rest.constant = floor_mod(f.constant, c);
    if (rest.is_constant()) return IntImmNode::make(n->type, rest.constant);
    Expr rest_expr = from_linear(rest, n->type);
    IntInterval r = const_bounds(rest_expr, ranges_);
    if (r.bounded() && *r.min >= 0 && *r.max < c) return rest_expr;
    return ModNode::make(rest_expr, b);
  }

  Expr mutate_Min(const MinNode* n, const Expr& self) override { return min_max(n, self, true); }
  Expr mutate_Max(const MaxNode* n, const Expr& self) override { return min_max(n, self, false); }

  Expr mutate_EQ(const EQNode* n, const Expr& self) override { return compare(n, self); }
  Expr mutate_NE(const NENode* n, const Expr& self) override { return compare(n, self); }
  Expr mutate_LT(const LTNode* n, const Expr& self) override { return compare(n, self); }
  Expr mutate_LE(const LENode* n, const Expr& self) override { return compare(n, self); }
  Expr mutate_GT(const GTNode* n, const Expr& self) override { return compare(n, self); }
  Expr mutate_GE(const GENode* n, const Expr& self) override { return compare(n, self); }

  Expr mutate_And(const AndNode* n, const Expr& self) override {
    Expr a = mutate(n->a), b = mutate(n->b);
    int64_t v;
    if (is_const_int(a, &v)) return v ? b : a;
    if (is_const_int(b, &v)) return v ? a : b;
    return rebuild<AndNode>(n, a, b, self);
  }
  Expr mutate_Or(const OrNode* n, const Expr& self) override {
    Expr a = mutate(n->a), b = mutate(n->b);
    int64_t v;
    if (is_const_int(a, &v)) return v ? a : b;
    if (is_const_int(b, &v)) return v ? b : a;
    return rebuild<OrNode>(n, a, b, self);
  }
  Expr mutate_Not(const NotNode* n, const Expr& self) override {
    Expr a = mutate(n->a);
    int64_t v;
    if (is_const_int(a, &v)) return make_bool(!v);
    return a.same_as(n->a) ? self : NotNode::make(a);
  }
  Expr mutate_Select(const SelectNode* n, const Expr& self) override {
    Expr c = mutate(n->cond);
    int64_t v;
    if (is_const_int(c, &v)) return mutate(v ? n->true_value : n->false_value);
    Expr t = mutate(n->true_value), f = mutate(n->false_value);
    if (c.same_as(n->cond) && t.same_as(n->true_value) && f.same_as(n->false_value)) return self;
    return SelectNode::make(c, t, f);
  }
  Expr mutate_Cast(const CastNode* n, const Expr& self) override {
    Expr v = mutate(n->value);
    if (n->type.lanes == 1) {
      if (const auto* i = v.as<IntImmNode>()) {
        if (n->type.is_float()) return FloatImmNode::make(n->type, double(i->value));
        if (n->type == DType::int32() || n->type == DType::int64()) return IntImmNode::make(n->type, i->value);
      }
      if (const auto* f = v.as<FloatImmNode>(); f && n->type.is_float()) return FloatImmNode::make(n->type, float(f->value));
    }
    return v.same_as(n->value) ? self : CastNode::make(n->type, v);
  }

 private:
  template <typename Node>
  Expr rebuild(const Node* n, const Expr& a, const Expr& b, const Expr& self) {
    if (a.same_as(n->a) && b.same_as(n->b)) return self;
    return Node::make(a, b);
  }

  Expr make_bool(bool v) { return IntImmNode::make(DType::boolean(), v ? 1 : 0); }

  static bool is_index(DType t) { return t == DType::int32() || t == DType::int64(); }

  Expr fold_float_or_rebuild(ExprKind kind, const Expr& a, const Expr& b, const Expr& self, const BinaryNode* n) {
    const auto* x = a.as<FloatImmNode>();
    const auto* y = b.as<FloatImmNode>();
    if (x && y) {
      float fx = float(x->value), fy = float(y->value);
      switch (kind) {
        case ExprKind::Add: return FloatImmNode::make(n->type, fx + fy);
        case ExprKind::Sub: return FloatImmNode::make(n->type, fx - fy);
        case ExprKind::Mul: return FloatImmNode::make(n->type, fx * fy);
        case ExprKind::Div: return FloatImmNode::make(n->type, fx / fy);
        default: break;
      }
    }
    if (a.same_as(n->a) && b.same_as(n->b)) return self;
    switch (kind) {
      case ExprKind::Add: return AddNode::make(a, b);
      case ExprKind::Sub: return SubNode::make(a, b);
      case ExprKind::Mul: return MulNode::make(a, b);
      case ExprKind::Div: return DivNode::make(a, b);
      default: internal_error("fold_float_or_rebuild of {}", expr_kind_name(kind));
    }
  }

  // Add, Sub and Mul: integer scalars go through the linear form; the rest fold constants only.
  Expr linear(const Expr& self) {
    auto* n = static_cast<const BinaryNode*>(self.get());
    if (!is_index(self.type())) {
      Expr a = mutate(n->a), b = mutate(n->b);
      return fold_float_or_rebuild(self.kind(), a, b, self, n);
    }
    return from_linear(to_linear(self), self.type());
  }

  // Decomposes an integer expression, simplifying the atoms it bottoms out in.
  LinearForm to_linear(const Expr& e) {
    LinearForm f;
    if (const auto* i = e.as<IntImmNode>()) {
      f.constant = i->value;
      return f;
    }
    if (const auto* a = e.as<AddNode>()) {
      f = to_linear(a->a);
      f.add(to_linear(a->b), 1);
      return f;
    }
    if (const auto* s = e.as<SubNode>()) {
      f = to_linear(s->a);
      f.add(to_linear(s->b), -1);
      return f;
    }
    if (const auto* m = e.as<MulNode>()) {
      LinearForm x = to_linear(m->a), y = to_linear(m->b);
      if (y.is_constant()) {
        f.add(x, y.constant);
        return f;
      }
      if (x.is_constant()) {
        f.add(y, x.constant);
        return f;
      }
      f.add_term(MulNode::make(from_linear(x, e.type()), from_linear(y, e.type())), 1);
      return f;
    }
    Expr atom = mutate(e);
    if (const auto* i = atom.as<IntImmNode>()) {
      f.constant = i->value;
      return f;
    }
    if (atom.kind() == ExprKind::Add || atom.kind() == ExprKind::Sub || atom.kind() == ExprKind::Mul) return to_linear(atom);
    f.add_term(atom, 1);
    return f;
  }

  Expr from_linear(const LinearForm& f, DType type) {
    Expr result;
    for (const auto& [t, c] : f.terms) {
      if (c == 0) continue;
      Expr term = c == 1 || c == -1 ? t : MulNode::make(t, IntImmNode::make(type, c < 0 ? -c : c));
      if (!result.defined()) result = c < 0 ? SubNode::make(IntImmNode::make(type, 0), term) : term;
      else result = c < 0 ? SubNode::make(result, term) : AddNode::make(result, term);
    }
    if (!result.defined()) return IntImmNode::make(type, f.constant);
    if (f.constant > 0) return AddNode::make(result, IntImmNode::make(type, f.constant));
    if (f.constant < 0) return SubNode::make(result, IntImmNode::make(type, -f.constant));
    return result;
  }

  Expr simplify_div_atom(const Expr& a, const Expr& b) { return DivNode::make(a, b); }

  Expr min_max(const BinaryNode* n, const Expr& self, bool is_min) {
    Expr a = mutate(n->a), b = mutate(n->b);
    if (is_index(n->type)) {
      int64_t x, y;
      if (is_const_int(a, &x) && is_const_int(b, &y)) return IntImmNode::make(n->type, is_min ? std::min(x, y) : std::max(x, y));
      // Decide by the sign of a - b when the ranges allow.
      IntInterval d = const_bounds(simplify_difference(a, b), ranges_);
      if (d.max && *d.max <= 0) return is_min ? a : b;
      if (d.min && *d.min >= 0) return is_min ? b : a;
      if (structural_equal(a, b)) return a;
    } else if (const auto* x = a.as<FloatImmNode>()) {
      if (const auto* y = b.as<FloatImmNode>()) {
        float fx = float(x->value), fy = float(y->value);
        return FloatImmNode::make(n->type, is_min ? (fy < fx ? fy : fx) : (fx < fy ? fy : fx));
      }
    }
    if (a.same_as(n->a) && b.same_as(n->b)) return self;
    return is_min ? MinNode::make(a, b) : MaxNode::make(a, b);
  }

  Expr simplify_difference(const Expr& a, const Expr& b) {
    LinearForm f = to_linear(a);
    f.add(to_linear(b), -1);
    return from_linear(f, a.type());
  }

  Expr compare(const BinaryNode* n, const Expr& self) {
    Expr a = mutate(n->a), b = mutate(n->b);
    if (!is_index(a.type())) {
      if (a.same_as(n->a) && b.same_as(n->b)) return self;
      return rebuild_compare(n->kind, a, b);
    }
    // Everything is decided by the range of d = a - b.
    LinearForm f = to_linear(a);
    f.add(to_linear(b), -1);
    IntInterval d = const_bounds(from_linear(f, a.type()), ranges_);
    switch (n->kind) {
      case ExprKind::LT:
        if (d.max && *d.max < 0) return make_bool(true);
        if (d.min && *d.min >= 0) return make_bool(false);
        break;
      case ExprKind::LE:
        if (d.max && *d.max <= 0) return make_bool(true);
        if (d.min && *d.min > 0) return make_bool(false);
        break;
      case ExprKind::GT:
        if (d.min && *d.min > 0) return make_bool(true);
        if (d.max && *d.max <= 0) return make_bool(false);
        break;
      case ExprKind::GE:
        if (d.min && *d.min >= 0) return make_bool(true);
        if (d.max && *d.max < 0) return make_bool(false);
        break;
      case ExprKind::EQ:
        if (d.is_point()) return make_bool(*d.min == 0);
        if ((d.min && *d.min > 0) || (d.max && *d.max < 0)) return make_bool(false);
        break;
      case ExprKind::NE:
        if (d.is_point()) return make_bool(*d.min != 0);
        if ((d.min && *d.min > 0) || (d.max && *d.max < 0)) return make_bool(true);
        break;
      default: break;
    }
    if (a.same_as(n->a) && b.same_as(n->b)) return self;
    return rebuild_compare(n->kind, a, b);
  }

  Expr rebuild_compare(ExprKind kind, const Expr& a, const Expr& b) {
    switch (kind) {
      case ExprKind::EQ: return EQNode::make(a, b);
      case ExprKind::NE: return NENode::make(a, b);
      case ExprKind::LT: return LTNode::make(a, b);
      case ExprKind::LE: return LENode::make(a, b);
      case ExprKind::GT: return GTNode::make(a, b);
      case ExprKind::GE: return GENode::make(a, b);
      default: internal_error("not a comparison");
    }
  }

  const VarRanges& ranges_;
};

std::optional<int64_t> add_opt(std::optional<int64_t> a, std::optional<int64_t> b) {
  if (a && b) return *a + *b;
  return std::nullopt;
}

}  // namespace

IntInterval const_bounds(const Expr& e, const VarRanges& ranges) {
  if (const auto* i = e.as<IntImmNode>()) return {i->value, i->value};
  if (const auto* v = e.as<VarNode>()) {
    auto it = ranges.find(v);
    return it == ranges.end() ? IntInterval{} : it->second;
  }
  if (const auto* a = e.as<AddNode>()) {
    IntInterval x = const_bounds(a->a, ranges), y = const_bounds(a->b, ranges);
    return {add_opt(x.min, y.min), add_opt(x.max, y.max)};
  }
  if (const auto* s = e.as<SubNode>()) {
    IntInterval x = const_bounds(s->a, ranges), y = const_bounds(s->b, ranges);
    auto neg = [](std::optional<int64_t> v) { return v ? std::optional<int64_t>(-*v) : std::nullopt; };
    return {add_opt(x.min, neg(y.max)), add_opt(x.max, neg(y.min))};
  }
  if (const auto* m = e.as<MulNode>()) {
    IntInterval x = const_bounds(m->a, ranges), y = const_bounds(m->b, ranges);
    if (!x.bounded() || !y.bounded()) {
      int64_t c;
      if (is_const_int(m->b, &c) && c == 0) return {0, 0};
      return {};
    }
    int64_t p[4] = {*x.min * *y.min, *x.min * *y.max, *x.max * *y.min, *x.max * *y.max};
    return {*std::min_element(p, p + 4), *std::max_element(p, p + 4)};
  }
  if (const auto* d = e.as<DivNode>()) {
    int64_t c;
    if (!is_const_int(d->b, &c) || c <= 0) return {};
    IntInterval x = const_bounds(d->a, ranges);
    return {x.min ? std::optional<int64_t>(floor_div(*x.min, c)) : std::nullopt,
            x.max ? std::optional<int64_t>(floor_div(*x.max, c)) : std::nullopt};
  }
  if (const auto* m = e.as<ModNode>()) {
    int64_t c;
    if (!is_const_int(m->b, &c) || c <= 0) return {};
    IntInterval x = const_bounds(m->a, ranges);
    if (x.bounded() && floor_div(*x.min, c) == floor_div(*x.max, c)) return {floor_mod(*x.min, c), floor_mod(*x.max, c)};
    return {0, c - 1};
  }
  if (e.kind() == ExprKind::Min || e.kind() == ExprKind::Max) {
    auto* n = static_cast<const BinaryNode*>(e.get());
    IntInterval x = const_bounds(n->a, ranges), y = const_bounds(n->b, ranges);
    auto both = [](std::optional<int64_t> p, std::optional<int64_t> q, bool take_min) -> std::optional<int64_t> {
      if (p && q) return take_min ? std::min(*p, *q) : std::max(*p, *q);
      return std::nullopt;
    };
    auto either = [](std::optional<int64_t> p, std::optional<int64_t> q, bool take_min) -> std::optional<int64_t> {
      if (p && q) return take_min ? std::min(*p, *q) : std::max(*p, *q);
      return p ? p : q;
    };
    // min(x, y) is below both upper bounds but only above the lower of the lower bounds.
    if (e.kind() == ExprKind::Min) return {both(x.min, y.min, true), either(x.max, y.max, true)};
    return {either(x.min, y.min, false), both(x.max, y.max, false)};
  }
  if (const auto* s = e.as<SelectNode>()) {
    IntInterval x = const_bounds(s->true_value, ranges), y = const_bounds(s->false_value, ranges);
    if (!x.bounded() || !y.bounded()) return {};
    return {std::min(*x.min, *y.min), std::max(*x.max, *y.max)};
  }
  return {};
}

Expr simplify(const Expr& e, const VarRanges& ranges) {
  Simplifier s(ranges);
  return s.mutate(e);
}

bool can_prove(const Expr& cond, const VarRanges& ranges) {
  Expr s = simplify(cond, ranges);
  return is_const_int(s, 1);
}

}  // namespace tt
