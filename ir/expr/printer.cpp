// Readable text of expressions, in C-like infix with minimal parentheses: what `--print lowered`,
// error messages and golden tests show.
#include <fmt/format.h>

#include <sstream>

#include "ir/expr/expr.h"
#include "ir/loop/stmt.h"
#include "ir/te/tensor.h"

namespace tt {

namespace {

int precedence(ExprKind k) {
  switch (k) {
    case ExprKind::Or: return 1;
    case ExprKind::And: return 2;
    case ExprKind::EQ:
    case ExprKind::NE: return 3;
    case ExprKind::LT:
    case ExprKind::LE:
    case ExprKind::GT:
    case ExprKind::GE: return 4;
    case ExprKind::Add:
    case ExprKind::Sub: return 5;
    case ExprKind::Mul:
    case ExprKind::Div:
    case ExprKind::Mod: return 6;
    default: return 10;
  }
}

const char* binary_symbol(ExprKind k) {
  switch (k) {
    case ExprKind::Add: return " + ";
    case ExprKind::Sub: return " - ";
    case ExprKind::Mul: return "*";
    case ExprKind::Div: return "/";
    case ExprKind::Mod: return " % ";
    case ExprKind::EQ: return " == ";
    case ExprKind::NE: return " != ";
    case ExprKind::LT: return " < ";
    case ExprKind::LE: return " <= ";
    case ExprKind::GT: return " > ";
    case ExprKind::GE: return " >= ";
    case ExprKind::And: return " && ";
    case ExprKind::Or: return " || ";
    default: return nullptr;
  }
}

std::string format_float(double v) {
  std::string s = fmt::format("{}", v);
  if (s.find_first_of(".einf") == std::string::npos) s += ".0";
  return s + "f";
}

void print(std::ostream& os, const Expr& e, int parent_precedence);

void print_list(std::ostream& os, const std::vector<Expr>& list) {
  for (size_t i = 0; i < list.size(); ++i) {
    if (i) os << ", ";
    print(os, list[i], 0);
  }
}

void print(std::ostream& os, const Expr& e, int parent_precedence) {
  if (!e.defined()) {
    os << "<undefined>";
    return;
  }
  if (const char* sym = binary_symbol(e.kind())) {
    auto* n = static_cast<const BinaryNode*>(e.get());
    int p = precedence(e.kind());
    bool paren = p < parent_precedence;
    if (paren) os << "(";
    print(os, n->a, p);
    os << sym;
    print(os, n->b, p + 1);  // left-associative: a - (b - c) needs its parentheses
    if (paren) os << ")";
    return;
  }
  switch (e.kind()) {
    case ExprKind::IntImm: {
      int64_t v = e.as<IntImmNode>()->value;
      if (e.type().is_bool()) os << (v ? "true" : "false");
      else if (v < 0 && parent_precedence > 0) os << "(" << v << ")";
      else os << v;
      if (e.type() != DType::int32() && !e.type().is_bool()) os << "i" << int(e.type().bits);
      return;
    }
    case ExprKind::FloatImm: os << format_float(e.as<FloatImmNode>()->value); return;
    case ExprKind::Var: os << e.as<VarNode>()->name; return;
    case ExprKind::Min:
    case ExprKind::Max: {
      auto* n = static_cast<const BinaryNode*>(e.get());
      os << (e.kind() == ExprKind::Min ? "min(" : "max(");
      print(os, n->a, 0);
      os << ", ";
      print(os, n->b, 0);
      os << ")";
      return;
    }
    case ExprKind::Not: os << "!"; print(os, e.as<NotNode>()->a, 10); return;
    case ExprKind::Select: {
      auto* n = e.as<SelectNode>();
      os << "select(";
      print_list(os, {n->cond, n->true_value, n->false_value});
      os << ")";
      return;
    }
    case ExprKind::Cast: os << e.type().to_string() << "("; print(os, e.as<CastNode>()->value, 0); os << ")"; return;
    case ExprKind::Call: {
      auto* n = e.as<CallNode>();
      os << intrinsic_name(n->op) << "(";
      print_list(os, n->args);
      os << ")";
      return;
    }
    case ExprKind::Ramp: {
      auto* n = e.as<RampNode>();
      os << "ramp(";
      print_list(os, {n->base, n->stride});
      os << ", " << n->lanes << ")";
      return;
    }
    case ExprKind::Broadcast: {
      auto* n = e.as<BroadcastNode>();
      os << "x" << n->lanes << "(";
      print(os, n->value, 0);
      os << ")";
      return;
    }
    case ExprKind::Load: {
      auto* n = e.as<LoadNode>();
      os << n->buffer->name << "[";
      print(os, n->index, 0);
      os << "]";
      return;
    }
    case ExprKind::TensorRead: {
      auto* n = e.as<TensorReadNode>();
      os << n->op->name << "(";
      print_list(os, n->indices);
      os << ")";
      return;
    }
    case ExprKind::Reduce: {
      auto* n = e.as<ReduceNode>();
      os << reduce_op_name(n->op) << "(";
      print(os, n->source, 0);
      os << ", axes=[";
      for (size_t i = 0; i < n->axes.size(); ++i) {
        os << (i ? ", " : "") << n->axes[i].var.name() << ":" << to_string(n->axes[i].dom.extent);
      }
      os << "])";
      return;
    }
    default: os << "<" << expr_kind_name(e.kind()) << ">"; return;
  }
}

}  // namespace

std::string to_string(const Expr& e) {
  std::ostringstream os;
  print(os, e, 0);
  return os.str();
}

}  // namespace tt
