// Construction of expression nodes: every make() checks its operands' types, so an ill-typed
// expression cannot be built. Constants adapt to the other operand's type in the operator
// overloads, which is what lets compute bodies be written as ordinary arithmetic.
#include "ir/expr/expr.h"

#include <limits>

#include "ir/error.h"
#include "ir/loop/stmt.h"
#include "ir/te/tensor.h"

namespace tt {

const char* expr_kind_name(ExprKind kind) {
  switch (kind) {
#define TT_CASE(name) \
  case ExprKind::name: return #name;
    TT_EXPR_NODES(TT_CASE)
#undef TT_CASE
  }
  return "?";
}

const char* intrinsic_name(Intrinsic op) {
  switch (op) {
#define TT_CASE(name) \
  case Intrinsic::name: return #name;
    TT_INTRINSICS(TT_CASE)
#undef TT_CASE
  }
  return "?";
}

int intrinsic_arity(Intrinsic op) { return op == Intrinsic::pow ? 2 : 1; }

const char* reduce_op_name(ReduceOp op) {
  switch (op) {
    case ReduceOp::Sum: return "sum";
    case ReduceOp::Max: return "max";
    case ReduceOp::Min: return "min";
  }
  return "?";
}

Expr::Expr(int value) : Expr(IntImmNode::make(DType::int32(), value)) {}
// Index arithmetic is 32-bit (tensors hold at most 2^31 - 1 elements, int_math.h); a constant
// beyond it would be silently wrapped, so it is refused.
Expr::Expr(int64_t value) : Expr(IntImmNode::make(DType::int32(), value)) {
  if (value < INT32_MIN || value > INT32_MAX)
    user_error("the integer constant {} does not fit tensortune's 32-bit index arithmetic", value);
}
Expr::Expr(float value) : Expr(FloatImmNode::make(DType::float32(), value)) {}
Expr::Expr(double value) : Expr(FloatImmNode::make(DType::float32(), value)) {}

Var::Var(const std::string& name, DType type) : Expr(std::make_shared<const VarNode>(type, name)) {}
Var::Var(std::shared_ptr<const VarNode> node) : Expr(std::move(node)) {}
const VarNode* Var::get() const { return static_cast<const VarNode*>(Expr::get()); }
const std::string& Var::name() const { return get()->name; }

int64_t IterVar::extent() const { return const_int(dom.extent); }

Expr IntImmNode::make(DType type, int64_t value) {
  TT_ASSERT(type.is_integer_like() && type.lanes == 1, "IntImm of type {}", type.to_string());
  return Expr(std::make_shared<const IntImmNode>(type, value));
}

Expr FloatImmNode::make(DType type, double value) {
  TT_ASSERT(type.is_float() && type.lanes == 1, "FloatImm of type {}", type.to_string());
  return Expr(std::make_shared<const FloatImmNode>(type, value));
}

bool is_binary(ExprKind kind) { return kind >= ExprKind::Add && kind <= ExprKind::Or; }
bool is_comparison(ExprKind kind) { return kind >= ExprKind::EQ && kind <= ExprKind::GE; }

namespace {

void check_defined(const Expr& e, const char* what) {
  TT_ASSERT(e.defined(), "undefined operand of {}", what);
}

template <typename Node>
Expr make_arith(Expr a, Expr b) {
  check_defined(a, expr_kind_name(Node::kKind));
  check_defined(b, expr_kind_name(Node::kKind));
  TT_ASSERT(a.type() == b.type(), "{} of mismatched types {} and {}: {} and {}", expr_kind_name(Node::kKind),
            a.type().to_string(), b.type().to_string(), to_string(a), to_string(b));
  DType t = a.type();
  if constexpr (Node::kKind == ExprKind::Mod) {
    TT_ASSERT(!t.is_float(), "Mod of float operands");
  }
  if constexpr (Node::kKind >= ExprKind::EQ && Node::kKind <= ExprKind::GE) {
    t = DType::boolean(a.type().lanes);
  }
  if constexpr (Node::kKind == ExprKind::And || Node::kKind == ExprKind::Or) {
    TT_ASSERT(t.is_bool(), "logical operator on non-bool type {}", t.to_string());
  }
  return Expr(std::make_shared<const Node>(t, std::move(a), std::move(b)));
}

}  // namespace

#define TT_BINARY_MAKE(name) \
  Expr name##Node::make(Expr a, Expr b) { return make_arith<name##Node>(std::move(a), std::move(b)); }
TT_BINARY_MAKE(Add)
TT_BINARY_MAKE(Sub)
TT_BINARY_MAKE(Mul)
TT_BINARY_MAKE(Div)
TT_BINARY_MAKE(Mod)
TT_BINARY_MAKE(Min)
TT_BINARY_MAKE(Max)
TT_BINARY_MAKE(EQ)
TT_BINARY_MAKE(NE)
TT_BINARY_MAKE(LT)
TT_BINARY_MAKE(LE)
TT_BINARY_MAKE(GT)
TT_BINARY_MAKE(GE)
TT_BINARY_MAKE(And)
TT_BINARY_MAKE(Or)
#undef TT_BINARY_MAKE

Expr NotNode::make(Expr a) {
  check_defined(a, "Not");
  TT_ASSERT(a.type().is_bool(), "Not of non-bool {}", a.type().to_string());
  return Expr(std::make_shared<const NotNode>(a.type(), std::move(a)));
}

Expr SelectNode::make(Expr cond, Expr t, Expr f) {
  check_defined(cond, "Select");
  check_defined(t, "Select");
  check_defined(f, "Select");
  TT_ASSERT(cond.type().is_bool(), "Select condition of type {}", cond.type().to_string());
  TT_ASSERT(t.type() == f.type(), "Select branches of types {} and {}", t.type().to_string(), f.type().to_string());
  TT_ASSERT(cond.type().lanes == 1 || cond.type().lanes == t.type().lanes, "Select lanes mismatch");
  return Expr(std::make_shared<const SelectNode>(t.type(), std::move(cond), std::move(t), std::move(f)));
}

Expr CastNode::make(DType type, Expr value) {
  check_defined(value, "Cast");
  TT_ASSERT(type.lanes == value.type().lanes, "Cast changes lanes: {} to {}", value.type().to_string(), type.to_string());
  return Expr(std::make_shared<const CastNode>(type, std::move(value)));
}

Expr CallNode::make(Intrinsic op, std::vector<Expr> args) {
  TT_ASSERT(int(args.size()) == intrinsic_arity(op), "{} takes {} arguments, got {}", intrinsic_name(op),
            intrinsic_arity(op), args.size());
  for (const Expr& a : args) {
    check_defined(a, intrinsic_name(op));
    TT_ASSERT(a.type() == args[0].type(), "{} arguments of different types", intrinsic_name(op));
    TT_ASSERT(a.type().is_float(), "{} of non-float type {}", intrinsic_name(op), a.type().to_string());
  }
  DType t = args[0].type();
  return Expr(std::make_shared<const CallNode>(t, op, std::move(args)));
}

Expr RampNode::make(Expr base, Expr stride, int lanes) {
  check_defined(base, "Ramp");
  check_defined(stride, "Ramp");
  TT_ASSERT(base.type().is_integer_like() && base.type().lanes == 1, "Ramp base of type {}", base.type().to_string());
  TT_ASSERT(stride.type() == base.type(), "Ramp stride type differs from base");
  TT_ASSERT(lanes > 1, "Ramp of {} lanes", lanes);
  DType t = base.type().with_lanes(lanes);
  return Expr(std::make_shared<const RampNode>(t, std::move(base), std::move(stride), lanes));
}

Expr BroadcastNode::make(Expr value, int lanes) {
  check_defined(value, "Broadcast");
  TT_ASSERT(value.type().lanes == 1, "Broadcast of a vector");
  TT_ASSERT(lanes > 1, "Broadcast to {} lanes", lanes);
  DType t = value.type().with_lanes(lanes);
  return Expr(std::make_shared<const BroadcastNode>(t, std::move(value), lanes));
}

Expr LoadNode::make(Buffer buffer, Expr index) {
  TT_ASSERT(buffer != nullptr, "Load from a null buffer");
  check_defined(index, "Load");
  TT_ASSERT(index.type().is_integer_like(), "Load index of type {}", index.type().to_string());
  DType t = buffer->dtype.with_lanes(index.type().lanes);
  return Expr(std::make_shared<const LoadNode>(t, std::move(buffer), std::move(index)));
}

Expr TensorReadNode::make(Operation op, std::vector<Expr> indices) {
  TT_ASSERT(op != nullptr, "read of a null tensor");
  TT_ASSERT(indices.size() == op->shape.size(), "tensor {} has {} dimensions but is read with {} indices",
            op->name, op->shape.size(), indices.size());
  for (const Expr& i : indices) {
    check_defined(i, "TensorRead");
    TT_ASSERT(i.type() == DType::int32(), "index of {} has type {}", op->name, i.type().to_string());
  }
  DType t = op->dtype;
  return Expr(std::make_shared<const TensorReadNode>(t, std::move(op), std::move(indices)));
}

Expr ReduceNode::make(ReduceOp op, Expr source, std::vector<IterVar> axes) {
  check_defined(source, "Reduce");
  TT_ASSERT(!axes.empty(), "Reduce over no axes");
  for (const IterVar& iv : axes) TT_ASSERT(iv.kind == IterKind::Reduce, "Reduce over data-parallel axis {}", iv.var.name());
  DType t = source.type();
  return Expr(std::make_shared<const ReduceNode>(t, op, std::move(source), std::move(axes)));
}

Expr reduce_identity(ReduceOp op, DType type) {
  switch (op) {
    case ReduceOp::Sum: return make_zero(type);
    case ReduceOp::Max:
      return make_const(type, type.is_float() ? -std::numeric_limits<float>::infinity()
                                              : double(std::numeric_limits<int32_t>::min()));
    case ReduceOp::Min:
      return make_const(type, type.is_float() ? std::numeric_limits<float>::infinity()
                                              : double(std::numeric_limits<int32_t>::max()));
  }
  internal_error("unknown reduce op");
}

Expr reduce_combine(ReduceOp op, Expr accumulator, Expr value) {
  switch (op) {
    case ReduceOp::Sum: return AddNode::make(std::move(accumulator), std::move(value));
    case ReduceOp::Max: return MaxNode::make(std::move(accumulator), std::move(value));
    case ReduceOp::Min: return MinNode::make(std::move(accumulator), std::move(value));
  }
  internal_error("unknown reduce op");
}

// ---- operator overloads ----

namespace {

// Lets a scalar constant take the type of the other operand: `x * 2` with x float32 gives 2.0f,
// and a scalar meeting a vector is broadcast.
void unify(Expr& a, Expr& b) {
  TT_ASSERT(a.defined() && b.defined(), "arithmetic on an undefined expression");
  if (a.type() == b.type()) return;
  auto adapt = [](Expr& c, DType to) {
    if (const auto* i = c.as<IntImmNode>()) {
      c = make_const(to, double(i->value));
      return true;
    }
    if (const auto* f = c.as<FloatImmNode>(); f && to.is_float()) {
      c = make_const(to, f->value);
      return true;
    }
    return false;
  };
  if (a.type().lanes == 1 && b.type().lanes > 1 && a.type() == b.type().element_of()) {
    a = BroadcastNode::make(a, b.type().lanes);
    return;
  }
  if (b.type().lanes == 1 && a.type().lanes > 1 && b.type() == a.type().element_of()) {
    b = BroadcastNode::make(b, a.type().lanes);
    return;
  }
  if (adapt(b, a.type()) || adapt(a, b.type())) return;
  internal_error("operands of types {} and {} do not match: {} and {}", a.type().to_string(),
                 b.type().to_string(), to_string(a), to_string(b));
}

}  // namespace

Expr operator+(Expr a, Expr b) { unify(a, b); return AddNode::make(a, b); }
Expr operator-(Expr a, Expr b) { unify(a, b); return SubNode::make(a, b); }
Expr operator*(Expr a, Expr b) { unify(a, b); return MulNode::make(a, b); }
Expr operator/(Expr a, Expr b) { unify(a, b); return DivNode::make(a, b); }
Expr operator%(Expr a, Expr b) { unify(a, b); return ModNode::make(a, b); }
Expr operator-(Expr a) { return make_zero(a.type()) - a; }
Expr operator==(Expr a, Expr b) { unify(a, b); return EQNode::make(a, b); }
Expr operator!=(Expr a, Expr b) { unify(a, b); return NENode::make(a, b); }
Expr operator<(Expr a, Expr b) { unify(a, b); return LTNode::make(a, b); }
Expr operator<=(Expr a, Expr b) { unify(a, b); return LENode::make(a, b); }
Expr operator>(Expr a, Expr b) { unify(a, b); return GTNode::make(a, b); }
Expr operator>=(Expr a, Expr b) { unify(a, b); return GENode::make(a, b); }
Expr operator&&(Expr a, Expr b) { return AndNode::make(a, b); }
Expr operator||(Expr a, Expr b) { return OrNode::make(a, b); }
Expr operator!(Expr a) { return NotNode::make(a); }
Expr min(Expr a, Expr b) { unify(a, b); return MinNode::make(a, b); }
Expr max(Expr a, Expr b) { unify(a, b); return MaxNode::make(a, b); }
Expr select(Expr cond, Expr t, Expr f) { unify(t, f); return SelectNode::make(cond, t, f); }
Expr cast(DType type, Expr value) {
  if (value.type() == type) return value;
  return CastNode::make(type, value);
}
Expr call(Intrinsic op, std::vector<Expr> args) { return CallNode::make(op, std::move(args)); }

Expr make_const(DType type, double value) {
  Expr scalar = type.is_float() ? FloatImmNode::make(type.element_of(), value)
                                : IntImmNode::make(type.element_of(), int64_t(value));
  return type.lanes > 1 ? BroadcastNode::make(scalar, type.lanes) : scalar;
}

Expr make_zero(DType type) { return make_const(type, 0.0); }

bool is_const_int(const Expr& e, int64_t* value) {
  if (const auto* i = e.as<IntImmNode>()) {
    if (value) *value = i->value;
    return true;
  }
  return false;
}

bool is_const_int(const Expr& e, int64_t value) {
  int64_t v;
  return is_const_int(e, &v) && v == value;
}

int64_t const_int(const Expr& e) {
  int64_t v;
  TT_ASSERT(is_const_int(e, &v), "expected a constant integer, got {}", to_string(e));
  return v;
}

}  // namespace tt
