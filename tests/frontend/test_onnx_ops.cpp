// The ONNX operator conversions on small models built in memory: the graph operators and explicit
// attributes each ONNX convention becomes, checked by evaluating the imported graph where values
// tell more than attributes (Gemm's transposes and scales, MatMul's broadcasting, Softmax before
// 13).
#include <gtest/gtest.h>

#include <algorithm>

#include "ir/error.h"
#include "ir/graph/evaluate.h"
#include "onnx_test_util.h"
#include "src/frontend/onnx_importer.h"

namespace tt {
namespace {

using graph::Graph;
using graph::NodeKind;
using test::array_of;
using test::expect_values;
using test::OnnxModelBuilder;
using test::op_counts;
using test::user_error_of;

const graph::Node& only_call(const Graph& g, const std::string& op) {
  const graph::Node* found = nullptr;
  for (const auto& n : g.nodes()) {
    if (n.kind == NodeKind::Call && n.op == op) {
      EXPECT_EQ(found, nullptr) << "more than one " << op;
      found = &n;
    }
  }
  if (!found) throw std::runtime_error("no " + op + " node");
  return *found;
}

std::vector<float> iota(size_t n, float start = 0.0f, float step = 1.0f) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = start + step * float(i);
  return v;
}

TEST(OnnxOps, ConvSamePaddingBecomesExplicit) {
  for (std::string mode : {"SAME_UPPER", "SAME_LOWER"}) {
    OnnxModelBuilder b;
    b.input("x", {1, 2, 5, 5});
    b.initializer("w", {4, 2, 2, 2}, iota(32));
    b.initializer("bias", {4}, {1, 2, 3, 4});
    auto& conv = b.node("Conv", {"x", "w", "bias"}, {"y"}, "/layer1/conv/Conv");
    OnnxModelBuilder::set_string(conv, "auto_pad", mode);
    OnnxModelBuilder::set_ints(conv, "strides", {2, 2});
    OnnxModelBuilder::set_ints(conv, "kernel_shape", {2, 2});
    b.output("y");
    Graph g = b.import();
    const auto& n = only_call(g, "conv2d");
    EXPECT_EQ(n.name, "layer1_conv_Conv");
    EXPECT_EQ(n.inputs.size(), 3u);
    // ceil(5 / 2) = 3 outputs need one row and column of padding: at the end for UPPER.
    std::vector<int64_t> expected = {0, 0, 1, 1};
    if (mode == "SAME_LOWER") expected = {1, 1, 0, 0};
    EXPECT_EQ(n.attr_ints("padding"), expected);
    EXPECT_EQ(n.type.shape, (std::vector<int64_t>{1, 4, 3, 3}));
  }
}

TEST(OnnxOps, ConvExplicitPadsGroupsAndDilations) {
  OnnxModelBuilder b;
  b.input("x", {1, 4, 9, 9});
  b.initializer("w", {4, 1, 3, 3}, iota(36));
  auto& conv = b.node("Conv", {"x", "w"}, {"y"});
  OnnxModelBuilder::set_ints(conv, "pads", {1, 2, 3, 4});
  OnnxModelBuilder::set_ints(conv, "dilations", {2, 1});
  OnnxModelBuilder::set_int(conv, "group", 4);
  b.output("y");
  Graph g = b.import();
  const auto& n = only_call(g, "conv2d");
  EXPECT_EQ(n.attr_ints("padding"), (std::vector<int64_t>{1, 2, 3, 4}));
  EXPECT_EQ(n.attr_ints("dilation"), (std::vector<int64_t>{2, 1}));
  EXPECT_EQ(n.attr_int("groups"), 4);
  EXPECT_EQ(n.type.shape, (std::vector<int64_t>{1, 4, 9, 13}));  // (9+4-5)+1, (9+6-3)+1
}

TEST(OnnxOps, GemmVariantsComputeAlphaABPlusBetaC) {
  // A [2,3] (or its transpose), B [3,4] (or [4,3] with transB), C [4].
  std::vector<float> a = {1, 2, 3, 4, 5, 6}, bt = iota(12, -3.0f, 0.5f), c = {1, -1, 2, -2};
  auto reference = [&](float alpha, float beta) {
    std::vector<float> y(8);
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 4; ++j) {
        float sum = 0;
        for (int k = 0; k < 3; ++k) sum += a[i * 3 + k] * bt[j * 3 + k];
        y[i * 4 + j] = alpha * sum + beta * c[j];
      }
    return y;
  };
  std::vector<float> b_plain(12);  // [3,4] = bt transposed
  for (int k = 0; k < 3; ++k)
    for (int j = 0; j < 4; ++j) b_plain[k * 4 + j] = bt[j * 3 + k];
  std::vector<float> a_transposed = {1, 4, 2, 5, 3, 6};
  struct Case {
    bool trans_a, trans_b;
    float alpha, beta;
    const char* gemm_op;
  };
  for (Case k : {Case{false, true, 1, 1, "dense"}, Case{false, false, 1, 1, "dense"},
                 Case{true, true, 2, 0.5f, "dense"}, Case{false, false, 1, 2, "dense"}}) {
    OnnxModelBuilder b;
    b.input("a", k.trans_a ? std::vector<int64_t>{3, 2} : std::vector<int64_t>{2, 3});
    if (k.trans_b)
      b.initializer("b", {4, 3}, bt);
    else
      b.initializer("b", {3, 4}, b_plain);
    b.initializer("c", {4}, c);
    auto& gemm = b.node("Gemm", {"a", "b", "c"}, {"y"}, "fc");
    OnnxModelBuilder::set_int(gemm, "transA", k.trans_a);
    OnnxModelBuilder::set_int(gemm, "transB", k.trans_b);
    OnnxModelBuilder::set_float(gemm, "alpha", k.alpha);
    OnnxModelBuilder::set_float(gemm, "beta", k.beta);
    b.output("y");
    Graph g = b.import();
    EXPECT_EQ(op_counts(g)[k.gemm_op], 1);
    auto out = graph::evaluate_graph(
        g, {array_of(k.trans_a ? std::vector<int64_t>{3, 2} : std::vector<int64_t>{2, 3},
                     k.trans_a ? a_transposed : a)});
    expect_values(out[0], {2, 4}, reference(k.alpha, k.beta));
  }
}

TEST(OnnxOps, GemmWithComputedBUsesMatmul) {
  OnnxModelBuilder b;
  b.input("a", {2, 3});
  b.input("b", {3, 4});
  b.node("Gemm", {"a", "b"}, {"y"});
  b.output("y");
  Graph g = b.import();
  EXPECT_EQ(op_counts(g), (std::map<std::string, int>{{"matmul", 1}}));
}

TEST(OnnxOps, MatMulFollowsNumpyRules) {
  struct Case {
    std::vector<int64_t> a, b, out;
    std::string op;
  };
  for (const Case& k : {Case{{2, 3, 4}, {4, 5}, {2, 3, 5}, "matmul"},
                        Case{{2, 3, 4}, {2, 4, 5}, {2, 3, 5}, "batch_matmul"},
                        Case{{3, 4}, {2, 4, 5}, {2, 3, 5}, "batch_matmul"},
                        Case{{4}, {4, 5}, {5}, "matmul"}, Case{{3, 4}, {4}, {3}, "matmul"},
                        Case{{1, 2, 3, 4}, {2, 4, 5}, {1, 2, 3, 5}, "batch_matmul"}}) {
    OnnxModelBuilder b;
    b.input("a", k.a);
    b.input("b", k.b);
    b.node("MatMul", {"a", "b"}, {"y"}, "mm");
    b.output("y");
    Graph g = b.import();
    EXPECT_EQ(g.node(g.outputs()[0]).type.shape, k.out);
    EXPECT_EQ(op_counts(g)[k.op], 1);
  }
  {  // [2,1] against [2] broadcasts to [2,2]: each side repeats, which batch_matmul cannot express
    OnnxModelBuilder b;
    b.input("a", {2, 1, 3, 4});
    b.input("b", {2, 4, 5});
    b.node("MatMul", {"a", "b"}, {"y"}, "mm");
    b.output("y");
    EXPECT_NE(user_error_of([&] {
                b.import();
              }).find("node 'mm' (MatMul): batch dimensions 2x1x3x4 and 2x4x5 broadcast partially"),
              std::string::npos);
  }
  // Values of the stacked case: batch i of a [2,3,4] times one [4,5].
  OnnxModelBuilder b;
  b.input("a", {2, 3, 4});
  b.initializer("w", {4, 5}, iota(20, -1.0f, 0.25f));
  b.node("MatMul", {"a", "w"}, {"y"});
  b.output("y");
  auto out = graph::evaluate_graph(b.import(), {array_of({2, 3, 4}, iota(24))});
  std::vector<float> expected(30);
  for (int r = 0; r < 6; ++r)
    for (int j = 0; j < 5; ++j)
      for (int k = 0; k < 4; ++k)
        expected[r * 5 + j] += float(r * 4 + k) * (-1.0f + 0.25f * float(k * 5 + j));
  expect_values(out[0], {2, 3, 5}, expected);
}

TEST(OnnxOps, ReshapeSqueezeUnsqueezeFlatten) {
  OnnxModelBuilder b(13);
  b.input("x", {2, 1, 3, 4});
  b.int64_initializer("shape", {0, -1});
  b.int64_initializer("axes", {1});
  b.int64_initializer("unsqueeze_axes", {0, -1});
  b.node("Squeeze", {"x", "axes"}, {"s"});                                 // [2,3,4]
  b.node("Unsqueeze", {"s", "unsqueeze_axes"}, {"u"});                     // [1,2,3,4,1]
  b.node("Reshape", {"u", "shape"}, {"r"});                                // [1,24]
  OnnxModelBuilder::set_int(b.node("Flatten", {"x"}, {"f"}), "axis", -1);  // [6,4]
  b.output("r");
  b.output("f");
  Graph g = b.import();
  EXPECT_EQ(g.node(g.outputs()[0]).type.shape, (std::vector<int64_t>{1, 24}));
  EXPECT_EQ(g.node(g.outputs()[1]).type.shape, (std::vector<int64_t>{6, 4}));

  OnnxModelBuilder c(11);  // axes as attributes before opset 13
  c.input("x", {2, 1, 3, 1});
  c.node("Squeeze", {"x"}, {"s"});  // no axes: every 1 goes
  OnnxModelBuilder::set_ints(c.node("Unsqueeze", {"s"}, {"u"}), "axes", {1});
  c.output("u");
  Graph h = c.import();
  EXPECT_EQ(h.node(h.outputs()[0]).type.shape, (std::vector<int64_t>{2, 1, 3}));
}

TEST(OnnxOps, SoftmaxBeforeOpset13NormalizesTheFlattenedRows) {
  for (int64_t opset : {11, 13}) {
    OnnxModelBuilder b(opset);
    b.input("x", {2, 3, 4});
    OnnxModelBuilder::set_int(b.node("Softmax", {"x"}, {"y"}), "axis", 1);
    b.output("y");
    auto out = graph::evaluate_graph(b.import(), {array_of({2, 3, 4}, iota(24, -2.0f, 0.3f))});
    ASSERT_EQ(out[0].shape(), (std::vector<int64_t>{2, 3, 4}));
    const float* y = out[0].as<float>();
    for (int n = 0; n < 2; ++n) {
      if (opset == 11) {  // each batch's 12 values sum to 1
        float sum = 0;
        for (int i = 0; i < 12; ++i) sum += y[n * 12 + i];
        EXPECT_NEAR(sum, 1.0f, 1e-5);
      } else {  // each column along axis 1 sums to 1
        for (int w = 0; w < 4; ++w)
          EXPECT_NEAR(y[n * 12 + w] + y[n * 12 + 4 + w] + y[n * 12 + 8 + w], 1.0f, 1e-5);
      }
    }
  }
}

TEST(OnnxOps, ClipBoundsFromConstantNodes) {
  OnnxModelBuilder b(13);
  b.input("x", {1, 4});
  auto& low = b.node("Constant", {}, {"low"});
  auto* attr = low.add_attribute();
  attr->set_name("value");
  attr->set_type(onnx::AttributeProto::TENSOR);
  attr->mutable_t()->set_data_type(onnx::TensorProto::FLOAT);
  attr->mutable_t()->add_float_data(-1.0f);
  auto& high = b.node("Constant", {}, {"high"});
  OnnxModelBuilder::set_float(high, "value_float", 6.0f);
  b.node("Clip", {"x", "low", "high"}, {"y"}, "clip");
  b.node("Clip", {"y", "", "high"}, {"z"}, "max_only");
  b.output("z");
  Graph g = b.import();
  EXPECT_EQ(op_counts(g), (std::map<std::string, int>{{"clip", 2}}));
  const auto& first = g.node(g.node(g.outputs()[0]).inputs[0]);
  EXPECT_EQ(first.attr_float("min", 0), -1.0);
  EXPECT_EQ(first.attr_float("max", 0), 6.0);
  EXPECT_FALSE(g.node(g.outputs()[0]).has_attr("min"));
  auto out = graph::evaluate_graph(g, {array_of({1, 4}, {-3, 0.5f, 5, 9})});
  expect_values(out[0], {1, 4}, {-1, 0.5f, 5, 6});

  OnnxModelBuilder c(13);  // a computed bound cannot become an attribute
  c.input("x", {1, 4});
  c.input("m", {1});
  c.node("Clip", {"x", "m"}, {"y"}, "clip");
  c.output("y");
  EXPECT_NE(user_error_of([&] { c.import(); }).find("input 'm' (min) must be a constant"),
            std::string::npos);
}

TEST(OnnxOps, PoolingPadReduceConcatBatchNormAndPassThrough) {
  OnnxModelBuilder b(13);
  b.input("x", {1, 2, 4, 4});
  auto& avg = b.node("AveragePool", {"x"}, {"avg"}, "avg");
  OnnxModelBuilder::set_ints(avg, "kernel_shape", {3, 3});
  OnnxModelBuilder::set_ints(avg, "pads", {1, 1, 1, 1});
  OnnxModelBuilder::set_ints(avg, "strides", {2, 2});
  OnnxModelBuilder::set_int(avg, "count_include_pad", 1);
  b.int64_initializer("pads", {0, 0, 1, 0, 0, 0, 0, 2});
  b.initializer("pad_value", {}, {0.5f});
  b.node("Pad", {"avg", "pads", "pad_value"}, {"padded"}, "pad");  // [1,2,3,4]
  b.node("Dropout", {"padded"}, {"dropped"});
  b.node("Identity", {"dropped"}, {"same"});
  auto& mean = b.node("ReduceMean", {"same"}, {"mean"}, "mean");
  OnnxModelBuilder::set_ints(mean, "axes", {2, 3});  // [1,2,1,1]
  for (const char* p : {"gamma", "beta", "mu", "var"}) b.initializer(p, {2}, {1.0f, 2.0f});
  b.node("BatchNormalization", {"mean", "gamma", "beta", "mu", "var"}, {"bn"}, "bn");
  OnnxModelBuilder::set_int(b.node("Concat", {"bn", "bn", "mean"}, {"cat"}, "cat"), "axis",
                            -3);  // [1,6,1,1]
  b.node("Sum", {"cat", "cat", "cat"}, {"sum"}, "sum");
  b.node("GlobalMaxPool", {"sum"}, {"y"}, "gmp");
  b.output("y");
  Graph g = b.import();
  EXPECT_EQ(op_counts(g), (std::map<std::string, int>{{"avg_pool2d", 1},
                                                      {"pad", 1},
                                                      {"reduce_mean", 1},
                                                      {"batch_norm", 1},
                                                      {"concatenate", 1},
                                                      {"add", 2},
                                                      {"global_max_pool2d", 1}}));
  const auto& pool = only_call(g, "avg_pool2d");
  EXPECT_EQ(pool.attr_int("count_include_pad"), 1);
  EXPECT_EQ(pool.type.shape, (std::vector<int64_t>{1, 2, 2, 2}));
  EXPECT_EQ(only_call(g, "pad").attr_ints("pad_after"), (std::vector<int64_t>{0, 0, 0, 2}));
  EXPECT_EQ(only_call(g, "concatenate").attr_int("axis"), 1);
  EXPECT_EQ(g.node(g.outputs()[0]).type.shape, (std::vector<int64_t>{1, 6, 1, 1}));
  EXPECT_NO_THROW(graph::evaluate_graph(g, {array_of({1, 2, 4, 4}, iota(32))}));
}

TEST(OnnxOps, EveryListedOperatorHasAConverter) {
  auto ops = frontend::supported_onnx_ops();
  for (const char* op : {"Add",       "AveragePool", "BatchNormalization",
                         "Clip",      "Concat",      "Constant",
                         "Conv",      "Div",         "Dropout",
                         "Flatten",   "Gemm",        "GlobalAveragePool",
                         "Identity",  "MatMul",      "MaxPool",
                         "Mul",       "Pad",         "Relu",
                         "Reshape",   "Sigmoid",     "Softmax",
                         "Squeeze",   "Sub",         "Tanh",
                         "Transpose", "Unsqueeze"}) {
    EXPECT_NE(std::find(ops.begin(), ops.end(), op), ops.end()) << op;
  }
}

}  // namespace
}  // namespace tt
