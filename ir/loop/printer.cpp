// Readable text of loop IR: C-like, two-space indentation, one statement per line.
#include <sstream>

#include "ir/loop/stmt.h"

namespace tt {

namespace {

void print(std::ostringstream& os, const Stmt& s, int indent) {
  std::string pad(indent * 2, ' ');
  if (!s.defined()) return;
  switch (s.kind()) {
    case StmtKind::For: {
      auto* n = s.as<ForNode>();
      os << pad << for_kind_name(n->for_kind) << " (" << n->var.name() << ", " << to_string(n->min) << ", "
         << to_string(n->extent) << ") {\n";
      print(os, n->body, indent + 1);
      os << pad << "}\n";
      return;
    }
    case StmtKind::LetStmt: {
      auto* n = s.as<LetStmtNode>();
      os << pad << "let " << n->var.name() << " = " << to_string(n->value) << "\n";
      print(os, n->body, indent);
      return;
    }
    case StmtKind::IfThenElse: {
      auto* n = s.as<IfThenElseNode>();
      os << pad << "if (" << to_string(n->cond) << ") {\n";
      print(os, n->then_case, indent + 1);
      if (n->else_case.defined()) {
        os << pad << "} else {\n";
        print(os, n->else_case, indent + 1);
      }
      os << pad << "}\n";
      return;
    }
    case StmtKind::Store: {
      auto* n = s.as<StoreNode>();
      os << pad << n->buffer->name << "[" << to_string(n->index) << "] = " << to_string(n->value) << "\n";
      return;
    }
    case StmtKind::Allocate: {
      auto* n = s.as<AllocateNode>();
      os << pad << "allocate " << n->buffer->name << "[" << n->buffer->dtype.to_string() << " * " << n->buffer->size
         << "]\n";
      print(os, n->body, indent);
      return;
    }
    case StmtKind::Block:
      for (const Stmt& c : s.as<BlockNode>()->stmts) print(os, c, indent);
      return;
  }
}

}  // namespace

std::string to_string(const Stmt& s) {
  std::ostringstream os;
  print(os, s, 0);
  return os.str();
}

std::string to_string(const LoweredFunc& func) {
  std::ostringstream os;
  os << "func " << func.name << "(";
  for (size_t i = 0; i < func.params.size(); ++i) {
    const Buffer& b = func.params[i];
    os << (i ? ", " : "") << b->name << ": " << b->dtype.to_string() << "[";
    for (size_t d = 0; d < b->shape.size(); ++d) os << (d ? ", " : "") << b->shape[d];
    os << "]";
  }
  os << ") {\n";
  print(os, func.body, 1);
  os << "}\n";
  return os.str();
}

}  // namespace tt
