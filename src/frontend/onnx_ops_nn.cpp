// The ONNX converters for convolution, pooling, batch normalization, softmax and the dense algebra
// (Gemm, MatMul): the operators whose ONNX conventions need the most translation (auto_pad,
// transposes and scales, numpy matmul broadcasting, pre-13 softmax over a flattened view).
#include <algorithm>

#include "ir/error.h"
#include "src/frontend/onnx_context.h"

namespace tt::frontend::onnx_import {

using graph::Attrs;
using graph::NodeId;

// ---- convolution and pooling ----

namespace {

std::vector<int64_t> pair_attribute(const Attributes& a, const std::string& name,
                                    std::vector<int64_t> fallback) {
  auto v = a.get_ints(name, fallback);
  if (v.size() != 2)
    a.fail(name, fmt::format("has {} values; tensortune supports 2-D windows only", v.size()));
  for (int64_t x : v) {
    if (x <= 0) a.fail(name, fmt::format("has the non-positive value {}", x));
  }
  return v;
}

// Explicit [top, left, bottom, right] padding from `pads` or auto_pad. SAME_* pads so that the
// output is ceil(input / stride); an odd total goes to the end (UPPER) or the beginning (LOWER).
std::vector<int64_t> window_padding(const Attributes& a, const std::vector<int64_t>& input_shape,
                                    const std::vector<int64_t>& kernel,
                                    const std::vector<int64_t>& strides,
                                    const std::vector<int64_t>& dilations) {
  std::string auto_pad = a.get_string("auto_pad", "NOTSET");
  if (auto_pad == "NOTSET") {
    auto pads = a.get_ints("pads", {0, 0, 0, 0});
    if (pads.size() != 4)
      a.fail("pads", fmt::format("has {} values; 2-D windows need 4", pads.size()));
    for (int64_t p : pads) {
      if (p < 0) a.fail("pads", fmt::format("has the negative value {}", p));
    }
    return pads;  // ONNX order [x1_begin, x2_begin, x1_end, x2_end] is [top, left, bottom, right]
  }
  if (auto_pad == "VALID") return {0, 0, 0, 0};
  if (auto_pad != "SAME_UPPER" && auto_pad != "SAME_LOWER") {
    a.fail("auto_pad",
           fmt::format("has the value '{}'; expected NOTSET, SAME_UPPER, SAME_LOWER or VALID",
                       auto_pad));
  }
  std::vector<int64_t> pads(4);
  for (int i = 0; i < 2; ++i) {
    int64_t in = input_shape[2 + i];
    int64_t out = (in + strides[i] - 1) / strides[i];
    int64_t total =
        std::max<int64_t>(0, (out - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - in);
    int64_t small = total / 2, big = total - small;
    pads[i] = auto_pad == "SAME_UPPER" ? small : big;
    pads[i + 2] = auto_pad == "SAME_UPPER" ? big : small;
  }
  return pads;
}

}  // namespace

Value convert_conv(ImportContext& ctx, const onnx::NodeProto& node, const Attributes& a,
                   const std::string& name) {
  NodeId x = ctx.input(node, 0), w = ctx.input(node, 1);
  require_rank(ctx, node, x, 4, "input");
  require_rank(ctx, node, w, 4, "weight");
  std::vector<int64_t> kernel = {ctx.shape(w)[2], ctx.shape(w)[3]};
  if (a.has("kernel_shape") && a.get_ints("kernel_shape", {}) != kernel) {
    a.fail("kernel_shape",
           fmt::format("disagrees with the weight's shape {}", shape_to_string(ctx.shape(w))));
  }
  auto strides = pair_attribute(a, "strides", {1, 1});
  auto dilations = pair_attribute(a, "dilations", {1, 1});
  auto padding = window_padding(a, ctx.shape(x), kernel, strides, dilations);
  std::vector<NodeId> inputs = {x, w};
  if (ctx.has_input(node, 2)) inputs.push_back(ctx.input(node, 2));
  return call(ctx, "conv2d", inputs,
              {{"strides", strides},
               {"padding", padding},
               {"dilation", dilations},
               {"groups", a.get_int("group", 1)}},
              name);
}

Value convert_pool(ImportContext& ctx, const onnx::NodeProto& node, const Attributes& a,
                   const std::string& name, bool is_max) {
  NodeId x = ctx.input(node, 0);
  require_rank(ctx, node, x, 4, "input");
  if (!a.has("kernel_shape")) a.fail("kernel_shape", "is required");
  auto kernel = pair_attribute(a, "kernel_shape", {});
  auto strides = pair_attribute(a, "strides", {1, 1});
  auto dilations = pair_attribute(a, "dilations", {1, 1});
  if (a.get_int("storage_order", 0) != 0)
    a.fail("storage_order", "is 1 (column-major indices); only 0 is supported");
  Attrs attrs = {{"kernel", kernel},
                 {"strides", strides},
                 {"dilation", dilations},
                 {"padding", window_padding(a, ctx.shape(x), kernel, strides, dilations)},
                 {"ceil_mode", a.get_int("ceil_mode", 0)}};
  if (!is_max) attrs["count_include_pad"] = a.get_int("count_include_pad", 0);
  return call(ctx, is_max ? "max_pool2d" : "avg_pool2d", {x}, attrs, name);
}

Value convert_batch_norm(ImportContext& ctx, const onnx::NodeProto& node, const Attributes& a,
                         const std::string& name) {
  if (a.get_int("training_mode", 0) != 0)
    a.fail("training_mode", "is 1; tensortune imports inference graphs only");
  if (a.get_int("spatial", 1) != 1)
    a.fail("spatial", "is 0; only per-channel statistics are supported");
  std::vector<NodeId> inputs;
  for (int i = 0; i < 5; ++i) inputs.push_back(ctx.input(node, i));
  return call(ctx, "batch_norm", inputs, {{"epsilon", double(a.get_float("epsilon", 1e-5f))}},
              name);
}

// Softmax since opset 13 normalizes along one axis; before, it flattened to 2-D at `axis` and
// normalized each row, which is a softmax over the last axis of that 2-D view.
Value convert_softmax(ImportContext& ctx, const onnx::NodeProto& node, const Attributes& a,
                      const std::string& name, bool log) {
  NodeId x = ctx.input(node, 0);
  std::vector<int64_t> shape = ctx.shape(x);
  int64_t rank = int64_t(shape.size());
  int64_t axis = normalize_axis(a.get_int("axis", ctx.opset >= 13 ? -1 : 1), rank, node);
  std::string softmax_name = log ? name + ".softmax" : name;
  NodeId y;
  if (ctx.opset >= 13 || axis == rank - 1) {
    y = ctx.graph.add_call("softmax", {x}, {{"axis", axis}}, softmax_name);
  } else {
    NodeId rows =
        reshape_to(ctx, x, {product(shape, 0, axis), product(shape, axis)}, name + ".rows");
    y = ctx.graph.add_call("softmax", {rows}, {{"axis", int64_t(1)}}, softmax_name + ".2d");
    y = reshape_to(ctx, y, shape, softmax_name);
  }
  return log ? call(ctx, "log", {y}, {}, name) : Value::of_node(y);
}

Value convert_global_pool(ImportContext& ctx, const onnx::NodeProto& node, const std::string& op,
                          const std::string& name) {
  NodeId x = ctx.input(node, 0);
  require_rank(ctx, node, x, 4, "input");
  return call(ctx, op, {x}, {}, name);
}

// ---- dense algebra ----

namespace {

NDArray transpose_2d(const NDArray& m) {
  int64_t rows = m.shape()[0], cols = m.shape()[1];
  NDArray t({cols, rows}, DType::float32());
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) t.as<float>()[c * rows + r] = m.as<float>()[r * cols + c];
  return t;
}

}  // namespace

// Y = alpha · A' · B' + beta · C. The GEMM becomes `dense` (weights [N, K], the layout PyTorch's
// Linear exports with transB=1, and the one the tuner's dense templates expect): a constant B with
// transB=0 is transposed here once; a computed one goes to `matmul`.
Value convert_gemm(ImportContext& ctx, const onnx::NodeProto& node, const Attributes& a,
                   const std::string& name) {
  NodeId x = ctx.input(node, 0);
  require_rank(ctx, node, x, 2, "A");
  if (a.get_int("transA", 0))
    x = ctx.graph.add_call("transpose", {x}, {{"perm", std::vector<int64_t>{1, 0}}},
                           name + ".transA");
  float alpha = a.get_float("alpha", 1.0f), beta = a.get_float("beta", 1.0f);
  const Value& b = ctx.value(node, 1);
  bool trans_b = a.get_int("transB", 0) != 0;
  bool use_dense = trans_b || (b.has_constant && b.constant.dtype() == DType::float32() &&
                               b.constant.shape().size() == 2);
  NodeId w;
  if (trans_b || !use_dense) {
    w = ctx.input(node, 1);
  } else {
    w = ctx.graph.add_constant(node.input(1) + ".T", transpose_2d(b.constant));
  }
  require_rank(ctx, node, w, 2, "B");
  int64_t n = use_dense ? ctx.shape(w)[0] : ctx.shape(w)[1];
  bool has_c = ctx.has_input(node, 2) && beta != 0.0f;
  // A bias of N values (C of shape [N] or [1, N], known now) folds into dense's epilogue.
  if (use_dense && has_c && alpha == 1.0f) {
    const Value& c = ctx.value(node, 2);
    if (c.has_constant && c.constant.dtype() == DType::float32() &&
        c.constant.num_elements() == n && !c.constant.shape().empty() &&
        c.constant.shape().back() == n) {
      std::vector<float> bias(c.constant.as<float>(), c.constant.as<float>() + n);
      for (float& v : bias) v *= beta;
      return call(ctx, "dense", {x, w, ctx.add_float_constant(node.input(2) + ".bias", {n}, bias)},
                  {}, name);
    }
  }
  std::string product_name = has_c || alpha != 1.0f ? name + ".gemm" : name;
  NodeId y = ctx.graph.add_call(use_dense ? "dense" : "matmul", {x, w}, {}, product_name);
  if (!has_c) {
    return Value::of_node(alpha != 1.0f ? scale(ctx, y, alpha, name) : y);
  }
  y = scale(ctx, y, alpha, name + ".alpha");
  NodeId c = scale(ctx, ctx.input(node, 2), beta, name + ".beta");
  return call(ctx, "add", {y, c}, {}, name);
}

// numpy matmul: 1-D operands are promoted to matrices and the promoted dimension dropped after;
// batch dimensions broadcast. Lowered onto matmul (2-D, or a stack of matrices times one matrix)
// and batch_matmul (where one side's batch may be 1).
Value convert_matmul(ImportContext& ctx, const onnx::NodeProto& node, const Attributes&,
                     const std::string& name) {
  NodeId a = ctx.input(node, 0), b = ctx.input(node, 1);
  std::vector<int64_t> sa = ctx.shape(a), sb = ctx.shape(b);
  if (sa.empty() || sb.empty()) user_error("{}: MatMul of a scalar", node_label(node));
  bool a_vector = sa.size() == 1, b_vector = sb.size() == 1;
  if (a_vector) sa.insert(sa.begin(), 1);
  if (b_vector) sb.push_back(1);
  a = reshape_to(ctx, a, sa, name + ".a");
  b = reshape_to(ctx, b, sb, name + ".b");
  int64_t m = sa[sa.size() - 2], k = sa.back(), n = sb.back();
  std::vector<int64_t> batch_a(sa.begin(), sa.end() - 2), batch_b(sb.begin(), sb.end() - 2);
  // numpy broadcast of the batch dimensions.
  size_t rank = std::max(batch_a.size(), batch_b.size());
  batch_a.insert(batch_a.begin(), rank - batch_a.size(), 1);
  batch_b.insert(batch_b.begin(), rank - batch_b.size(), 1);
  std::vector<int64_t> batch(rank);
  for (size_t i = 0; i < rank; ++i) {
    if (batch_a[i] != batch_b[i] && batch_a[i] != 1 && batch_b[i] != 1) {
      user_error("{}: batch dimensions of {} and {} do not broadcast", node_label(node),
                 shape_to_string(ctx.shape(a)), shape_to_string(ctx.shape(b)));
    }
    batch[i] = std::max(batch_a[i], batch_b[i]);
  }
  int64_t count_a = product(batch_a), count_b = product(batch_b), count = product(batch);
  std::vector<int64_t> out_shape = batch;
  NodeId y;
  if (rank == 0) {
    y = ctx.graph.add_call("matmul", {a, b}, {}, name);
  } else if (count_b == 1) {
    NodeId rows = reshape_to(ctx, a, {count_a * m, k}, name + ".rows");
    y = ctx.graph.add_call("matmul", {rows, reshape_to(ctx, b, {k, n}, name + ".b2")}, {}, name);
    if (count_a != count)
      user_error("{}: broadcasting A's batch is not supported", node_label(node));
  } else {
    if ((count_a != 1 && count_a != count) || (count_b != 1 && count_b != count)) {
      user_error(
          "{}: batch dimensions {} and {} broadcast partially; tensortune supports equal batches "
          "or a batch "
          "of 1",
          node_label(node), shape_to_string(sa), shape_to_string(sb));
    }
    NodeId a3 = reshape_to(ctx, a, {count_a, m, k}, name + ".a3");
    NodeId b3 = reshape_to(ctx, b, {count_b, k, n}, name + ".b3");
    y = ctx.graph.add_call("batch_matmul", {a3, b3}, {}, name);
  }
  out_shape.push_back(m);
  out_shape.push_back(n);
  if (b_vector) out_shape.pop_back();
  if (a_vector) out_shape.erase(out_shape.end() - (b_vector ? 1 : 2));
  return Value::of_node(reshape_to(ctx, y, out_shape, name + ".out"));
}

}  // namespace tt::frontend::onnx_import
