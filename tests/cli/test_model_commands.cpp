// `tensortune models`, `inspect` and `run` as a user runs them: every zoo model and every shared
// ONNX model runs; the ONNX models match PyTorch's outputs with the same top-1 class; inspect pins
// ResNet-18's fusion and tasks; bad inputs end in exit 2 with a message naming the problem.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "cli_test_util.h"

namespace {

using tt::test::describe;
using tt::test::Result;
using tt::test::run;

const std::string kModels = std::string(TT_SHARED_DIR) + "/models/";

nlohmann::json run_json(const std::string& args) {
  Result r = run(args + " --json");
  EXPECT_EQ(r.exit_code, 0) << describe(args, r);
  return nlohmann::json::parse(r.out);
}

TEST(ModelCommands, ModelsListsTheZoo) {
  nlohmann::json models = run_json("models");
  std::vector<std::string> names;
  for (const auto& m : models) names.push_back(m["name"]);
  for (const char* expected : {"resnet18", "resnet50", "mobilenet_v2", "squeezenet1_1", "vgg16", "inception_v3",
                               "googlenet", "densenet121", "yolov2", "retinanet_resnet50_fpn", "mlp", "tiny_cnn"})
    EXPECT_NE(std::find(names.begin(), names.end(), expected), names.end()) << expected;
}

// ResNet-18: conv+bias+relu fused, the residual add fused into the second conv of each block,
// and identical groups sharing a task.
TEST(ModelCommands, InspectResnet18PinsGroupsAndTasks) {
  nlohmann::json out = run_json("inspect resnet18");
  ASSERT_EQ(out["groups"].size(), 24u);
  ASSERT_EQ(out["tasks"].size(), 19u);
  std::map<std::string, int> ops;
  for (const auto& g : out["groups"]) ops[g["ops"]]++;
  EXPECT_EQ(ops["conv2d+relu"], 9);  // stem + first conv of each of the 8 blocks
  EXPECT_EQ(ops["conv2d+add+relu"], 8);
  EXPECT_EQ(ops["conv2d"], 3);  // the downsample shortcuts
  int weight_two = 0, total_weight = 0;
  for (const auto& t : out["tasks"]) {
    total_weight += t["weight"].get<int>();
    weight_two += t["weight"].get<int>() == 2;
  }
  EXPECT_EQ(total_weight, 24);
  EXPECT_EQ(weight_two, 5);  // 64-channel conv+relu and conv+add+relu, and the second block of layers 2-4
  EXPECT_LT(out["nodes_after"].get<int>(), out["nodes_before"].get<int>());  // batch norms folded
}

class OnnxModel : public ::testing::TestWithParam<std::string> {};

// The acceptance check of the importer and executor: PyTorch's own output for the same input.
TEST_P(OnnxModel, MatchesPyTorchOutput) {
  std::string m = kModels + GetParam();
  nlohmann::json out = run_json("run " + m + ".onnx --input " + m + ".input.npy --reference " + m +
                                ".output.npy --rtol 1e-3 --atol 1e-4 --repeat 1 --warmup 0");
  EXPECT_TRUE(out["check"]["correct"].get<bool>()) << out.dump(2);
  EXPECT_TRUE(out["check"]["top1_match"].get<bool>()) << out.dump(2);
  EXPECT_LT(out["peak_memory_bytes"].get<int64_t>(), out["no_reuse_memory_bytes"].get<int64_t>());
}

INSTANTIATE_TEST_SUITE_P(SharedModels, OnnxModel, ::testing::Values("resnet18", "mobilenet_v2", "squeezenet1_1"));

class ZooModel : public ::testing::TestWithParam<std::string> {};

// Every zoo model compiles and runs; the small ones are also checked against the unfused naive
// execution (the large ones would take minutes in naive loops).
TEST_P(ZooModel, Runs) {
  const std::string& name = GetParam();
  bool small = name == "mlp" || name == "tiny_cnn" || name == "squeezenet1_1" || name == "mobilenet_v2";
  nlohmann::json out = run_json("run " + name + " --repeat 1 --warmup 0" + (small ? " --check" : ""));
  EXPECT_GT(out["latency_ms"]["median"].get<double>(), 0);
  EXPECT_GT(out["throughput"].get<double>(), 0);
  if (small) EXPECT_TRUE(out["check"]["correct"].get<bool>()) << out.dump(2);
}

INSTANTIATE_TEST_SUITE_P(Zoo, ZooModel,
                         ::testing::Values("mlp", "tiny_cnn", "squeezenet1_1", "mobilenet_v2", "resnet18", "resnet50",
                                           "googlenet", "inception_v3", "densenet121", "vgg16", "yolov2"));

// RetinaNet runs and --postprocess turns its raw outputs into at most 300 detections inside the
// 512x512 image, best first (its classification outputs are seeded noise, so many boxes pass the
// score threshold).
TEST(ModelCommands, RetinanetPostprocessPrintsDetections) {
  nlohmann::json out = run_json("run retinanet_resnet50_fpn --repeat 1 --warmup 0 --postprocess");
  ASSERT_EQ(out["outputs"].size(), 2u) << out.dump(2);
  EXPECT_EQ(out["outputs"][0]["name"], "cls_logits");
  EXPECT_EQ(out["outputs"][1]["shape"], (std::vector<int64_t>{1, 49104, 4}));
  ASSERT_EQ(out["detections"].size(), 1u);
  const nlohmann::json& d = out["detections"][0];
  ASSERT_GT(d.size(), 0u);
  EXPECT_LE(d.size(), 300u);
  float previous = 2;
  for (const auto& det : d) {
    float score = det["score"].get<float>();
    EXPECT_LE(score, previous);
    EXPECT_GT(score, 0.05f);
    previous = score;
    int64_t label = det["label"].get<int64_t>();
    EXPECT_TRUE(label >= 0 && label < 91) << label;
    const auto& box = det["box"];
    EXPECT_TRUE(box[0].get<float>() >= 0 && box[0].get<float>() <= box[2].get<float>() && box[2].get<float>() <= 512)
        << box.dump();
    EXPECT_TRUE(box[1].get<float>() >= 0 && box[1].get<float>() <= box[3].get<float>() && box[3].get<float>() <= 512)
        << box.dump();
  }
}

TEST(ModelCommands, RunWritesTheOutputAndReadsItBack) {
  std::filesystem::path out = std::filesystem::path(::testing::TempDir()) / "tt_tiny_out.npy";
  Result first = run("run tiny_cnn --repeat 1 --output " + out.string());
  ASSERT_EQ(first.exit_code, 0) << describe("run tiny_cnn", first);
  // The same seed gives the same input, so the saved output is its own reference.
  Result second = run("run tiny_cnn --repeat 1 --reference " + out.string() + " --rtol 0 --atol 0");
  EXPECT_EQ(second.exit_code, 0) << describe("run tiny_cnn --reference", second);
  std::filesystem::remove(out);
}

void expect_usage_error(const std::string& args, const std::string& message_part) {
  Result r = run(args);
  EXPECT_EQ(r.exit_code, 2) << describe(args, r);
  EXPECT_NE(r.err.find("error:"), std::string::npos) << describe(args, r);
  EXPECT_NE(r.err.find(message_part), std::string::npos) << "expected '" << message_part << "'\n" << describe(args, r);
  EXPECT_EQ(r.err.find("internal error"), std::string::npos) << describe(args, r);
}

TEST(ModelCommands, BadInputsExitTwoWithAClearMessage) {
  std::filesystem::path dir = ::testing::TempDir();
  std::filesystem::path random_file = dir / "tt_random_bytes.onnx";
  {
    std::ofstream f(random_file, std::ios::binary);
    std::mt19937 rng(7);
    for (int i = 0; i < 4096; ++i) f.put(char(rng()));
  }
  expect_usage_error("run " + random_file.string() + " --repeat 1", random_file.string());
  std::filesystem::path truncated = dir / "tt_truncated.onnx";
  {
    std::ifstream in(kModels + "resnet18.onnx", std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::ofstream(truncated, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  }
  expect_usage_error("inspect " + truncated.string(), truncated.string());
  expect_usage_error("run no_such_model", "unknown model 'no_such_model'");
  expect_usage_error("run " + (dir / "missing.onnx").string(), "missing.onnx");
  // An input of the wrong shape: a 1x1000 output where a 1x3x224x224 image belongs.
  expect_usage_error("run resnet18 --input " + kModels + "resnet18.output.npy", "does not match");
  expect_usage_error("run resnet18 --input " + random_file.string(), random_file.string());
  expect_usage_error("run tiny_cnn --repeat 0", "--repeat");
  expect_usage_error("run tiny_cnn --schedule fast", "--schedule");
  expect_usage_error("inspect", "model");
  expect_usage_error("run tiny_cnn --postprocess", "--postprocess decodes RetinaNet's outputs");
  std::filesystem::remove(random_file);
  std::filesystem::remove(truncated);
}

}  // namespace
