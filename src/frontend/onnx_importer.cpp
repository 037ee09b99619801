// Model-level import: parses the protobuf, checks the opset, binds initializers and inputs, runs
// each node's converter in file order (ONNX requires topological order) and sets the outputs.
// The per-operator converters live in onnx_ops.cpp.
#include "src/frontend/onnx_importer.h"

#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <fstream>
#include <sstream>

#include "ir/error.h"
#include "ir/int_math.h"
#include "src/frontend/onnx_context.h"

namespace tt::frontend {

namespace onnx_import {

std::string node_label(const onnx::NodeProto& node) {
  std::string name = node.name().empty() && node.output_size() > 0 ? node.output(0) : node.name();
  return fmt::format("node '{}' ({})", name, node.op_type());
}

namespace {

const char* element_type_name(int type) {
  if (onnx::TensorProto::DataType_IsValid(type)) {
    return onnx::TensorProto::DataType_Name(onnx::TensorProto::DataType(type)).c_str();
  }
  return "an unknown element type";
}

// Copies `count` elements either from raw_data (little-endian, like this host) or from the typed
// repeated field.
// The array of `shape` read from `tensor`; the data's length is checked against the shape before
// anything is allocated, so a tensor whose dims claim more than it holds costs nothing.
template <typename T, typename Field>
NDArray read_tensor_data(const onnx::TensorProto& tensor, const Field& field, const std::vector<int64_t>& shape,
                         DType dtype, const std::string& what) {
  std::optional<int64_t> elements = checked_product(shape);
  int64_t bytes = 0;
  if (!elements || __builtin_mul_overflow(*elements, int64_t(sizeof(T)), &bytes))
    user_error("{} of shape {} has more elements than 64-bit sizes can count", what, shape_to_string(shape));
  const size_t count = size_t(*elements);
  if (tensor.has_raw_data()) {
    if (tensor.raw_data().size() != size_t(bytes)) {
      user_error("{} of shape {} holds {} bytes of raw data, expected {}", what, shape_to_string(shape),
                 tensor.raw_data().size(), bytes);
    }
    NDArray out(shape, dtype);
    std::memcpy(out.data(), tensor.raw_data().data(), size_t(bytes));
    return out;
  }
  if (size_t(field.size()) != count) {
    user_error("{} of shape {} holds {} values, expected {}", what, shape_to_string(shape), field.size(), count);
  }
  NDArray out(shape, dtype);
  T* dst = out.as<T>();
  for (size_t i = 0; i < count; ++i) dst[i] = T(field.Get(int(i)));
  return out;
}

}  // namespace

NDArray tensor_to_ndarray(const onnx::TensorProto& tensor, const std::string& what) {
  if (tensor.data_location() == onnx::TensorProto::EXTERNAL) {
    user_error("{} keeps its data in an external file, which tensortune does not read", what);
  }
  std::vector<int64_t> shape(tensor.dims().begin(), tensor.dims().end());
  for (int64_t d : shape) {
    if (d < 0) user_error("{} has a negative dimension in shape {}", what, fmt::join(shape, "x"));
  }
  if (tensor.data_type() == onnx::TensorProto::FLOAT)
    return read_tensor_data<float>(tensor, tensor.float_data(), shape, DType::float32(), what);
  if (tensor.data_type() == onnx::TensorProto::INT64)
    return read_tensor_data<int64_t>(tensor, tensor.int64_data(), shape, DType::int64(), what);
  if (tensor.data_type() == onnx::TensorProto::BOOL)  // Dropout's training_mode
    return read_tensor_data<uint8_t>(tensor, tensor.int32_data(), shape, DType::boolean(), what);
  user_error(
      "{} has element type {}; tensortune reads float32 data, int64 shape tensors and bools only",
      what, element_type_name(tensor.data_type()));
}

// ---- Attributes ----

Attributes::Attributes(const onnx::NodeProto& node) : node_(node) {
  for (const onnx::AttributeProto& a : node.attribute()) by_name_[a.name()] = &a;
}

void Attributes::fail(const std::string& name, const std::string& problem) const {
  user_error("{}: attribute '{}' {}", node_label(node_), name, problem);
}

const onnx::AttributeProto& Attributes::find(const std::string& name,
                                             onnx::AttributeProto::AttributeType type) const {
  auto it = by_name_.find(name);
  if (it == by_name_.end()) fail(name, "is required");
  const onnx::AttributeProto& a = *it->second;
  // Old exporters leave `type` unset; then trust the field that is filled in.
  if (a.type() != type && a.type() != onnx::AttributeProto::UNDEFINED) {
    fail(name, fmt::format("is of type {}, expected {}",
                           onnx::AttributeProto::AttributeType_Name(a.type()),
                           onnx::AttributeProto::AttributeType_Name(type)));
  }
  return a;
}

int64_t Attributes::get_int(const std::string& name, int64_t fallback) const {
  return has(name) ? find(name, onnx::AttributeProto::INT).i() : fallback;
}

float Attributes::get_float(const std::string& name, float fallback) const {
  return has(name) ? find(name, onnx::AttributeProto::FLOAT).f() : fallback;
}

std::string Attributes::get_string(const std::string& name, const std::string& fallback) const {
  return has(name) ? find(name, onnx::AttributeProto::STRING).s() : fallback;
}

std::vector<int64_t> Attributes::get_ints(const std::string& name,
                                          std::vector<int64_t> fallback) const {
  if (!has(name)) return fallback;
  const auto& a = find(name, onnx::AttributeProto::INTS);
  return {a.ints().begin(), a.ints().end()};
}

std::vector<float> Attributes::get_floats(const std::string& name) const {
  const auto& a = find(name, onnx::AttributeProto::FLOATS);
  return {a.floats().begin(), a.floats().end()};
}

const onnx::TensorProto& Attributes::get_tensor(const std::string& name) const {
  return find(name, onnx::AttributeProto::TENSOR).t();
}

// ---- ImportContext ----

void ImportContext::define(const std::string& name, Value value) {
  if (name.empty()) return;
  if (values_.count(name) || unavailable_.count(name)) {
    user_error("value '{}' is defined twice (ONNX values are assigned once)", name);
  }
  values_.emplace(name, std::move(value));
}

void ImportContext::define_unavailable(const std::string& name, const onnx::NodeProto& producer) {
  if (name.empty()) return;
  if (values_.count(name) || unavailable_.count(name)) {
    user_error("value '{}' is defined twice (ONNX values are assigned once)", name);
  }
  unavailable_[name] = fmt::format("it is an extra output of {}, which tensortune does not compute",
                                   node_label(producer));
}

bool ImportContext::has_input(const onnx::NodeProto& node, int index) {
  return index < node.input_size() && !node.input(index).empty();
}

Value& ImportContext::value(const std::string& name, const std::string& reader) {
  auto it = values_.find(name);
  if (it != values_.end()) return it->second;
  auto why = unavailable_.find(name);
  if (why != unavailable_.end()) user_error("{}: cannot read '{}': {}", reader, name, why->second);
  user_error(
      "{}: input '{}' is not defined (no model input, initializer or earlier node produces it)",
      reader, name);
}

Value& ImportContext::value(const onnx::NodeProto& node, int index) {
  if (!has_input(node, index)) user_error("{}: missing input {}", node_label(node), index + 1);
  return value(node.input(index), node_label(node));
}

graph::NodeId ImportContext::materialize(const std::string& name, const std::string& reader) {
  Value& v = value(name, reader);
  if (v.node >= 0) return v.node;
  if (v.constant.dtype() != DType::float32()) {
    user_error("{}: input '{}' is a {} tensor; tensortune's operators compute on float32 data",
               reader, name, v.constant.dtype().to_string());
  }
  NDArray array = v.constant;
  if (array.shape().empty()) {
    NDArray one({1}, DType::float32());
    one.as<float>()[0] = array.as<float>()[0];
    array = one;
  }
  v.node = graph.add_constant(sanitize_name(name), array);
  return v.node;
}

graph::NodeId ImportContext::input(const onnx::NodeProto& node, int index) {
  value(node, index);  // reports a missing or undefined input with the node's label
  return materialize(node.input(index), node_label(node));
}

const NDArray& ImportContext::constant_input(const onnx::NodeProto& node, int index,
                                             const std::string& role) {
  const Value& v = value(node, index);
  if (!v.has_constant) {
    user_error(
        "{}: input '{}' ({}) must be a constant (an initializer or a Constant node); tensortune "
        "needs it at "
        "import time",
        node_label(node), node.input(index), role);
  }
  return v.constant;
}

graph::NodeId ImportContext::add_float_constant(const std::string& name, std::vector<int64_t> shape,
                                                std::vector<float> values) {
  if (shape.empty()) shape = {1};
  NDArray array(shape, DType::float32());
  TT_ASSERT(size_t(array.num_elements()) == values.size(), "constant {}: {} values for shape {}",
            name, values.size(), shape_to_string(shape));
  std::memcpy(array.data(), values.data(), values.size() * sizeof(float));
  return graph.add_constant(sanitize_name(name), array);
}

// Graph names keep letters, digits, '_' and '.', so they are usable as kernel and file names;
// PyTorch's scoped names ("/layer1/layer1.0/conv1/Conv") become "layer1_layer1.0_conv1_Conv".
std::string sanitize_name(const std::string& name) {
  std::string out;
  for (char c : name) {
    bool keep = std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.';
    if (!keep && (out.empty() || out.back() == '_')) continue;
    out += keep ? c : '_';
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  return out;
}

// ---- the model ----

namespace {

int64_t default_domain_opset(const onnx::ModelProto& model) {
  int64_t opset = -1;
  for (const auto& entry : model.opset_import()) {
    if (entry.domain().empty() || entry.domain() == "ai.onnx") opset = entry.version();
  }
  if (opset < 0) user_error("the model imports no opset of the default ONNX domain");
  if (opset < kMinOnnxOpset || opset > kMaxOnnxOpset) {
    user_error(
        "opset {} of the default ONNX domain is not supported (tensortune imports opsets {} to {})",
        opset, kMinOnnxOpset, kMaxOnnxOpset);
  }
  return opset;
}

graph::TensorType input_type(const onnx::ValueInfoProto& info, const InputShapes& overrides) {
  const std::string& name = info.name();
  if (!info.type().has_tensor_type()) user_error("input '{}' is not a tensor", name);
  const auto& tensor_type = info.type().tensor_type();
  if (tensor_type.elem_type() != onnx::TensorProto::FLOAT) {
    user_error("input '{}' has element type {}; tensortune's models take float32 inputs", name,
               element_type_name(tensor_type.elem_type()));
  }
  auto override_it = overrides.find(name);
  if (override_it != overrides.end()) {
    const auto& shape = override_it->second;
    if (tensor_type.has_shape() && tensor_type.shape().dim_size() != int(shape.size())) {
      user_error("input '{}' has rank {} but the given shape {} has rank {}", name,
                 tensor_type.shape().dim_size(), shape_to_string(shape), shape.size());
    }
    for (int64_t d : shape) {
      if (d <= 0)
        user_error("input '{}': the given shape {} has a non-positive dimension", name,
                   shape_to_string(shape));
    }
    return graph::TensorType{shape, DType::float32()};
  }
  if (!tensor_type.has_shape())
    user_error("input '{}' has no shape; tensortune needs static shapes", name);
  std::vector<int64_t> shape;
  for (const auto& dim : tensor_type.shape().dim()) {
    if (dim.has_dim_param()) {
      user_error(
          "input '{}' has a dynamic dimension '{}'; tensortune needs static shapes (give the "
          "input's shape)",
          name, dim.dim_param());
    }
    if (!dim.has_dim_value() || dim.dim_value() <= 0) {
      user_error(
          "input '{}' has an unknown dimension {}; tensortune needs static shapes (give the "
          "input's shape)",
          name, shape.size());
    }
    shape.push_back(dim.dim_value());
  }
  return graph::TensorType{shape, DType::float32()};
}

void convert_node(ImportContext& ctx, const onnx::NodeProto& node) {
  std::string label = node_label(node);
  if (!node.domain().empty() && node.domain() != "ai.onnx") {
    user_error("unsupported ONNX operator '{}' of domain '{}' ({})", node.op_type(), node.domain(),
               label);
  }
  const OpConverter* converter = find_converter(node.op_type());
  std::string display =
      node.name().empty() && node.output_size() > 0 ? node.output(0) : node.name();
  if (!converter) user_error("unsupported ONNX operator '{}' (node '{}')", node.op_type(), display);
  if (node.output_size() == 0) user_error("{}: has no outputs", label);
  Attributes attributes(node);
  for (const auto& a : node.attribute()) {
    const auto& known = converter->attributes;
    if (std::find(known.begin(), known.end(), a.name()) == known.end()) {
      attributes.fail(a.name(), "is not supported by tensortune's importer");
    }
  }
  std::string name = sanitize_name(display);
  if (name.empty()) name = sanitize_name(node.op_type());
  std::optional<Value> folded = fold_constant_node(ctx, node, attributes);
  Value result = folded ? std::move(*folded) : converter->convert(ctx, node, attributes, name);
  ctx.define(node.output(0), std::move(result));
  for (int i = 1; i < node.output_size(); ++i) ctx.define_unavailable(node.output(i), node);
}

graph::Graph import_model(const onnx::ModelProto& model, const InputShapes& input_shapes) {
  ImportContext ctx(default_domain_opset(model));
  const onnx::GraphProto& g = model.graph();
  std::map<std::string, const onnx::TensorProto*> initializers;
  for (const auto& init : g.initializer()) {
    if (init.name().empty()) user_error("an initializer has no name");
    // Converted now so a bad initializer is reported even when only a shape reads it.
    ctx.define(init.name(), Value::of_constant(tensor_to_ndarray(
                                init, fmt::format("initializer '{}'", init.name()))));
    initializers[init.name()] = &init;
  }
  for (const auto& [name, shape] : input_shapes) {
    bool found = false;
    for (const auto& info : g.input()) found = found || info.name() == name;
    if (!found || initializers.count(name))
      user_error("the model has no input '{}' to give a shape to", name);
  }
  for (const auto& info : g.input()) {
    if (initializers.count(info.name())) continue;  // a weight listed as an input (IR version < 4)
    graph::NodeId id =
        ctx.graph.add_input(sanitize_name(info.name()), input_type(info, input_shapes));
    ctx.define(info.name(), Value::of_node(id));
  }
  for (const auto& node : g.node()) convert_node(ctx, node);
  if (g.output_size() == 0) user_error("the model has no outputs");
  std::vector<graph::NodeId> outputs;
  std::vector<std::string> names;
  for (const auto& out : g.output()) {
    outputs.push_back(ctx.materialize(out.name(), "the model's outputs"));
    names.push_back(out.name());
  }
  ctx.graph.set_outputs(outputs, names);
  return std::move(ctx.graph);
}

}  // namespace

}  // namespace onnx_import

graph::Graph import_onnx_bytes(const std::string& bytes, const std::string& source,
                               const InputShapes& input_shapes) {
  onnx::ModelProto model;
  if (!model.ParseFromString(bytes) || !model.has_graph()) {
    user_error("{}: not a valid ONNX model (protobuf parse failed)", source);
  }
  try {
    return onnx_import::import_model(model, input_shapes);
  } catch (const UserError& e) {
    throw UserError(fmt::format("{}: {}", source, e.what()));
  }
}

graph::Graph import_onnx(const std::string& path, const InputShapes& input_shapes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) user_error("{}: cannot open the ONNX model file", path);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (in.bad()) user_error("{}: reading the ONNX model file failed", path);
  return import_onnx_bytes(bytes.str(), path, input_shapes);
}

std::vector<std::string> supported_onnx_ops() { return onnx_import::converter_names(); }

}  // namespace tt::frontend
