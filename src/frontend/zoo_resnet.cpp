// ResNet-18 and ResNet-50 as torchvision builds them (v1.5: a bottleneck strides in its 3x3
// convolution, not its first 1x1), with the module names of torchvision's state dict.
#include <fmt/format.h>

#include "ir/error.h"
#include "src/frontend/zoo_builder.h"

namespace tt::frontend {

namespace {

constexpr int64_t kClasses = 1000;

// BasicBlock (expansion 1) or Bottleneck (expansion 4); `planes` is the block's inner width. The
// convolutions that end the residual branch and the shortcut draw linear-bound weights: their sum
// feeds the ReLU, and He's bound on both would double the activations' energy at every block.
NodeId residual_block(ModelBuilder& b, NodeId x, const std::string& name, int64_t planes,
                      int64_t stride, bool bottleneck) {
  int64_t expansion = bottleneck ? 4 : 1;
  int64_t out_channels = planes * expansion;
  NodeId identity = x;
  if (stride != 1 || b.channels(x) != out_channels) {
    identity =
        b.conv2d(x, name + ".downsample.0",
                 {.out_channels = out_channels, .stride = stride, .bias = false, .linear = true});
    identity = b.batch_norm(identity, name + ".downsample.1");
  }
  NodeId y = x;
  if (bottleneck) {
    y = b.conv2d(y, name + ".conv1", {.out_channels = planes, .bias = false});
    y = b.relu(b.batch_norm(y, name + ".bn1"), name + ".relu");
    y = b.conv2d(y, name + ".conv2",
                 {.out_channels = planes,
                  .kernel = {3, 3},
                  .stride = stride,
                  .padding = {1, 1},
                  .bias = false});
    y = b.relu(b.batch_norm(y, name + ".bn2"), name + ".relu");
    y = b.conv2d(y, name + ".conv3", {.out_channels = out_channels, .bias = false, .linear = true});
    y = b.batch_norm(y, name + ".bn3");
  } else {
    y = b.conv2d(y, name + ".conv1",
                 {.out_channels = planes,
                  .kernel = {3, 3},
                  .stride = stride,
                  .padding = {1, 1},
                  .bias = false});
    y = b.relu(b.batch_norm(y, name + ".bn1"), name + ".relu");
    y = b.conv2d(y, name + ".conv2",
                 {.out_channels = planes,
                  .kernel = {3, 3},
                  .padding = {1, 1},
                  .bias = false,
                  .linear = true});
    y = b.batch_norm(y, name + ".bn2");
  }
  return b.relu(b.add(y, identity, name + ".add"), name + ".relu");
}

}  // namespace

std::vector<NodeId> resnet_stages(ModelBuilder& b, NodeId x, int depth, const std::string& prefix) {
  std::vector<int> blocks;
  bool bottleneck = false;
  if (depth == 18) {
    blocks = {2, 2, 2, 2};
  } else if (depth == 50) {
    blocks = {3, 4, 6, 3};
    bottleneck = true;
  } else {
    internal_error("no ResNet of depth {} in the zoo", depth);
  }
  x = b.conv2d(
      x, prefix + "conv1",
      {.out_channels = 64, .kernel = {7, 7}, .stride = 2, .padding = {3, 3}, .bias = false});
  x = b.relu(b.batch_norm(x, prefix + "bn1"), prefix + "relu");
  x = b.max_pool(x, prefix + "maxpool", 3, 2, 1);
  std::vector<NodeId> stages;
  for (int stage = 0; stage < 4; ++stage) {
    int64_t planes = int64_t(64) << stage;
    for (int i = 0; i < blocks[stage]; ++i) {
      int64_t stride = (stage > 0 && i == 0) ? 2 : 1;
      x = residual_block(b, x, fmt::format("{}layer{}.{}", prefix, stage + 1, i), planes, stride, bottleneck);
    }
    stages.push_back(x);
  }
  return stages;
}

graph::Graph build_resnet(int depth, uint64_t seed, int64_t batch) {
  ModelBuilder b(seed);
  NodeId x = resnet_stages(b, b.input({batch, 3, 224, 224}), depth).back();
  x = b.flatten(b.global_avg_pool(x, "avgpool"), "flatten");
  return b.finish(b.dense(x, "fc", kClasses, /*linear=*/true));
}

}  // namespace tt::frontend
