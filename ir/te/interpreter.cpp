// Reference evaluation of TE graphs. Each compute body is compiled once into a tree of small
// closures (one per expression node, typed float or integer) that read index variables from a slot
// array; the driver then walks every output point, and every reduce point, in lexicographic order.
#include "ir/te/interpreter.h"

#include <cmath>
#include <memory>
#include <unordered_map>

#include "ir/error.h"

namespace tt {

namespace {

// Values of the index variables of one compute op, by slot.
using Slots = const int64_t*;

struct FloatCode {
  using Value = float;
  virtual ~FloatCode() = default;
  virtual float eval(Slots v) const = 0;
};
struct IntCode {
  using Value = int64_t;
  virtual ~IntCode() = default;
  virtual int64_t eval(Slots v) const = 0;
};
using FloatPtr = std::unique_ptr<FloatCode>;
using IntPtr = std::unique_ptr<IntCode>;

struct FloatConst : FloatCode {
  explicit FloatConst(float c) : value(c) {}
  float eval(Slots) const override { return value; }
  float value;
};

struct IntConst : IntCode {
  explicit IntConst(int64_t c) : value(c) {}
  int64_t eval(Slots) const override { return value; }
  int64_t value;
};

struct IntVar : IntCode {
  explicit IntVar(int s) : slot(s) {}
  int64_t eval(Slots v) const override { return v[slot]; }
  int slot;
};

// The closure of a node with children of code type Child, producing a Base::Value.
template <typename Base, typename Child, typename F>
struct Binary : Base {
  Binary(std::unique_ptr<Child> x, std::unique_ptr<Child> y, F fn)
      : a(std::move(x)), b(std::move(y)), f(fn) {}
  typename Base::Value eval(Slots v) const override { return f(a->eval(v), b->eval(v)); }
  std::unique_ptr<Child> a, b;
  F f;
};

template <typename Base, typename Child, typename F>
struct Unary : Base {
  Unary(std::unique_ptr<Child> x, F fn) : a(std::move(x)), f(fn) {}
  typename Base::Value eval(Slots v) const override { return f(a->eval(v)); }
  std::unique_ptr<Child> a;
  F f;
};

template <typename Base>
struct Select : Base {
  using Ptr = std::unique_ptr<Base>;
  Select(IntPtr c, Ptr t, Ptr f)
      : cond(std::move(c)), true_value(std::move(t)), false_value(std::move(f)) {}
  typename Base::Value eval(Slots v) const override {
    return cond->eval(v) ? true_value->eval(v) : false_value->eval(v);
  }
  IntPtr cond;
  Ptr true_value, false_value;
};

struct LogicalAnd : IntCode {
  LogicalAnd(IntPtr x, IntPtr y) : a(std::move(x)), b(std::move(y)) {}
  int64_t eval(Slots v) const override { return a->eval(v) && b->eval(v); }
  IntPtr a, b;
};

struct LogicalOr : IntCode {
  LogicalOr(IntPtr x, IntPtr y) : a(std::move(x)), b(std::move(y)) {}
  int64_t eval(Slots v) const override { return a->eval(v) || b->eval(v); }
  IntPtr a, b;
};

template <typename Base, typename Child, typename F>
std::unique_ptr<Base> make_binary(std::unique_ptr<Child> a, std::unique_ptr<Child> b, F f) {
  return std::make_unique<Binary<Base, Child, F>>(std::move(a), std::move(b), f);
}

template <typename Base, typename Child, typename F>
std::unique_ptr<Base> make_unary(std::unique_ptr<Child> a, F f) {
  return std::make_unique<Unary<Base, Child, F>>(std::move(a), f);
}

// One index of a tensor read: a plain variable (the common case, read straight from its slot) or
// a general integer expression.
struct ReadIndex {
  int slot = -1;
  IntPtr code;
  int64_t extent = 0;
  int64_t stride = 0;
};

// A bounds-checked read of an evaluated tensor, converted to the reader's value type.
template <typename Base, typename Element>
struct Read : Base {
  Read(const Element* d, std::vector<ReadIndex> i, const std::string* n)
      : data(d), indices(std::move(i)), name(n) {}
  typename Base::Value eval(Slots v) const override {
    int64_t offset = 0;
    for (const ReadIndex& i : indices) {
      int64_t x = i.slot >= 0 ? v[i.slot] : i.code->eval(v);
      if (x < 0 || x >= i.extent) {
        internal_error("evaluate: read of tensor '{}' at index {} outside [0, {})", *name, x,
                       i.extent);
      }
      offset += x * i.stride;
    }
    return static_cast<typename Base::Value>(data[offset]);
  }
  const Element* data;
  std::vector<ReadIndex> indices;
  const std::string* name;
};

int64_t floor_div(int64_t a, int64_t b) {
  if (b == 0) internal_error("evaluate: integer division by zero");
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

int64_t floor_mod(int64_t a, int64_t b) {
  if (b == 0) internal_error("evaluate: integer modulo by zero");
  int64_t r = a % b;
  return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;
}

void check_supported(DType t, const std::string& where) {
  bool ok =
      t == DType::float32() || t == DType::int32() || t == DType::int64() || t == DType::boolean();
  if (!ok) {
    user_error("evaluate: '{}' has dtype {}, which the reference interpreter does not support",
               where, t.to_string());
  }
}

// Wraps an integer to what a value of type `t` holds (int32 arithmetic wraps in a kernel too).
int64_t wrap_int(int64_t x, DType t) {
  if (t.is_bool()) return x != 0;
  if (t.bits == 32) return int32_t(uint32_t(uint64_t(x)));
  return x;
}

// Compiles the expressions of one compute op against the arrays already evaluated.
class Compiler {
 public:
  Compiler(const OperationNode& op, const std::map<const OperationNode*, NDArray>& values)
      : op_(op), values_(values) {}

  void bind(const Var& var, int slot) { slots_[var.get()] = slot; }

  FloatPtr compile_float(const Expr& e) {
    TT_ASSERT(e.type() == DType::float32(), "{}: expected a float32 expression, got {}", op_.name,
              e.type().to_string());
    switch (e.kind()) {
      case ExprKind::FloatImm:
        return std::make_unique<FloatConst>(float(e.as<FloatImmNode>()->value));
      case ExprKind::Add:
        return float_binary(e, [](float a, float b) { return a + b; });
      case ExprKind::Sub:
        return float_binary(e, [](float a, float b) { return a - b; });
      case ExprKind::Mul:
        return float_binary(e, [](float a, float b) { return a * b; });
      case ExprKind::Div:
        return float_binary(e, [](float a, float b) { return a / b; });
      case ExprKind::Min:
        return float_binary(e, [](float a, float b) { return a < b ? a : b; });
      case ExprKind::Max:
        return float_binary(e, [](float a, float b) { return a > b ? a : b; });
      case ExprKind::Select: {
        const auto* s = e.as<SelectNode>();
        return std::make_unique<Select<FloatCode>>(
            compile_int(s->cond), compile_float(s->true_value), compile_float(s->false_value));
      }
      case ExprKind::Cast: {
        const Expr& value = e.as<CastNode>()->value;
        if (value.type().is_float()) return compile_float(value);
        return make_unary<FloatCode>(compile_int(value), [](int64_t x) { return float(x); });
      }
      case ExprKind::Call:
        return compile_call(e.as<CallNode>());
      case ExprKind::TensorRead:
        return compile_read<FloatCode>(e.as<TensorReadNode>());
      default:
        return unsupported(e);
    }
  }

  IntPtr compile_int(const Expr& e) {
    TT_ASSERT(e.type().is_integer_like() && e.type().lanes == 1,
              "{}: expected a scalar integer expression, got {}", op_.name, e.type().to_string());
    if (is_comparison(e.kind()) && static_cast<const BinaryNode*>(e.get())->a.type().is_float()) {
      return compile_float_comparison(e);
    }
    DType t = e.type();
    switch (e.kind()) {
      case ExprKind::IntImm:
        return std::make_unique<IntConst>(e.as<IntImmNode>()->value);
      case ExprKind::Var: {
        auto it = slots_.find(static_cast<const VarNode*>(e.get()));
        if (it == slots_.end()) {
          internal_error("evaluate: '{}' uses variable '{}', which is none of its axes", op_.name,
                         e.as<VarNode>()->name);
        }
        return std::make_unique<IntVar>(it->second);
      }
      case ExprKind::Add:
        return int_binary(e, [t](int64_t a, int64_t b) { return wrap_int(a + b, t); });
      case ExprKind::Sub:
        return int_binary(e, [t](int64_t a, int64_t b) { return wrap_int(a - b, t); });
      case ExprKind::Mul:
        return int_binary(e, [t](int64_t a, int64_t b) { return wrap_int(a * b, t); });
      case ExprKind::Div:
        return int_binary(e, floor_div);
      case ExprKind::Mod:
        return int_binary(e, floor_mod);
      case ExprKind::Min:
        return int_binary(e, [](int64_t a, int64_t b) { return std::min(a, b); });
      case ExprKind::Max:
        return int_binary(e, [](int64_t a, int64_t b) { return std::max(a, b); });
      case ExprKind::EQ:
        return int_binary(e, [](int64_t a, int64_t b) -> int64_t { return a == b; });
      case ExprKind::NE:
        return int_binary(e, [](int64_t a, int64_t b) -> int64_t { return a != b; });
      case ExprKind::LT:
        return int_binary(e, [](int64_t a, int64_t b) -> int64_t { return a < b; });
      case ExprKind::LE:
        return int_binary(e, [](int64_t a, int64_t b) -> int64_t { return a <= b; });
      case ExprKind::GT:
        return int_binary(e, [](int64_t a, int64_t b) -> int64_t { return a > b; });
      case ExprKind::GE:
        return int_binary(e, [](int64_t a, int64_t b) -> int64_t { return a >= b; });
      case ExprKind::And: {
        const auto* b = e.as<AndNode>();
        return std::make_unique<LogicalAnd>(compile_int(b->a), compile_int(b->b));
      }
      case ExprKind::Or: {
        const auto* b = e.as<OrNode>();
        return std::make_unique<LogicalOr>(compile_int(b->a), compile_int(b->b));
      }
      case ExprKind::Not:
        return make_unary<IntCode>(compile_int(e.as<NotNode>()->a),
                                   [](int64_t x) -> int64_t { return !x; });
      case ExprKind::Select: {
        const auto* s = e.as<SelectNode>();
        return std::make_unique<Select<IntCode>>(compile_int(s->cond), compile_int(s->true_value),
                                                 compile_int(s->false_value));
      }
      case ExprKind::Cast: {
        const Expr& value = e.as<CastNode>()->value;
        if (value.type().is_float()) {
          // float -> integer truncates toward zero, as fptosi does; bool tests for non-zero.
          return make_unary<IntCode>(compile_float(value), [t](float x) -> int64_t {
            return t.is_bool() ? x != 0.0f : wrap_int(int64_t(x), t);
          });
        }
        return make_unary<IntCode>(compile_int(value), [t](int64_t x) { return wrap_int(x, t); });
      }
      case ExprKind::TensorRead:
        return compile_read<IntCode>(e.as<TensorReadNode>());
      default:
        return unsupported(e);
    }
  }

 private:
  template <typename F>
  FloatPtr float_binary(const Expr& e, F f) {
    const auto* b = static_cast<const BinaryNode*>(e.get());
    return make_binary<FloatCode>(compile_float(b->a), compile_float(b->b), f);
  }

  template <typename F>
  IntPtr int_binary(const Expr& e, F f) {
    const auto* b = static_cast<const BinaryNode*>(e.get());
    return make_binary<IntCode>(compile_int(b->a), compile_int(b->b), f);
  }

  IntPtr compile_float_comparison(const Expr& e) {
    const auto* b = static_cast<const BinaryNode*>(e.get());
    FloatPtr x = compile_float(b->a), y = compile_float(b->b);
    switch (e.kind()) {
      case ExprKind::EQ:
        return make_binary<IntCode>(std::move(x), std::move(y),
                                    [](float p, float q) -> int64_t { return p == q; });
      case ExprKind::NE:
        return make_binary<IntCode>(std::move(x), std::move(y),
                                    [](float p, float q) -> int64_t { return p != q; });
      case ExprKind::LT:
        return make_binary<IntCode>(std::move(x), std::move(y),
                                    [](float p, float q) -> int64_t { return p < q; });
      case ExprKind::LE:
        return make_binary<IntCode>(std::move(x), std::move(y),
                                    [](float p, float q) -> int64_t { return p <= q; });
      case ExprKind::GT:
        return make_binary<IntCode>(std::move(x), std::move(y),
                                    [](float p, float q) -> int64_t { return p > q; });
      case ExprKind::GE:
        return make_binary<IntCode>(std::move(x), std::move(y),
                                    [](float p, float q) -> int64_t { return p >= q; });
      default:
        return unsupported(e);
    }
  }

  FloatPtr compile_call(const CallNode* c) {
    if (c->op == Intrinsic::pow) {
      return make_binary<FloatCode>(compile_float(c->args[0]), compile_float(c->args[1]),
                                    [](float a, float b) { return std::pow(a, b); });
    }
    FloatPtr x = compile_float(c->args[0]);
    switch (c->op) {
      case Intrinsic::exp:
        return make_unary<FloatCode>(std::move(x), [](float a) { return std::exp(a); });
      case Intrinsic::log:
        return make_unary<FloatCode>(std::move(x), [](float a) { return std::log(a); });
      case Intrinsic::sqrt:
        return make_unary<FloatCode>(std::move(x), [](float a) { return std::sqrt(a); });
      case Intrinsic::tanh:
        return make_unary<FloatCode>(std::move(x), [](float a) { return std::tanh(a); });
      case Intrinsic::sigmoid:
        return make_unary<FloatCode>(std::move(x),
                                     [](float a) { return 1.0f / (1.0f + std::exp(-a)); });
      case Intrinsic::erf:
        return make_unary<FloatCode>(std::move(x), [](float a) { return std::erf(a); });
      case Intrinsic::fabs:
        return make_unary<FloatCode>(std::move(x), [](float a) { return std::fabs(a); });
      case Intrinsic::floor:
        return make_unary<FloatCode>(std::move(x), [](float a) { return std::floor(a); });
      case Intrinsic::ceil:
        return make_unary<FloatCode>(std::move(x), [](float a) { return std::ceil(a); });
      case Intrinsic::pow:
        break;
    }
    internal_error("evaluate: unknown intrinsic {}", intrinsic_name(c->op));
  }

  template <typename Base>
  std::unique_ptr<Base> compile_read(const TensorReadNode* r) {
    auto it = values_.find(r->op.get());
    TT_ASSERT(it != values_.end(), "'{}' reads '{}' before it is evaluated", op_.name, r->op->name);
    const NDArray& array = it->second;
    std::vector<ReadIndex> indices(r->indices.size());
    int64_t stride = 1;
    for (size_t d = r->indices.size(); d-- > 0;) {
      ReadIndex& i = indices[d];
      const Expr& index = r->indices[d];
      auto slot = index.kind() == ExprKind::Var
                      ? slots_.find(static_cast<const VarNode*>(index.get()))
                      : slots_.end();
      if (slot != slots_.end()) {
        i.slot = slot->second;
      } else {
        i.code = compile_int(index);
      }
      i.extent = array.shape()[d];
      i.stride = stride;
      stride *= i.extent;
    }
    const std::string* name = &r->op->name;
    DType t = array.dtype();
    if (t == DType::float32())
      return std::make_unique<Read<Base, float>>(array.as<float>(), std::move(indices), name);
    if (t == DType::int32())
      return std::make_unique<Read<Base, int32_t>>(array.as<int32_t>(), std::move(indices), name);
    if (t == DType::int64())
      return std::make_unique<Read<Base, int64_t>>(array.as<int64_t>(), std::move(indices), name);
    return std::make_unique<Read<Base, uint8_t>>(array.as<uint8_t>(), std::move(indices), name);
  }

  [[noreturn]] std::nullptr_t unsupported(const Expr& e) {
    internal_error("evaluate: '{}' contains a {} node of type {}, which a TE body cannot hold",
                   op_.name, expr_kind_name(e.kind()), e.type().to_string());
  }

  const OperationNode& op_;
  const std::map<const OperationNode*, NDArray>& values_;
  std::unordered_map<const VarNode*, int> slots_;
};

// Calls `visit(slots)` for every point of the box `extents` (lexicographic, last fastest), with
// the point written into slots[first..first + extents.size()).
template <typename F>
void for_each_point(const std::vector<int64_t>& extents, int64_t* slots, size_t first, F&& visit) {
  size_t rank = extents.size();
  for (size_t d = 0; d < rank; ++d) slots[first + d] = 0;
  while (true) {
    visit();
    size_t d = rank;
    while (d > 0) {
      --d;
      if (++slots[first + d] < extents[d]) break;
      slots[first + d] = 0;
      if (d == 0) return;
    }
    if (rank == 0) return;
  }
}

// Evaluates one compute op into `out`; T is the value type (float or int64_t), E the element type.
template <typename T, typename E, typename Code>
void run(const OperationNode& op, const Code& body, const std::vector<int64_t>& reduce_extents,
         ReduceOp reduce_op, T init, E* out) {
  size_t rank = op.shape.size();
  std::vector<int64_t> slots(rank + reduce_extents.size(), 0);
  int64_t* s = slots.data();
  int64_t offset = 0;
  for_each_point(op.shape, s, 0, [&] {
    if (reduce_extents.empty()) {
      out[offset++] = static_cast<E>(body.eval(s));
      return;
    }
    T acc = init;
    for_each_point(reduce_extents, s, rank, [&] {
      T v = body.eval(s);
      switch (reduce_op) {
        case ReduceOp::Sum:
          acc = acc + v;
          break;
        case ReduceOp::Max:
          acc = acc > v ? acc : v;
          break;
        case ReduceOp::Min:
          acc = acc < v ? acc : v;
          break;
      }
    });
    out[offset++] = static_cast<E>(acc);
  });
}

NDArray evaluate_compute(const OperationNode& op,
                         const std::map<const OperationNode*, NDArray>& values) {
  check_supported(op.dtype, op.name);
  Compiler compiler(op, values);
  int slot = 0;
  for (const IterVar& axis : op.axes) {
    TT_ASSERT(is_const_int(axis.dom.min, int64_t(0)), "'{}': axis {} does not start at 0", op.name,
              axis.var.name());
    compiler.bind(axis.var, slot++);
  }
  Expr source = op.body;
  std::vector<int64_t> reduce_extents;
  ReduceOp reduce_op = ReduceOp::Sum;
  Expr init;
  if (const auto* r = op.body.as<ReduceNode>()) {
    for (const IterVar& axis : r->axes) {
      TT_ASSERT(is_const_int(axis.dom.min, int64_t(0)), "'{}': reduce axis {} does not start at 0",
                op.name, axis.var.name());
      compiler.bind(axis.var, slot++);
      reduce_extents.push_back(axis.extent());
    }
    source = r->source;
    reduce_op = r->op;
    init = reduce_identity(r->op, r->type);
  }
  NDArray out(op.shape, op.dtype);
  if (op.dtype.is_float()) {
    FloatPtr body = compiler.compile_float(source);
    float start = init.defined() ? float(init.as<FloatImmNode>()->value) : 0.0f;
    run<float>(op, *body, reduce_extents, reduce_op, start, out.as<float>());
    return out;
  }
  IntPtr body = compiler.compile_int(source);
  int64_t start = init.defined() ? init.as<IntImmNode>()->value : 0;
  if (op.dtype == DType::int32()) {
    run<int64_t>(op, *body, reduce_extents, reduce_op, start, out.as<int32_t>());
  } else if (op.dtype == DType::int64()) {
    run<int64_t>(op, *body, reduce_extents, reduce_op, start, out.as<int64_t>());
  } else {
    run<int64_t>(op, *body, reduce_extents, reduce_op, start, out.as<uint8_t>());
  }
  return out;
}

}  // namespace

std::vector<NDArray> evaluate(const std::vector<Tensor>& outputs, const PlaceholderValues& inputs) {
  std::map<const OperationNode*, NDArray> values;
  for (const Operation& op : topological_order(outputs)) {
    if (!op->is_placeholder()) {
      values[op.get()] = evaluate_compute(*op, values);
      continue;
    }
    auto it = inputs.find(op.get());
    if (it == inputs.end()) user_error("evaluate: no value given for placeholder '{}'", op->name);
    const NDArray& value = it->second;
    if (value.shape() != op->shape || value.dtype() != op->dtype) {
      user_error("evaluate: placeholder '{}' is {} {} but its value is {} {}", op->name,
                 shape_to_string(op->shape), op->dtype.to_string(), shape_to_string(value.shape()),
                 value.dtype().to_string());
    }
    check_supported(op->dtype, op->name);
    values[op.get()] = value;
  }
  std::vector<NDArray> results;
  for (const Tensor& t : outputs) results.push_back(values.at(t.op().get()));
  return results;
}

std::vector<NDArray> evaluate(const std::vector<Tensor>& outputs,
                              const std::vector<std::pair<Tensor, NDArray>>& inputs) {
  PlaceholderValues map;
  for (const auto& [tensor, value] : inputs) {
    if (!tensor.defined() || !tensor->is_placeholder()) {
      user_error("evaluate: an input binding names {}, which is not a placeholder",
                 tensor.defined() ? "'" + tensor.name() + "'" : "an undefined tensor");
    }
    map[tensor.op().get()] = value;
  }
  return evaluate(outputs, map);
}

}  // namespace tt
