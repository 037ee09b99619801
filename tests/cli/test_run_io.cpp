// `run` on a model with several inputs and outputs: inputs and outputs by their names in the
// model (NAME=FILE), a bare FILE where there is one, and the errors for the ambiguous or unknown.
#include <gtest/gtest.h>

#include <filesystem>

#include "cli_test_util.h"
#include "src/runtime/npy.h"
#include "tests/frontend/onnx_test_util.h"

namespace tt {
namespace {

using test::describe;
using test::OnnxModelBuilder;
using test::Result;

class RunNamedValues : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) / ("tt_run_io_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    // sum = a + b, prod = relu(a · b); ONNX names with characters the graph keeps.
    OnnxModelBuilder b(13);
    b.input("a", {1, 4});
    b.input("b.1", {1, 4});
    b.node("Add", {"a", "b.1"}, {"sum"});
    b.node("Mul", {"a", "b.1"}, {"ab"});
    b.node("Relu", {"ab"}, {"prod"});
    b.output("sum");
    b.output("prod");
    model_ = path("two_by_two.onnx");
    std::ofstream(model_, std::ios::binary) << b.bytes();
    a_ = test::array_of({1, 4}, {1, -2, 3, -4});
    b_ = test::array_of({1, 4}, {0.5f, 2, -1, -3});
    save_npy(path("a.npy"), a_);
    save_npy(path("b.npy"), b_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  std::filesystem::path dir_;
  std::string model_;
  NDArray a_, b_;
};

TEST_F(RunNamedValues, InputsAndOutputsByName) {
  const std::string args = "run " + model_ + " --repeat 1 --check --input a=" + path("a.npy") + " --input b.1=" +
                           path("b.npy") + " --output prod=" + path("prod.npy") + " --output sum=" + path("sum.npy");
  Result r = test::run(args);
  ASSERT_EQ(r.exit_code, 0) << describe(args, r);
  EXPECT_NE(r.out.find("output      sum 1x4"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("output      prod 1x4"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("correct against unfused_naive:sum"), std::string::npos) << r.out;
  test::expect_values(load_npy(path("sum.npy")), {1, 4}, {1.5f, 0, 2, -7});
  test::expect_values(load_npy(path("prod.npy")), {1, 4}, {0.5f, 0, 0, 12});
  // The saved outputs as references, one by name: the same inputs reproduce them exactly.
  const std::string again = "run " + model_ + " --repeat 1 --input a=" + path("a.npy") + " --input b.1=" +
                            path("b.npy") + " --reference sum=" + path("sum.npy") + " --rtol 0 --atol 0";
  Result second = test::run(again);
  EXPECT_EQ(second.exit_code, 0) << describe(again, second);
  // An input left out is seeded random values, and the run still works.
  Result partial = test::run("run " + model_ + " --repeat 1 --input b.1=" + path("b.npy"));
  EXPECT_EQ(partial.exit_code, 0) << describe("partial", partial);
}

TEST_F(RunNamedValues, AmbiguousOrUnknownNamesExitTwo) {
  struct Case {
    std::string args, message;
  };
  for (const Case& c : std::vector<Case>{
           {"--input " + path("a.npy"), "the model has 2 inputs (a, b.1); give NAME=FILE"},
           {"--input c=" + path("a.npy"), "the model has 2 inputs (a, b.1); give NAME=FILE"},
           {"--input a=" + path("a.npy") + " --input a=" + path("b.npy"), "input 'a' is given twice"},
           {"--output " + path("out.npy"), "the model has 2 outputs (sum, prod)"},
           {"--input a=", "no file after the name"},
       }) {
    const std::string args = "run " + model_ + " --repeat 1 " + c.args;
    Result r = test::run(args);
    EXPECT_EQ(r.exit_code, 2) << describe(args, r);
    EXPECT_NE(r.err.find(c.message), std::string::npos) << describe(args, r);
  }
}

}  // namespace
}  // namespace tt
