// The canonical workload text (see canonical.h). Grammar, version 2 — one line each:
//
//   workload v2
//   t<k> placeholder <dtype> [<d0>,<d1>,...]         (" const" appended for a constant input)
//   t<k> compute <dtype> [<d0>,...] (a0 <min> <extent>) (a1 ...) ... = <expr>
//   output t<k> t<k'> ...
//
// Operations are numbered t0, t1, ...: first the given inputs in argument order, then the rest in
// topological_order() (producers first, a consumer's inputs in the order it first reads them).
// Numbering the arguments first ties the text to the kernel's signature: a - b and b - a over the
// same two arguments are different kernels, even though each is the other with its inputs renamed.
// Data-parallel axes are a0, a1, ... by dimension; reduce axes are
// r0, r1, ... in the order the compute's Reduce nodes declare them. Expressions are prefix
// s-expressions with every node parenthesised, so no precedence rule is involved:
//
//   <dtype>:<value>            integer constant (i32:3, i64:-1, u1:1); the dtype is written by its
//                              code, bits and lanes (i32, u8, f32, bf16, f32x8, u1 for bool)
//   <dtype>:0x<16 hex digits>  float constant: the bits of its IEEE double value, exact
//   a<n> | r<n>                an axis
//   (add x y) (sub ..) (mul ..) (div ..) (mod ..) (min ..) (max ..)
//   (eq x y) (ne ..) (lt ..) (le ..) (gt ..) (ge ..) (and ..) (or ..) (not x)
//   (select c t f) (cast <dtype> x) (call <intrinsic> x ...) (ramp base stride lanes)
//   (broadcast x lanes) (read t<k> index ...)
//   (reduce <sum|max|min> (r<n> <min> <extent>) ... source)
//
// Every name written here comes from this file's own tables, not from the printer or the enums'
// name functions, so only an edit here changes a key. Tags are left out: they say which builder
// made a stage, not what it computes.
#include "ir/te/canonical.h"

#include <fmt/format.h>

#include <bit>
#include <map>
#include <set>
#include <unordered_map>

#include "ir/error.h"

namespace tt {

namespace {

std::string dtype_text(DType type) {
  const char* code = "";
  switch (type.code) {
    case TypeCode::Int: code = "i"; break;
    case TypeCode::UInt: code = "u"; break;
    case TypeCode::Float: code = "f"; break;
    case TypeCode::BFloat: code = "bf"; break;
  }
  std::string text = fmt::format("{}{}", code, int(type.bits));
  if (type.lanes != 1) text += fmt::format("x{}", int(type.lanes));
  return text;
}

const char* intrinsic_text(Intrinsic op) {
  switch (op) {
    case Intrinsic::exp: return "exp";
    case Intrinsic::log: return "log";
    case Intrinsic::sqrt: return "sqrt";
    case Intrinsic::tanh: return "tanh";
    case Intrinsic::sigmoid: return "sigmoid";
    case Intrinsic::erf: return "erf";
    case Intrinsic::pow: return "pow";
    case Intrinsic::fabs: return "fabs";
    case Intrinsic::floor: return "floor";
    case Intrinsic::ceil: return "ceil";
  }
  internal_error("canonical text: unknown intrinsic {}", int(op));
}

const char* reduce_text(ReduceOp op) {
  switch (op) {
    case ReduceOp::Sum: return "sum";
    case ReduceOp::Max: return "max";
    case ReduceOp::Min: return "min";
  }
  internal_error("canonical text: unknown reduction {}", int(op));
}

// Writes one graph. Variables get their positional names when their compute declares them; a
// variable that no enclosing compute declares is a bug in whoever built the body.
class CanonicalWriter {
 public:
  std::string write(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                    const std::vector<bool>& constant_inputs) {
    TT_ASSERT(constant_inputs.empty() || constant_inputs.size() == inputs.size(),
              "canonical text: {} constant flags for {} inputs", constant_inputs.size(), inputs.size());
    for (size_t i = 0; i < constant_inputs.size(); ++i)
      if (constant_inputs[i]) constant_.insert(inputs[i].op().get());
    out_ = fmt::format("workload v{}\n", kCanonicalWorkloadVersion);
    std::vector<Operation> order;
    for (const Tensor& t : inputs) {
      TT_ASSERT(t.defined() && t->is_placeholder(), "canonical text: an input that is no placeholder");
      TT_ASSERT(!op_index_.count(t.op().get()), "canonical text: input '{}' given twice", t.name());
      op_index_[t.op().get()] = int(order.size());
      order.push_back(t.op());
    }
    for (const Operation& op : topological_order(outputs)) {
      if (op_index_.count(op.get())) continue;
      TT_ASSERT(inputs.empty() || !op->is_placeholder(),
                "canonical text: placeholder '{}' is read but not among the inputs", op->name);
      op_index_[op.get()] = int(order.size());
      order.push_back(op);
    }
    for (const Operation& op : order) write_op(*op);
    out_ += "output";
    for (const Tensor& t : outputs) out_ += fmt::format(" t{}", op_index_.at(t.op().get()));
    out_ += "\n";
    return std::move(out_);
  }

 private:
  void write_op(const OperationNode& op) {
    out_ += fmt::format("t{} {} {} [{}]", op_index_.at(&op), op.is_placeholder() ? "placeholder" : "compute",
                        dtype_text(op.dtype), fmt::join(op.shape, ","));
    if (op.is_placeholder()) {
      out_ += constant_.count(&op) ? " const\n" : "\n";
      return;
    }
    var_name_.clear();
    next_reduce_axis_ = 0;
    for (size_t d = 0; d < op.axes.size(); ++d) {
      out_ += " ";
      write_axis(op.axes[d], fmt::format("a{}", d));
    }
    out_ += " = ";
    write_expr(op.body);
    out_ += "\n";
  }

  void write_axis(const IterVar& axis, const std::string& name) {
    var_name_[axis.var.get()] = name;
    out_ += fmt::format("({} {} {})", name, const_int(axis.dom.min), axis.extent());
  }

  void write_binary(const char* name, const ExprNode* node) {
    auto* n = static_cast<const BinaryNode*>(node);
    out_ += fmt::format("({} ", name);
    write_expr(n->a);
    out_ += " ";
    write_expr(n->b);
    out_ += ")";
  }

  void write_list(const std::vector<Expr>& list) {
    for (const Expr& e : list) {
      out_ += " ";
      write_expr(e);
    }
  }

  // One case per node kind and no default, so a new node kind does not compile until it has a
  // canonical form here.
  void write_expr(const Expr& e) {
    TT_ASSERT(e.defined(), "canonical text of an undefined expression");
    switch (e.kind()) {
      case ExprKind::IntImm: out_ += fmt::format("{}:{}", dtype_text(e.type()), e.as<IntImmNode>()->value); return;
      case ExprKind::FloatImm:
        out_ += fmt::format("{}:0x{:016x}", dtype_text(e.type()), std::bit_cast<uint64_t>(e.as<FloatImmNode>()->value));
        return;
      case ExprKind::Var: {
        auto it = var_name_.find(e.as<VarNode>());
        TT_ASSERT(it != var_name_.end(), "compute body uses variable '{}' that none of its axes declares",
                  e.as<VarNode>()->name);
        out_ += it->second;
        return;
      }
      case ExprKind::Add: return write_binary("add", e.get());
      case ExprKind::Sub: return write_binary("sub", e.get());
      case ExprKind::Mul: return write_binary("mul", e.get());
      case ExprKind::Div: return write_binary("div", e.get());
      case ExprKind::Mod: return write_binary("mod", e.get());
      case ExprKind::Min: return write_binary("min", e.get());
      case ExprKind::Max: return write_binary("max", e.get());
      case ExprKind::EQ: return write_binary("eq", e.get());
      case ExprKind::NE: return write_binary("ne", e.get());
      case ExprKind::LT: return write_binary("lt", e.get());
      case ExprKind::LE: return write_binary("le", e.get());
      case ExprKind::GT: return write_binary("gt", e.get());
      case ExprKind::GE: return write_binary("ge", e.get());
      case ExprKind::And: return write_binary("and", e.get());
      case ExprKind::Or: return write_binary("or", e.get());
      case ExprKind::Not:
        out_ += "(not ";
        write_expr(e.as<NotNode>()->a);
        out_ += ")";
        return;
      case ExprKind::Select: {
        auto* n = e.as<SelectNode>();
        out_ += "(select";
        write_list({n->cond, n->true_value, n->false_value});
        out_ += ")";
        return;
      }
      case ExprKind::Cast:
        out_ += fmt::format("(cast {} ", dtype_text(e.type()));
        write_expr(e.as<CastNode>()->value);
        out_ += ")";
        return;
      case ExprKind::Call: {
        auto* n = e.as<CallNode>();
        out_ += fmt::format("(call {}", intrinsic_text(n->op));
        write_list(n->args);
        out_ += ")";
        return;
      }
      case ExprKind::Ramp: {
        auto* n = e.as<RampNode>();
        out_ += "(ramp";
        write_list({n->base, n->stride});
        out_ += fmt::format(" {})", n->lanes);
        return;
      }
      case ExprKind::Broadcast: {
        auto* n = e.as<BroadcastNode>();
        out_ += "(broadcast ";
        write_expr(n->value);
        out_ += fmt::format(" {})", n->lanes);
        return;
      }
      case ExprKind::Load: internal_error("canonical text: a tensor-expression body holds a loop-IR load");
      case ExprKind::TensorRead: {
        auto* n = e.as<TensorReadNode>();
        auto it = op_index_.find(n->op.get());
        TT_ASSERT(it != op_index_.end(), "read of '{}', which the graph does not hold", n->op->name);
        out_ += fmt::format("(read t{}", it->second);
        write_list(n->indices);
        out_ += ")";
        return;
      }
      case ExprKind::Reduce: {
        auto* n = e.as<ReduceNode>();
        out_ += fmt::format("(reduce {}", reduce_text(n->op));
        for (const IterVar& axis : n->axes) {
          out_ += " ";
          write_axis(axis, fmt::format("r{}", next_reduce_axis_++));
        }
        out_ += " ";
        write_expr(n->source);
        out_ += ")";
        return;
      }
    }
    internal_error("canonical text: unknown expression kind {}", int(e.kind()));
  }

  std::string out_;
  std::map<const OperationNode*, int> op_index_;
  std::set<const OperationNode*> constant_;
  std::unordered_map<const VarNode*, std::string> var_name_;
  int next_reduce_axis_ = 0;
};

}  // namespace

std::string canonical_workload_text(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                                    const std::vector<bool>& constant_inputs) {
  TT_ASSERT(!outputs.empty(), "canonical text of a graph without outputs");
  return CanonicalWriter().write(outputs, inputs, constant_inputs);
}

std::string canonical_workload_key(const std::string& text) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : text) h = (h ^ c) * 1099511628211ull;
  return fmt::format("{:016x}", h);
}

}  // namespace tt
