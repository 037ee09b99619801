// The operator registry of the graph IR: for each operator its name, its fusion pattern kind, its
// type relation (output type from input types and attributes, with clear errors) and its lowering
// to tensor expressions (through the operator library of ir/te/ops.h).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "ir/graph/graph.h"
#include "ir/te/tensor.h"

namespace tt::graph {

// How an operator fuses (TVM's OpPatternKind): elementwise and broadcast ops fuse into anything;
// injective ops (reshape, transpose, concat, pad) fuse with each other and into a consumer;
// an out-elementwise-fusable op (conv2d, dense, matmul) absorbs an elementwise epilogue; reductions
// and opaque ops stand alone.
enum class PatternKind : uint8_t { Elementwise, Broadcast, Injective, CommReduce, OutEWiseFusable, Opaque };
const char* pattern_kind_name(PatternKind kind);

struct OpDef {
  std::string name;
  PatternKind pattern = PatternKind::Opaque;
  int min_inputs = 1, max_inputs = 1;
  // The output type; throws UserError naming the node and the problem.
  std::function<TensorType(const Node& node, const std::vector<TensorType>& inputs)> infer_type;
  // The output tensor computed from input tensors (their shapes are the inferred input types).
  std::function<Tensor(const Node& node, const std::vector<Tensor>& inputs)> to_te;
};

// UserError "unknown operator 'x'" for a name that is not registered.
const OpDef& lookup_op(const std::string& name);
bool is_registered_op(const std::string& name);
std::vector<std::string> registered_ops();

}  // namespace tt::graph
