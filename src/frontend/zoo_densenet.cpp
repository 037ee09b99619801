// DenseNet-121 as torchvision builds it: growth rate 32, dense blocks of 6, 12, 24 and 16 layers
// with pre-activation (batch norm, ReLU, convolution) ordering, and transitions that halve the
// channels and average-pool 2x2.
#include <fmt/format.h>

#include "src/frontend/zoo_builder.h"

namespace tt::frontend {

namespace {

constexpr int64_t kClasses = 1000;
constexpr int64_t kGrowthRate = 32;
constexpr int64_t kBottleneckWidth = 4;  // bn_size: the 1x1 convolution makes 4 x growth channels

// One dense layer: reads the concatenation of every earlier feature map of its block, adds
// kGrowthRate new channels.
NodeId dense_layer(ModelBuilder& b, const std::vector<NodeId>& features, const std::string& n) {
  NodeId x = features.size() == 1 ? features[0] : b.concat(features, n + ".cat");
  x = b.relu(b.batch_norm(x, n + ".norm1"), n + ".relu1");
  x = b.conv2d(x, n + ".conv1", {.out_channels = kBottleneckWidth * kGrowthRate, .bias = false});
  x = b.relu(b.batch_norm(x, n + ".norm2"), n + ".relu2");
  return b.conv2d(
      x, n + ".conv2",
      {.out_channels = kGrowthRate, .kernel = {3, 3}, .padding = {1, 1}, .bias = false});
}

}  // namespace

graph::Graph build_densenet121(uint64_t seed, int64_t batch) {
  const int block_layers[] = {6, 12, 24, 16};
  ModelBuilder b(seed);
  NodeId x = b.input({batch, 3, 224, 224});
  x = b.conv2d(
      x, "features.conv0",
      {.out_channels = 64, .kernel = {7, 7}, .stride = 2, .padding = {3, 3}, .bias = false});
  x = b.relu(b.batch_norm(x, "features.norm0"), "features.relu0");
  x = b.max_pool(x, "features.pool0", 3, 2, 1);
  for (int block = 0; block < 4; ++block) {
    std::string name = fmt::format("features.denseblock{}", block + 1);
    std::vector<NodeId> features = {x};
    for (int i = 0; i < block_layers[block]; ++i) {
      features.push_back(dense_layer(b, features, fmt::format("{}.denselayer{}", name, i + 1)));
    }
    x = b.concat(features, name + ".cat");
    if (block == 3) break;
    name = fmt::format("features.transition{}", block + 1);
    x = b.relu(b.batch_norm(x, name + ".norm"), name + ".relu");
    x = b.conv2d(x, name + ".conv", {.out_channels = b.channels(x) / 2, .bias = false});
    x = b.avg_pool(x, name + ".pool", 2, 2);
  }
  x = b.relu(b.batch_norm(x, "features.norm5"), "relu");
  x = b.flatten(b.global_avg_pool(x, "avgpool"), "flatten");
  return b.finish(b.dense(x, "classifier", kClasses, /*linear=*/true));
}

}  // namespace tt::frontend
