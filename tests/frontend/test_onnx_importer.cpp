// The ONNX importer on the shared reference models (structure, types, weights) and on small bad
// models built in memory: each kind ends in a UserError that names the file and the problem.
// Operator conversions are tested in test_onnx_ops.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>

#include "ir/error.h"
#include "onnx_test_util.h"
#include "src/frontend/onnx_importer.h"

namespace tt {
namespace {

using frontend::import_onnx;
using graph::Graph;
using graph::NodeKind;
using test::OnnxModelBuilder;
using test::op_counts;
using test::temp_file;
using test::user_error_of;

const std::string kModels = std::string(TT_SHARED_DIR) + "/models/";

// ---- the shared reference models ----

struct SharedModel {
  std::string file;
  std::map<std::string, int> ops;  // op -> count, for the ops the model has
};

class SharedModels : public ::testing::TestWithParam<SharedModel> {};

TEST_P(SharedModels, ImportsWithStaticTypesAndExpectedOperators) {
  const SharedModel& m = GetParam();
  Graph g = import_onnx(kModels + m.file);
  ASSERT_EQ(g.inputs().size(), 1u);
  EXPECT_EQ(g.node(g.inputs()[0]).name, "input");
  EXPECT_EQ(g.node(g.inputs()[0]).type, (graph::TensorType{{1, 3, 224, 224}, DType::float32()}));
  ASSERT_EQ(g.outputs().size(), 1u);
  EXPECT_EQ(g.node(g.outputs()[0]).type, (graph::TensorType{{1, 1000}, DType::float32()}));
  EXPECT_EQ(op_counts(g), m.ops);
  for (const auto& n : g.nodes()) {
    EXPECT_FALSE(n.name.empty());
    EXPECT_EQ(n.name.find_first_of("/:"), std::string::npos) << n.name;
  }
}

INSTANTIATE_TEST_SUITE_P(Frontend, SharedModels,
                         ::testing::Values(SharedModel{"resnet18.onnx",
                                                       {{"conv2d", 20},
                                                        {"relu", 17},
                                                        {"add", 8},
                                                        {"max_pool2d", 1},
                                                        {"global_avg_pool2d", 1},
                                                        {"flatten", 1},
                                                        {"dense", 1}}},
                                           SharedModel{"mobilenet_v2.onnx",
                                                       {{"conv2d", 52},
                                                        {"clip", 35},
                                                        {"add", 10},
                                                        {"global_avg_pool2d", 1},
                                                        {"flatten", 1},
                                                        {"dense", 1}}},
                                           SharedModel{"squeezenet1_1.onnx",
                                                       {{"conv2d", 26},
                                                        {"relu", 26},
                                                        {"concatenate", 8},
                                                        {"max_pool2d", 3},
                                                        {"global_avg_pool2d", 1},
                                                        {"flatten", 1}}}),
                         [](const auto& info) {
                           return info.param.file.substr(0, info.param.file.find('.'));
                         });

TEST(OnnxImporter, KeepsWeightsAsConstantsNamedAfterInitializers) {
  Graph g = import_onnx(kModels + "resnet18.onnx");
  int constants = 0;
  int64_t parameters = 0;
  for (const auto& n : g.nodes()) {
    if (n.kind != NodeKind::Constant) continue;
    ++constants;
    parameters += n.value.num_elements();
    EXPECT_EQ(n.value.dtype(), DType::float32());
  }
  EXPECT_EQ(constants, 20 * 2 + 2);  // folded conv weights and biases, fc weight and bias
  // torchvision's 11,689,512 parameters, less the batch norms' 4,800 scales and 4,800 shifts, plus
  // the 4,800 conv biases that folding them created.
  EXPECT_EQ(parameters, 11689512 - 9600 + 4800);
}

// ---- errors on whole files ----

TEST(OnnxImporter, UnreadableFilesAreUserErrors) {
  EXPECT_NE(user_error_of([] {
              import_onnx("/nonexistent/model.onnx");
            }).find("/nonexistent/model.onnx: cannot open"),
            std::string::npos);
  std::mt19937 rng(7);
  std::string noise(4096, '\0');
  for (char& c : noise) c = char(rng());
  auto path = temp_file("noise.onnx", noise);
  EXPECT_EQ(user_error_of([&] { import_onnx(path.string()); }),
            path.string() + ": not a valid ONNX model (protobuf parse failed)");
  EXPECT_NE(user_error_of([&] {
              import_onnx(temp_file("empty.onnx", "").string());
            }).find("not a valid ONNX model"),
            std::string::npos);
}

TEST(OnnxImporter, TruncatedModelsAreUserErrors) {
  std::ifstream in(kModels + "resnet18.onnx", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GT(bytes.size(), 1000000u);
  for (size_t size : {size_t(1000), bytes.size() / 2, bytes.size() - 1}) {
    auto path = temp_file("truncated.onnx", bytes.substr(0, size));
    std::string message = user_error_of([&] { import_onnx(path.string()); });
    EXPECT_EQ(message.rfind(path.string() + ": ", 0), 0u) << message;
    EXPECT_NE(message.find("not a valid ONNX model"), std::string::npos) << size << ": " << message;
  }
}

TEST(OnnxImporter, OpsetOutsideSevenToSeventeenIsAUserError) {
  for (int64_t opset : {5, 6, 18}) {
    OnnxModelBuilder b(opset);
    b.input("x", {1, 4});
    b.node("Relu", {"x"}, {"y"});
    b.output("y");
    EXPECT_NE(user_error_of([&] { b.import(); })
                  .find(fmt::format(
                      "test.onnx: opset {} of the default ONNX domain is not supported", opset)),
              std::string::npos);
  }
  for (int64_t opset : {7, 9, 10, 11, 17}) {
    OnnxModelBuilder b(opset);
    b.input("x", {1, 4});
    b.node("Relu", {"x"}, {"y"});
    b.output("y");
    EXPECT_NO_THROW(b.import());
  }
}

TEST(OnnxImporter, UnsupportedOperatorNamesOpAndNode) {
  OnnxModelBuilder b;
  b.input("x", {1, 4});
  b.node("Relu", {"x"}, {"r"}, "relu0");
  b.node("NonMaxSuppression", {"r"}, {"y"}, "nms");
  b.output("y");
  EXPECT_EQ(user_error_of([&] { b.import(); }),
            "test.onnx: unsupported ONNX operator 'NonMaxSuppression' (node 'nms')");
  OnnxModelBuilder c;
  c.input("x", {1, 4});
  c.node("Foo", {"x"}, {"foo_out"});  // no node name: the output names it
  c.output("foo_out");
  EXPECT_EQ(user_error_of([&] { c.import(); }),
            "test.onnx: unsupported ONNX operator 'Foo' (node 'foo_out')");
  OnnxModelBuilder d;
  d.input("x", {1, 4});
  d.node("Relu", {"x"}, {"y"}).set_domain("com.microsoft");
  d.output("y");
  EXPECT_NE(user_error_of([&] { d.import(); }).find("domain 'com.microsoft'"), std::string::npos);
}

TEST(OnnxImporter, UndefinedInputsAndMissingInitializersAreUserErrors) {
  OnnxModelBuilder b;
  b.input("x", {1, 3, 8, 8});
  b.node("Conv", {"x", "conv.weight"}, {"y"}, "conv");
  b.output("y");
  EXPECT_EQ(user_error_of([&] { b.import(); }),
            "test.onnx: node 'conv' (Conv): input 'conv.weight' is not defined (no model input, "
            "initializer or "
            "earlier node produces it)");
  OnnxModelBuilder c;
  c.input("x", {1, 4});
  c.node("Relu", {"x"}, {"y"});
  c.output("z");
  EXPECT_NE(
      user_error_of([&] { c.import(); }).find("the model's outputs: input 'z' is not defined"),
      std::string::npos);
}

TEST(OnnxImporter, DynamicInputDimensionNeedsAShape) {
  OnnxModelBuilder b;
  b.input("x", {-1, 4});
  b.node("Relu", {"x"}, {"y"});
  b.output("y");
  EXPECT_EQ(user_error_of([&] { b.import(); }),
            "test.onnx: input 'x' has a dynamic dimension 'batch'; tensortune needs static shapes "
            "(give the input's "
            "shape)");
  Graph g = b.import({{"x", {3, 4}}});
  EXPECT_EQ(g.node(g.outputs()[0]).type.shape, (std::vector<int64_t>{3, 4}));
  EXPECT_NE(user_error_of([&] {
              b.import({{"x", {3, 4, 1}}});
            }).find("has rank 2"),
            std::string::npos);
  EXPECT_NE(user_error_of([&] {
              b.import({{"w", {3, 4}}});
            }).find("no input 'w'"),
            std::string::npos);
}

TEST(OnnxImporter, UnsupportedDtypesAndAttributesNameTheirSource) {
  OnnxModelBuilder b;
  b.input("x", {1, 4});
  auto& t = b.initializer("scale", {4}, {1, 2, 3, 4});
  t.set_data_type(onnx::TensorProto::DOUBLE);
  b.node("Mul", {"x", "scale"}, {"y"});
  b.output("y");
  EXPECT_NE(user_error_of([&] { b.import(); }).find("initializer 'scale' has element type DOUBLE"),
            std::string::npos);

  // Dims claiming more than the data holds: refused by the length, before any allocation.
  OnnxModelBuilder huge;
  huge.input("x", {1, 4});
  auto& big = huge.initializer("w", {4}, {1, 2, 3, 4});
  big.clear_dims();
  big.add_dims(int64_t(1) << 40);
  huge.node("Mul", {"x", "w"}, {"y"});
  huge.output("y");
  EXPECT_NE(user_error_of([&] { huge.import(); })
                .find("initializer 'w' of shape 1099511627776 holds 16 bytes of raw data, expected 4398046511104"),
            std::string::npos);

  OnnxModelBuilder c;
  c.input("x", {1, 1, 4, 4});
  auto& pool = c.node("MaxPool", {"x"}, {"y"}, "pool");
  OnnxModelBuilder::set_ints(pool, "kernel_shape", {2, 2});
  OnnxModelBuilder::set_int(pool, "storage_order", 1);
  c.output("y");
  EXPECT_NE(user_error_of([&] {
              c.import();
            }).find("node 'pool' (MaxPool): attribute 'storage_order' is 1"),
            std::string::npos);

  OnnxModelBuilder d;
  d.input("x", {1, 4});
  OnnxModelBuilder::set_int(d.node("Relu", {"x"}, {"y"}, "r"), "fancy", 1);
  d.output("y");
  EXPECT_NE(user_error_of([&] {
              d.import();
            }).find("node 'r' (Relu): attribute 'fancy' is not supported"),
            std::string::npos);

  OnnxModelBuilder e;
  e.input("x", {1, 1, 4, 4});
  e.int64_initializer("pads", {0, 0, 1, 1, 0, 0, 1, 1});
  OnnxModelBuilder::set_string(e.node("Pad", {"x", "pads"}, {"y"}, "pad"), "mode", "reflect");
  e.output("y");
  EXPECT_NE(
      user_error_of([&] { e.import(); }).find("node 'pad' (Pad): attribute 'mode' is 'reflect'"),
      std::string::npos);

  OnnxModelBuilder f;  // MaxPool's indices output is not computed
  f.input("x", {1, 1, 4, 4});
  OnnxModelBuilder::set_ints(f.node("MaxPool", {"x"}, {"y", "indices"}, "pool"), "kernel_shape",
                             {2, 2});
  f.node("Relu", {"indices"}, {"z"}, "r");
  f.output("z");
  EXPECT_NE(user_error_of([&] {
              f.import();
            }).find("cannot read 'indices': it is an extra output of node 'pool'"),
            std::string::npos);

  OnnxModelBuilder s;  // a raw_data size that disagrees with the shape
  s.input("x", {1, 4});
  s.initializer("w", {4}, {1, 2, 3});
  s.node("Add", {"x", "w"}, {"y"});
  s.output("y");
  EXPECT_NE(user_error_of([&] {
              s.import();
            }).find("initializer 'w' of shape 4 holds 12 bytes of raw data, expected 16"),
            std::string::npos);
}

TEST(OnnxImporter, BadShapesAreReportedAtTheNode) {
  OnnxModelBuilder b;
  b.input("x", {1, 4});
  b.input("z", {1, 5});
  b.node("Add", {"x", "z"}, {"y"}, "sum");
  b.output("y");
  std::string message = user_error_of([&] { b.import(); });
  EXPECT_NE(message.find("node 'sum'"), std::string::npos) << message;
}

}  // namespace
}  // namespace tt
