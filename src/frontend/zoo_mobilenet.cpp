// The zoo's compact image classifiers as torchvision builds them: MobileNetV2 (inverted residuals,
// ReLU6, width 1.0) and SqueezeNet 1.1 (Fire modules, ceil-mode pooling, a convolution classifier).
#include <fmt/format.h>

#include "src/frontend/zoo_builder.h"

namespace tt::frontend {

namespace {

constexpr int64_t kClasses = 1000;

// An inverted residual: 1x1 expansion (absent when expand_ratio is 1), 3x3 depthwise, linear 1x1
// projection; a skip connection where the shape allows one.
NodeId inverted_residual(ModelBuilder& b, NodeId x, const std::string& name, int64_t out_channels,
                         int64_t stride, int64_t expand_ratio) {
  int64_t in_channels = b.channels(x);
  int64_t hidden = in_channels * expand_ratio;
  NodeId y = x;
  int layer = 0;  // torchvision numbers the modules of `conv` in order, so the names shift without
                  // expansion
  if (expand_ratio != 1)
    y = b.conv_norm_act(y, fmt::format("{}.conv.{}", name, layer++), {.out_channels = hidden},
                        true);
  y = b.conv_norm_act(y, fmt::format("{}.conv.{}", name, layer++),
                      {.out_channels = hidden,
                       .kernel = {3, 3},
                       .stride = stride,
                       .padding = {1, 1},
                       .groups = hidden},
                      true);
  y = b.conv2d(y, fmt::format("{}.conv.{}", name, layer++),
               {.out_channels = out_channels, .bias = false, .linear = true});
  y = b.batch_norm(y, fmt::format("{}.conv.{}", name, layer++));
  if (stride == 1 && in_channels == out_channels) y = b.add(x, y, name + ".add");
  return y;
}

// A Fire module: a 1x1 squeeze, then 1x1 and 3x3 expansions side by side.
NodeId fire(ModelBuilder& b, NodeId x, const std::string& name, int64_t squeeze, int64_t expand) {
  x = b.relu(b.conv2d(x, name + ".squeeze", {.out_channels = squeeze}),
             name + ".squeeze_activation");
  NodeId e1 = b.relu(b.conv2d(x, name + ".expand1x1", {.out_channels = expand}),
                     name + ".expand1x1_activation");
  NodeId e3 = b.relu(b.conv2d(x, name + ".expand3x3",
                              {.out_channels = expand, .kernel = {3, 3}, .padding = {1, 1}}),
                     name + ".expand3x3_activation");
  return b.concat({e1, e3}, name + ".cat");
}

}  // namespace

graph::Graph build_mobilenet_v2(uint64_t seed, int64_t batch) {
  struct Stage {
    int64_t expand_ratio, channels, repeats, stride;
  };
  const Stage stages[] = {{1, 16, 1, 1}, {6, 24, 2, 2},  {6, 32, 3, 2}, {6, 64, 4, 2},
                          {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};
  ModelBuilder b(seed);
  NodeId x = b.input({batch, 3, 224, 224});
  x = b.conv_norm_act(x, "features.0",
                      {.out_channels = 32, .kernel = {3, 3}, .stride = 2, .padding = {1, 1}}, true);
  int index = 1;
  for (const Stage& s : stages) {
    for (int64_t i = 0; i < s.repeats; ++i) {
      x = inverted_residual(b, x, fmt::format("features.{}", index++), s.channels,
                            i == 0 ? s.stride : 1, s.expand_ratio);
    }
  }
  x = b.conv_norm_act(x, fmt::format("features.{}", index), {.out_channels = 1280}, true);
  x = b.flatten(b.global_avg_pool(x, "avgpool"), "flatten");
  return b.finish(b.dense(x, "classifier.1", kClasses, /*linear=*/true));
}

graph::Graph build_squeezenet1_1(uint64_t seed, int64_t batch) {
  ModelBuilder b(seed);
  NodeId x = b.input({batch, 3, 224, 224});
  x = b.relu(b.conv2d(x, "features.0", {.out_channels = 64, .kernel = {3, 3}, .stride = 2}),
             "features.1");
  x = b.max_pool(x, "features.2", 3, 2, 0, /*ceil_mode=*/true);
  x = fire(b, x, "features.3", 16, 64);
  x = fire(b, x, "features.4", 16, 64);
  x = b.max_pool(x, "features.5", 3, 2, 0, true);
  x = fire(b, x, "features.6", 32, 128);
  x = fire(b, x, "features.7", 32, 128);
  x = b.max_pool(x, "features.8", 3, 2, 0, true);
  x = fire(b, x, "features.9", 48, 192);
  x = fire(b, x, "features.10", 48, 192);
  x = fire(b, x, "features.11", 64, 256);
  x = fire(b, x, "features.12", 64, 256);
  // The classifier is a 1x1 convolution and a ReLU before the pooling (dropout omitted at
  // inference).
  x = b.relu(b.conv2d(x, "classifier.1", {.out_channels = kClasses}), "classifier.2");
  x = b.global_avg_pool(x, "classifier.3");
  return b.finish(b.flatten(x, "flatten"));
}

}  // namespace tt::frontend
