// The detection models' ONNX operators (LeakyRelu, SpaceToDepth, DepthToSpace, Resize in its
// opset-10 and opset-11+ forms, Upsample of opsets 7 and 9) and the older opsets' attribute forms
// of Pad, Clip and BatchNormalization, on small models built in memory and evaluated.
#include <gtest/gtest.h>

#include "ir/error.h"
#include "ir/graph/evaluate.h"
#include "onnx_test_util.h"
#include "src/frontend/onnx_importer.h"

namespace tt {
namespace {

using graph::Graph;
using test::array_of;
using test::expect_values;
using test::OnnxModelBuilder;
using test::op_counts;
using test::user_error_of;

std::vector<float> iota(size_t n, float start = 0.0f) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = start + float(i);
  return v;
}

// A 1x1x2x2 map enlarged 2x by nearest neighbour: each value becomes a 2x2 block.
const std::vector<float> kBlocks = {0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 3, 3, 2, 2, 3, 3};

void expect_error(const OnnxModelBuilder& b, const std::string& part) {
  std::string message = user_error_of([&] { b.import(); });
  EXPECT_NE(message.find(part), std::string::npos) << message;
}

TEST(OnnxImageOps, LeakyReluKeepsAnySlope) {
  OnnxModelBuilder b(13);
  b.input("x", {1, 4});
  OnnxModelBuilder::set_float(b.node("LeakyRelu", {"x"}, {"y"}), "alpha", 1.5f);
  b.output("y");
  Graph g = b.import();
  EXPECT_EQ(op_counts(g), (std::map<std::string, int>{{"leaky_relu", 1}}));
  expect_values(graph::evaluate_graph(g, {array_of({1, 4}, {-2, -0.5f, 0, 3})})[0], {1, 4}, {-3, -0.75f, 0, 3});
}

TEST(OnnxImageOps, SpaceToDepthAndDepthToSpace) {
  OnnxModelBuilder b(13);
  b.input("x", {1, 1, 2, 4});
  OnnxModelBuilder::set_int(b.node("SpaceToDepth", {"x"}, {"s"}), "blocksize", 2);
  auto& d = b.node("DepthToSpace", {"s"}, {"y"});
  OnnxModelBuilder::set_int(d, "blocksize", 2);
  OnnxModelBuilder::set_string(d, "mode", "CRD");
  b.output("s");
  b.output("y");
  Graph g = b.import();
  EXPECT_EQ(op_counts(g), (std::map<std::string, int>{{"space_to_depth", 1}, {"depth_to_space", 1}}));
  auto out = graph::evaluate_graph(g, {array_of({1, 1, 2, 4}, iota(8))});
  // x = [[0 1 2 3], [4 5 6 7]]: channel (bh·2 + bw) holds the pixels at (bh, bw) of each block.
  expect_values(out[0], {1, 4, 1, 2}, {0, 2, 1, 3, 4, 6, 5, 7});
  // With one input channel CRD and DCR agree: the inverse.
  expect_values(out[1], {1, 1, 2, 4}, iota(8));

  OnnxModelBuilder bad(13);
  bad.input("x", {1, 1, 2, 4});
  bad.node("SpaceToDepth", {"x"}, {"s"});
  bad.output("s");
  expect_error(bad, "blocksize attribute is missing");
}

TEST(OnnxImageOps, ResizeWithSizesOrScales) {
  {
    // PyTorch's nearest upsampling (F.interpolate, scale 2) as exported at opset 13.
    OnnxModelBuilder b(13);
    b.input("x", {1, 1, 2, 2});
    b.int64_initializer("sizes", {1, 1, 4, 4});
    auto& r = b.node("Resize", {"x", "", "", "sizes"}, {"y"}, "up");
    OnnxModelBuilder::set_string(r, "coordinate_transformation_mode", "asymmetric");
    OnnxModelBuilder::set_string(r, "nearest_mode", "floor");
    OnnxModelBuilder::set_string(r, "mode", "nearest");
    b.output("y");
    Graph g = b.import();
    EXPECT_EQ(op_counts(g), (std::map<std::string, int>{{"resize2d", 1}}));
    const graph::Node& n = g.node(g.outputs()[0]);
    EXPECT_EQ(n.attr_ints("size"), (std::vector<int64_t>{4, 4}));
    EXPECT_EQ(n.attr_string("coordinate_mode", ""), "asymmetric");
    expect_values(graph::evaluate_graph(g, {array_of({1, 1, 2, 2}, iota(4))})[0], {1, 1, 4, 4}, kBlocks);
  }
  {
    // Bilinear with align_corners and scales (opset 11: roi, then scales).
    OnnxModelBuilder b(11);
    b.input("x", {1, 1, 2, 2});
    b.initializer("roi", {0}, {});
    b.initializer("scales", {4}, {1, 1, 1.5f, 1.5f});
    auto& r = b.node("Resize", {"x", "roi", "scales"}, {"y"});
    OnnxModelBuilder::set_string(r, "coordinate_transformation_mode", "align_corners");
    OnnxModelBuilder::set_string(r, "mode", "linear");
    b.output("y");
    auto out = graph::evaluate_graph(b.import(), {array_of({1, 1, 2, 2}, {0, 2, 4, 6})});
    // 2 -> 3 pixels with the corners kept: the middle row and column are the means.
    expect_values(out[0], {1, 1, 3, 3}, {0, 1, 2, 2, 3, 4, 4, 5, 6});
  }
}

TEST(OnnxImageOps, OlderOpsetsResizeAndUpsample) {
  // Resize-10 (scales input), Upsample-9 (scales input) and Upsample-7 (scales attribute): all
  // nearest with asymmetric coordinates.
  for (int form = 0; form < 3; ++form) {
    SCOPED_TRACE(form);
    OnnxModelBuilder b(form == 0 ? 10 : form == 1 ? 9 : 7);
    b.input("x", {1, 1, 2, 2});
    if (form < 2) {
      b.initializer("scales", {4}, {1, 1, 2, 2});
      b.node(form == 0 ? "Resize" : "Upsample", {"x", "scales"}, {"y"});
    } else {
      OnnxModelBuilder::set_floats(b.node("Upsample", {"x"}, {"y"}), "scales", {1, 1, 2, 2});
    }
    b.output("y");
    expect_values(graph::evaluate_graph(b.import(), {array_of({1, 1, 2, 2}, iota(4))})[0], {1, 1, 4, 4}, kBlocks);
  }
}

TEST(OnnxImageOps, ResizeErrorsNameTheProblem) {
  auto resize = [](const std::vector<float>& scales, const std::string& attr, const std::string& value) {
    OnnxModelBuilder b(13);
    b.input("x", {1, 2, 2, 2});
    b.initializer("scales", {int64_t(scales.size())}, scales);
    auto& r = b.node("Resize", {"x", "", "scales"}, {"y"}, "r");
    if (!attr.empty()) OnnxModelBuilder::set_string(r, attr, value);
    b.output("y");
    return b;
  };
  expect_error(resize({1, 2, 2, 2}, "", ""), "resizes dimension 1 (2 -> 4)");
  expect_error(resize({1, 1, 2, 2}, "mode", "cubic"), "'cubic'");
  expect_error(resize({1, 1, 2, 2}, "coordinate_transformation_mode", "tf_crop_and_resize"), "tf_crop_and_resize");
  expect_error(resize({1, 1, 2}, "", ""), "scales has 3 values");
  expect_error(resize({1, 1, 2, 2}, "nearest_mode", "stochastic"), "stochastic");
  OnnxModelBuilder both(13);
  both.input("x", {1, 1, 2, 2});
  both.initializer("scales", {4}, {1, 1, 2, 2});
  both.int64_initializer("sizes", {1, 1, 4, 4});
  both.node("Resize", {"x", "", "scales", "sizes"}, {"y"});
  both.output("y");
  expect_error(both, "both scales and sizes");
  OnnxModelBuilder shrink(9);
  shrink.input("x", {1, 1, 2, 2});
  shrink.initializer("scales", {4}, {1, 1, 0.5f, 0.5f});
  shrink.node("Upsample", {"x", "scales"}, {"y"});
  shrink.output("y");
  expect_error(shrink, "only enlarges");
  // Found by fuzz_onnx: an Upsample-7 without its required scales attribute (was std::out_of_range).
  OnnxModelBuilder no_scales(7);
  no_scales.input("x", {1, 1, 2, 2});
  no_scales.node("Upsample", {"x"}, {"y"}, "up");
  no_scales.output("y");
  expect_error(no_scales, "node 'up' (Upsample): attribute 'scales' is required");
  // And a scale that would make a dimension longer than any tensor may be.
  expect_error(resize({1, 1, 1e30f, 2}, "", ""), "makes dimension 2");
}

TEST(OnnxImageOps, OpsetSevenAttributeForms) {
  // Before opset 11 Pad's pads and value and Clip's bounds are attributes; before 9
  // BatchNormalization has a spatial attribute.
  OnnxModelBuilder b(7);
  b.input("x", {1, 2, 1, 2});
  auto& pad = b.node("Pad", {"x"}, {"p"});
  OnnxModelBuilder::set_ints(pad, "pads", {0, 0, 0, 1, 0, 0, 0, 0});
  OnnxModelBuilder::set_float(pad, "value", -9.0f);
  auto& clip = b.node("Clip", {"p"}, {"c"});
  OnnxModelBuilder::set_float(clip, "min", -1.0f);
  OnnxModelBuilder::set_float(clip, "max", 2.5f);
  for (const char* p : {"gamma", "beta", "mu", "var"}) b.initializer(p, {2}, {1.0f, 1.0f});
  auto& bn = b.node("BatchNormalization", {"c", "gamma", "beta", "mu", "var"}, {"y"});
  OnnxModelBuilder::set_int(bn, "spatial", 1);
  OnnxModelBuilder::set_float(bn, "epsilon", 0.0f);
  b.output("y");
  Graph g = b.import();
  EXPECT_EQ(op_counts(g), (std::map<std::string, int>{{"pad", 1}, {"clip", 1}, {"batch_norm", 1}}));
  // pad: [[-9, 0, 3], [-9, 5, -2]] per channel row; clip to [-1, 2.5]; bn: (v - 1) / 1 · 1 + 1 = v.
  expect_values(graph::evaluate_graph(g, {array_of({1, 2, 1, 2}, {0, 3, 5, -2})})[0], {1, 2, 1, 3},
                {-1, 0, 2.5f, -1, 2.5f, -1});
  OnnxModelBuilder per_activation(7);
  per_activation.input("x", {1, 2, 1, 2});
  for (const char* p : {"gamma", "beta", "mu", "var"}) per_activation.initializer(p, {2}, {1.0f, 1.0f});
  OnnxModelBuilder::set_int(per_activation.node("BatchNormalization", {"x", "gamma", "beta", "mu", "var"}, {"y"}),
                            "spatial", 0);
  per_activation.output("y");
  expect_error(per_activation, "spatial");
}

}  // namespace
}  // namespace tt
