// Tests of the reduction operators (matmul, dense, batch_matmul, conv2d, pooling) and of FLOP
// counting: each op is evaluated by the reference interpreter and checked against plain nested
// loops written here, independent of TE, or against values worked out by hand.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "ir/te/flop_count.h"
#include "ir/te/ops.h"
#include "te_test_util.h"

namespace tt {
namespace {

using test::expect_user_error;
using test::random_array;
using test::input;
using test::run_one;

TEST(OpsDense, MatmulMatchesLoops) {
  Tensor a = input({3, 5}, "A"), b = input({5, 4}, "B");
  Tensor c = ops::matmul(a, b);
  EXPECT_EQ(c->tag, "dense");
  EXPECT_EQ(c.shape(), (std::vector<int64_t>{3, 4}));
  NDArray av = random_array({3, 5}, 1), bv = random_array({5, 4}, 2);
  NDArray expected({3, 4}, DType::float32());
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 4; ++j) {
      float acc = 0;
      for (int k = 0; k < 5; ++k) acc += av.as<float>()[i * 5 + k] * bv.as<float>()[k * 4 + j];
      expected.as<float>()[i * 4 + j] = acc;
    }
  EXPECT_CLOSE(run_one(c, {{a, av}, {b, bv}}), expected);
  expect_user_error([&] { ops::matmul(a, input({4, 4}, "D")); }, {"matmul", "[3, 5]", "[4, 4]"});
  expect_user_error([&] { ops::matmul(a, input({5}, "V")); }, {"matmul", "2-D"});
}

TEST(OpsDense, DenseWithBiasIsGemmThenEpilogue) {
  Tensor x = input({2, 6}, "X"), w = input({3, 6}, "W"), b = input({3}, "b");
  Tensor y = ops::dense(x, w, b);
  EXPECT_EQ(y->tag, "broadcast");
  EXPECT_EQ(y.name(), "dense.bias");
  ASSERT_EQ(y->input_ops().size(), 2u);
  EXPECT_EQ(y->input_ops()[0]->tag, "dense");
  EXPECT_EQ(y->input_ops()[0]->name, "dense");
  NDArray xv = random_array({2, 6}, 3), wv = random_array({3, 6}, 4), bv = random_array({3}, 5);
  NDArray expected({2, 3}, DType::float32());
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j) {
      float acc = 0;
      for (int k = 0; k < 6; ++k) acc += xv.as<float>()[i * 6 + k] * wv.as<float>()[j * 6 + k];
      expected.as<float>()[i * 3 + j] = acc + bv.as<float>()[j];
    }
  EXPECT_CLOSE(run_one(y, {{x, xv}, {w, wv}, {b, bv}}), expected);
  EXPECT_EQ(ops::dense(x, w)->tag, "dense");
  expect_user_error([&] { ops::dense(x, input({3, 5}, "W2")); }, {"dense", "6 features"});
  expect_user_error([&] { ops::dense(x, w, input({4}, "b2")); }, {"dense", "bias", "[4]"});
}

TEST(OpsDense, BatchMatmulBroadcastsBatch) {
  Tensor a = input({1, 2, 3}, "A"), b = input({4, 3, 5}, "B");
  Tensor c = ops::batch_matmul(a, b);
  EXPECT_EQ(c->tag, "batch_matmul");
  EXPECT_EQ(c.shape(), (std::vector<int64_t>{4, 2, 5}));
  NDArray av = random_array({1, 2, 3}, 6), bv = random_array({4, 3, 5}, 7);
  NDArray expected({4, 2, 5}, DType::float32());
  for (int n = 0; n < 4; ++n)
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 5; ++j) {
        float acc = 0;
        for (int k = 0; k < 3; ++k)
          acc += av.as<float>()[i * 3 + k] * bv.as<float>()[(n * 3 + k) * 5 + j];
        expected.as<float>()[(n * 2 + i) * 5 + j] = acc;
      }
  EXPECT_CLOSE(run_one(c, {{a, av}, {b, bv}}), expected);
  expect_user_error(
      [&] {
        ops::batch_matmul(input({2, 2, 3}, "P"), b);
      },
      {"batch_matmul", "2 and 4"});
  expect_user_error(
      [&] {
        ops::batch_matmul(a, input({4, 2, 5}, "Q"));
      },
      {"batch_matmul", "inner"});
}

// Direct convolution with zero padding, accumulating in the same (c, ry, rx) order as the TE.
NDArray conv2d_reference(const NDArray& x, const NDArray& w, const ops::Conv2dParams& p) {
  int64_t n_ = x.shape()[0], c_ = x.shape()[1], h_ = x.shape()[2], w_ = x.shape()[3];
  int64_t k_ = w.shape()[0], cg = w.shape()[1], r_ = w.shape()[2], s_ = w.shape()[3];
  int64_t kg = k_ / p.groups;
  int64_t oh = (h_ + p.padding[0] + p.padding[2] - p.dilation[0] * (r_ - 1) - 1) / p.stride[0] + 1;
  int64_t ow = (w_ + p.padding[1] + p.padding[3] - p.dilation[1] * (s_ - 1) - 1) / p.stride[1] + 1;
  NDArray out({n_, k_, oh, ow}, DType::float32());
  const float* xp = x.as<float>();
  const float* wp = w.as<float>();
  float* op = out.as<float>();
  for (int64_t n = 0; n < n_; ++n)
    for (int64_t k = 0; k < k_; ++k)
      for (int64_t y = 0; y < oh; ++y)
        for (int64_t xx = 0; xx < ow; ++xx) {
          float acc = 0;
          int64_t group = k / kg;
          for (int64_t c = 0; c < cg; ++c)
            for (int64_t ry = 0; ry < r_; ++ry)
              for (int64_t rx = 0; rx < s_; ++rx) {
                int64_t iy = y * p.stride[0] - p.padding[0] + ry * p.dilation[0];
                int64_t ix = xx * p.stride[1] - p.padding[1] + rx * p.dilation[1];
                float v = 0;
                if (iy >= 0 && iy < h_ && ix >= 0 && ix < w_) {
                  v = xp[((n * c_ + group * cg + c) * h_ + iy) * w_ + ix];
                }
                acc += v * wp[((k * cg + c) * r_ + ry) * s_ + rx];
              }
          op[((n * k_ + k) * oh + y) * ow + xx] = acc;
        }
  return out;
}

void check_conv(std::vector<int64_t> in_shape, std::vector<int64_t> w_shape,
                const ops::Conv2dParams& p, const char* expected_tag) {
  Tensor x = input(in_shape, "X"), w = input(w_shape, "W");
  Tensor y = ops::conv2d(x, w, p);
  EXPECT_EQ(y->tag, expected_tag);
  NDArray xv = random_array(in_shape, 11), wv = random_array(w_shape, 12);
  NDArray expected = conv2d_reference(xv, wv, p);
  EXPECT_EQ(y.shape(), expected.shape());
  EXPECT_CLOSE(run_one(y, {{x, xv}, {w, wv}}), expected);
}

TEST(OpsConv2d, PaddedStride1) {
  check_conv({1, 3, 5, 5}, {4, 3, 3, 3}, {.padding = {1, 1, 1, 1}}, "conv2d");
}

TEST(OpsConv2d, StridedAsymmetricPadding) {
  check_conv({2, 2, 7, 6}, {3, 2, 3, 2}, {.stride = {2, 3}, .padding = {1, 0, 2, 1}}, "conv2d");
}

TEST(OpsConv2d, Dilated) {
  check_conv({1, 2, 8, 8}, {2, 2, 3, 3}, {.padding = {2, 2, 2, 2}, .dilation = {2, 2}}, "conv2d");
}

TEST(OpsConv2d, Grouped) {
  check_conv({1, 4, 5, 5}, {6, 2, 3, 3}, {.padding = {1, 1, 1, 1}, .groups = 2}, "conv2d");
}

TEST(OpsConv2d, DepthwiseWithMultiplier) {
  check_conv({1, 3, 6, 6}, {6, 1, 3, 3}, {.stride = {2, 2}, .padding = {1, 1, 1, 1}, .groups = 3},
             "depthwise_conv2d");
  check_conv({1, 4, 5, 5}, {4, 1, 3, 3}, {.padding = {1, 1, 1, 1}, .groups = 4},
             "depthwise_conv2d");
}

TEST(OpsConv2d, PadStageOnlyWhenPadded) {
  Tensor x = input({1, 3, 5, 5}, "X"), w = input({4, 3, 3, 3}, "W");
  Tensor unpadded = ops::conv2d(x, w);
  EXPECT_EQ(unpadded.shape(), (std::vector<int64_t>{1, 4, 3, 3}));
  EXPECT_EQ(unpadded->input_ops()[0].get(), x.op().get());
  EXPECT_EQ(unpadded->reduce_axes().size(), 3u);
  Tensor padded = ops::conv2d(x, w, {.padding = {1, 1, 1, 1}}, "c1");
  Operation pad = padded->input_ops()[0];
  EXPECT_EQ(pad->name, "c1.pad");
  EXPECT_EQ(pad->tag, "pad");
  EXPECT_EQ(pad->shape, (std::vector<int64_t>{1, 3, 7, 7}));
}

TEST(OpsConv2d, Errors) {
  Tensor x = input({1, 3, 5, 5}, "X");
  expect_user_error(
      [&] {
        ops::conv2d(x, input({4, 4, 3, 3}, "W"));
      },
      {"conv2d", "input has 3 channels but weight", "expects 4 (groups=1)"});
  expect_user_error(
      [&] {
        ops::conv2d(x, input({4, 1, 3, 3}, "W"), {.groups = 2});
      },
      {"conv2d", "groups=2"});
  expect_user_error(
      [&] {
        ops::conv2d(x, input({4, 3, 7, 3}, "W"));
      },
      {"conv2d", "height", "empty"});
  expect_user_error(
      [&] {
        ops::conv2d(x, input({4, 3, 3, 3}, "W"), {.stride = {0, 1}});
      },
      {"conv2d", "stride"});
  expect_user_error(
      [&] {
        ops::conv2d(x, input({4, 3, 3, 3}, "W"), {.padding = {-1, 0, 0, 0}});
      },
      {"conv2d", "negative"});
  expect_user_error(
      [&] {
        ops::conv2d(input({3, 5, 5}, "X3"), input({4, 3, 3, 3}, "W"));
      },
      {"conv2d", "4-D"});
}

// PyTorch's pooling output size (aten/src/ATen/native/Pool.h, pooling_output_shape_pad_lr).
int64_t torch_pool_size(int64_t in, int64_t k, int64_t s, int64_t pad_l, int64_t pad_r, int64_t d,
                        bool ceil_mode) {
  int64_t numerator = in + pad_l + pad_r - d * (k - 1) - 1 + (ceil_mode ? s - 1 : 0);
  int64_t out = numerator / s + 1;
  if (ceil_mode && (out - 1) * s >= in + pad_l) --out;
  return out;
}

// PyTorch's CPU avg_pool2d and max_pool2d kernels, written with (top, left, bottom, right) pads.
NDArray torch_pool(const NDArray& x, const ops::Pool2dParams& p, bool is_max) {
  int64_t nc = x.shape()[0] * x.shape()[1], h_ = x.shape()[2], w_ = x.shape()[3];
  int64_t oh = torch_pool_size(h_, p.kernel[0], p.stride[0], p.padding[0], p.padding[2],
                               p.dilation[0], p.ceil_mode);
  int64_t ow = torch_pool_size(w_, p.kernel[1], p.stride[1], p.padding[1], p.padding[3],
                               p.dilation[1], p.ceil_mode);
  NDArray out({x.shape()[0], x.shape()[1], oh, ow}, DType::float32());
  for (int64_t plane = 0; plane < nc; ++plane) {
    const float* in = x.as<float>() + plane * h_ * w_;
    for (int64_t y = 0; y < oh; ++y)
      for (int64_t xx = 0; xx < ow; ++xx) {
        int64_t hs = y * p.stride[0] - p.padding[0], ws = xx * p.stride[1] - p.padding[1];
        float result;
        if (is_max) {
          int64_t he = std::min(hs + (p.kernel[0] - 1) * p.dilation[0] + 1, h_);
          int64_t we = std::min(ws + (p.kernel[1] - 1) * p.dilation[1] + 1, w_);
          while (hs < 0) hs += p.dilation[0];
          while (ws < 0) ws += p.dilation[1];
          result = -std::numeric_limits<float>::infinity();
          for (int64_t i = hs; i < he; i += p.dilation[0])
            for (int64_t j = ws; j < we; j += p.dilation[1])
              result = std::max(result, in[i * w_ + j]);
        } else {
          int64_t he = std::min(hs + p.kernel[0], h_ + p.padding[2]);
          int64_t we = std::min(ws + p.kernel[1], w_ + p.padding[3]);
          int64_t pool_size = (he - hs) * (we - ws);
          hs = std::max<int64_t>(hs, 0);
          ws = std::max<int64_t>(ws, 0);
          he = std::min(he, h_);
          we = std::min(we, w_);
          float sum = 0;
          for (int64_t i = hs; i < he; ++i)
            for (int64_t j = ws; j < we; ++j) sum += in[i * w_ + j];
          result = sum / float(p.count_include_pad ? pool_size : (he - hs) * (we - ws));
        }
        out.as<float>()[(plane * oh + y) * ow + xx] = result;
      }
  }
  return out;
}

void check_pool(std::vector<int64_t> shape, const ops::Pool2dParams& p) {
  Tensor x = input(shape, "X");
  NDArray xv = random_array(shape, 21);
  for (bool is_max : {true, false}) {
    if (!is_max && (p.dilation[0] != 1 || p.dilation[1] != 1)) continue;
    Tensor y = is_max ? ops::max_pool2d(x, p) : ops::avg_pool2d(x, p);
    NDArray expected = torch_pool(xv, p, is_max);
    ASSERT_EQ(y.shape(), expected.shape()) << (is_max ? "max" : "avg");
    NDArray actual = run_one(y, {{x, xv}});
    CompareResult r = compare(actual, expected);
    EXPECT_TRUE(r.ok) << (is_max ? "max: " : "avg: ") << r.describe();
  }
}

TEST(OpsPool, CeilModeMatchesTorchByHand) {
  // 5x5 input 0..24, 2x2 windows, stride 2: ceil_mode keeps the partial last row and column.
  Tensor x = input({1, 1, 5, 5}, "X");
  NDArray xv = test::iota_array({1, 1, 5, 5});
  ops::Pool2dParams p{.kernel = {2, 2}, .stride = {2, 2}, .ceil_mode = true};
  EXPECT_CLOSE(run_one(ops::max_pool2d(x, p), {{x, xv}}),
               test::array_of({1, 1, 3, 3}, {6, 8, 9, 16, 18, 19, 21, 23, 24}));
  // torch.nn.functional.avg_pool2d(torch.arange(25.).view(1,1,5,5), 2, 2, ceil_mode=True)
  EXPECT_CLOSE(run_one(ops::avg_pool2d(x, p), {{x, xv}}),
               test::array_of({1, 1, 3, 3}, {3, 5, 6.5, 13, 15, 16.5, 20.5, 22.5, 24}));
  p.ceil_mode = false;
  EXPECT_EQ(ops::max_pool2d(x, p).shape(), (std::vector<int64_t>{1, 1, 2, 2}));
}

TEST(OpsPool, CountIncludePadByHand) {
  // Ones, 3x3 windows, stride 1, padding 1: including the padding, corners see 4 of 9 ones.
  Tensor x = input({1, 1, 3, 3}, "X");
  NDArray ones = test::array_of({1, 1, 3, 3}, std::vector<float>(9, 1.0f));
  ops::Pool2dParams p{.kernel = {3, 3}, .padding = {1, 1, 1, 1}};
  const float c = 4.0f / 9, e = 6.0f / 9;
  EXPECT_CLOSE(run_one(ops::avg_pool2d(x, p), {{x, ones}}),
               test::array_of({1, 1, 3, 3}, {c, e, c, e, 1, e, c, e, c}));
  p.count_include_pad = false;
  EXPECT_CLOSE(run_one(ops::avg_pool2d(x, p), {{x, ones}}),
               test::array_of({1, 1, 3, 3}, std::vector<float>(9, 1.0f)));
}

TEST(OpsPool, PaddingUpToTheKernelExtentByHand) {
  // ONNX allows padding up to kernel - 1 (PyTorch only up to half): a 3x3 window with padding 2 on
  // a 2x2 input, x = [[1, 2], [3, 4]]; each window still covers an input element.
  Tensor x = input({1, 1, 2, 2}, "X");
  NDArray xv = test::array_of({1, 1, 2, 2}, {1, 2, 3, 4});
  ops::Pool2dParams p{.kernel = {3, 3}, .padding = {2, 2, 2, 2}};
  EXPECT_CLOSE(run_one(ops::max_pool2d(x, p), {{x, xv}}),
               test::array_of({1, 1, 4, 4}, {1, 2, 2, 2, 3, 4, 4, 4, 3, 4, 4, 4, 3, 4, 4, 4}));
  p.count_include_pad = false;
  std::vector<float> mean;
  const float m[4] = {0, 0.5f, 0.5f, 1};  // mean row (and column) index each window covers
  for (int y = 0; y < 4; ++y)
    for (int xx = 0; xx < 4; ++xx) mean.push_back(1 + 2 * m[y] + m[xx]);
  EXPECT_CLOSE(run_one(ops::avg_pool2d(x, p), {{x, xv}}), test::array_of({1, 1, 4, 4}, mean));
}

TEST(OpsPool, MatchesTorchKernels) {
  check_pool({1, 2, 6, 6},
             {.kernel = {3, 3}, .stride = {2, 2}, .padding = {1, 1, 1, 1}, .ceil_mode = true});
  check_pool({1, 2, 6, 6}, {.kernel = {3, 3},
                            .stride = {2, 2},
                            .padding = {1, 1, 1, 1},
                            .ceil_mode = true,
                            .count_include_pad = false});
  check_pool({2, 1, 7, 5}, {.kernel = {2, 3}, .stride = {2, 1}, .padding = {0, 1, 1, 1}});
  check_pool({1, 1, 7, 7},
             {.kernel = {3, 3}, .stride = {3, 3}, .ceil_mode = true, .count_include_pad = false});
  check_pool({1, 2, 9, 9}, {.kernel = {3, 2},
                            .stride = {2, 2},
                            .padding = {1, 1, 1, 1},
                            .dilation = {2, 2},
                            .ceil_mode = true});
  check_pool({1, 1, 8, 8}, {.kernel = {2, 2}, .stride = {2, 2}});
}

TEST(OpsPool, TagsAndErrors) {
  Tensor x = input({1, 2, 6, 6}, "X");
  EXPECT_EQ(ops::max_pool2d(x, {.kernel = {2, 2}})->tag, "pool");
  Tensor avg = ops::avg_pool2d(x, {.kernel = {2, 2}});
  EXPECT_EQ(avg->tag, "elemwise");
  EXPECT_EQ(avg->input_ops()[0]->tag, "pool");
  expect_user_error(
      [&] {
        ops::max_pool2d(x, {.kernel = {2, 2}, .padding = {2, 0, 0, 0}});
      },
      {"max_pool2d", "padding 2 on the top", "not smaller than the kernel extent 2"});
  expect_user_error([&] { ops::avg_pool2d(x, {.kernel = {7, 2}}); }, {"avg_pool2d", "height"});
  expect_user_error(
      [&] {
        ops::avg_pool2d(x, {.kernel = {2, 2}, .dilation = {2, 2}});
      },
      {"avg_pool2d", "dilation"});
  expect_user_error([&] { ops::max_pool2d(x, {.kernel = {0, 2}}); }, {"max_pool2d", "kernel"});
  expect_user_error(
      [&] {
        ops::global_avg_pool2d(input({2, 6, 6}, "Y"));
      },
      {"global_avg_pool2d", "4-D"});
}

TEST(OpsPool, GlobalPools) {
  Tensor x = input({2, 3, 4, 5}, "X");
  NDArray xv = random_array({2, 3, 4, 5}, 31);
  NDArray mean({2, 3, 1, 1}, DType::float32()), peak({2, 3, 1, 1}, DType::float32());
  for (int plane = 0; plane < 6; ++plane) {
    float sum = 0, best = -std::numeric_limits<float>::infinity();
    for (int i = 0; i < 20; ++i) {
      sum += xv.as<float>()[plane * 20 + i];
      best = std::max(best, xv.as<float>()[plane * 20 + i]);
    }
    mean.as<float>()[plane] = sum / 20;
    peak.as<float>()[plane] = best;
  }
  Tensor avg = ops::global_avg_pool2d(x);
  EXPECT_EQ(avg->input_ops()[0]->tag, "global_pool");
  EXPECT_CLOSE(run_one(avg, {{x, xv}}), mean);
  Tensor mx = ops::global_max_pool2d(x);
  EXPECT_EQ(mx->tag, "global_pool");
  EXPECT_CLOSE(run_one(mx, {{x, xv}}), peak);
}

TEST(FlopCount, MatmulDenseConv) {
  Tensor a = input({64, 32}, "A"), b = input({32, 16}, "B");
  EXPECT_EQ(flop_count({ops::matmul(a, b)}), 2 * 64 * 16 * 32);
  Tensor w = input({16, 32}, "W"), bias = input({16}, "bias");
  EXPECT_EQ(flop_count({ops::dense(a, w, bias)}), 2 * 64 * 16 * 32 + 64 * 16);
  Tensor x = input({1, 8, 10, 10}, "X"), k = input({4, 8, 3, 3}, "K");
  const int64_t conv = int64_t(1) * 4 * 8 * 8 * 8 * 3 * 3 * 2;  // N·K·OH·OW·C·R·S·2
  EXPECT_EQ(flop_count({ops::conv2d(x, k)}), conv);
  // The pad stage moves data: its bounds tests are index arithmetic and count nothing.
  Tensor padded = ops::conv2d(x, k, {.padding = {1, 1, 1, 1}});
  EXPECT_EQ(flop_count({padded}), int64_t(4) * 10 * 10 * 8 * 3 * 3 * 2);
  Tensor dw = input({8, 1, 3, 3}, "DW");
  EXPECT_EQ(flop_count({ops::conv2d(x, dw, {.groups = 8})}), int64_t(8) * 8 * 8 * 3 * 3 * 2);
  Tensor grouped = input({4, 2, 3, 3}, "G");
  EXPECT_EQ(flop_count({ops::conv2d(x, grouped, {.groups = 4})}),
            int64_t(4) * 8 * 8 * 2 * 3 * 3 * 2);
  EXPECT_EQ(flop_count({ops::relu(x)}), 800);
}

}  // namespace
}  // namespace tt
