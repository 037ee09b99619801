// Scalar expressions shared by tensor-expression compute bodies and loop IR (Halide style): every
// node is a small immutable struct built through a checked make(); an Expr is a cheap
// reference-counted handle. TE bodies use TensorRead and Reduce; loop IR uses Load, Ramp and
// Broadcast. The node list below is the one place a node kind is declared.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ir/expr/dtype.h"

namespace tt {

#define TT_EXPR_NODES(X) \
  X(IntImm)              \
  X(FloatImm)            \
  X(Var)                 \
  X(Add)                 \
  X(Sub)                 \
  X(Mul)                 \
  X(Div)                 \
  X(Mod)                 \
  X(Min)                 \
  X(Max)                 \
  X(EQ)                  \
  X(NE)                  \
  X(LT)                  \
  X(LE)                  \
  X(GT)                  \
  X(GE)                  \
  X(And)                 \
  X(Or)                  \
  X(Not)                 \
  X(Select)              \
  X(Cast)                \
  X(Call)                \
  X(Ramp)                \
  X(Broadcast)           \
  X(Load)                \
  X(TensorRead)          \
  X(Reduce)

enum class ExprKind : uint8_t {
#define TT_ENUM(name) name,
  TT_EXPR_NODES(TT_ENUM)
#undef TT_ENUM
};

const char* expr_kind_name(ExprKind kind);

struct ExprNode {
  ExprNode(ExprKind k, DType t) : kind(k), type(t) {}
  virtual ~ExprNode() = default;
  const ExprKind kind;
  const DType type;
};

// A handle to an immutable expression node. Integers convert to int32 constants and floats to
// float32 constants, so `A(i, k) * 2.0f + 1` reads as it should.
class Expr {
 public:
  Expr() = default;
  explicit Expr(std::shared_ptr<const ExprNode> node) : node_(std::move(node)) {}
  Expr(int value);
  Expr(int64_t value);
  Expr(float value);
  Expr(double value);

  bool defined() const { return node_ != nullptr; }
  const ExprNode* get() const { return node_.get(); }
  const ExprNode* operator->() const { return node_.get(); }
  ExprKind kind() const { return node_->kind; }
  DType type() const { return node_->type; }
  bool same_as(const Expr& other) const { return node_ == other.node_; }
  const std::shared_ptr<const ExprNode>& ptr() const { return node_; }

  template <typename T>
  const T* as() const {
    return node_ && node_->kind == T::kKind ? static_cast<const T*>(node_.get()) : nullptr;
  }

 private:
  std::shared_ptr<const ExprNode> node_;
};

struct VarNode;

// A variable: loop indices, TE axes, buffer-free scalars. Identity is the node, not the name; two
// Vars with the same name are different variables.
class Var : public Expr {
 public:
  explicit Var(const std::string& name, DType type = DType::int32());
  explicit Var(std::shared_ptr<const VarNode> node);
  const VarNode* get() const;
  const std::string& name() const;
};

// A half-open integer range [min, min + extent).
struct Range {
  Expr min;
  Expr extent;
};

enum class IterKind : uint8_t { DataParallel, Reduce };

// An iteration axis of a TE compute: a variable, its domain, and whether it is reduced over.
struct IterVar {
  Var var;
  Range dom;
  IterKind kind = IterKind::DataParallel;
  int64_t extent() const;  // the domain extent; TE domains are constant
};

// ---- nodes ----

#define TT_NODE_KIND(name) static constexpr ExprKind kKind = ExprKind::name;

struct IntImmNode : ExprNode {
  TT_NODE_KIND(IntImm)
  IntImmNode(DType t, int64_t v) : ExprNode(kKind, t), value(v) {}
  int64_t value;
  static Expr make(DType type, int64_t value);
};

struct FloatImmNode : ExprNode {
  TT_NODE_KIND(FloatImm)
  FloatImmNode(DType t, double v) : ExprNode(kKind, t), value(v) {}
  double value;
  static Expr make(DType type, double value);
};

struct VarNode : ExprNode {
  TT_NODE_KIND(Var)
  VarNode(DType t, std::string n) : ExprNode(kKind, t), name(std::move(n)) {}
  std::string name;
};

// Binary arithmetic, min/max, comparisons and logic share one layout. For integers Div and Mod are
// floor division and floor modulo (the index arithmetic of splits needs them); for floats Div is
// true division and Mod is not allowed.
struct BinaryNode : ExprNode {
  BinaryNode(ExprKind k, DType t, Expr x, Expr y) : ExprNode(k, t), a(std::move(x)), b(std::move(y)) {}
  Expr a, b;
};

#define TT_BINARY_NODE(name)                                              \
  struct name##Node : BinaryNode {                                        \
    TT_NODE_KIND(name)                                                    \
    name##Node(DType t, Expr x, Expr y) : BinaryNode(kKind, t, x, y) {} \
    static Expr make(Expr a, Expr b);                                     \
  };
TT_BINARY_NODE(Add)
TT_BINARY_NODE(Sub)
TT_BINARY_NODE(Mul)
TT_BINARY_NODE(Div)
TT_BINARY_NODE(Mod)
TT_BINARY_NODE(Min)
TT_BINARY_NODE(Max)
TT_BINARY_NODE(EQ)
TT_BINARY_NODE(NE)
TT_BINARY_NODE(LT)
TT_BINARY_NODE(LE)
TT_BINARY_NODE(GT)
TT_BINARY_NODE(GE)
TT_BINARY_NODE(And)
TT_BINARY_NODE(Or)
#undef TT_BINARY_NODE

bool is_binary(ExprKind kind);
bool is_comparison(ExprKind kind);

struct NotNode : ExprNode {
  TT_NODE_KIND(Not)
  NotNode(DType t, Expr x) : ExprNode(kKind, t), a(std::move(x)) {}
  Expr a;
  static Expr make(Expr a);
};

// select(cond, t, f): both branches are values; guarded reads (padding) rely on the lowering never
// evaluating a load that the condition excludes (codegen emits a branch when a branch loads).
struct SelectNode : ExprNode {
  TT_NODE_KIND(Select)
  SelectNode(DType t, Expr c, Expr x, Expr y)
      : ExprNode(kKind, t), cond(std::move(c)), true_value(std::move(x)), false_value(std::move(y)) {}
  Expr cond, true_value, false_value;
  static Expr make(Expr cond, Expr true_value, Expr false_value);
};

struct CastNode : ExprNode {
  TT_NODE_KIND(Cast)
  CastNode(DType t, Expr v) : ExprNode(kKind, t), value(std::move(v)) {}
  Expr value;
  static Expr make(DType type, Expr value);
};

#define TT_INTRINSICS(X) X(exp) X(log) X(sqrt) X(tanh) X(sigmoid) X(erf) X(pow) X(fabs) X(floor) X(ceil)

enum class Intrinsic : uint8_t {
#define TT_ENUM(name) name,
  TT_INTRINSICS(TT_ENUM)
#undef TT_ENUM
};
const char* intrinsic_name(Intrinsic op);
int intrinsic_arity(Intrinsic op);

struct CallNode : ExprNode {
  TT_NODE_KIND(Call)
  CallNode(DType t, Intrinsic o, std::vector<Expr> a) : ExprNode(kKind, t), op(o), args(std::move(a)) {}
  Intrinsic op;
  std::vector<Expr> args;
  static Expr make(Intrinsic op, std::vector<Expr> args);
};

// The vector of `lanes` integers base, base + stride, ... (vectorized loop indices).
struct RampNode : ExprNode {
  TT_NODE_KIND(Ramp)
  RampNode(DType t, Expr b, Expr s, int l) : ExprNode(kKind, t), base(std::move(b)), stride(std::move(s)), lanes(l) {}
  Expr base, stride;
  int lanes;
  static Expr make(Expr base, Expr stride, int lanes);
};

struct BroadcastNode : ExprNode {
  TT_NODE_KIND(Broadcast)
  BroadcastNode(DType t, Expr v, int l) : ExprNode(kKind, t), value(std::move(v)), lanes(l) {}
  Expr value;
  int lanes;
  static Expr make(Expr value, int lanes);
};

// A flat buffer of loop IR (declared in ir/loop/buffer.h).
struct BufferNode;
using Buffer = std::shared_ptr<const BufferNode>;

// buffer[index]: a scalar load, or with a vector index (a Ramp, or any int vector) a vector load.
struct LoadNode : ExprNode {
  TT_NODE_KIND(Load)
  LoadNode(DType t, Buffer b, Expr i) : ExprNode(kKind, t), buffer(std::move(b)), index(std::move(i)) {}
  Buffer buffer;
  Expr index;
  static Expr make(Buffer buffer, Expr index);
};

// A read of a TE tensor at multi-dimensional indices (declared in ir/te/tensor.h).
struct OperationNode;
using Operation = std::shared_ptr<const OperationNode>;

struct TensorReadNode : ExprNode {
  TT_NODE_KIND(TensorRead)
  TensorReadNode(DType t, Operation o, std::vector<Expr> i) : ExprNode(kKind, t), op(std::move(o)), indices(std::move(i)) {}
  Operation op;
  std::vector<Expr> indices;
  static Expr make(Operation op, std::vector<Expr> indices);
};

enum class ReduceOp : uint8_t { Sum, Max, Min };
const char* reduce_op_name(ReduceOp op);
// The identity of a reduction: 0 for sum, the lowest value for max, the highest for min.
Expr reduce_identity(ReduceOp op, DType type);
// Combines an accumulator with a new value.
Expr reduce_combine(ReduceOp op, Expr accumulator, Expr value);

// A reduction over `axes` of `source`; only allowed as the whole body of a TE compute.
struct ReduceNode : ExprNode {
  TT_NODE_KIND(Reduce)
  ReduceNode(DType t, ReduceOp o, Expr s, std::vector<IterVar> a)
      : ExprNode(kKind, t), op(o), source(std::move(s)), axes(std::move(a)) {}
  ReduceOp op;
  Expr source;
  std::vector<IterVar> axes;
  static Expr make(ReduceOp op, Expr source, std::vector<IterVar> axes);
};

#undef TT_NODE_KIND

// ---- construction helpers (type-checked; integer and float constants adapt to the other side) ----

Expr operator+(Expr a, Expr b);
Expr operator-(Expr a, Expr b);
Expr operator*(Expr a, Expr b);
Expr operator/(Expr a, Expr b);  // floor division for integers
Expr operator%(Expr a, Expr b);  // floor modulo for integers
Expr operator-(Expr a);
Expr operator==(Expr a, Expr b);
Expr operator!=(Expr a, Expr b);
Expr operator<(Expr a, Expr b);
Expr operator<=(Expr a, Expr b);
Expr operator>(Expr a, Expr b);
Expr operator>=(Expr a, Expr b);
Expr operator&&(Expr a, Expr b);
Expr operator||(Expr a, Expr b);
Expr operator!(Expr a);
Expr min(Expr a, Expr b);
Expr max(Expr a, Expr b);
Expr select(Expr cond, Expr true_value, Expr false_value);
Expr cast(DType type, Expr value);
Expr call(Intrinsic op, std::vector<Expr> args);
Expr make_const(DType type, double value);  // an IntImm or FloatImm of `type` (vector: broadcast)
Expr make_zero(DType type);

// Constant-value queries.
bool is_const_int(const Expr& e, int64_t* value = nullptr);
bool is_const_int(const Expr& e, int64_t value);
int64_t const_int(const Expr& e);  // InternalError unless a constant integer

// ---- traversal ----

// Reads every node once in pre-order; override visit_X for the nodes of interest and call the base
// to keep descending.
class ExprVisitor {
 public:
  virtual ~ExprVisitor() = default;
  virtual void visit(const Expr& e);

#define TT_VISIT(name) virtual void visit_##name(const name##Node* node);
  TT_EXPR_NODES(TT_VISIT)
#undef TT_VISIT
};

// Rebuilds an expression bottom-up; the default for each node rebuilds it from mutated children and
// returns the original handle when nothing changed.
class ExprMutator {
 public:
  virtual ~ExprMutator() = default;
  virtual Expr mutate(const Expr& e);

#define TT_MUTATE(name) virtual Expr mutate_##name(const name##Node* node, const Expr& self);
  TT_EXPR_NODES(TT_MUTATE)
#undef TT_MUTATE
};

// Replaces variables (by node identity).
struct VarNodeHash {
  size_t operator()(const VarNode* v) const { return std::hash<const void*>()(v); }
};
}  // namespace tt

#include <unordered_map>
namespace tt {
using VarMap = std::unordered_map<const VarNode*, Expr>;
Expr substitute(const Expr& e, const VarMap& map);
bool uses_var(const Expr& e, const VarNode* var);
bool uses_any_var(const Expr& e, const std::vector<const VarNode*>& vars);

// Structural equality and hash (variables compare by identity, constants by value).
bool structural_equal(const Expr& a, const Expr& b);
size_t structural_hash(const Expr& e);

std::string to_string(const Expr& e);

}  // namespace tt
