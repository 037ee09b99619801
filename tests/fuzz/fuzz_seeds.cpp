// Writes the seed corpora of the fuzz targets that need no tuner run: small ONNX models built with
// ONNX's own protobuf classes (the operators of the zoo's architectures in miniature: a residual
// block, a depthwise block, shape arithmetic, resampling, an opset-7 model), .npy files of every
// dtype and rank the reader takes (versions 1, 2 and 3), and target strings of the three CPUs we
// support. Given the JSON Lines export of real tuning logs (.ci/sanitize tunes a matmul with both
// strategies for them), it also writes each line as a seed of the log target and each record's
// steps as a seed of the steps target.
// Usage: fuzz_seeds OUT_DIR [EXPORTED.jsonl ...]
//        (writes OUT_DIR/onnx, OUT_DIR/npy, OUT_DIR/target, and OUT_DIR/log, OUT_DIR/steps)
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "codegen/target.h"
#include "src/runtime/npy.h"
#include "tests/frontend/onnx_test_util.h"

namespace {

using tt::test::OnnxModelBuilder;
namespace fs = std::filesystem;

std::vector<float> values(size_t n) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = float(int(i % 7) - 3) / 4.0f;
  return v;
}

void write(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

OnnxModelBuilder residual_block() {
  OnnxModelBuilder b(13);
  b.input("x", {1, 3, 8, 8});
  b.initializer("w1", {4, 3, 3, 3}, values(108));
  b.initializer("b1", {4}, values(4));
  auto& conv = b.node("Conv", {"x", "w1", "b1"}, {"c1"}, "conv1");
  OnnxModelBuilder::set_ints(conv, "pads", {1, 1, 1, 1});
  OnnxModelBuilder::set_ints(conv, "kernel_shape", {3, 3});
  for (const char* name : {"scale", "bias", "mean"}) b.initializer(name, {4}, values(4));
  b.initializer("var", {4}, {1.0f, 0.5f, 2.0f, 1.5f});
  OnnxModelBuilder::set_float(b.node("BatchNormalization", {"c1", "scale", "bias", "mean", "var"}, {"bn"}),
                              "epsilon", 1e-5f);
  b.node("Relu", {"bn"}, {"r1"});
  auto& pool = b.node("MaxPool", {"r1"}, {"p1"});
  OnnxModelBuilder::set_ints(pool, "kernel_shape", {2, 2});
  OnnxModelBuilder::set_ints(pool, "strides", {2, 2});
  b.initializer("w2", {4, 4, 1, 1}, values(16));
  b.node("Conv", {"p1", "w2"}, {"c2"});
  b.node("Add", {"c2", "p1"}, {"sum"});
  b.node("Relu", {"sum"}, {"r2"});
  b.node("GlobalAveragePool", {"r2"}, {"g"});
  b.node("Flatten", {"g"}, {"f"});
  b.initializer("wf", {2, 4}, values(8));
  b.initializer("bf", {2}, values(2));
  OnnxModelBuilder::set_int(b.node("Gemm", {"f", "wf", "bf"}, {"y"}), "transB", 1);
  b.output("y");
  return b;
}

OnnxModelBuilder depthwise_block() {
  OnnxModelBuilder b(13);
  b.input("x", {1, 4, 6, 6});
  b.initializer("dw", {4, 1, 3, 3}, values(36));
  auto& conv = b.node("Conv", {"x", "dw"}, {"d"});
  OnnxModelBuilder::set_int(conv, "group", 4);
  OnnxModelBuilder::set_ints(conv, "pads", {1, 1, 1, 1});
  b.initializer("lo", {}, {0.0f});
  b.initializer("hi", {}, {6.0f});
  b.node("Clip", {"d", "lo", "hi"}, {"c"});
  b.initializer("pw", {2, 4, 1, 1}, values(8));
  b.node("Conv", {"c", "pw"}, {"p"});
  OnnxModelBuilder::set_int(b.node("Concat", {"p", "x"}, {"cat"}), "axis", 1);
  OnnxModelBuilder::set_int(b.node("Softmax", {"cat"}, {"y"}), "axis", 1);
  b.output("y");
  return b;
}

OnnxModelBuilder shape_arithmetic() {
  OnnxModelBuilder b(13);
  b.input("x", {1, 2, 4, 4});
  b.node("Shape", {"x"}, {"s"});
  b.int64_initializer("zero", {0});
  b.node("Gather", {"s", "zero"}, {"n"});
  b.int64_initializer("minus_one", {-1});
  OnnxModelBuilder::set_int(b.node("Concat", {"n", "minus_one"}, {"shape"}), "axis", 0);
  b.node("Reshape", {"x", "shape"}, {"flat"});
  b.initializer("w", {32, 3}, values(96));
  b.node("MatMul", {"flat", "w"}, {"m"});
  b.node("Sigmoid", {"m"}, {"sg"});
  auto& t = b.node("Transpose", {"sg"}, {"t"});
  OnnxModelBuilder::set_ints(t, "perm", {1, 0});
  auto& mean = b.node("ReduceMean", {"t"}, {"y"});
  OnnxModelBuilder::set_ints(mean, "axes", {1});
  b.output("y");
  return b;
}

OnnxModelBuilder resampling() {
  OnnxModelBuilder b(13);
  b.input("x", {1, 4, 4, 4});
  b.initializer("scales", {4}, {1.0f, 1.0f, 2.0f, 2.0f});
  OnnxModelBuilder::set_string(b.node("Resize", {"x", "", "scales"}, {"up"}), "mode", "nearest");
  OnnxModelBuilder::set_int(b.node("SpaceToDepth", {"up"}, {"s2d"}), "blocksize", 2);
  OnnxModelBuilder::set_float(b.node("LeakyRelu", {"s2d"}, {"lr"}), "alpha", 0.1f);
  OnnxModelBuilder::set_int(b.node("DepthToSpace", {"lr"}, {"d2s"}), "blocksize", 2);
  auto& pool = b.node("AveragePool", {"d2s"}, {"y"});
  OnnxModelBuilder::set_ints(pool, "kernel_shape", {3, 3});
  OnnxModelBuilder::set_ints(pool, "pads", {1, 1, 1, 1});
  b.output("y");
  return b;
}

OnnxModelBuilder opset7() {
  OnnxModelBuilder b(7);
  b.input("x", {1, 2, 3, 3});
  OnnxModelBuilder::set_floats(b.node("Upsample", {"x"}, {"u"}), "scales", {1.0f, 1.0f, 2.0f, 2.0f});
  b.initializer("pads_value", {1}, {0.5f});
  b.node("Sum", {"u", "pads_value"}, {"s"});
  auto& pad = b.node("Pad", {"s"}, {"p"});
  OnnxModelBuilder::set_ints(pad, "pads", {0, 0, 1, 1, 0, 0, 1, 1});
  b.node("Relu", {"p"}, {"y"});
  b.output("y");
  return b;
}

std::string npy_version(const std::string& v1, int major) {
  // v1: magic (6), version (2), uint16 header length, header. v2 and v3 store a uint32 length.
  uint16_t length = 0;
  std::memcpy(&length, v1.data() + 8, 2);
  std::string out = v1.substr(0, 6);
  out += char(major);
  out += char(0);
  uint32_t wide = length;
  out.append(reinterpret_cast<const char*>(&wide), 4);
  return out + v1.substr(10);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: fuzz_seeds OUT_DIR [EXPORTED.jsonl ...]\n";
    return 2;
  }
  fs::path out = argv[1];
  for (const char* dir : {"onnx", "npy", "target", "log", "steps"}) fs::create_directories(out / dir);
  int records = 0;
  for (int a = 2; a < argc; ++a) {
    std::ifstream in(argv[a]);
    if (!in) {
      std::cerr << "fuzz_seeds: cannot read " << argv[a] << "\n";
      return 1;
    }
    for (std::string line; std::getline(in, line);) {
      nlohmann::json record = nlohmann::json::parse(line, nullptr, false);
      if (record.is_discarded() || !record.contains("steps")) continue;
      write(out / "log" / ("record_" + std::to_string(records) + ".jsonl"), line + "\n");
      write(out / "steps" / ("steps_" + std::to_string(records) + ".json"), record["steps"].dump());
      ++records;
    }
  }
  if (argc > 2 && records == 0) {
    std::cerr << "fuzz_seeds: the exported logs hold no record\n";
    return 1;
  }
  const std::pair<const char*, OnnxModelBuilder> models[] = {
      {"residual_block", residual_block()}, {"depthwise_block", depthwise_block()},
      {"shape_arithmetic", shape_arithmetic()}, {"resampling", resampling()}, {"opset7", opset7()}};
  for (const auto& [name, model] : models) {
    model.import();  // a seed the importer refuses would start the fuzzer off on the wrong foot
    write(out / "onnx" / (std::string(name) + ".onnx"), model.bytes());
  }
  int index = 0;
  for (const std::vector<int64_t>& shape : std::vector<std::vector<int64_t>>{{}, {3}, {2, 3}, {1, 2, 2, 2}}) {
    tt::NDArray array(shape, tt::DType::float32());
    for (int64_t i = 0; i < array.num_elements(); ++i) array.as<float>()[i] = float(i) - 1.5f;
    std::string v1 = tt::serialize_npy(array);
    write(out / "npy" / ("f32_" + std::to_string(index) + ".npy"), v1);
    write(out / "npy" / ("f32_" + std::to_string(index) + "_v2.npy"), npy_version(v1, 2));
    write(out / "npy" / ("f32_" + std::to_string(index) + "_v3.npy"), npy_version(v1, 3));
    ++index;
  }
  tt::NDArray ints({4}, tt::DType::int64());
  for (int64_t i = 0; i < 4; ++i) ints.as<int64_t>()[i] = i * 1000000007LL;
  write(out / "npy" / "i64.npy", tt::serialize_npy(ints));
  const std::string targets[] = {tt::Target::host().to_string(), "llvm", "llvm -mcpu=znver3 -mattr=+avx2,+fma",
                                 "llvm -mcpu=znver4 -mattr=+avx2,+fma,+avx512f,+avx512bw,+avx512vl,+avx512dq",
                                 "llvm -mcpu=sapphirerapids -mattr=+avx512f,+avx512bf16,+avx512fp16,+amx-tile"};
  index = 0;
  for (const std::string& t : targets) write(out / "target" / ("target_" + std::to_string(index++) + ".txt"), t);
  std::cout << "fuzz_seeds: wrote the onnx, npy and target corpora and " << records << " records under "
            << out.string() << "\n";
  return 0;
}
