// The detection models of the zoo, up to their raw outputs (decoding and non-maximum suppression
// are post-processing, src/runtime/detection.h):
// - YOLOv2 (Darknet's yolov2.cfg, COCO: 80 classes, 5 anchors) at 416x416: Darknet-19's 18
//   convolutions (batch norm, leaky ReLU 0.1) and 5 max pools, then the detection head — two
//   3x3x1024 convolutions, the passthrough from the 26x26x512 layer (a 1x1x64 convolution and
//   space-to-depth by 2), their concatenation, a 3x3x1024 convolution and the final 1x1
//   convolution to 13x13x(5·(5+80)) = 425 channels.
// - RetinaNet (torchvision's retinanet_resnet50_fpn, 91 classes, 9 anchors per location) at
//   512x512: ResNet-50, the FPN on C3-C5 with P6 and P7 from P5, and the classification and box
//   heads (4 3x3x256 convolutions + ReLU each) on all five levels, concatenated as torchvision's
//   head returns them: cls_logits [N, anchors, 91] and bbox_regression [N, anchors, 4].
#include <fmt/format.h>

#include "ir/error.h"

#include "src/frontend/zoo_builder.h"

namespace tt::frontend {

namespace {

constexpr int64_t kYoloClasses = 80, kYoloAnchors = 5;
constexpr int64_t kRetinaClasses = 91, kRetinaAnchors = 9, kFpnChannels = 256;

// Darknet's convolutional layer: convolution without bias, batch norm, leaky ReLU.
NodeId darknet_conv(ModelBuilder& b, NodeId x, int index, int64_t channels, int64_t kernel) {
  const std::string name = fmt::format("conv{}", index);
  x = b.conv2d(x, name,
               {.out_channels = channels, .kernel = {kernel, kernel}, .padding = {kernel / 2, kernel / 2}, .bias = false});
  x = b.batch_norm(x, fmt::format("bn{}", index));
  return b.leaky_relu(x, fmt::format("leaky{}", index), 0.1);
}

NodeId conv3x3(ModelBuilder& b, NodeId x, const std::string& name, int64_t channels, int64_t stride = 1,
               bool linear = false) {
  return b.conv2d(x, name,
                  {.out_channels = channels, .kernel = {3, 3}, .stride = stride, .padding = {1, 1}, .linear = linear});
}

// One of RetinaNet's heads: 4 convolutions + ReLU and the output convolution to anchors·k
// channels, their weights shared by every pyramid level (as torchvision applies one module to
// each); per level [N, A·k, H, W] -> [N, H·W·A, k] as its forward views and permutes it, then the
// levels concatenated.
NodeId retina_head(ModelBuilder& b, const std::vector<NodeId>& levels, const std::string& head,
                   const std::string& out_conv, int64_t k) {
  const ConvSpec tower = {.out_channels = kFpnChannels, .kernel = {3, 3}, .padding = {1, 1}};
  const ConvSpec out = {.out_channels = kRetinaAnchors * k, .kernel = {3, 3}, .padding = {1, 1}, .linear = true};
  std::vector<ModelBuilder::ConvWeights> weights;
  for (int i = 0; i < 4; ++i) weights.push_back(b.conv_weights(fmt::format("{}.conv.{}.0", head, i), kFpnChannels, tower));
  ModelBuilder::ConvWeights final_weights = b.conv_weights(head + "." + out_conv, kFpnChannels, out);
  std::vector<NodeId> outputs;
  for (size_t l = 0; l < levels.size(); ++l) {
    const std::string at = fmt::format("{}.p{}", head, l + 3);
    NodeId x = levels[l];
    const int64_t n = b.shape(x)[0], h = b.shape(x)[2], w = b.shape(x)[3];
    for (int i = 0; i < 4; ++i)
      x = b.relu(b.conv2d(x, fmt::format("{}.conv.{}", at, i), tower, weights[size_t(i)]), fmt::format("{}.relu.{}", at, i));
    x = b.conv2d(x, at + "." + out_conv, out, final_weights);
    x = b.reshape(x, at + ".view", {n, kRetinaAnchors, k, h, w});
    x = b.transpose(x, at + ".permute", {0, 3, 4, 1, 2});
    outputs.push_back(b.reshape(x, at + ".reshape", {n, h * w * kRetinaAnchors, k}));
  }
  return b.concat(outputs, head, 1);
}

}  // namespace

graph::Graph build_yolov2(uint64_t seed, int64_t batch, int64_t size) {
  TT_ASSERT(size % 32 == 0, "YOLOv2 needs a multiple of 32, got {}", size);
  ModelBuilder b(seed);
  NodeId x = b.input({batch, 3, size, size});
  int index = 1, pool = 1;
  // Darknet-19: (channels, kernel) per convolution; 0 is a 2x2 max pool.
  const std::vector<std::pair<int64_t, int64_t>> darknet19 = {
      {32, 3},  {0, 0},    {64, 3},  {0, 0},    {128, 3},  {64, 1},  {128, 3},  {0, 0},
      {256, 3}, {128, 1},  {256, 3}, {0, 0},    {512, 3},  {256, 1}, {512, 3},  {256, 1},
      {512, 3}, {-1, 0},   {0, 0},   {1024, 3}, {512, 1},  {1024, 3}, {512, 1}, {1024, 3}};
  NodeId passthrough = -1;
  for (const auto& [channels, kernel] : darknet19) {
    if (channels == -1) {
      passthrough = x;  // the 26x26x512 map the head reuses
    } else if (channels == 0) {
      x = b.max_pool(x, fmt::format("pool{}", pool++), 2, 2);
    } else {
      x = darknet_conv(b, x, index++, channels, kernel);
    }
  }
  x = darknet_conv(b, x, index++, 1024, 3);
  x = darknet_conv(b, x, index++, 1024, 3);
  NodeId route = darknet_conv(b, passthrough, index++, 64, 1);
  route = b.space_to_depth(route, "reorg", 2);
  x = b.concat({route, x}, "route");
  x = darknet_conv(b, x, index++, 1024, 3);
  x = b.conv2d(x, fmt::format("conv{}", index),
               {.out_channels = kYoloAnchors * (5 + kYoloClasses), .kernel = {1, 1}, .linear = true});
  return b.finish(x);
}

graph::Graph build_retinanet_resnet50_fpn(uint64_t seed, int64_t batch, int64_t size) {
  TT_ASSERT(size % 128 == 0, "RetinaNet needs a multiple of 128, got {}", size);
  ModelBuilder b(seed);
  std::vector<NodeId> c = resnet_stages(b, b.input({batch, 3, size, size}), 50, "backbone.body.");
  // FPN (torchvision's FeaturePyramidNetwork): lateral 1x1 convolutions on C3-C5, top-down
  // nearest upsampling and addition, a 3x3 convolution per level; LastLevelP6P7 from P5.
  std::vector<NodeId> inner(3), levels(3);
  for (int i = 2; i >= 0; --i) {
    NodeId lateral = b.conv2d(c[size_t(i + 1)], fmt::format("backbone.fpn.inner_blocks.{}.0", i),
                              {.out_channels = kFpnChannels, .linear = true});
    if (i == 2) {
      inner[size_t(i)] = lateral;
    } else {
      const auto& s = b.shape(lateral);
      NodeId top_down = b.upsample_nearest(inner[size_t(i + 1)], fmt::format("backbone.fpn.upsample.{}", i), {s[2], s[3]});
      inner[size_t(i)] = b.add(lateral, top_down, fmt::format("backbone.fpn.add.{}", i));
    }
    levels[size_t(i)] = conv3x3(b, inner[size_t(i)], fmt::format("backbone.fpn.layer_blocks.{}.0", i), kFpnChannels, 1, true);
  }
  NodeId p6 = conv3x3(b, levels[2], "backbone.fpn.extra_blocks.p6", kFpnChannels, 2);
  NodeId p7 = conv3x3(b, b.relu(p6, "backbone.fpn.extra_blocks.relu"), "backbone.fpn.extra_blocks.p7", kFpnChannels, 2, true);
  levels.push_back(p6);
  levels.push_back(p7);
  NodeId logits = retina_head(b, levels, "head.classification_head", "cls_logits", kRetinaClasses);
  NodeId boxes = retina_head(b, levels, "head.regression_head", "bbox_reg", 4);
  return b.finish({logits, boxes}, {"cls_logits", "bbox_regression"});
}

}  // namespace tt::frontend
