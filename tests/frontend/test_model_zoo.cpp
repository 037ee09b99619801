// Model zoo tests: every model builds with torchvision's output shape, parameter count and number
// of convolutions; weights are a function of the seed alone; names follow torchvision's modules; an
// unknown name is a user error that lists the zoo.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <map>
#include <random>

#include "ir/error.h"
#include "ir/graph/evaluate.h"
#include "src/frontend/model_zoo.h"

namespace tt::frontend {
namespace {

using graph::Graph;
using graph::NodeKind;

struct Expected {
  std::vector<std::vector<int64_t>> outputs;  // shapes; a classifier's is {1, classes}
  int64_t conv2d_nodes;
  int64_t batch_norm_nodes;
};

using Shapes = std::vector<std::vector<int64_t>>;

// Convolution and batch-norm counts from torchvision's module definitions (YOLOv2: Darknet's
// yolov2.cfg, 23 convolutions, all but the last with batch norm; RetinaNet: ResNet-50's 53, the
// FPN's 8 and 5 per head on each of 5 levels, its heads' weights shared across the levels).
const std::map<std::string, Expected> kExpected = {
    {"resnet18", {Shapes{{1, 1000}}, 20, 20}},
    {"resnet50", {Shapes{{1, 1000}}, 53, 53}},
    {"mobilenet_v2", {Shapes{{1, 1000}}, 52, 52}},
    {"squeezenet1_1", {Shapes{{1, 1000}}, 26, 0}},
    {"vgg16", {Shapes{{1, 1000}}, 13, 0}},
    {"inception_v3", {Shapes{{1, 1000}}, 94, 94}},
    {"googlenet", {Shapes{{1, 1000}}, 57, 57}},
    {"densenet121", {Shapes{{1, 1000}}, 120, 121}},
    {"yolov2", {Shapes{{1, 425, 13, 13}}, 23, 22}},
    // 9 anchors on 64² + 32² + 16² + 8² + 4² positions of a 512x512 input.
    {"retinanet_resnet50_fpn", {Shapes{{1, 49104, 91}, {1, 49104, 4}}, 53 + 8 + 50, 53}},
    {"mlp", {Shapes{{1, 10}}, 0, 0}},
    {"tiny_cnn", {Shapes{{1, 10}}, 2, 1}},
};

// torchvision's sum(p.numel() for p in model.parameters()), written out independently of the zoo's
// own table.
const std::map<std::string, int64_t> kTorchvisionParameters = {
    {"resnet18", 11'689'512},     {"resnet50", 25'557'032},   {"mobilenet_v2", 3'504'872},
    {"squeezenet1_1", 1'235'496}, {"vgg16", 138'357'544},     {"inception_v3", 23'834'568},
    {"googlenet", 6'624'904},     {"densenet121", 7'978'856},
    // torchvision's 34'014'999 plus the 53'120 scales and shifts of the backbone's batch norms, which
    // its FrozenBatchNorm2d keeps as buffers.
    {"retinanet_resnet50_fpn", 34'014'999 + 53'120},
};

int64_t count_op(const Graph& g, const std::string& op) {
  int64_t n = 0;
  for (const auto& node : g.nodes()) n += node.kind == NodeKind::Call && node.op == op;
  return n;
}

const graph::Node* find_node(const Graph& g, const std::string& name) {
  for (const auto& node : g.nodes())
    if (node.name == name) return &node;
  return nullptr;
}

TEST(ModelZoo, ListsEveryModelOnce) {
  auto models = list_models();
  ASSERT_EQ(models.size(), kExpected.size());
  for (const auto& m : models) {
    EXPECT_TRUE(kExpected.count(m.name)) << m.name;
    EXPECT_FALSE(m.description.empty()) << m.name;
    EXPECT_GT(m.num_parameters, 0) << m.name;
    if (kTorchvisionParameters.count(m.name)) {
      EXPECT_EQ(m.num_parameters, kTorchvisionParameters.at(m.name)) << m.name;
    }
  }
}

class EveryModel : public ::testing::TestWithParam<ModelInfo> {};

TEST_P(EveryModel, MatchesTorchvision) {
  const ModelInfo& info = GetParam();
  auto start = std::chrono::steady_clock::now();
  Graph g = build_model(info.name, 0);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%-14s built in %.2f s: %zu nodes, %lld parameters\n", info.name.c_str(), seconds,
              g.nodes().size(), (long long)count_parameters(g));

  const Expected& want = kExpected.at(info.name);
  ASSERT_EQ(g.inputs().size(), 1u);
  EXPECT_EQ(g.node(g.inputs()[0]).type.shape, info.input_shape);
  ASSERT_EQ(g.outputs().size(), want.outputs.size());
  for (size_t i = 0; i < want.outputs.size(); ++i)
    EXPECT_EQ(g.node(g.outputs()[i]).type, (graph::TensorType{want.outputs[i], DType::float32()}));
  EXPECT_EQ(count_parameters(g), info.num_parameters);
  EXPECT_EQ(count_op(g, "conv2d"), want.conv2d_nodes);
  EXPECT_EQ(count_op(g, "batch_norm"), want.batch_norm_nodes);

  // Batch norm is left for the folding pass: a convolution feeding one has no bias of its own.
  for (const auto& node : g.nodes()) {
    if (node.kind != NodeKind::Call || node.op != "batch_norm") continue;
    const auto& producer = g.node(node.inputs[0]);
    if (producer.op == "conv2d") {
      EXPECT_EQ(producer.inputs.size(), 2u) << producer.name;
    }
  }
  // Every weight is finite and not all zero.
  for (const auto& node : g.nodes()) {
    if (node.kind != NodeKind::Constant) continue;
    const float* p = node.value.as<float>();
    bool nonzero = false;
    for (int64_t i = 0; i < node.value.num_elements(); ++i) {
      ASSERT_TRUE(std::isfinite(p[i])) << node.name;
      nonzero |= p[i] != 0.0f;
    }
    EXPECT_TRUE(nonzero) << node.name;
  }
}

INSTANTIATE_TEST_SUITE_P(Zoo, EveryModel, ::testing::ValuesIn(list_models()),
                         [](const auto& info) { return info.param.name; });

TEST(ModelZoo, BatchIsTheLeadingDimension) {
  for (const char* name : {"resnet18", "inception_v3", "densenet121", "mlp", "yolov2"}) {
    Graph g = build_model(name, 0, 3);
    EXPECT_EQ(g.node(g.inputs()[0]).type.shape[0], 3) << name;
    std::vector<int64_t> batched = kExpected.at(name).outputs[0];
    batched[0] = 3;
    EXPECT_EQ(g.node(g.outputs()[0]).type.shape, batched) << name;
  }
  EXPECT_THROW(build_model("mlp", 0, 0), UserError);
}

bool same_weights(const Graph& a, const Graph& b) {
  EXPECT_EQ(a.nodes().size(), b.nodes().size());
  for (size_t i = 0; i < a.nodes().size(); ++i) {
    const auto &x = a.nodes()[i], &y = b.nodes()[i];
    if (x.kind != NodeKind::Constant) continue;
    EXPECT_EQ(x.name, y.name);
    if (x.value.bytes() != y.value.bytes() ||
        std::memcmp(x.value.data(), y.value.data(), x.value.bytes()) != 0)
      return false;
  }
  return true;
}

TEST(ModelZoo, SeedDeterminesWeights) {
  for (const char* name : {"tiny_cnn", "mlp", "mobilenet_v2"}) {
    EXPECT_TRUE(same_weights(build_model(name, 7), build_model(name, 7))) << name;
    EXPECT_FALSE(same_weights(build_model(name, 7), build_model(name, 8))) << name;
  }
}

TEST(ModelZoo, NodesCarryTorchvisionNames) {
  Graph resnet = build_model("resnet18");
  for (const char* name :
       {"conv1", "bn1", "layer1.0.conv1", "layer1.0.conv1.weight", "layer2.0.downsample.0",
        "layer2.0.downsample.1.running_var", "layer4.1.bn2", "fc", "fc.bias"})
    EXPECT_NE(find_node(resnet, name), nullptr) << name;
  EXPECT_EQ(find_node(resnet, "layer1.0.downsample.0"), nullptr);

  Graph mobilenet = build_model("mobilenet_v2");
  // Block 1 has no expansion, so its depthwise convolution is conv.0; later blocks shift by one.
  const auto* depthwise = find_node(mobilenet, "features.1.conv.0.0");
  ASSERT_NE(depthwise, nullptr);
  EXPECT_EQ(depthwise->attr_int("groups"), 32);
  const auto* expand = find_node(mobilenet, "features.3.conv.0.0");
  ASSERT_NE(expand, nullptr);
  EXPECT_EQ(expand->attr_int("groups"), 1);
  EXPECT_EQ(find_node(mobilenet, "features.3.conv.1.0")->attr_int("groups"), 144);
  EXPECT_NE(find_node(mobilenet, "classifier.1.weight"), nullptr);

  Graph inception = build_model("inception_v3");
  const auto* asym = find_node(inception, "Mixed_6b.branch7x7_2.conv");
  ASSERT_NE(asym, nullptr);
  EXPECT_EQ(inception.node(asym->inputs[1]).type.shape, (std::vector<int64_t>{128, 128, 1, 7}));
  EXPECT_NE(find_node(inception, "Mixed_7c.branch3x3dbl_3b.bn"), nullptr);

  Graph densenet = build_model("densenet121");
  EXPECT_NE(find_node(densenet, "features.denseblock3.denselayer24.conv2"), nullptr);
  EXPECT_NE(find_node(densenet, "features.transition3.pool"), nullptr);
}

TEST(ModelZoo, IntermediateShapesMatchTorchvision) {
  // Spot checks of the feature-map sizes where ceil-mode pooling and unpadded convolutions decide
  // them.
  auto shape_of = [](const Graph& g, const std::string& name) {
    return find_node(g, name)->type.shape;
  };
  Graph squeezenet = build_model("squeezenet1_1");
  EXPECT_EQ(shape_of(squeezenet, "features.2"), (std::vector<int64_t>{1, 64, 55, 55}));
  EXPECT_EQ(shape_of(squeezenet, "features.12.cat"), (std::vector<int64_t>{1, 512, 13, 13}));
  Graph googlenet = build_model("googlenet");
  EXPECT_EQ(shape_of(googlenet, "maxpool1"), (std::vector<int64_t>{1, 64, 56, 56}));
  EXPECT_EQ(shape_of(googlenet, "maxpool4"), (std::vector<int64_t>{1, 832, 7, 7}));
  Graph inception = build_model("inception_v3");
  EXPECT_EQ(shape_of(inception, "Mixed_5b.cat"), (std::vector<int64_t>{1, 256, 35, 35}));
  EXPECT_EQ(shape_of(inception, "Mixed_6e.cat"), (std::vector<int64_t>{1, 768, 17, 17}));
  EXPECT_EQ(shape_of(inception, "Mixed_7c.cat"), (std::vector<int64_t>{1, 2048, 8, 8}));
  Graph vgg = build_model("vgg16");
  EXPECT_EQ(shape_of(vgg, "features.30"), (std::vector<int64_t>{1, 512, 7, 7}));
}

// The small models run through the naive graph evaluator: random weights must give finite logits of
// a usable magnitude (not saturated, not collapsed to zero), and batching must not mix samples.
TEST(ModelZoo, SmallModelsGiveSaneLogits) {
  for (const char* name : {"mlp", "tiny_cnn"}) {
    Graph single = build_model(name, 3);
    std::vector<int64_t> shape = single.node(single.inputs()[0]).type.shape;
    NDArray image(shape, DType::float32());
    std::mt19937_64 rng(11);
    image.fill_uniform(rng, -1.0f, 1.0f);
    NDArray logits = graph::evaluate_graph(single, {image})[0];
    double largest = 0;
    for (int64_t i = 0; i < logits.num_elements(); ++i) {
      ASSERT_TRUE(std::isfinite(logits.as<float>()[i])) << name;
      largest = std::max(largest, double(std::fabs(logits.as<float>()[i])));
    }
    EXPECT_GT(largest, 1e-2) << name;
    EXPECT_LT(largest, 1e2) << name;

    // Two copies of the image in one batch give the single-image logits twice.
    Graph batched = build_model(name, 3, 2);
    shape[0] = 2;
    NDArray pair(shape, DType::float32());
    for (int copy = 0; copy < 2; ++copy) {
      std::memcpy(pair.as<float>() + copy * image.num_elements(), image.data(), image.bytes());
    }
    NDArray pair_logits = graph::evaluate_graph(batched, {pair})[0];
    for (int64_t copy = 0; copy < 2; ++copy) {
      for (int64_t i = 0; i < logits.num_elements(); ++i) {
        EXPECT_FLOAT_EQ(pair_logits.as<float>()[copy * logits.num_elements() + i],
                        logits.as<float>()[i])
            << name;
      }
    }
  }
}

TEST(ModelZoo, UnknownNameListsTheZoo) {
  try {
    build_model("resnet1000");
    FAIL() << "expected a UserError";
  } catch (const UserError& e) {
    std::string message = e.what();
    EXPECT_NE(message.find("resnet1000"), std::string::npos) << message;
    EXPECT_NE(message.find("mobilenet_v2"), std::string::npos) << message;
    EXPECT_NE(message.find("tiny_cnn"), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace tt::frontend
