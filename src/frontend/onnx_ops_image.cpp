// The ONNX converters of the detection models' operators: SpaceToDepth, DepthToSpace, Resize
// (opset 10's form and opset 11-17's) and Upsample (opsets 7-9), onto the graph operators
// space_to_depth, depth_to_space and resize2d.
#include <cmath>

#include "ir/error.h"
#include "ir/int_math.h"
#include "src/frontend/onnx_context.h"

namespace tt::frontend::onnx_import {

using graph::Attrs;
using graph::NodeId;

namespace {

int64_t block_size(const onnx::NodeProto& node, const Attributes& a) {
  if (!a.has("blocksize")) user_error("{}: the blocksize attribute is missing", node_label(node));
  int64_t b = a.get_int("blocksize", 0);
  if (b < 1) a.fail("blocksize", fmt::format("is {}; it must be positive", b));
  return b;
}

std::vector<float> float_values(const NDArray& a, const onnx::NodeProto& node, const std::string& role) {
  if (a.dtype() != DType::float32())
    user_error("{}: {} must be a float32 tensor, got {}", node_label(node), role, a.dtype().to_string());
  return {a.as<float>(), a.as<float>() + a.num_elements()};
}

// The graph's resize2d for an NCHW input `x`: per dimension either the output sizes or the scales
// (the other empty); N and C must keep their size.
Value resize(ImportContext& ctx, const onnx::NodeProto& node, NodeId x, const std::vector<float>& scales,
             const std::vector<int64_t>& sizes, Attrs attrs, const std::string& name) {
  require_rank(ctx, node, x, 4, "the input");
  const std::vector<int64_t>& in = ctx.shape(x);
  std::vector<int64_t> out(4);
  std::vector<double> used(4, 0);
  if (!sizes.empty()) {
    if (sizes.size() != 4) user_error("{}: sizes has {} values; a 4-D input needs 4", node_label(node), sizes.size());
    out = sizes;
  } else {
    if (scales.size() != 4) user_error("{}: scales has {} values; a 4-D input needs 4", node_label(node), scales.size());
    for (size_t d = 0; d < 4; ++d) {
      if (!(scales[d] > 0) || !std::isfinite(scales[d]))
        user_error("{}: scale {} of dimension {} is not positive", node_label(node), scales[d], d);
      used[d] = double(scales[d]);
      double size = std::floor(double(in[d]) * used[d]);
      if (size > double(kMaxTensorElements))
        user_error("{}: scale {} makes dimension {} {} long", node_label(node), scales[d], d, size);
      out[d] = int64_t(size);
    }
  }
  for (size_t d = 0; d < 2; ++d)
    if (out[d] != in[d])
      user_error("{}: resizes dimension {} ({} -> {}); tensortune resizes only the spatial dimensions of NCHW",
                 node_label(node), d, in[d], out[d]);
  for (size_t d = 2; d < 4; ++d)
    if (out[d] < 1) user_error("{}: output dimension {} would be {}", node_label(node), d, out[d]);
  if (out == in) return Value::of_node(x);
  attrs["size"] = std::vector<int64_t>{out[2], out[3]};
  attrs["scale_h"] = used[2];
  attrs["scale_w"] = used[3];
  return call(ctx, "resize2d", {x}, std::move(attrs), name);
}

std::string interpolation(const Attributes& a) {
  std::string mode = a.get_string("mode", "nearest");
  if (mode == "bilinear") mode = "linear";  // Upsample-7's spelling
  if (mode != "nearest" && mode != "linear")
    a.fail("mode", fmt::format("is '{}'; tensortune supports nearest and linear", mode));
  return mode;
}

Value convert_space_to_depth(ImportContext& ctx, const onnx::NodeProto& node, const Attributes& a,
                             const std::string& name) {
  return call(ctx, "space_to_depth", {ctx.input(node, 0)}, {{"block_size", block_size(node, a)}}, name);
}

Value convert_depth_to_space(ImportContext& ctx, const onnx::NodeProto& node, const Attributes& a,
                             const std::string& name) {
  std::string mode = a.get_string("mode", "DCR");
  if (mode != "DCR" && mode != "CRD") a.fail("mode", fmt::format("is '{}'; ONNX defines DCR and CRD", mode));
  return call(ctx, "depth_to_space", {ctx.input(node, 0)}, {{"block_size", block_size(node, a)}, {"mode", mode}},
              name);
}

// Resize: opset 10 takes (X, scales) with asymmetric coordinates; opset 11 on takes (X, roi,
// scales, sizes) and the coordinate and rounding attributes.
Value convert_resize(ImportContext& ctx, const onnx::NodeProto& node, const Attributes& a, const std::string& name) {
  Attrs attrs;
  attrs["mode"] = interpolation(a);
  NodeId x = ctx.input(node, 0);
  std::vector<float> scales;
  std::vector<int64_t> sizes;
  if (ctx.opset < 11) {
    scales = float_values(ctx.constant_input(node, 1, "scales"), node, "scales");
    attrs["coordinate_mode"] = std::string("asymmetric");
    attrs["nearest_mode"] = std::string("simple");
    return resize(ctx, node, x, scales, sizes, attrs, name);
  }
  std::string coordinate = a.get_string("coordinate_transformation_mode", "half_pixel");
  if (coordinate == "tf_crop_and_resize")
    a.fail("coordinate_transformation_mode", "is tf_crop_and_resize, which tensortune does not support");
  if (a.get_int("exclude_outside", 0) != 0) a.fail("exclude_outside", "is set; it applies to cubic mode only");
  attrs["coordinate_mode"] = coordinate;
  attrs["nearest_mode"] = a.get_string("nearest_mode", "round_prefer_floor");
  if (ctx.has_input(node, 2)) scales = float_values(ctx.constant_input(node, 2, "scales"), node, "scales");
  if (ctx.has_input(node, 3)) sizes = int64_values(ctx.constant_input(node, 3, "sizes"), node, "sizes");
  if (!scales.empty() && !sizes.empty())
    user_error("{}: gives both scales and sizes; ONNX allows one", node_label(node));
  if (scales.empty() && sizes.empty()) user_error("{}: gives neither scales nor sizes", node_label(node));
  return resize(ctx, node, x, scales, sizes, attrs, name);
}

// Upsample (opset 7: scales attribute; 9: scales input; gone at 10): Resize-10's semantics.
Value convert_upsample(ImportContext& ctx, const onnx::NodeProto& node, const Attributes& a, const std::string& name) {
  if (ctx.opset >= 10)
    user_error("{}: Upsample was removed in opset 10 (this model imports opset {}); use Resize", node_label(node),
               ctx.opset);
  std::vector<float> scales =
      ctx.has_input(node, 1) ? float_values(ctx.constant_input(node, 1, "scales"), node, "scales") : a.get_floats("scales");
  for (float s : scales)
    if (s < 1) user_error("{}: scale {} is below 1; Upsample only enlarges", node_label(node), s);
  Attrs attrs{{"mode", interpolation(a)},
              {"coordinate_mode", std::string("asymmetric")},
              {"nearest_mode", std::string("simple")}};
  return resize(ctx, node, ctx.input(node, 0), scales, {}, attrs, name);
}

}  // namespace

void add_image_converters(std::map<std::string, OpConverter>& c) {
  c["SpaceToDepth"] = {convert_space_to_depth, {"blocksize"}};
  c["DepthToSpace"] = {convert_depth_to_space, {"blocksize", "mode"}};
  c["Resize"] = {convert_resize,
                 {"coordinate_transformation_mode", "cubic_coeff_a", "exclude_outside", "extrapolation_value", "mode",
                  "nearest_mode"}};
  c["Upsample"] = {convert_upsample, {"mode", "scales"}};
}

}  // namespace tt::frontend::onnx_import
