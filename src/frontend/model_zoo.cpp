// The model zoo's catalogue: one table of names, descriptions, input shapes, parameter counts and
// builders, from which listing, building and the unknown-name error all follow.
#include "src/frontend/model_zoo.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <functional>
#include <set>

#include "ir/error.h"
#include "src/frontend/zoo_builder.h"

namespace tt::frontend {

namespace {

struct ZooEntry {
  ModelInfo info;
  std::function<graph::Graph(uint64_t seed, int64_t batch)> build;
};

// Parameter counts are torchvision's sum(p.numel() for p in model.parameters()) for the same
// architecture (Inception v3 and GoogLeNet without their auxiliary classifiers); the tests check
// that each built graph has exactly that many.
const std::vector<ZooEntry>& zoo() {
  static const std::vector<ZooEntry> entries = {
      {{"resnet18", "ResNet-18: basic residual blocks [2, 2, 2, 2]", {1, 3, 224, 224}, 11'689'512},
       [](uint64_t s, int64_t n) { return build_resnet(18, s, n); }},
      {{"resnet50",
        "ResNet-50 (v1.5): bottleneck blocks [3, 4, 6, 3], stride in the 3x3",
        {1, 3, 224, 224},
        25'557'032},
       [](uint64_t s, int64_t n) { return build_resnet(50, s, n); }},
      {{"mobilenet_v2",
        "MobileNetV2 (width 1.0): inverted residuals, depthwise 3x3, ReLU6",
        {1, 3, 224, 224},
        3'504'872},
       build_mobilenet_v2},
      {{"squeezenet1_1",
        "SqueezeNet 1.1: Fire modules, convolution classifier",
        {1, 3, 224, 224},
        1'235'496},
       build_squeezenet1_1},
      {{"vgg16",
        "VGG-16 (no batch norm): 13 3x3 convolutions, 3 dense layers",
        {1, 3, 224, 224},
        138'357'544},
       build_vgg16},
      {{"inception_v3",
        "Inception v3 without auxiliary logits: factorized 7x7 and 3x3 branches",
        {1, 3, 299, 299},
        23'834'568},
       build_inception_v3},
      {{"googlenet",
        "GoogLeNet (torchvision) without auxiliary classifiers: 9 Inception modules",
        {1, 3, 224, 224},
        6'624'904},
       build_googlenet},
      {{"densenet121",
        "DenseNet-121: growth 32, dense blocks [6, 12, 24, 16]",
        {1, 3, 224, 224},
        7'978'856},
       build_densenet121},
      {{"yolov2",
        "YOLOv2 (Darknet yolov2.cfg, COCO): Darknet-19, passthrough, 13x13x425 detection map",
        {1, 3, 416, 416},
        50'962'889},
       [](uint64_t s, int64_t n) { return build_yolov2(s, n); }},
      // torchvision counts 34'014'999: its FrozenBatchNorm2d keeps the backbone's 53'120 batch-norm
      // scales and shifts as buffers, which this count includes.
      {{"retinanet_resnet50_fpn",
        "RetinaNet (torchvision): ResNet-50 + FPN P3-P7, shared class and box heads, raw head outputs",
        {1, 3, 512, 512},
        34'068'119},
       [](uint64_t s, int64_t n) { return build_retinanet_resnet50_fpn(s, n); }},
      {{"mlp", "Tiny MLP for tests: 64 -> dense 128 + ReLU -> dense 10", {1, 64}, 9'610},
       build_mlp},
      {{"tiny_cnn",
        "Tiny CNN for tests: 2 convolutions, batch norm, pooling, dense 10 on 32x32",
        {1, 3, 32, 32},
        5'434},
       build_tiny_cnn},
  };
  return entries;
}

}  // namespace

std::vector<ModelInfo> list_models() {
  std::vector<ModelInfo> models;
  for (const ZooEntry& e : zoo()) models.push_back(e.info);
  return models;
}

graph::Graph build_model(const std::string& name, uint64_t seed, int64_t batch) {
  if (batch < 1) user_error("model '{}': batch size must be at least 1, got {}", name, batch);
  std::vector<std::string> known;
  for (const ZooEntry& e : zoo()) {
    if (e.info.name == name) return e.build(seed, batch);
    known.push_back(e.info.name);
  }
  user_error("unknown model '{}'; the zoo has: {}", name, fmt::join(known, ", "));
}

int64_t count_parameters(const graph::Graph& graph) {
  // Inputs 3 and 4 of batch_norm are its running mean and variance.
  std::set<graph::NodeId> buffers;
  for (const graph::Node& n : graph.nodes()) {
    if (n.kind == graph::NodeKind::Call && n.op == "batch_norm")
      buffers.insert({n.inputs[3], n.inputs[4]});
  }
  int64_t total = 0;
  for (const graph::Node& n : graph.nodes()) {
    if (n.kind == graph::NodeKind::Constant && !buffers.count(n.id))
      total += n.value.num_elements();
  }
  return total;
}

}  // namespace tt::frontend
