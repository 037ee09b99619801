// The ONNX operator converters for elementwise, reduction, layout and value operators (opset 7
// to 17 semantics), the helpers every converter shares, and the table from operator type to
// converter. Convolution, pooling and the dense algebra are in onnx_ops_nn.cpp.
#include <algorithm>
#include <cstring>

#include "ir/error.h"
#include "src/frontend/onnx_context.h"

namespace tt::frontend::onnx_import {

using graph::Attrs;
using graph::NodeId;

int64_t product(const std::vector<int64_t>& v, size_t begin, size_t end) {
  end = std::min(end, v.size());
  int64_t p = 1;
  for (size_t i = begin; i < end; ++i) p *= v[i];
  return p;
}

int64_t normalize_axis(int64_t axis, int64_t rank, const onnx::NodeProto& node,
                       const std::string& what) {
  if (axis < -rank || axis >= rank) {
    user_error("{}: {} {} is out of range for a {}-D tensor", node_label(node), what, axis, rank);
  }
  return axis < 0 ? axis + rank : axis;
}

std::vector<int64_t> int64_values(const NDArray& a, const onnx::NodeProto& node,
                                  const std::string& role) {
  if (a.dtype() != DType::int64()) {
    user_error("{}: {} must be an int64 tensor, got {}", node_label(node), role,
               a.dtype().to_string());
  }
  return {a.as<int64_t>(), a.as<int64_t>() + a.num_elements()};
}

float scalar_value(const NDArray& a, const onnx::NodeProto& node, const std::string& role) {
  if (a.dtype() != DType::float32() || a.num_elements() != 1) {
    user_error("{}: {} must be one float32 value, got {} of shape {}", node_label(node), role,
               a.dtype().to_string(), shape_to_string(a.shape()));
  }
  return a.as<float>()[0];
}

Value call(ImportContext& ctx, const std::string& op, std::vector<NodeId> inputs, Attrs attrs,
           const std::string& name) {
  return Value::of_node(ctx.graph.add_call(op, std::move(inputs), std::move(attrs), name));
}

// `id` reshaped to `shape`, or `id` itself when it already has that shape.
NodeId reshape_to(ImportContext& ctx, NodeId id, const std::vector<int64_t>& shape,
                  const std::string& name) {
  if (ctx.shape(id) == shape) return id;
  return ctx.graph.add_call("reshape", {id}, {{"newshape", shape}}, name);
}

NodeId scale(ImportContext& ctx, NodeId id, float factor, const std::string& name) {
  if (factor == 1.0f) return id;
  return ctx.graph.add_call("multiply",
                            {id, ctx.add_float_constant(name + ".factor", {}, {factor})}, {}, name);
}

void require_rank(ImportContext& ctx, const onnx::NodeProto& node, NodeId id, size_t rank,
                  const std::string& what) {
  if (ctx.shape(id).size() != rank) {
    user_error(
        "{}: {} has shape {}; tensortune supports only {}-D tensors here (2-D windows, NCHW)",
        node_label(node), what, shape_to_string(ctx.shape(id)), rank);
  }
}

namespace {

// ---- elementwise ----

Converter unary(const std::string& op) {
  return [op](ImportContext& ctx, const onnx::NodeProto& node, const Attributes&,
              const std::string& name) { return call(ctx, op, {ctx.input(node, 0)}, {}, name); };
}

// Binary ops broadcast like numpy (ONNX since opset 7); variadic Max/Min/Sum fold left.
Converter variadic(const std::string& op, bool mean = false) {
  return [op, mean](ImportContext& ctx, const onnx::NodeProto& node, const Attributes&,
                    const std::string& name) {
    if (node.input_size() < 1) user_error("{}: has no inputs", node_label(node));
    NodeId acc = ctx.input(node, 0);
    for (int i = 1; i < node.input_size(); ++i) {
      bool last = i + 1 == node.input_size() && !mean;
      acc = ctx.graph.add_call(op, {acc, ctx.input(node, i)}, {},
                               last ? name : fmt::format("{}.{}", name, i));
    }
    if (mean) acc = scale(ctx, acc, 1.0f / float(node.input_size()), name);
    return Value::of_node(acc);
  };
}

Value convert_clip(ImportContext& ctx, const onnx::NodeProto& node, const Attributes& a,
                   const std::string& name) {
  Attrs attrs;
  if (a.has("min")) attrs["min"] = double(a.get_float("min", 0));
  if (a.has("max")) attrs["max"] = double(a.get_float("max", 0));
  if (ctx.has_input(node, 1))
    attrs["min"] = double(scalar_value(ctx.constant_input(node, 1, "min"), node, "min"));
  if (ctx.has_input(node, 2))
    attrs["max"] = double(scalar_value(ctx.constant_input(node, 2, "max"), node, "max"));
  return call(ctx, "clip", {ctx.input(node, 0)}, attrs, name);
}

Value convert_leaky_relu(ImportContext& ctx, const onnx::NodeProto& node, const Attributes& a,
                         const std::string& name) {
  return call(ctx, "leaky_relu", {ctx.input(node, 0)}, {{"alpha", double(a.get_float("alpha", 0.01f))}}, name);
}

// HardSigmoid = clip(alpha·x + beta, 0, 1); HardSwish = x · HardSigmoid(x) with alpha 1/6, beta
// 1/2.
Value hard_sigmoid(ImportContext& ctx, NodeId x, float alpha, float beta, const std::string& name) {
  NodeId y = scale(ctx, x, alpha, name + ".alpha");
  y = ctx.graph.add_call("add", {y, ctx.add_float_constant(name + ".beta", {}, {beta})}, {},
                         name + ".shift");
  return call(ctx, "clip", {y}, {{"min", 0.0}, {"max", 1.0}}, name);
}

Value convert_hard_sigmoid(ImportContext& ctx, const onnx::NodeProto& node, const Attributes& a,
                           const std::string& name) {
  return hard_sigmoid(ctx, ctx.input(node, 0), a.get_float("alpha", 0.2f),
                      a.get_float("beta", 0.5f), name);
}

Value convert_hard_swish(ImportContext& ctx, const onnx::NodeProto& node, const Attributes&,
                         const std::string& name) {
  NodeId x = ctx.input(node, 0);
  NodeId gate = hard_sigmoid(ctx, x, 1.0f / 6.0f, 0.5f, name + ".gate").node;
  return call(ctx, "multiply", {x, gate}, {}, name);
}

// ---- reductions ----

// Axes from the attribute or (ReduceSum from opset 13, Squeeze) the second input, made
// non-negative.
std::vector<int64_t> axes_of(ImportContext& ctx, const onnx::NodeProto& node, const Attributes& a,
                             int64_t rank) {
  std::vector<int64_t> axes = a.get_ints("axes", {});
  if (ctx.has_input(node, 1))
    axes = int64_values(ctx.constant_input(node, 1, "axes"), node, "axes");
  for (int64_t& axis : axes) axis = normalize_axis(axis, rank, node);
  return axes;
}

Converter reduction(const std::string& op) {
  return [op](ImportContext& ctx, const onnx::NodeProto& node, const Attributes& a,
              const std::string& name) {
    NodeId x = ctx.input(node, 0);
    auto axes = axes_of(ctx, node, a, int64_t(ctx.shape(x).size()));
    if (axes.empty() && a.get_int("noop_with_empty_axes", 0) != 0) return Value::of_node(x);
    return call(ctx, op, {x}, {{"axes", axes}, {"keepdims", a.get_int("keepdims", 1)}}, name);
  };
}

// ---- layout ----

Value convert_reshape(ImportContext& ctx, const onnx::NodeProto& node, const Attributes& a,
                      const std::string& name) {
  NodeId x = ctx.input(node, 0);
  auto shape = int64_values(ctx.constant_input(node, 1, "shape"), node, "shape");
  const auto& in = ctx.shape(x);
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] != 0) continue;
    if (a.get_int("allowzero", 0) != 0)
      a.fail("allowzero", "is 1 and the shape has a 0 (an empty tensor)");
    if (i >= in.size())
      user_error("{}: shape dimension {} is 0 but the input has rank {}", node_label(node), i,
                 in.size());
    shape[i] = in[i];  // 0 copies the input's dimension
  }
  return call(ctx, "reshape", {x}, {{"newshape", shape}}, name);
}

Value convert_flatten(ImportContext& ctx, const onnx::NodeProto& node, const Attributes& a,
                      const std::string& name) {
  NodeId x = ctx.input(node, 0);
  int64_t rank = int64_t(ctx.shape(x).size());
  int64_t axis = a.get_int("axis", 1);
  if (axis < -rank || axis > rank)
    a.fail("axis", fmt::format("is {}, out of range for a {}-D input", axis, rank));
  return call(ctx, "flatten", {x}, {{"axis", axis < 0 ? axis + rank : axis}}, name);
}

Value convert_transpose(ImportContext& ctx, const onnx::NodeProto& node, const Attributes& a,
                        const std::string& name) {
  NodeId x = ctx.input(node, 0);
  std::vector<int64_t> perm = a.get_ints("perm", {});
  if (perm.empty()) {
    for (int64_t d = int64_t(ctx.shape(x).size()); d-- > 0;) perm.push_back(d);
  }
  return call(ctx, "transpose", {x}, {{"perm", perm}}, name);
}

Value convert_squeeze(ImportContext& ctx, const onnx::NodeProto& node, const Attributes& a,
                      const std::string& name) {
  NodeId x = ctx.input(node, 0);
  const auto& in = ctx.shape(x);
  auto axes = axes_of(ctx, node, a, int64_t(in.size()));
  std::vector<int64_t> out;
  for (size_t d = 0; d < in.size(); ++d) {
    bool listed = std::find(axes.begin(), axes.end(), int64_t(d)) != axes.end();
    if (listed && in[d] != 1) {
      user_error("{}: cannot squeeze dimension {} of shape {} (size {}, not 1)", node_label(node),
                 d, shape_to_string(in), in[d]);
    }
    if (!(listed || (axes.empty() && in[d] == 1))) out.push_back(in[d]);
  }
  return call(ctx, "reshape", {x}, {{"newshape", out}}, name);
}

Value convert_unsqueeze(ImportContext& ctx, const onnx::NodeProto& node, const Attributes& a,
                        const std::string& name) {
  NodeId x = ctx.input(node, 0);
  const auto& in = ctx.shape(x);
  std::vector<int64_t> axes = a.get_ints("axes", {});
  if (ctx.has_input(node, 1))
    axes = int64_values(ctx.constant_input(node, 1, "axes"), node, "axes");
  if (axes.empty()) user_error("{}: no axes to unsqueeze", node_label(node));
  int64_t rank = int64_t(in.size() + axes.size());
  std::vector<bool> inserted(rank, false);
  for (int64_t axis : axes) {
    int64_t d = normalize_axis(axis, rank, node);
    if (inserted[d]) user_error("{}: axis {} is listed twice", node_label(node), axis);
    inserted[d] = true;
  }
  std::vector<int64_t> out;
  size_t next = 0;
  for (int64_t d = 0; d < rank; ++d) out.push_back(inserted[d] ? 1 : in[next++]);
  return call(ctx, "reshape", {x}, {{"newshape", out}}, name);
}

Value convert_concat(ImportContext& ctx, const onnx::NodeProto& node, const Attributes& a,
                     const std::string& name) {
  if (!a.has("axis")) a.fail("axis", "is required");
  std::vector<NodeId> inputs;
  for (int i = 0; i < node.input_size(); ++i) inputs.push_back(ctx.input(node, i));
  if (inputs.empty()) user_error("{}: has no inputs", node_label(node));
  int64_t axis = normalize_axis(a.get_int("axis", 0), int64_t(ctx.shape(inputs[0]).size()), node);
  return call(ctx, "concatenate", inputs, {{"axis", axis}}, name);
}

Value convert_pad(ImportContext& ctx, const onnx::NodeProto& node, const Attributes& a,
                  const std::string& name) {
  std::string mode = a.get_string("mode", "constant");
  if (mode != "constant")
    a.fail("mode", fmt::format("is '{}'; tensortune supports constant padding only", mode));
  NodeId x = ctx.input(node, 0);
  int64_t rank = int64_t(ctx.shape(x).size());
  std::vector<int64_t> pads = a.get_ints("pads", {});
  if (ctx.has_input(node, 1))
    pads = int64_values(ctx.constant_input(node, 1, "pads"), node, "pads");
  float value = a.get_float("value", 0.0f);
  if (ctx.has_input(node, 2))
    value = scalar_value(ctx.constant_input(node, 2, "constant_value"), node, "constant_value");
  if (ctx.has_input(node, 3))
    user_error("{}: the axes input (opset 18) is not supported", node_label(node));
  if (int64_t(pads.size()) != 2 * rank) {
    user_error("{}: pads has {} values; a {}-D input needs {}", node_label(node), pads.size(), rank,
               2 * rank);
  }
  for (int64_t p : pads) {
    if (p < 0) user_error("{}: negative pads (cropping) are not supported", node_label(node));
  }
  if (std::all_of(pads.begin(), pads.end(), [](int64_t p) { return p == 0; }))
    return Value::of_node(x);
  std::vector<int64_t> before(pads.begin(), pads.begin() + rank),
      after(pads.begin() + rank, pads.end());
  return call(ctx, "pad", {x},
              {{"pad_before", before}, {"pad_after", after}, {"value", double(value)}}, name);
}

// ---- values ----

Value convert_constant(ImportContext&, const onnx::NodeProto& node, const Attributes& a,
                       const std::string&) {
  std::string what = fmt::format("the value of {}", node_label(node));
  if (a.has("value")) return Value::of_constant(tensor_to_ndarray(a.get_tensor("value"), what));
  auto make = [](std::vector<int64_t> shape, DType dtype, const void* data) {
    NDArray array(shape, dtype);
    std::memcpy(array.data(), data, array.bytes());
    return Value::of_constant(array);
  };
  if (a.has("value_float")) {
    float v = a.get_float("value_float", 0);
    return make({}, DType::float32(), &v);
  }
  if (a.has("value_floats")) {
    auto v = a.get_floats("value_floats");
    return make({int64_t(v.size())}, DType::float32(), v.data());
  }
  if (a.has("value_int")) {
    int64_t v = a.get_int("value_int", 0);
    return make({}, DType::int64(), &v);
  }
  if (a.has("value_ints")) {
    auto v = a.get_ints("value_ints", {});
    return make({int64_t(v.size())}, DType::int64(), v.data());
  }
  user_error(
      "{}: needs a 'value', 'value_float(s)' or 'value_int(s)' attribute (sparse and string values "
      "are not "
      "supported)",
      node_label(node));
}

Value pass_through(ImportContext& ctx, const onnx::NodeProto& node, const Attributes&,
                   const std::string&) {
  return ctx.value(node, 0);
}

Value convert_dropout(ImportContext& ctx, const onnx::NodeProto& node, const Attributes& a,
                      const std::string& name) {
  if (ctx.has_input(node, 2)) {
    const NDArray& training = ctx.constant_input(node, 2, "training_mode");
    bool on = training.dtype() == DType::boolean() && training.num_elements() == 1 &&
              *training.as<uint8_t>() != 0;
    if (on)
      user_error("{}: training_mode is true; tensortune imports inference graphs only",
                 node_label(node));
  }
  return pass_through(ctx, node, a, name);
}

std::map<std::string, OpConverter> build_converters() {
  using namespace std::placeholders;
  const std::vector<std::string> window = {"auto_pad", "kernel_shape", "pads", "strides",
                                           "ceil_mode"};
  auto with = [](std::vector<std::string> base, std::vector<std::string> more) {
    base.insert(base.end(), more.begin(), more.end());
    return base;
  };
  std::map<std::string, OpConverter> c;
  c["Conv"] = {convert_conv, {"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"}};
  c["MaxPool"] = {std::bind(convert_pool, _1, _2, _3, _4, true),
                  with(window, {"dilations", "storage_order"})};
  c["AveragePool"] = {std::bind(convert_pool, _1, _2, _3, _4, false),
                      with(window, {"count_include_pad"})};
  c["GlobalAveragePool"] = {
      [](ImportContext& ctx, const onnx::NodeProto& n, const Attributes&, const std::string& name) {
        return convert_global_pool(ctx, n, "global_avg_pool2d", name);
      },
      {}};
  c["GlobalMaxPool"] = {
      [](ImportContext& ctx, const onnx::NodeProto& n, const Attributes&, const std::string& name) {
        return convert_global_pool(ctx, n, "global_max_pool2d", name);
      },
      {}};
  c["Gemm"] = {convert_gemm, {"alpha", "beta", "transA", "transB"}};
  c["MatMul"] = {convert_matmul, {}};
  c["BatchNormalization"] = {convert_batch_norm,
                             {"epsilon", "momentum", "training_mode", "spatial"}};
  const std::vector<std::pair<std::string, std::string>> unaries = {
      {"Relu", "relu"}, {"Sigmoid", "sigmoid"}, {"Tanh", "tanh"}, {"Exp", "exp"},
      {"Log", "log"},   {"Sqrt", "sqrt"},       {"Abs", "abs"},   {"Neg", "negative"}};
  for (const auto& [onnx_op, op] : unaries) c[onnx_op] = {unary(op), {}};
  const std::vector<std::pair<std::string, std::string>> binaries = {
      {"Add", "add"},   {"Sub", "subtract"}, {"Mul", "multiply"}, {"Div", "divide"},
      {"Pow", "power"}, {"Max", "maximum"},  {"Min", "minimum"},  {"Sum", "add"}};
  for (const auto& [onnx_op, op] : binaries) c[onnx_op] = {variadic(op), {}};
  c["Mean"] = {variadic("add", true), {}};
  c["Clip"] = {convert_clip, {"min", "max"}};
  c["LeakyRelu"] = {convert_leaky_relu, {"alpha"}};
  c["HardSigmoid"] = {convert_hard_sigmoid, {"alpha", "beta"}};
  c["HardSwish"] = {convert_hard_swish, {}};
  c["Softmax"] = {std::bind(convert_softmax, _1, _2, _3, _4, false), {"axis"}};
  c["LogSoftmax"] = {std::bind(convert_softmax, _1, _2, _3, _4, true), {"axis"}};
  const std::vector<std::pair<std::string, std::string>> reductions = {
      {"ReduceMean", "reduce_mean"},
      {"ReduceSum", "reduce_sum"},
      {"ReduceMax", "reduce_max"},
      {"ReduceMin", "reduce_min"}};
  for (const auto& [onnx_op, op] : reductions)
    c[onnx_op] = {reduction(op), {"axes", "keepdims", "noop_with_empty_axes"}};
  c["Reshape"] = {convert_reshape, {"allowzero"}};
  c["Flatten"] = {convert_flatten, {"axis"}};
  c["Transpose"] = {convert_transpose, {"perm"}};
  c["Squeeze"] = {convert_squeeze, {"axes"}};
  c["Unsqueeze"] = {convert_unsqueeze, {"axes"}};
  c["Concat"] = {convert_concat, {"axis"}};
  c["Pad"] = {convert_pad, {"mode", "pads", "value"}};
  c["Constant"] = {convert_constant,
                   {"value", "value_float", "value_floats", "value_int", "value_ints"}};
  c["Identity"] = {pass_through, {}};
  c["Dropout"] = {convert_dropout, {"ratio", "seed"}};
  add_image_converters(c);
  add_shape_converters(c);
  return c;
}

const std::map<std::string, OpConverter>& converters() {
  static const std::map<std::string, OpConverter> table = build_converters();
  return table;
}

}  // namespace

const OpConverter* find_converter(const std::string& op_type) {
  auto it = converters().find(op_type);
  return it == converters().end() ? nullptr : &it->second;
}

std::vector<std::string> converter_names() {
  std::vector<std::string> names;
  for (const auto& [name, converter] : converters()) names.push_back(name);
  return names;
}

}  // namespace tt::frontend::onnx_import
