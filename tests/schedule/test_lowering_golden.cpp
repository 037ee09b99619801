// Pins the lowered loop IR of fixed schedules against golden files in golden/ (TT_UPDATE_GOLDEN=1
// rewrites them); each case also compiles, runs and matches the reference, so a golden is right
// code.
#include <gtest/gtest.h>

#include "tests/ir/te_test_util.h"
#include "tests/schedule/schedule_test_util.h"

#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>

#include "ir/te/ops.h"
#include "search/measure/build.h"

namespace tt {
namespace {

using test::input;

using test::compiler;

std::string golden_path(const std::string& name) {
  return std::string(TT_TEST_DATA_DIR) + "/golden/" + name + ".txt";
}

bool update_golden() {
  const char* flag = std::getenv("TT_UPDATE_GOLDEN");
  return flag && std::string(flag) == "1";
}

// Lowers `steps` on the graph `make_graph` builds, compares the printed loop IR with the golden
// file `name`, then runs the kernel against the reference interpreter. The graph is built twice and
// lowered twice, so printing that depended on pointer order or other run-to-run state would show.
void check_golden(const std::string& name, const std::function<std::vector<Tensor>()>& make_graph,
                  const std::vector<Step>& steps) {
  std::vector<Tensor> outputs = make_graph();
  BuiltKernel built = build_kernel(outputs, steps, compiler(), name);
  std::string text = to_string(built.func);

  ScheduleState again(make_graph());
  again.apply(steps);
  EXPECT_EQ(to_string(lower(again, name)), text)
      << "lowering " << name << " twice printed different loop IR";

  std::string path = golden_path(name);
  if (update_golden()) {
    std::ofstream(path) << text;
  } else {
    std::ifstream file(path);
    ASSERT_TRUE(file.good()) << "no golden file " << path
                             << "; run with TT_UPDATE_GOLDEN=1 to write it";
    std::stringstream expected;
    expected << file.rdbuf();
    EXPECT_EQ(text, expected.str())
        << "the loop IR of " << name << " changed; if that is intended, rerun with "
        << "TT_UPDATE_GOLDEN=1 and review the diff of " << path;
  }

  std::vector<Tensor> inputs = built.state.inputs();
  std::vector<NDArray> values = random_inputs(inputs, 11);
  std::vector<NDArray> expected = reference_outputs(built.state.outputs(), inputs, values);
  std::vector<NDArray> actual = run_kernel(built.kernel, values, built.state.outputs());
  CompareResult r = compare_outputs(actual, expected);
  EXPECT_TRUE(r.ok) << name << ": " << r.describe() << "\n" << text;
}

TEST(LoweringGolden, NaiveMatmul) {
  check_golden(
      "matmul_naive",
      [] {
        return std::vector<Tensor>{ops::matmul(input({8, 8}, "A"), input({8, 8}, "B"), "C")};
      },
      {});
}

// A register tile: C.local accumulates a 4x8 tile (vectorized over j, unrolled over i) at C's j.0.
TEST(LoweringGolden, TiledMatmulWithCacheWrite) {
  check_golden(
      "matmul_tiled",
      [] {
        return std::vector<Tensor>{ops::matmul(input({16, 16}, "A"), input({16, 16}, "B"), "C")};
      },
      {
          CacheWriteStep{"C"},
          SplitStep{"C", "i", {4}},
          SplitStep{"C", "j", {8}},
          ReorderStep{"C", {"i.0", "j.0", "i.1", "j.1"}},
          AnnotateStep{"C", "i.0", LoopAnnotation::Parallel},
          AnnotateStep{"C", "j.1", LoopAnnotation::Vectorize},
          ComputeAtStep{"C.local", "C", "j.0"},
          ReorderStep{"C.local", {"rk", "i", "j"}},
          AnnotateStep{"C.local", "i", LoopAnnotation::Unroll},
          AnnotateStep{"C.local", "j", LoopAnnotation::Vectorize},
      });
}

// The padding stage is its own loop nest at the root, read by the convolution.
TEST(LoweringGolden, Conv2dWithPadStageAtRoot) {
  check_golden("conv2d_pad_root",
               [] {
                 ops::Conv2dParams p;
                 p.padding = {1, 1, 1, 1};
                 return std::vector<Tensor>{
                     ops::conv2d(input({1, 2, 5, 5}, "X"), input({4, 2, 3, 3}, "W"), p, "conv")};
               },
               {
                   ComputeInlineStep{"conv.pad"},
                   ComputeRootStep{"conv.pad"},
                   SplitStep{"conv", "j", {2}},
                   AnnotateStep{"conv", "j.0", LoopAnnotation::Parallel},
               });
}

// B and C are substituted into D: one loop nest, no intermediate buffers.
TEST(LoweringGolden, ElementwiseChainInlined) {
  check_golden(
      "elementwise_inline",
      [] {
        Tensor a = input({4, 16}, "A");
        Tensor b = compute(
            a.shape(), [&](const std::vector<Var>& i) { return a(i[0], i[1]) + 1.0f; }, "B");
        Tensor c = compute(
            a.shape(), [&](const std::vector<Var>& i) { return b(i[0], i[1]) * 2.0f; }, "C");
        return std::vector<Tensor>{ops::relu(c, "D")};
      },
      {
          ComputeInlineStep{"B"},
          ComputeInlineStep{"C"},
          SplitStep{"D", "j", {8}},
          AnnotateStep{"D", "j.1", LoopAnnotation::Vectorize},
      });
}

// 10 = 3 * 4 - 2: the last outer iteration is guarded.
TEST(LoweringGolden, NonDivisibleSplitGuard) {
  check_golden("split_guard",
               [] {
                 return std::vector<Tensor>{ops::relu(input({3, 10}, "X"), "Y")};
               },
               {SplitStep{"Y", "j", {4}}});
}

// The same guarded tail under a vectorized loop: j.0 is partitioned into a guard-free main range of
// 4-lane vectors and one peeled tail iteration, a 2-lane vector.
TEST(LoweringGolden, VectorizedSplitTail) {
  check_golden("split_vector_tail",
               [] {
                 return std::vector<Tensor>{ops::relu(input({3, 10}, "X"), "Y")};
               },
               {SplitStep{"Y", "j", {4}}, AnnotateStep{"Y", "j.1", LoopAnnotation::Vectorize}});
}

// A dot product with the factored axis innermost and vectorized in C.rf; C sums the partials.
TEST(LoweringGolden, Rfactor) {
  check_golden(
      "rfactor",
      [] {
        return std::vector<Tensor>{ops::matmul(input({2, 32}, "A"), input({32, 3}, "B"), "C")};
      },
      {
          SplitStep{"C", "rk", {8}},
          RfactorStep{"C", "rk.1"},
          ReorderStep{"C.rf", {"rk.0", "rk.1"}},
          AnnotateStep{"C.rf", "rk.1", LoopAnnotation::Vectorize},
      });
}

}  // namespace
}  // namespace tt
