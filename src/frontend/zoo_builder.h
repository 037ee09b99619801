// Building blocks the model zoo's families share: a ModelBuilder that adds torchvision-style layers
// (convolution, batch norm, pooling, dense) to a graph, names their weights after the torchvision
// state dict ("layer1.0.conv1.weight") and draws them from one seeded generator in build order.
#pragma once

#include <array>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "ir/graph/graph.h"

namespace tt::frontend {

using graph::NodeId;

struct ConvSpec {
  int64_t out_channels = 0;
  std::array<int64_t, 2> kernel = {1, 1};
  int64_t stride = 1;
  std::array<int64_t, 2> padding = {0, 0};  // [h, w], applied on both sides as torchvision does
  int64_t groups = 1;
  bool bias = true;
  // A layer whose output feeds a ReLU keeps the activations' second moment with He's bound
  // sqrt(6 / fan_in); a linear one (projection, classifier) with sqrt(3 / fan_in).
  bool linear = false;
};

class ModelBuilder {
 public:
  explicit ModelBuilder(uint64_t seed) : rng_(seed) {}

  graph::Graph& graph() { return graph_; }
  const std::vector<int64_t>& shape(NodeId x) const { return graph_.node(x).type.shape; }
  int64_t channels(NodeId x) const { return shape(x)[1]; }

  NodeId input(std::vector<int64_t> shape);
  // A convolution's constants, drawn once; several convolutions may share them (RetinaNet's heads
  // apply the same weights on every pyramid level).
  struct ConvWeights {
    NodeId weight = -1, bias = -1;  // bias -1: none
  };
  ConvWeights conv_weights(const std::string& name, int64_t in_channels, const ConvSpec& spec);
  NodeId conv2d(NodeId x, const std::string& name, const ConvSpec& spec);
  NodeId conv2d(NodeId x, const std::string& name, const ConvSpec& spec, const ConvWeights& weights);
  NodeId batch_norm(NodeId x, const std::string& name, double epsilon = 1e-5);
  NodeId dense(NodeId x, const std::string& name, int64_t out_features, bool linear = false);
  NodeId relu(NodeId x, const std::string& name);
  NodeId relu6(NodeId x, const std::string& name);
  NodeId leaky_relu(NodeId x, const std::string& name, double alpha);
  NodeId space_to_depth(NodeId x, const std::string& name, int64_t block);
  // Nearest-neighbour upsampling to `size` (H, W), as torch's F.interpolate(mode="nearest").
  NodeId upsample_nearest(NodeId x, const std::string& name, std::array<int64_t, 2> size);
  NodeId reshape(NodeId x, const std::string& name, std::vector<int64_t> shape);
  NodeId transpose(NodeId x, const std::string& name, std::vector<int64_t> perm);
  NodeId max_pool(NodeId x, const std::string& name, int64_t kernel, int64_t stride,
                  int64_t padding = 0, bool ceil_mode = false);
  // count_include_pad follows torchvision's AvgPool2d default (true).
  NodeId avg_pool(NodeId x, const std::string& name, int64_t kernel, int64_t stride,
                  int64_t padding = 0);
  NodeId global_avg_pool(NodeId x, const std::string& name);
  NodeId flatten(NodeId x, const std::string& name);
  NodeId add(NodeId a, NodeId b, const std::string& name);
  NodeId concat(const std::vector<NodeId>& xs, const std::string& name, int64_t axis = 1);

  // torchvision's BasicConv2d (Inception v3, GoogLeNet) and Conv2dNormActivation: a convolution
  // without bias, batch norm and an activation; the modules are named "<name>.conv", "<name>.bn"
  // for the former and "<name>.0", "<name>.1" for the latter.
  NodeId basic_conv(NodeId x, const std::string& name, ConvSpec spec, double epsilon = 1e-3);
  NodeId conv_norm_act(NodeId x, const std::string& name, ConvSpec spec, bool relu6);

  // Sets the graph's output and hands the graph over.
  graph::Graph finish(NodeId output);
  graph::Graph finish(std::vector<NodeId> outputs, std::vector<std::string> names);

 private:
  NodeId uniform_constant(const std::string& name, std::vector<int64_t> shape, float low,
                          float high);

  graph::Graph graph_;
  std::mt19937_64 rng_;
};

// ResNet-18 / -50's stem and four stages on `x` (names prefixed by `prefix`, e.g. "backbone.body."):
// the outputs of layer1 .. layer4 (C2 .. C5).
std::vector<NodeId> resnet_stages(ModelBuilder& b, NodeId x, int depth, const std::string& prefix = "");

// The families, one file each; `batch` is the input's leading dimension.
graph::Graph build_resnet(int depth, uint64_t seed, int64_t batch);
graph::Graph build_mobilenet_v2(uint64_t seed, int64_t batch);
graph::Graph build_squeezenet1_1(uint64_t seed, int64_t batch);
graph::Graph build_vgg16(uint64_t seed, int64_t batch);
graph::Graph build_inception_v3(uint64_t seed, int64_t batch);
graph::Graph build_googlenet(uint64_t seed, int64_t batch);
graph::Graph build_densenet121(uint64_t seed, int64_t batch);
graph::Graph build_mlp(uint64_t seed, int64_t batch);
graph::Graph build_tiny_cnn(uint64_t seed, int64_t batch);
// The detection models at their zoo sizes, or at a smaller square input (`size`: a multiple of 32
// for YOLOv2, of 128 for RetinaNet's P7) so tests can check them against a naive execution.
graph::Graph build_yolov2(uint64_t seed, int64_t batch, int64_t size = 416);
graph::Graph build_retinanet_resnet50_fpn(uint64_t seed, int64_t batch, int64_t size = 512);

}  // namespace tt::frontend
