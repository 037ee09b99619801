// Loop IR: the imperative form a schedule lowers to and codegen consumes. Buffers are flat arrays
// of one element type; loops carry a kind (serial, parallel, vectorized, unrolled). Like the
// expression IR, nodes are immutable, built by checked make()s, listed once in TT_STMT_NODES.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "ir/expr/expr.h"

namespace tt {

enum class BufferScope : uint8_t {
  Param,   // a kernel argument: an input or output tensor, 64-byte aligned, never aliasing another
  Local,   // allocated by an Allocate statement inside the kernel
};

// A flat, typed array. `size` is its element count (constant: shapes are static).
struct BufferNode {
  std::string name;
  DType dtype;  // the element type (one lane)
  int64_t size = 0;
  BufferScope scope = BufferScope::Param;
  std::vector<int64_t> shape;  // the logical shape, for printing and for callers; size = product
  static Buffer make(std::string name, DType dtype, std::vector<int64_t> shape, BufferScope scope);
};

#define TT_STMT_NODES(X) \
  X(For)                 \
  X(LetStmt)             \
  X(IfThenElse)          \
  X(Store)               \
  X(Allocate)            \
  X(Block)

enum class StmtKind : uint8_t {
#define TT_ENUM(name) name,
  TT_STMT_NODES(TT_ENUM)
#undef TT_ENUM
};

struct StmtNode {
  explicit StmtNode(StmtKind k) : kind(k) {}
  virtual ~StmtNode() = default;
  const StmtKind kind;
};

class Stmt {
 public:
  Stmt() = default;
  explicit Stmt(std::shared_ptr<const StmtNode> node) : node_(std::move(node)) {}
  bool defined() const { return node_ != nullptr; }
  const StmtNode* get() const { return node_.get(); }
  const StmtNode* operator->() const { return node_.get(); }
  StmtKind kind() const { return node_->kind; }
  bool same_as(const Stmt& other) const { return node_ == other.node_; }
  template <typename T>
  const T* as() const {
    return node_ && node_->kind == T::kKind ? static_cast<const T*>(node_.get()) : nullptr;
  }

 private:
  std::shared_ptr<const StmtNode> node_;
};

#define TT_STMT_KIND(name) static constexpr StmtKind kKind = StmtKind::name;

enum class ForKind : uint8_t { Serial, Parallel, Vectorized, Unrolled };
const char* for_kind_name(ForKind kind);

// for (var = min; var < min + extent; ++var) body. Vectorized loops have a constant extent (the lane
// count) and are turned into vector code by the lowering, so codegen never sees one unless it is
// asked to emit the loop IR before that pass; Unrolled loops have a constant extent.
struct ForNode : StmtNode {
  TT_STMT_KIND(For)
  ForNode(Var v, Expr m, Expr e, ForKind k, Stmt b)
      : StmtNode(kKind), var(std::move(v)), min(std::move(m)), extent(std::move(e)), for_kind(k), body(std::move(b)) {}
  Var var;
  Expr min, extent;
  ForKind for_kind;
  Stmt body;
  static Stmt make(Var var, Expr min, Expr extent, ForKind kind, Stmt body);
};

struct LetStmtNode : StmtNode {
  TT_STMT_KIND(LetStmt)
  LetStmtNode(Var v, Expr x, Stmt b) : StmtNode(kKind), var(std::move(v)), value(std::move(x)), body(std::move(b)) {}
  Var var;
  Expr value;
  Stmt body;
  static Stmt make(Var var, Expr value, Stmt body);
};

struct IfThenElseNode : StmtNode {
  TT_STMT_KIND(IfThenElse)
  IfThenElseNode(Expr c, Stmt t, Stmt e)
      : StmtNode(kKind), cond(std::move(c)), then_case(std::move(t)), else_case(std::move(e)) {}
  Expr cond;
  Stmt then_case;
  Stmt else_case;  // may be undefined
  static Stmt make(Expr cond, Stmt then_case, Stmt else_case = Stmt());
};

// buffer[index] = value; a vector index with a vector value stores every lane.
struct StoreNode : StmtNode {
  TT_STMT_KIND(Store)
  StoreNode(Buffer b, Expr i, Expr v) : StmtNode(kKind), buffer(std::move(b)), index(std::move(i)), value(std::move(v)) {}
  Buffer buffer;
  Expr index;
  Expr value;
  static Stmt make(Buffer buffer, Expr index, Expr value);
};

// Allocates a Local buffer (64-byte aligned) that lives for `body`.
struct AllocateNode : StmtNode {
  TT_STMT_KIND(Allocate)
  AllocateNode(Buffer b, Stmt s) : StmtNode(kKind), buffer(std::move(b)), body(std::move(s)) {}
  Buffer buffer;
  Stmt body;
  static Stmt make(Buffer buffer, Stmt body);
};

struct BlockNode : StmtNode {
  TT_STMT_KIND(Block)
  explicit BlockNode(std::vector<Stmt> s) : StmtNode(kKind), stmts(std::move(s)) {}
  std::vector<Stmt> stmts;
  static Stmt make(std::vector<Stmt> stmts);  // flattens nested blocks; one statement stays itself
};

#undef TT_STMT_KIND

// A lowered kernel: its parameters (inputs first, then outputs) and its body.
struct LoweredFunc {
  std::string name;
  std::vector<Buffer> params;
  Stmt body;
};

class StmtVisitor : public ExprVisitor {
 public:
  virtual void visit_stmt(const Stmt& s);
#define TT_VISIT(name) virtual void visit_##name(const name##Node* node);
  TT_STMT_NODES(TT_VISIT)
#undef TT_VISIT
  using ExprVisitor::visit;
};

class StmtMutator : public ExprMutator {
 public:
  virtual Stmt mutate_stmt(const Stmt& s);
#define TT_MUTATE(name) virtual Stmt mutate_##name(const name##Node* node, const Stmt& self);
  TT_STMT_NODES(TT_MUTATE)
#undef TT_MUTATE
  using ExprMutator::mutate;
};

Stmt substitute(const Stmt& s, const VarMap& map);

// Checks the invariants codegen relies on: variables defined before use, loads and stores of
// matching types, vector lanes that agree, constant extents where a loop kind needs one. Throws
// InternalError naming the first violation.
void verify(const LoweredFunc& func);

std::string to_string(const Stmt& s);
std::string to_string(const LoweredFunc& func);

}  // namespace tt
