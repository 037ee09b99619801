// Builds small ONNX models in memory for the importer tests, so no binary test files are needed:
// a ModelProto with one opset, typed inputs and outputs, initializers and nodes with attributes;
// and the checks the frontend tests share.
#pragma once

#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "ir/error.h"
#include "src/frontend/onnx_importer.h"

namespace tt::test {

class OnnxModelBuilder {
 public:
  explicit OnnxModelBuilder(int64_t opset = 13) {
    model_.set_ir_version(8);
    model_.set_producer_name("tensortune-test");
    auto* entry = model_.add_opset_import();
    entry->set_domain("");
    entry->set_version(opset);
    model_.mutable_graph()->set_name("test");
  }

  onnx::ModelProto& model() { return model_; }
  onnx::GraphProto& graph() { return *model_.mutable_graph(); }

  // A float input; a dimension given as a negative number becomes the dim_param "batch".
  void input(const std::string& name, const std::vector<int64_t>& shape) {
    add_value_info(graph().add_input(), name, shape);
  }
  void output(const std::string& name) {
    auto* info = graph().add_output();
    info->set_name(name);
    info->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
  }
  onnx::TensorProto& initializer(const std::string& name, const std::vector<int64_t>& shape,
                                 const std::vector<float>& values) {
    auto* t = graph().add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::FLOAT);
    for (int64_t d : shape) t->add_dims(d);
    t->set_raw_data(
        std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float)));
    return *t;
  }
  onnx::TensorProto& int64_initializer(const std::string& name,
                                       const std::vector<int64_t>& values) {
    auto* t = graph().add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::INT64);
    t->add_dims(int64_t(values.size()));
    for (int64_t v : values) t->add_int64_data(v);
    return *t;
  }
  onnx::NodeProto& node(const std::string& op, const std::vector<std::string>& inputs,
                        const std::vector<std::string>& outputs, const std::string& name = "") {
    auto* n = graph().add_node();
    n->set_op_type(op);
    n->set_name(name);
    for (const auto& i : inputs) n->add_input(i);
    for (const auto& o : outputs) n->add_output(o);
    return *n;
  }

  static void set_int(onnx::NodeProto& n, const std::string& name, int64_t v) {
    auto* a = attribute(n, name, onnx::AttributeProto::INT);
    a->set_i(v);
  }
  static void set_float(onnx::NodeProto& n, const std::string& name, float v) {
    attribute(n, name, onnx::AttributeProto::FLOAT)->set_f(v);
  }
  static void set_string(onnx::NodeProto& n, const std::string& name, const std::string& v) {
    attribute(n, name, onnx::AttributeProto::STRING)->set_s(v);
  }
  static void set_ints(onnx::NodeProto& n, const std::string& name, const std::vector<int64_t>& v) {
    auto* a = attribute(n, name, onnx::AttributeProto::INTS);
    for (int64_t x : v) a->add_ints(x);
  }
  static void set_floats(onnx::NodeProto& n, const std::string& name, const std::vector<float>& v) {
    auto* a = attribute(n, name, onnx::AttributeProto::FLOATS);
    for (float x : v) a->add_floats(x);
  }

  std::string bytes() const { return model_.SerializeAsString(); }
  graph::Graph import(const frontend::InputShapes& shapes = {}) const {
    return frontend::import_onnx_bytes(bytes(), "test.onnx", shapes);
  }

 private:
  static onnx::AttributeProto* attribute(onnx::NodeProto& n, const std::string& name,
                                         onnx::AttributeProto::AttributeType type) {
    auto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(type);
    return a;
  }
  static void add_value_info(onnx::ValueInfoProto* info, const std::string& name,
                             const std::vector<int64_t>& shape) {
    info->set_name(name);
    auto* type = info->mutable_type()->mutable_tensor_type();
    type->set_elem_type(onnx::TensorProto::FLOAT);
    auto* s = type->mutable_shape();
    for (int64_t d : shape) {
      auto* dim = s->add_dim();
      if (d < 0)
        dim->set_dim_param("batch");
      else
        dim->set_dim_value(d);
    }
  }
  onnx::ModelProto model_;
};

// ---- checks shared by the frontend tests ----

inline std::map<std::string, int> op_counts(const graph::Graph& g) {
  std::map<std::string, int> counts;
  for (const auto& n : g.nodes())
    if (n.kind == graph::NodeKind::Call) ++counts[n.op];
  return counts;
}

// The message of the UserError `f` throws; fails the test if it throws nothing or something else.
template <typename F>
std::string user_error_of(F&& f) {
  try {
    f();
  } catch (const UserError& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected a UserError, got: " << e.what();
    return "";
  }
  ADD_FAILURE() << "expected a UserError, nothing was thrown";
  return "";
}

inline std::filesystem::path temp_file(const std::string& name, const std::string& bytes) {
  std::filesystem::path path = std::filesystem::path(::testing::TempDir()) / name;
  std::ofstream(path, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
  return path;
}

inline NDArray array_of(std::vector<int64_t> shape, std::vector<float> values) {
  NDArray a(std::move(shape), DType::float32());
  EXPECT_EQ(size_t(a.num_elements()), values.size());
  std::copy(values.begin(), values.end(), a.as<float>());
  return a;
}

inline void expect_values(const NDArray& a, std::vector<int64_t> shape, std::vector<float> values) {
  ASSERT_EQ(a.shape(), shape);
  for (size_t i = 0; i < values.size(); ++i)
    EXPECT_NEAR(a.as<float>()[i], values[i], 1e-5) << "element " << i;
}

}  // namespace tt::test
