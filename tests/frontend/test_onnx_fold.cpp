// Shape computations folded at import: the chains PyTorch exports for x.view(x.size(0), -1) and
// friends leave no nodes, each foldable operator computes what ONNX defines, and the
// constant-only operators on computed tensors get one clear error.
#include <gtest/gtest.h>

#include <limits>

#include "ir/error.h"
#include "ir/graph/evaluate.h"
#include "onnx_test_util.h"
#include "src/frontend/onnx_importer.h"

namespace tt {
namespace {

using graph::Graph;
using test::array_of;
using test::OnnxModelBuilder;
using test::op_counts;
using test::user_error_of;

using Shape = std::vector<int64_t>;

Shape output_shape(const Graph& g, size_t i = 0) { return g.node(g.outputs()[i]).type.shape; }

void set_int64_tensor(onnx::NodeProto& n, const std::string& name, const std::vector<int64_t>& values, bool scalar) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::TENSOR);
  a->mutable_t()->set_data_type(onnx::TensorProto::INT64);
  if (!scalar) a->mutable_t()->add_dims(int64_t(values.size()));
  for (int64_t v : values) a->mutable_t()->add_int64_data(v);
}

TEST(OnnxFold, ViewBatchMinusOneLeavesOnlyTheReshape) {
  for (int64_t opset : {11, 13}) {
    SCOPED_TRACE(opset);
    OnnxModelBuilder b(opset);
    b.input("x", {2, 3, 4, 5});
    b.node("Shape", {"x"}, {"shape"});
    auto& zero = b.node("Constant", {}, {"zero"});
    set_int64_tensor(zero, "value", {0}, true);
    OnnxModelBuilder::set_int(b.node("Gather", {"shape", "zero"}, {"batch"}), "axis", 0);
    if (opset >= 13) {
      b.int64_initializer("axes0", {0});
      b.node("Unsqueeze", {"batch", "axes0"}, {"batch1"});
    } else {
      OnnxModelBuilder::set_ints(b.node("Unsqueeze", {"batch"}, {"batch1"}), "axes", {0});
    }
    b.int64_initializer("minus_one", {-1});
    OnnxModelBuilder::set_int(b.node("Concat", {"batch1", "minus_one"}, {"target"}), "axis", 0);
    b.node("Reshape", {"x", "target"}, {"y"});
    b.output("y");
    Graph g = b.import();
    EXPECT_EQ(op_counts(g), (std::map<std::string, int>{{"reshape", 1}}));
    EXPECT_EQ(output_shape(g), (Shape{2, 60}));
  }
}

TEST(OnnxFold, SliceCastConstantOfShapeAndArithmetic) {
  OnnxModelBuilder b(13);
  b.input("x", {1, 8, 6, 6});
  b.node("Shape", {"x"}, {"shape"});  // [1, 8, 6, 6]
  b.int64_initializer("starts", {2});
  b.int64_initializer("ends", {100});  // clamped to the end
  b.node("Slice", {"shape", "starts", "ends"}, {"hw"});  // [6, 6]
  OnnxModelBuilder::set_int(b.node("Cast", {"hw"}, {"hw_f"}), "to", onnx::TensorProto::FLOAT);
  b.initializer("two", {1}, {2.0f});
  b.node("Mul", {"hw_f", "two"}, {"hw2_f"});  // [12, 12]
  OnnxModelBuilder::set_int(b.node("Cast", {"hw2_f"}, {"hw2"}), "to", onnx::TensorProto::INT64);
  b.int64_initializer("nc", {1, 8});
  OnnxModelBuilder::set_int(b.node("Concat", {"nc", "hw2"}, {"sizes"}), "axis", 0);
  auto& r = b.node("Resize", {"x", "", "", "sizes"}, {"up"});
  OnnxModelBuilder::set_string(r, "coordinate_transformation_mode", "asymmetric");
  OnnxModelBuilder::set_string(r, "nearest_mode", "floor");
  // A constant built from a shape: ConstantOfShape, then Where(Equal(...)).
  b.int64_initializer("two_d", {2});
  auto& fill = b.node("ConstantOfShape", {"two_d"}, {"ones"});
  set_int64_tensor(fill, "value", {1}, false);
  b.int64_initializer("probe", {1, 5});
  b.node("Equal", {"ones", "probe"}, {"mask"});  // [true, false]
  b.int64_initializer("a", {8, 8});
  b.int64_initializer("minus", {-1, -1});
  b.node("Where", {"mask", "a", "minus"}, {"dims"});  // [8, -1]
  b.node("Reshape", {"up", "dims"}, {"y"});
  b.output("y");
  Graph g = b.import();
  EXPECT_EQ(op_counts(g), (std::map<std::string, int>{{"resize2d", 1}, {"reshape", 1}}));
  EXPECT_EQ(output_shape(g), (Shape{8, 12 * 12}));
}

TEST(OnnxFold, GatherRangeExpandAndOlderSlice) {
  OnnxModelBuilder b(9);  // Slice with attributes before opset 10
  b.input("x", {2, 3, 4});
  b.node("Shape", {"x"}, {"shape"});
  auto& s = b.node("Slice", {"shape"}, {"tail"});
  OnnxModelBuilder::set_ints(s, "starts", {-2});
  OnnxModelBuilder::set_ints(s, "ends", {3});
  OnnxModelBuilder::set_ints(s, "axes", {0});  // [3, 4]
  b.int64_initializer("idx", {1, 0});
  OnnxModelBuilder::set_int(b.node("Gather", {"tail", "idx"}, {"swapped"}), "axis", 0);  // [4, 3]
  b.int64_initializer("lead", {2});
  OnnxModelBuilder::set_int(b.node("Concat", {"lead", "swapped"}, {"target"}), "axis", 0);
  b.node("Reshape", {"x", "target"}, {"y"});
  b.output("y");
  Graph g = b.import();
  EXPECT_EQ(output_shape(g), (Shape{2, 4, 3}));

  OnnxModelBuilder r(13);
  r.input("x", {1, 6});
  r.int64_initializer("start", {0});
  r.int64_initializer("limit", {6});
  r.int64_initializer("delta", {2});
  r.node("Range", {"start", "limit", "delta"}, {"steps"});  // [0, 2, 4]: 3 values
  r.node("Shape", {"steps"}, {"n"});                      // [3]
  r.int64_initializer("two", {2});
  OnnxModelBuilder::set_int(r.node("Concat", {"two", "n"}, {"target"}), "axis", 0);
  r.node("Reshape", {"x", "target"}, {"y"});
  r.output("y");
  EXPECT_EQ(output_shape(r.import()), (Shape{2, 3}));
}

TEST(OnnxFold, ComputedTensorsAreClearErrors) {
  OnnxModelBuilder b(13);
  b.input("x", {2, 3});
  b.int64_initializer("i", {0});
  OnnxModelBuilder::set_int(b.node("Gather", {"x", "i"}, {"y"}, "pick"), "axis", 0);
  b.output("y");
  std::string message = user_error_of([&] { b.import(); });
  EXPECT_NE(message.find("node 'pick' (Gather): Gather of a tensor the model computes is not supported"),
            std::string::npos)
      << message;
  // A float32 tensor cast to float32 is itself.
  OnnxModelBuilder c(13);
  c.input("x", {2, 3});
  OnnxModelBuilder::set_int(c.node("Cast", {"x"}, {"y"}), "to", onnx::TensorProto::FLOAT);
  c.node("Relu", {"y"}, {"z"});
  c.output("z");
  EXPECT_EQ(op_counts(c.import()), (std::map<std::string, int>{{"relu", 1}}));
  OnnxModelBuilder d(13);
  d.input("x", {2, 3});
  d.node("Shape", {"x"}, {"s"});
  OnnxModelBuilder::set_int(d.node("Cast", {"s"}, {"y"}), "to", onnx::TensorProto::DOUBLE);
  d.output("y");
  message = user_error_of([&] { d.import(); });
  EXPECT_NE(message.find("attribute 'to' is element type 11"), std::string::npos) << message;
}

// Folding runs on what the file says: a few bytes that ask for gigabytes, an overflowing int64, a
// step as large as int64 allows or mismatched branches get one clear error (or the right value),
// never an allocation, a wrapped number or a read past an array.
TEST(OnnxFold, HostileShapeArithmeticIsRefusedOrExact) {
  auto fails_with = [](OnnxModelBuilder& b, const std::string& part) {
    std::string message = user_error_of([&] { b.import(); });
    EXPECT_NE(message.find(part), std::string::npos) << message;
  };
  {
    OnnxModelBuilder b(13);
    b.input("x", {1});
    b.int64_initializer("shape", {65536, 65536});
    b.node("ConstantOfShape", {"shape"}, {"y"}, "zeros");
    b.output("y");
    fails_with(b, "node 'zeros' (ConstantOfShape): its value of shape 65536x65536 would have more than 16777216");
  }
  {
    OnnxModelBuilder b(13);
    b.input("x", {1});
    b.int64_initializer("start", {0});
    b.int64_initializer("limit", {int64_t(1) << 40});
    b.int64_initializer("delta", {1});
    b.node("Range", {"start", "limit", "delta"}, {"y"}, "range");
    b.output("y");
    fails_with(b, "node 'range' (Range): the range from 0 to");
    fails_with(b, "has more than 16777216 elements");
  }
  {
    OnnxModelBuilder b(13);
    b.input("x", {1});
    b.int64_initializer("big", {int64_t(1) << 62});
    b.node("Add", {"big", "big"}, {"twice"}, "overflow");
    b.node("Reshape", {"x", "twice"}, {"y"});
    b.output("y");
    fails_with(b, "does not fit in int64");
  }
  {
    OnnxModelBuilder b(13);
    b.input("x", {1});
    b.int64_initializer("a", {1, 2});
    OnnxModelBuilder::set_int(b.node("Concat", {"a", ""}, {"y"}, "gap"), "axis", 0);
    b.output("y");
    fails_with(b, "node 'gap' (Concat): input 2 is missing");
  }
  {
    OnnxModelBuilder b(13);
    b.input("x", {2, 3});
    b.initializer("yes", {1}, {1.0f});
    b.int64_initializer("no", {7});
    b.node("Shape", {"x"}, {"s"});
    b.node("Equal", {"s", "s"}, {"c"});
    b.node("Where", {"c", "yes", "no"}, {"y"}, "mixed");
    b.output("y");
    fails_with(b, "node 'mixed' (Where): its two branches have element types float32 and int64");
  }
  {
    // Slice by the largest step: one element, the first (the shape arithmetic does not overflow).
    OnnxModelBuilder b(13);
    b.input("x", {4, 6});
    b.node("Shape", {"x"}, {"s"});
    b.int64_initializer("starts", {0});
    b.int64_initializer("ends", {std::numeric_limits<int64_t>::max()});
    b.int64_initializer("axes", {0});
    b.int64_initializer("steps", {std::numeric_limits<int64_t>::max()});
    b.node("Slice", {"s", "starts", "ends", "axes", "steps"}, {"first"});
    b.int64_initializer("minus_one", {-1});
    OnnxModelBuilder::set_int(b.node("Concat", {"first", "minus_one"}, {"target"}), "axis", 0);
    b.node("Reshape", {"x", "target"}, {"y"});
    b.output("y");
    EXPECT_EQ(output_shape(b.import()), (Shape{4, 6}));
  }
}

}  // namespace
}  // namespace tt
