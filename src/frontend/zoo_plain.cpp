// The zoo's plain feed-forward stacks: VGG-16 as torchvision builds it (no batch norm), and two
// tiny models, an MLP and a small CNN, that compile and run in moments for tests.
#include <fmt/format.h>

#include "src/frontend/zoo_builder.h"

namespace tt::frontend {

namespace {
constexpr int64_t kClasses = 1000;
}  // namespace

graph::Graph build_vgg16(uint64_t seed, int64_t batch) {
  constexpr int64_t kPool = 0;  // configuration "D": channel counts, 0 for a 2x2 max pool
  const int64_t config[] = {64,    64,  kPool, 128, 128,   kPool, 256, 256, 256,
                            kPool, 512, 512,   512, kPool, 512,   512, 512, kPool};
  ModelBuilder b(seed);
  NodeId x = b.input({batch, 3, 224, 224});
  int index = 0;  // torchvision's `features` index: each conv is followed by its ReLU
  for (int64_t channels : config) {
    if (channels == kPool) {
      x = b.max_pool(x, fmt::format("features.{}", index++), 2, 2);
      continue;
    }
    x = b.conv2d(x, fmt::format("features.{}", index++),
                 {.out_channels = channels, .kernel = {3, 3}, .padding = {1, 1}});
    x = b.relu(x, fmt::format("features.{}", index++));
  }
  // torchvision's AdaptiveAvgPool2d((7, 7)) is the identity on the 7x7 maps of a 224x224 input, so
  // it is left out; dropout is omitted at inference.
  x = b.flatten(x, "flatten");
  x = b.relu(b.dense(x, "classifier.0", 4096), "classifier.1");
  x = b.relu(b.dense(x, "classifier.3", 4096), "classifier.4");
  return b.finish(b.dense(x, "classifier.6", kClasses, /*linear=*/true));
}

graph::Graph build_mlp(uint64_t seed, int64_t batch) {
  ModelBuilder b(seed);
  NodeId x = b.input({batch, 64});
  x = b.relu(b.dense(x, "fc1", 128), "relu");
  return b.finish(b.dense(x, "fc2", 10, /*linear=*/true));
}

graph::Graph build_tiny_cnn(uint64_t seed, int64_t batch) {
  ModelBuilder b(seed);
  NodeId x = b.input({batch, 3, 32, 32});
  x = b.conv2d(x, "conv1",
               {.out_channels = 16, .kernel = {3, 3}, .padding = {1, 1}, .bias = false});
  x = b.relu(b.batch_norm(x, "bn1"), "relu1");
  x = b.max_pool(x, "pool", 2, 2);
  x = b.relu(b.conv2d(x, "conv2", {.out_channels = 32, .kernel = {3, 3}, .padding = {1, 1}}),
             "relu2");
  x = b.flatten(b.global_avg_pool(x, "avgpool"), "flatten");
  return b.finish(b.dense(x, "fc", 10, /*linear=*/true));
}

}  // namespace tt::frontend
