// Internal to the ONNX frontend: the state of one import (ONNX value names bound to graph nodes or
// to constants known at import time), typed attribute access with errors that name the node, and
// the per-operator converters that onnx_ops.cpp defines.
#pragma once

#include <onnx/onnx_pb.h>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ir/graph/graph.h"
#include "ir/ndarray.h"

namespace tt::frontend::onnx_import {

// "node 'conv1' (Conv)": how every message about a node starts.
std::string node_label(const onnx::NodeProto& node);

// Graph names keep letters, digits, '_' and '.': "/layer1/conv/Conv" becomes "layer1_conv_Conv",
// "onnx::Conv_193" becomes "onnx_Conv_193".
std::string sanitize_name(const std::string& name);

// A float32 or int64 array from a TensorProto (raw_data or the typed fields); `what` names the
// tensor in errors ("initializer 'w'"). Other element types and external data are UserErrors.
NDArray tensor_to_ndarray(const onnx::TensorProto& tensor, const std::string& what);

// One ONNX value. Initializers and Constant outputs stay import-time constants, so shape tensors
// and Clip bounds are read directly; one becomes a graph constant only when an operator reads it
// as data (at most once).
struct Value {
  graph::NodeId node = -1;
  NDArray constant;
  bool has_constant = false;
  static Value of_node(graph::NodeId id) { return Value{id, NDArray(), false}; }
  static Value of_constant(NDArray array) { return Value{-1, std::move(array), true}; }
};

// The attributes of one node, read with type checks; errors name the node and the attribute.
class Attributes {
 public:
  explicit Attributes(const onnx::NodeProto& node);
  bool has(const std::string& name) const { return by_name_.count(name) != 0; }
  int64_t get_int(const std::string& name, int64_t fallback) const;
  float get_float(const std::string& name, float fallback) const;
  std::string get_string(const std::string& name, const std::string& fallback) const;
  std::vector<int64_t> get_ints(const std::string& name, std::vector<int64_t> fallback) const;
  std::vector<float> get_floats(const std::string& name) const;
  const onnx::TensorProto& get_tensor(const std::string& name) const;
  // Throws "node 'x' (Op): attribute 'a' <problem>".
  [[noreturn]] void fail(const std::string& name, const std::string& problem) const;

 private:
  const onnx::AttributeProto& find(const std::string& name,
                                   onnx::AttributeProto::AttributeType type) const;
  const onnx::NodeProto& node_;
  std::map<std::string, const onnx::AttributeProto*> by_name_;
};

class ImportContext {
 public:
  ImportContext(int64_t opset) : opset(opset) {}

  graph::Graph graph;
  const int64_t opset;

  void define(const std::string& name, Value value);
  // Marks an output the importer does not compute (MaxPool's indices): a reader gets a clear error.
  void define_unavailable(const std::string& name, const onnx::NodeProto& producer);
  bool is_defined(const std::string& name) const { return values_.count(name) != 0; }

  // Input `index` of `node`: true if the node lists it with a non-empty name.
  static bool has_input(const onnx::NodeProto& node, int index);
  Value& value(const onnx::NodeProto& node, int index);
  Value& value(const std::string& name, const std::string& reader);
  // The graph node of input `index`, turning an import-time constant into a graph constant.
  graph::NodeId input(const onnx::NodeProto& node, int index);
  graph::NodeId materialize(const std::string& name, const std::string& reader);
  // The import-time value of input `index`; UserError when it is computed by the graph.
  const NDArray& constant_input(const onnx::NodeProto& node, int index, const std::string& role);
  const std::vector<int64_t>& shape(graph::NodeId id) const { return graph.node(id).type.shape; }

  // A float32 graph constant (a scalar becomes shape [1], which broadcasts the same way).
  graph::NodeId add_float_constant(const std::string& name, std::vector<int64_t> shape,
                                   std::vector<float> values);

 private:
  std::map<std::string, Value> values_;
  std::map<std::string, std::string> unavailable_;  // value name -> why
};

// What a converter gets: the context, the node, its attributes and the graph name for its result.
// It returns the value of the node's first output.
using Converter = std::function<Value(ImportContext&, const onnx::NodeProto&, const Attributes&,
                                      const std::string&)>;

struct OpConverter {
  Converter convert;
  // The attributes the converter understands; any other one is a UserError, since ignoring an
  // attribute silently would compute something else than the model.
  std::vector<std::string> attributes;
};

// ---- shared by the converters (onnx_ops.cpp) ----

int64_t product(const std::vector<int64_t>& v, size_t begin = 0, size_t end = std::string::npos);
// `axis` in [-rank, rank) made non-negative; UserError naming the node otherwise.
int64_t normalize_axis(int64_t axis, int64_t rank, const onnx::NodeProto& node,
                       const std::string& what = "axis");
std::vector<int64_t> int64_values(const NDArray& a, const onnx::NodeProto& node,
                                  const std::string& role);
float scalar_value(const NDArray& a, const onnx::NodeProto& node, const std::string& role);
Value call(ImportContext& ctx, const std::string& op, std::vector<graph::NodeId> inputs,
           graph::Attrs attrs, const std::string& name);
// `id` reshaped to `shape`, or `id` itself when it already has that shape.
graph::NodeId reshape_to(ImportContext& ctx, graph::NodeId id, const std::vector<int64_t>& shape,
                         const std::string& name);
// `id` times a scalar constant, or `id` itself for a factor of 1.
graph::NodeId scale(ImportContext& ctx, graph::NodeId id, float factor, const std::string& name);
void require_rank(ImportContext& ctx, const onnx::NodeProto& node, graph::NodeId id, size_t rank,
                  const std::string& what);

// ---- the converters of onnx_ops_nn.cpp ----

Value convert_conv(ImportContext& ctx, const onnx::NodeProto& node, const Attributes& a,
                   const std::string& name);
Value convert_pool(ImportContext& ctx, const onnx::NodeProto& node, const Attributes& a,
                   const std::string& name, bool is_max);
Value convert_global_pool(ImportContext& ctx, const onnx::NodeProto& node, const std::string& op,
                          const std::string& name);
Value convert_batch_norm(ImportContext& ctx, const onnx::NodeProto& node, const Attributes& a,
                         const std::string& name);
Value convert_softmax(ImportContext& ctx, const onnx::NodeProto& node, const Attributes& a,
                      const std::string& name, bool log);
Value convert_gemm(ImportContext& ctx, const onnx::NodeProto& node, const Attributes& a,
                   const std::string& name);
Value convert_matmul(ImportContext& ctx, const onnx::NodeProto& node, const Attributes& a,
                     const std::string& name);

// ---- onnx_ops_image.cpp: SpaceToDepth, DepthToSpace, Resize, Upsample ----

void add_image_converters(std::map<std::string, OpConverter>& converters);

// ---- onnx_fold.cpp: shape computations evaluated at import ----

// The node's value when it can be computed now: Shape and Size of any tensor (static shapes),
// and Gather, Cast, ConstantOfShape, Slice, Range, Equal, Where, Expand, Unsqueeze, Squeeze,
// Concat, Reshape, Flatten, Identity and integer or float arithmetic of import-time constants.
std::optional<Value> fold_constant_node(ImportContext& ctx, const onnx::NodeProto& node, const Attributes& a);
// Converters for the operators tensortune runs only at import (an error on computed tensors).
void add_shape_converters(std::map<std::string, OpConverter>& converters);

// nullptr for an operator type the importer does not convert.
const OpConverter* find_converter(const std::string& op_type);
std::vector<std::string> converter_names();

}  // namespace tt::frontend::onnx_import
