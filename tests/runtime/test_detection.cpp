// RetinaNet's post-processing against torchvision's definitions: the anchors of each level (the
// well-known cell anchors of sizes 32/40/50 and ratios 0.5/1/2), the pyramid's sizes, box decoding
// and its clamp, per-class NMS, and a whole decode of crafted head outputs.
#include <gtest/gtest.h>

#include <cmath>

#include "ir/error.h"
#include "src/runtime/detection.h"

namespace tt {
namespace {

using Box = std::array<float, 4>;

TEST(RetinanetPostprocess, AnchorsFollowTorchvision) {
  std::vector<Box> a = retinanet_anchors(1, 2, {8, 8}, {32, 40, 50}, {0.5, 1.0, 2.0});
  ASSERT_EQ(a.size(), 18u);
  const std::vector<Box> cell = {{-23, -11, 23, 11}, {-28, -14, 28, 14}, {-35, -18, 35, 18},
                                 {-16, -16, 16, 16}, {-20, -20, 20, 20}, {-25, -25, 25, 25},
                                 {-11, -23, 11, 23}, {-14, -28, 14, 28}, {-18, -35, 18, 35}};
  for (size_t k = 0; k < 9; ++k) {
    EXPECT_EQ(a[k], cell[k]) << k;
    // The second column is shifted by the stride in x only.
    EXPECT_EQ(a[9 + k], (Box{cell[k][0] + 8, cell[k][1], cell[k][2] + 8, cell[k][3]})) << k;
  }
}

TEST(RetinanetPostprocess, PyramidSizes) {
  using L = std::vector<std::array<int64_t, 2>>;
  EXPECT_EQ(retinanet_levels(512, 512), (L{{64, 64}, {32, 32}, {16, 16}, {8, 8}, {4, 4}}));
  EXPECT_EQ(retinanet_levels(800, 1216), (L{{100, 152}, {50, 76}, {25, 38}, {13, 19}, {7, 10}}));
}

TEST(RetinanetPostprocess, DecodeAndClamp) {
  const float r[4] = {0.1f, -0.2f, std::log(2.0f), 0.0f};
  Box b = decode_box({0, 0, 10, 20}, r);
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(b[size_t(i)], (Box{-4, -4, 16, 16})[size_t(i)], 1e-5) << i;
  const float huge[4] = {0, 0, 10, 0};
  b = decode_box({0, 0, 10, 10}, huge);
  EXPECT_NEAR(b[2] - b[0], 10 * 1000.0f / 16.0f, 1e-2);  // exp(dw) clamped at 1000/16
}

TEST(RetinanetPostprocess, NmsPerClass) {
  std::vector<Box> boxes = {{0, 0, 10, 10}, {1, 1, 11, 11}, {1, 1, 11, 11}, {20, 20, 30, 30}, {0, 0, 10, 10}};
  std::vector<float> scores = {0.9f, 0.8f, 0.7f, 0.6f, 0.95f};
  std::vector<int64_t> labels = {1, 1, 2, 1, 3};
  // Box 1 overlaps box 0 (IoU 81/119) in the same class; box 2 is another class; box 4 the best.
  EXPECT_EQ(batched_nms(boxes, scores, labels, 0.5), (std::vector<int64_t>{4, 0, 2, 3}));
  EXPECT_EQ(batched_nms(boxes, scores, labels, 0.7), (std::vector<int64_t>{4, 0, 1, 2, 3}));
}

TEST(RetinanetPostprocess, CraftedOutputsGiveTheirDetection) {
  // 128x128: 9 anchors on 16² + 8² + 4² + 2² + 1² positions.
  const int64_t anchors = 3069, classes = 91;
  NDArray logits({1, anchors, classes}, DType::float32()), boxes({1, anchors, 4}, DType::float32());
  std::fill(logits.as<float>(), logits.as<float>() + logits.num_elements(), -10.0f);
  // Level 0, row 2, column 3, anchor 4 (ratio 1, size 40), class 17; no box offset.
  const int64_t anchor = (2 * 16 + 3) * 9 + 4;
  logits.as<float>()[anchor * classes + 17] = 3.0f;
  std::vector<Detection> d = retinanet_detections(logits, boxes, 0, 128, 128);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].label, 17);
  EXPECT_NEAR(d[0].score, 1 / (1 + std::exp(-3.0)), 1e-6);
  EXPECT_EQ(d[0].box, (Box{4, 0, 44, 36}));  // anchor 24±20, 16±20, clipped at the top
  // Outputs that do not fit the input's anchors.
  EXPECT_THROW(retinanet_detections(logits, boxes, 0, 256, 256), UserError);
  EXPECT_THROW(retinanet_detections(logits, NDArray({1, anchors, 5}, DType::float32()), 0, 128, 128), UserError);
}

}  // namespace
}  // namespace tt
