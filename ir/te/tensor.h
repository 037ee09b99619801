// Tensor expressions: a tensor is either a placeholder (an input) or a compute, whose body gives
// the value at every point of its shape as an expression over index variables and the tensors it
// reads. Shapes are static. Operators (ir/te/ops.h) are built from these two constructors.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "ir/expr/expr.h"

namespace tt {

enum class OpKind : uint8_t { Placeholder, Compute };

struct OperationNode {
  OpKind op_kind = OpKind::Placeholder;
  std::string name;
  std::string tag;  // what built it, e.g. "conv2d", "elemwise", "injective"; templates key on it
  DType dtype;
  std::vector<int64_t> shape;
  // Compute only: one data-parallel axis per output dimension, and the body (a Reduce at the top for
  // reductions, whose axes are the reduce axes).
  std::vector<IterVar> axes;
  Expr body;

  bool is_placeholder() const { return op_kind == OpKind::Placeholder; }
  const std::vector<IterVar>& reduce_axes() const;  // empty unless the body is a Reduce
  // The distinct operations this one reads, in first-read order.
  std::vector<Operation> input_ops() const;
};

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(Operation op) : op_(std::move(op)) {}

  bool defined() const { return op_ != nullptr; }
  const Operation& op() const { return op_; }
  const OperationNode* operator->() const { return op_.get(); }
  const std::string& name() const { return op_->name; }
  const std::vector<int64_t>& shape() const { return op_->shape; }
  int ndim() const { return int(op_->shape.size()); }
  DType dtype() const { return op_->dtype; }
  int64_t num_elements() const;

  // A read of this tensor; the number of indices must equal ndim.
  Expr operator()(std::vector<Expr> indices) const;
  template <typename... I>
  Expr operator()(I... indices) const {
    return (*this)(std::vector<Expr>{Expr(indices)...});
  }

 private:
  Operation op_;
};

Tensor placeholder(std::vector<int64_t> shape, DType dtype, std::string name);

// compute(shape, [](const std::vector<Var>& i) { return A(i[0], i[1]) + 1.0f; }, "B")
using ComputeBody = std::function<Expr(const std::vector<Var>&)>;
Tensor compute(std::vector<int64_t> shape, const ComputeBody& body, std::string name,
               std::string tag = "");

// A reduce axis over [0, extent).
IterVar reduce_axis(int64_t extent, std::string name);
Expr sum(Expr source, std::vector<IterVar> axes);
Expr reduce_max(Expr source, std::vector<IterVar> axes);
Expr reduce_min(Expr source, std::vector<IterVar> axes);

// Every tensor read in `e`, in pre-order (a read nested in another read's index comes after it).
std::vector<const TensorReadNode*> tensor_reads(const Expr& e);

// The operations reachable from `outputs`, producers before consumers (placeholders included).
std::vector<Operation> topological_order(const std::vector<Tensor>& outputs);

// Readable text of a TE graph: one line per operation.
std::string to_string(const std::vector<Tensor>& outputs);

}  // namespace tt
