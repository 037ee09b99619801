// Import-time folding of shape computations. PyTorch exports compute shapes at run time
// (`x.view(x.size(0), -1)` becomes Shape -> Gather -> Unsqueeze -> Concat -> Reshape); with static
// shapes every value of such a chain is known when the model is read, so it is evaluated here and
// the chain leaves no node in the graph. The operators that only make sense on such values
// (Shape, Size, Gather, Cast, ConstantOfShape, Slice, Range, Equal, Where) are accepted only on
// them, with a clear error otherwise.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <optional>
#include <set>

#include "ir/error.h"
#include "ir/int_math.h"
#include "ir/te/ops.h"
#include "src/frontend/onnx_context.h"

namespace tt::frontend::onnx_import {

namespace {

const std::set<std::string>& constant_only_ops() {
  static const std::set<std::string> ops = {"Shape", "Size",  "Gather", "Cast",  "ConstantOfShape",
                                            "Slice", "Range", "Equal",  "Where", "Expand"};
  return ops;
}

// Operators that also run on computed tensors (their converters) but fold when every input is an
// import-time constant.
const std::set<std::string>& foldable_ops() {
  static const std::set<std::string> ops = {"Unsqueeze", "Squeeze", "Concat", "Reshape", "Flatten", "Identity",
                                            "Add",       "Sub",     "Mul",    "Div"};
  return ops;
}

// Import-time values are computed here, in memory: a few bytes of ConstantOfShape, Expand, Range or
// Gather can ask for gigabytes, so a value past this many elements is refused, not allocated.
// Shape arithmetic needs a handful; a constant the size of an activation is far below it.
constexpr int64_t kMaxFoldedElements = int64_t(1) << 24;

NDArray folded_array(const onnx::NodeProto& node, std::vector<int64_t> shape, DType dtype) {
  for (int64_t d : shape)
    if (d < 0) user_error("{}: its value would have a negative dimension in shape {}", node_label(node), shape_to_string(shape));
  std::optional<int64_t> n = checked_product(shape);
  if (!n || *n > kMaxFoldedElements)
    user_error("{}: its value of shape {} would have more than {} elements, the most tensortune computes while "
               "reading a model", node_label(node), shape_to_string(shape), kMaxFoldedElements);
  return NDArray(std::move(shape), dtype);
}

int64_t count_of(const std::vector<int64_t>& shape) {
  return std::accumulate(shape.begin(), shape.end(), int64_t(1), std::multiplies<>());
}

NDArray with_shape(const NDArray& a, std::vector<int64_t> shape) {
  NDArray out(std::move(shape), a.dtype());
  TT_ASSERT(out.num_elements() == a.num_elements(), "reshape of a constant changes its size");
  if (a.bytes() > 0) std::memcpy(out.data(), a.data(), a.bytes());
  return out;
}

NDArray int64_array(std::vector<int64_t> shape, const std::vector<int64_t>& values) {
  NDArray out(std::move(shape), DType::int64());
  std::copy(values.begin(), values.end(), out.as<int64_t>());
  return out;
}

// Element `i` of `a` as a double / written from a double (float32, int64 and bool arrays).
double get(const NDArray& a, int64_t i) {
  if (a.dtype() == DType::float32()) return double(a.as<float>()[i]);
  if (a.dtype() == DType::int64()) return double(a.as<int64_t>()[i]);
  return double(a.as<uint8_t>()[i]);
}
// An int64 result that does not fit (a float too large, NaN, an overflowing sum) is a UserError.
void put(NDArray& a, int64_t i, double v) {
  if (a.dtype() == DType::float32()) {
    a.as<float>()[i] = float(v);
  } else if (a.dtype() == DType::int64()) {
    // [-2^63, 2^63): the doubles that convert to int64 exactly or by truncation.
    if (!(v >= -9223372036854775808.0 && v < 9223372036854775808.0))
      user_error("a value computed while reading the model, {}, does not fit in int64", v);
    a.as<int64_t>()[i] = int64_t(v);
  } else {
    a.as<uint8_t>()[i] = v != 0;
  }
}

// Copies element `from` of `src` to element `to` of `dst` (same dtype), bytewise.
void copy_element(const NDArray& src, int64_t from, NDArray& dst, int64_t to) {
  const size_t b = size_t(src.dtype().bytes());
  std::memcpy(static_cast<char*>(dst.data()) + size_t(to) * b, static_cast<const char*>(src.data()) + size_t(from) * b, b);
}

// The flat index in an array of `shape` broadcast to `out` of the output element at `index`.
int64_t broadcast_source(const std::vector<int64_t>& shape, const std::vector<int64_t>& out, int64_t index) {
  std::vector<int64_t> out_strides = row_major_strides(out), strides = row_major_strides(shape);
  int64_t flat = 0;
  const size_t offset = out.size() - shape.size();
  for (size_t d = 0; d < out.size(); ++d) {
    int64_t i = index / out_strides[d] % out[d];
    if (d >= offset && shape[d - offset] != 1) flat += i * strides[d - offset];
  }
  return flat;
}

std::vector<int64_t> ints_of(ImportContext& ctx, const onnx::NodeProto& node, int index, const std::string& role) {
  return int64_values(ctx.constant_input(node, index, role), node, role);
}

NDArray fold_binary(const onnx::NodeProto& node, const NDArray& a, const NDArray& b) {
  const std::string& op = node.op_type();
  if (a.dtype() != b.dtype())
    user_error("{}: its inputs have element types {} and {}", node_label(node), a.dtype().to_string(),
               b.dtype().to_string());
  std::vector<int64_t> shape = ops::broadcast_shape(a.shape(), b.shape(), node_label(node));
  const bool integer = a.dtype() == DType::int64();
  NDArray out = folded_array(node, shape, op == "Equal" ? DType::boolean() : a.dtype());
  for (int64_t i = 0; i < out.num_elements(); ++i) {
    double x = get(a, broadcast_source(a.shape(), shape, i)), y = get(b, broadcast_source(b.shape(), shape, i));
    double v = 0;
    if (op == "Add") v = x + y;
    else if (op == "Sub") v = x - y;
    else if (op == "Mul") v = x * y;
    else if (op == "Equal") v = x == y;
    else if (integer) {
      if (y == 0) user_error("{}: integer division by zero", node_label(node));
      // x and y came from int64 values; the one quotient that overflows is INT64_MIN / -1.
      if (y == -1 && x <= -9223372036854775808.0) user_error("{}: the quotient overflows int64", node_label(node));
      v = double(int64_t(x) / int64_t(y));  // truncation, as ONNX Runtime
    } else {
      v = double(float(x) / float(y));
    }
    put(out, i, v);
  }
  return out;
}

NDArray fold_gather(const onnx::NodeProto& node, const NDArray& data, const NDArray& indices_array, int64_t axis) {
  const std::vector<int64_t>& ds = data.shape();
  if (ds.empty()) user_error("{}: gathers from a scalar", node_label(node));
  axis = normalize_axis(axis, int64_t(ds.size()), node);
  std::vector<int64_t> indices = int64_values(indices_array, node, "indices");
  for (int64_t& i : indices) {
    if (i < -ds[axis] || i >= ds[axis])
      user_error("{}: index {} is out of range for dimension {} of size {}", node_label(node), i, axis, ds[axis]);
    if (i < 0) i += ds[axis];
  }
  std::vector<int64_t> shape(ds.begin(), ds.begin() + axis);
  shape.insert(shape.end(), indices_array.shape().begin(), indices_array.shape().end());
  shape.insert(shape.end(), ds.begin() + axis + 1, ds.end());
  const int64_t outer = count_of({ds.begin(), ds.begin() + axis}), inner = count_of({ds.begin() + axis + 1, ds.end()});
  NDArray out = folded_array(node, shape, data.dtype());
  int64_t next = 0;
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i : indices)
      for (int64_t k = 0; k < inner; ++k) copy_element(data, (o * ds[axis] + i) * inner + k, out, next++);
  return out;
}

NDArray fold_concat(const onnx::NodeProto& node, const std::vector<const NDArray*>& parts, int64_t axis) {
  for (size_t i = 0; i < parts.size(); ++i)
    if (!parts[i]) user_error("{}: input {} is missing", node_label(node), i + 1);
  const NDArray& first = *parts[0];
  axis = normalize_axis(axis, int64_t(first.shape().size()), node);
  std::vector<int64_t> shape = first.shape();
  shape[axis] = 0;
  for (const NDArray* p : parts) {
    if (p->dtype() != first.dtype() || p->shape().size() != first.shape().size())
      user_error("{}: its constant inputs differ in element type or rank", node_label(node));
    for (size_t d = 0; d < shape.size(); ++d)
      if (int64_t(d) != axis && p->shape()[d] != first.shape()[d])
        user_error("{}: its inputs differ outside axis {}", node_label(node), axis);
    shape[axis] += p->shape()[axis];
  }
  NDArray out = folded_array(node, shape, first.dtype());
  const int64_t outer = count_of({shape.begin(), shape.begin() + axis});
  int64_t next = 0;
  for (int64_t o = 0; o < outer; ++o)
    for (const NDArray* p : parts) {
      int64_t chunk = p->num_elements() / std::max<int64_t>(outer, 1);
      for (int64_t k = 0; k < chunk; ++k) copy_element(*p, o * chunk + k, out, next++);
    }
  return out;
}

NDArray fold_slice(ImportContext& ctx, const onnx::NodeProto& node, const Attributes& a, const NDArray& data) {
  std::vector<int64_t> starts, ends, axes, steps;
  if (ctx.opset < 10) {
    starts = a.get_ints("starts", {});
    ends = a.get_ints("ends", {});
    axes = a.get_ints("axes", {});
  } else {
    starts = ints_of(ctx, node, 1, "starts");
    ends = ints_of(ctx, node, 2, "ends");
    if (ctx.has_input(node, 3)) axes = ints_of(ctx, node, 3, "axes");
    if (ctx.has_input(node, 4)) steps = ints_of(ctx, node, 4, "steps");
  }
  const std::vector<int64_t>& ds = data.shape();
  const int64_t rank = int64_t(ds.size());
  if (axes.empty())
    for (int64_t d = 0; d < int64_t(starts.size()); ++d) axes.push_back(d);
  if (steps.empty()) steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size())
    user_error("{}: starts, ends, axes and steps differ in length", node_label(node));
  std::vector<int64_t> begin(size_t(rank), 0), step(size_t(rank), 1), shape = ds;
  for (size_t k = 0; k < starts.size(); ++k) {
    int64_t d = normalize_axis(axes[k], rank, node, "axis");
    int64_t n = ds[d], s = steps[k];
    if (s == 0) user_error("{}: a step is 0", node_label(node));
    auto clamp = [&](int64_t v, int64_t lo, int64_t hi) { return std::min(std::max(v < 0 ? v + n : v, lo), hi); };
    int64_t b = s > 0 ? clamp(starts[k], 0, n) : clamp(starts[k], -1, n - 1);
    int64_t e = s > 0 ? clamp(ends[k], 0, n) : clamp(ends[k], -1, n - 1);
    begin[d] = b, step[d] = s;
    // ceil(span / |s|) in unsigned arithmetic: a step as large as int64 allows must not overflow.
    uint64_t span = s > 0 ? (e > b ? uint64_t(e - b) : 0) : (b > e ? uint64_t(b - e) : 0);
    uint64_t magnitude = s > 0 ? uint64_t(s) : uint64_t(-(s + 1)) + 1;
    shape[d] = span == 0 ? 0 : int64_t((span - 1) / magnitude + 1);
  }
  NDArray out = folded_array(node, shape, data.dtype());
  std::vector<int64_t> out_strides = row_major_strides(shape), in_strides = row_major_strides(ds);
  for (int64_t i = 0; i < out.num_elements(); ++i) {
    int64_t from = 0;
    for (int64_t d = 0; d < rank; ++d) from += (begin[d] + (i / out_strides[d] % shape[d]) * step[d]) * in_strides[d];
    copy_element(data, from, out, i);
  }
  return out;
}

DType cast_target(const Attributes& a) {
  int64_t to = a.get_int("to", -1);
  if (to == onnx::TensorProto::FLOAT) return DType::float32();
  if (to == onnx::TensorProto::INT64) return DType::int64();
  if (to == onnx::TensorProto::BOOL) return DType::boolean();
  a.fail("to", fmt::format("is element type {}; tensortune casts to float32, int64 and bool", to));
}

std::optional<NDArray> fold(ImportContext& ctx, const onnx::NodeProto& node, const Attributes& a,
                            const std::vector<const NDArray*>& in) {
  const std::string& op = node.op_type();
  auto shape_of_input = [&]() -> std::vector<int64_t> {
    Value& v = ctx.value(node, 0);
    return v.has_constant ? v.constant.shape() : ctx.shape(v.node);
  };
  if (op == "Shape") {
    std::vector<int64_t> shape = shape_of_input();
    const int64_t rank = int64_t(shape.size());
    auto bound = [&](int64_t v) { return std::clamp(v < 0 ? v + rank : v, int64_t(0), rank); };
    int64_t start = bound(a.get_int("start", 0)), end = bound(a.get_int("end", rank));
    std::vector<int64_t> dims(shape.begin() + start, shape.begin() + std::max(start, end));
    return int64_array({int64_t(dims.size())}, dims);
  }
  if (op == "Size") return int64_array({}, {count_of(shape_of_input())});
  if (in.empty() || !in[0]) return std::nullopt;
  const NDArray& x = *in[0];
  auto input = [&](size_t i) -> const NDArray& {
    if (i >= in.size() || !in[i]) user_error("{}: input {} is missing", node_label(node), i);
    return *in[i];
  };
  if (op == "Identity") return x;
  if (op == "Gather") return fold_gather(node, x, input(1), a.get_int("axis", 0));
  if (op == "Concat") return fold_concat(node, in, a.get_int("axis", 0));
  if (op == "Slice") return fold_slice(ctx, node, a, x);
  if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div" || op == "Equal") {
    if (in.size() != 2) user_error("{}: needs 2 inputs", node_label(node));
    return fold_binary(node, x, input(1));
  }
  if (op == "Cast") {
    NDArray out = folded_array(node, x.shape(), cast_target(a));
    for (int64_t i = 0; i < x.num_elements(); ++i) put(out, i, get(x, i));
    return out;
  }
  if (op == "ConstantOfShape") {
    std::vector<int64_t> shape = int64_values(x, node, "shape");
    for (int64_t d : shape)
      if (d < 0) user_error("{}: shape has a negative dimension {}", node_label(node), d);
    NDArray value = a.has("value") ? tensor_to_ndarray(a.get_tensor("value"), node_label(node) + " value")
                                   : NDArray({1}, DType::float32());
    if (value.num_elements() != 1) a.fail("value", "must hold one element");
    NDArray out = folded_array(node, shape, value.dtype());
    for (int64_t i = 0; i < out.num_elements(); ++i) copy_element(value, 0, out, i);
    return out;
  }
  if (op == "Where") {
    if (in.size() != 3) user_error("{}: needs 3 inputs", node_label(node));
    std::vector<int64_t> shape = ops::broadcast_shape(
        ops::broadcast_shape(x.shape(), input(1).shape(), node_label(node)), input(2).shape(), node_label(node));
    if (input(1).dtype() != input(2).dtype())
      user_error("{}: its two branches have element types {} and {}", node_label(node), input(1).dtype().to_string(),
                 input(2).dtype().to_string());
    NDArray out = folded_array(node, shape, input(1).dtype());
    for (int64_t i = 0; i < out.num_elements(); ++i) {
      bool c = get(x, broadcast_source(x.shape(), shape, i)) != 0;
      const NDArray& pick = c ? input(1) : input(2);
      copy_element(pick, broadcast_source(pick.shape(), shape, i), out, i);
    }
    return out;
  }
  if (op == "Expand") {
    std::vector<int64_t> target = int64_values(input(1), node, "shape");
    std::vector<int64_t> shape = ops::broadcast_shape(x.shape(), target, node_label(node));
    NDArray out = folded_array(node, shape, x.dtype());
    for (int64_t i = 0; i < out.num_elements(); ++i) copy_element(x, broadcast_source(x.shape(), shape, i), out, i);
    return out;
  }
  if (op == "Range") {
    double start = get(x, 0), limit = get(input(1), 0), delta = get(input(2), 0);
    if (delta == 0) user_error("{}: delta is 0", node_label(node));
    double count = std::ceil((limit - start) / delta);
    if (!std::isfinite(count) || count > double(kMaxFoldedElements))
      user_error("{}: the range from {} to {} by {} has more than {} elements", node_label(node), start, limit, delta,
                 kMaxFoldedElements);
    NDArray out = folded_array(node, {std::max<int64_t>(0, int64_t(count))}, x.dtype());
    for (int64_t i = 0; i < out.num_elements(); ++i) put(out, i, start + double(i) * delta);
    return out;
  }
  // Shape-only operators on constants: the data stays, the shape changes.
  if (op == "Reshape" || op == "Unsqueeze" || op == "Squeeze" || op == "Flatten") {
    // The converters know the shape rules; run one on a stand-in graph input of the same shape.
    ImportContext scratch(ctx.opset);
    if (x.dtype() != DType::float32() && x.dtype() != DType::int64()) return std::nullopt;
    graph::NodeId stand_in = scratch.graph.add_input("x", graph::TensorType{x.shape(), DType::float32()});
    scratch.define(node.input(0), Value::of_node(stand_in));
    for (int i = 1; i < node.input_size(); ++i)
      if (ImportContext::has_input(node, i)) scratch.define(node.input(i), Value::of_constant(input(size_t(i))));
    Value shaped = find_converter(op)->convert(scratch, node, a, "fold");
    return with_shape(x, scratch.shape(shaped.node));
  }
  return std::nullopt;
}

}  // namespace

std::optional<Value> fold_constant_node(ImportContext& ctx, const onnx::NodeProto& node, const Attributes& a) {
  const std::string& op = node.op_type();
  if (!constant_only_ops().count(op) && !foldable_ops().count(op)) return std::nullopt;
  // The inputs' values by position; absent optional inputs are null (Slice reads its optional
  // inputs itself). Shape and Size need no values; every other fold needs each present input's.
  std::vector<const NDArray*> in(size_t(node.input_size()), nullptr);
  bool all_constant = true;
  for (int i = 0; i < node.input_size(); ++i) {
    if (!ImportContext::has_input(node, i)) continue;
    const Value& v = ctx.value(node, i);
    if (v.has_constant) in[size_t(i)] = &v.constant;
    else all_constant = false;
  }
  if (!all_constant && op != "Shape" && op != "Size") return std::nullopt;
  std::optional<NDArray> folded = fold(ctx, node, a, in);
  if (!folded) return std::nullopt;
  return Value::of_constant(std::move(*folded));
}

void add_shape_converters(std::map<std::string, OpConverter>& c) {
  auto constant_only = [](ImportContext& ctx, const onnx::NodeProto& node, const Attributes& a,
                          const std::string&) -> Value {
    // Cast of a computed float32 tensor to float32 changes nothing.
    if (node.op_type() == "Cast" && cast_target(a) == DType::float32()) {
      graph::NodeId x = ctx.input(node, 0);
      if (ctx.graph.node(x).type.dtype == DType::float32()) return Value::of_node(x);
    }
    user_error(
        "{}: {} of a tensor the model computes is not supported; tensortune evaluates it only on shapes and "
        "constants known when the model is read",
        node_label(node), node.op_type());
  };
  c["Shape"] = {constant_only, {"start", "end"}};
  c["Size"] = {constant_only, {}};
  c["Gather"] = {constant_only, {"axis"}};
  c["Cast"] = {constant_only, {"to", "saturate"}};
  c["ConstantOfShape"] = {constant_only, {"value"}};
  c["Slice"] = {constant_only, {"starts", "ends", "axes"}};
  c["Range"] = {constant_only, {}};
  c["Equal"] = {constant_only, {}};
  c["Where"] = {constant_only, {}};
  c["Expand"] = {constant_only, {}};
}

}  // namespace tt::frontend::onnx_import
