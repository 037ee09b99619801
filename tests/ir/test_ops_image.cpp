// Tests of the detection models' operators: leaky_relu, space_to_depth / depth_to_space and
// resize2d in every mode, each against loops written here from the ONNX definitions (in double),
// plus their errors.
#include <gtest/gtest.h>

#include <cmath>

#include "ir/te/ops.h"
#include "te_test_util.h"

namespace tt {
namespace {

using test::expect_user_error;
using test::input;
using test::random_array;
using test::run_one;
using S = std::vector<int64_t>;

TEST(OpsLeakyRelu, SlopeBelowZero) {
  Tensor x = input({2, 7}, "X");
  NDArray xv = random_array({2, 7}, 3, -2.0f, 2.0f);
  for (float alpha : {0.1f, 0.0f, 1.5f, -0.5f}) {
    NDArray expected(xv.shape(), DType::float32());
    for (int64_t i = 0; i < xv.num_elements(); ++i) {
      float v = xv.as<float>()[i];
      expected.as<float>()[i] = v > 0 ? v : alpha * v;
    }
    Tensor y = ops::leaky_relu(x, alpha);
    EXPECT_EQ(y->tag, "elemwise");
    EXPECT_CLOSE(run_one(y, {{x, xv}}), expected, 0, 0);
  }
  expect_user_error([&] { ops::leaky_relu(x, NAN); }, {"leaky_relu", "not finite"});
}

TEST(OpsSpaceToDepth, BlocksMoveIntoChannelsAndBack) {
  const int64_t n = 2, c = 3, h = 4, w = 6, b = 2;
  Tensor x = input({n, c, h, w}, "X");
  NDArray xv = test::iota_array({n, c, h, w});
  Tensor y = ops::space_to_depth(x, b);
  ASSERT_EQ(y.shape(), (S{n, c * b * b, h / b, w / b}));
  NDArray out = run_one(y, {{x, xv}});
  for (int64_t in = 0; in < n; ++in)
    for (int64_t oc = 0; oc < c * b * b; ++oc)
      for (int64_t oh = 0; oh < h / b; ++oh)
        for (int64_t ow = 0; ow < w / b; ++ow) {
          // ONNX: reshape [N, C, H/b, b, W/b, b], transpose (0, 3, 5, 1, 2, 4).
          int64_t bh = oc / (b * c), bw = oc / c % b, ic = oc % c;
          float want = xv.as<float>()[((in * c + ic) * h + oh * b + bh) * w + ow * b + bw];
          ASSERT_EQ(out.as<float>()[((in * c * b * b + oc) * (h / b) + oh) * (w / b) + ow], want)
              << "at " << in << "," << oc << "," << oh << "," << ow;
        }
  // DepthToSpace in DCR mode undoes it.
  Tensor back = ops::depth_to_space(y, b, "DCR");
  EXPECT_EQ(back.shape(), x.shape());
  EXPECT_CLOSE(run_one(back, {{x, xv}}), xv, 0, 0);
  expect_user_error([&] { ops::space_to_depth(input({1, 3, 5, 4}, "Y"), 2); }, {"space_to_depth", "5x4"});
  expect_user_error([&] { ops::space_to_depth(x, 0); }, {"space_to_depth", "block size 0"});
  expect_user_error([&] { ops::space_to_depth(input({3, 4}, "Z"), 2); }, {"space_to_depth", "4-D"});
}

TEST(OpsDepthToSpace, CrdMode) {
  const int64_t c = 8, h = 3, w = 2, b = 2, oc = c / (b * b);
  Tensor x = input({1, c, h, w}, "X");
  NDArray xv = test::iota_array({1, c, h, w});
  NDArray out = run_one(ops::depth_to_space(x, b, "CRD"), {{x, xv}});
  for (int64_t ch = 0; ch < oc; ++ch)
    for (int64_t y = 0; y < h * b; ++y)
      for (int64_t xx = 0; xx < w * b; ++xx) {
        // ONNX CRD: reshape [N, C/b², b, b, H, W], transpose (0, 1, 4, 2, 5, 3).
        int64_t ic = ch * b * b + (y % b) * b + xx % b;
        ASSERT_EQ(out.as<float>()[(ch * h * b + y) * w * b + xx], xv.as<float>()[(ic * h + y / b) * w + xx / b]);
      }
  expect_user_error([&] { ops::depth_to_space(x, b, "XYZ"); }, {"depth_to_space", "XYZ"});
  expect_user_error([&] { ops::depth_to_space(input({1, 6, 2, 2}, "Y"), 2); }, {"depth_to_space", "6 channels"});
}

// ONNX Resize on H and W, straight from its definition, in double.
double original_coordinate(int64_t x, int64_t in, int64_t out, double scale, const std::string& mode) {
  const double s = scale > 0 ? scale : double(out) / double(in);
  if (mode == "asymmetric") return double(x) / s;
  if (mode == "half_pixel") return (double(x) + 0.5) / s - 0.5;
  if (mode == "pytorch_half_pixel") return out > 1 ? (double(x) + 0.5) / s - 0.5 : 0.0;
  if (mode == "tf_half_pixel_for_nearest") return (double(x) + 0.5) / s;
  if (mode == "align_corners") return out > 1 ? double(x) * double(in - 1) / double(out - 1) : 0.0;
  ADD_FAILURE() << mode;
  return 0;
}

int64_t nearest(double v, const std::string& mode, bool downsampling) {
  if (mode == "simple") return downsampling ? int64_t(std::ceil(v)) : int64_t(std::floor(v));
  if (mode == "floor") return int64_t(std::floor(v));
  if (mode == "ceil") return int64_t(std::ceil(v));
  double f = std::floor(v);
  if (v - f == 0.5) return int64_t(mode == "round_prefer_floor" ? f : f + 1);
  return int64_t(std::round(v));
}

NDArray resize_reference(const NDArray& x, int64_t oh, int64_t ow, const ops::ResizeParams& p) {
  const int64_t n = x.shape()[0], c = x.shape()[1], h = x.shape()[2], w = x.shape()[3];
  NDArray out({n, c, oh, ow}, DType::float32());
  auto at = [&](int64_t plane, int64_t r, int64_t col) { return double(x.as<float>()[(plane * h + r) * w + col]); };
  for (int64_t plane = 0; plane < n * c; ++plane)
    for (int64_t y = 0; y < oh; ++y)
      for (int64_t xx = 0; xx < ow; ++xx) {
        double vy = original_coordinate(y, h, oh, p.scales[0], p.coordinate_mode);
        double vx = original_coordinate(xx, w, ow, p.scales[1], p.coordinate_mode);
        double value;
        if (p.mode == "nearest") {
          bool down_h = p.scales[0] > 0 ? p.scales[0] < 1 : oh < h, down_w = p.scales[1] > 0 ? p.scales[1] < 1 : ow < w;
          int64_t r = std::clamp<int64_t>(nearest(vy, p.nearest_mode, down_h), 0, h - 1);
          int64_t col = std::clamp<int64_t>(nearest(vx, p.nearest_mode, down_w), 0, w - 1);
          value = at(plane, r, col);
        } else {
          vy = std::clamp(vy, 0.0, double(h - 1));
          vx = std::clamp(vx, 0.0, double(w - 1));
          int64_t r0 = int64_t(std::floor(vy)), c0 = int64_t(std::floor(vx));
          int64_t r1 = std::min(r0 + 1, h - 1), c1 = std::min(c0 + 1, w - 1);
          double fy = vy - double(r0), fx = vx - double(c0);
          double top = at(plane, r0, c0) * (1 - fx) + at(plane, r0, c1) * fx;
          double bottom = at(plane, r1, c0) * (1 - fx) + at(plane, r1, c1) * fx;
          value = top * (1 - fy) + bottom * fy;
        }
        out.as<float>()[(plane * oh + y) * ow + xx] = float(value);
      }
  return out;
}

TEST(OpsResize, EveryModeMatchesTheOnnxDefinition) {
  Tensor x = input({1, 2, 5, 6}, "X");
  NDArray xv = random_array({1, 2, 5, 6}, 9, -3.0f, 3.0f);
  struct Case {
    S size;
    std::array<double, 2> scales;
  };
  // Upsampling by 2 (the FPN's and YOLO's), by an odd ratio, downsampling, given fractional
  // scales, and a one-pixel output.
  const std::vector<Case> cases = {
      {{10, 12}, {0, 0}}, {{7, 9}, {0, 0}}, {{3, 4}, {0, 0}}, {{7, 15}, {1.5, 2.5}}, {{1, 3}, {0, 0}}};
  int checked = 0;
  for (const Case& k : cases)
    for (const char* coordinate :
         {"half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric", "tf_half_pixel_for_nearest"}) {
      for (const char* mode : {"nearest", "linear"}) {
        std::vector<std::string> roundings = {"round_prefer_floor"};
        if (std::string(mode) == "nearest") roundings = {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil", "simple"};
        for (const std::string& rounding : roundings) {
          ops::ResizeParams p;
          p.mode = mode;
          p.coordinate_mode = coordinate;
          p.nearest_mode = rounding;
          p.scales = k.scales;
          SCOPED_TRACE(fmt::format("{}x{} {} {} {} scales {},{}", k.size[0], k.size[1], mode, coordinate, rounding,
                                   k.scales[0], k.scales[1]));
          Tensor y = ops::resize2d(x, {k.size[0], k.size[1]}, p);
          ASSERT_EQ(y.shape(), (S{1, 2, k.size[0], k.size[1]}));
          EXPECT_EQ(y->tag, "injective");
          EXPECT_CLOSE(run_one(y, {{x, xv}}), resize_reference(xv, k.size[0], k.size[1], p), 1e-5, 1e-6);
          ++checked;
        }
      }
    }
  EXPECT_EQ(checked, 5 * 5 * 6);
}

TEST(OpsResize, Errors) {
  Tensor x = input({1, 2, 5, 6}, "X");
  ops::ResizeParams p;
  p.mode = "cubic";
  expect_user_error([&] { ops::resize2d(x, {10, 12}, p); }, {"resize2d", "cubic"});
  p = {};
  p.coordinate_mode = "crop_and_resize";
  expect_user_error([&] { ops::resize2d(x, {10, 12}, p); }, {"resize2d", "crop_and_resize"});
  p = {};
  p.nearest_mode = "stochastic";
  expect_user_error([&] { ops::resize2d(x, {10, 12}, p); }, {"resize2d", "stochastic"});
  expect_user_error([&] { ops::resize2d(x, {0, 12}); }, {"resize2d", "not positive"});
  expect_user_error([&] { ops::resize2d(input({2, 5, 6}, "Y"), {4, 4}); }, {"resize2d", "4-D"});
  p = {};
  p.scales = {-1, 2};
  expect_user_error([&] { ops::resize2d(x, {10, 12}, p); }, {"resize2d", "scale -1"});
  p.scales = {1.0 / 3.14159265358979, 2};
  expect_user_error([&] { ops::resize2d(x, {10, 12}, p); }, {"resize2d", "fraction"});
}

}  // namespace
}  // namespace tt
