// Pins that a schedule survives its serialized form: a state built with every step kind and every
// loop annotation is written as JSON text, read back, replayed on a fresh graph and lowered, and
// the loop IR must print exactly as the original's. A step kind added to the variant without a
// case here fails the coverage check.
#include <gtest/gtest.h>

#include <set>

#include "ir/lower/lower.h"
#include "ir/te/ops.h"
#include "tests/ir/te_test_util.h"

namespace tt {
namespace {

using test::input;

// R = relu(matmul(X, B)) with X = A * 2, D = matmul(E, F) and W = conv3x3(Y, G): three outputs,
// an elementwise stage to inline and root, a reduction to cache, one to rfactor and a convolution
// to compute by Winograd.
std::vector<Tensor> graph() {
  Tensor a = input({16, 32}, "A");
  Tensor x = compute(
      a.shape(), [&](const std::vector<Var>& i) { return a(i[0], i[1]) * 2.0f; }, "X");
  Tensor r = ops::relu(ops::matmul(x, input({32, 24}, "B"), "C"), "R");
  Tensor d = ops::matmul(input({16, 40}, "E"), input({40, 24}, "F"), "D");
  Tensor w = ops::conv2d(input({1, 4, 6, 6}, "Y"), input({4, 4, 3, 3}, "G"), {}, "W");
  return {r, d, w};
}

// Every step kind, on loops the earlier steps made; the follow splits refer to steps 0, 1, 13, 14
// by their index in this list.
std::vector<Step> every_kind_schedule() {
  return {
      SplitStep{"R", "i", {4}},                        // 0
      SplitStep{"R", "j", {8}},                        // 1
      ReorderStep{"R", {"i.0", "j.0", "i.1", "j.1"}},  // 2
      FuseStep{"R", {"i.0", "j.0"}},                   // 3
      AnnotateStep{"R", "i.0.j.0.fused", LoopAnnotation::Parallel},
      AnnotateStep{"R", "j.1", LoopAnnotation::Vectorize},
      AnnotateStep{"R", "i.1", LoopAnnotation::Unroll},
      AnnotateStep{"R", "i.1", LoopAnnotation::None},  // undoes the unroll
      CacheWriteStep{"C"},                             // 8
      ComputeInlineStep{"C"},
      ComputeAtStep{"C.local", "R", "i.0.j.0.fused"},
      FollowSplitStep{"C.local", "i", 0, 1},
      FollowSplitStep{"C.local", "j", 1, 2},
      SplitStep{"D", "i", {4}},  // 13
      SplitStep{"D", "j", {6}},  // 14
      CacheReadStep{"B", "C.local"},
      ComputeInlineStep{"X"},
      ComputeRootStep{"X"},
      PragmaStep{"R", "i.0.j.0.fused", "auto_unroll_max_step", 16},
      SplitStep{"D", "rk", {8}},  // D's loops restart from its axes at the rfactor
      RfactorStep{"D", "rk.1"},
      FuseStep{"D", {"i", "j"}},
      FollowFusedSplitStep{"D", "i.j.fused", {13, 14}, 0, true},
      AnnotateStep{"D", "i.j.fused.0", LoopAnnotation::Parallel},
      ReorderStep{"D.rf", {"rk.0", "rk.1"}},
      AnnotateStep{"D.rf", "rk.1", LoopAnnotation::Vectorize},
      // F (40 x 24) stored as [5][4][8][6]: rows split by 8, columns by 6, row blocks outermost.
      LayoutRewriteStep{"F", {{8}, {6}}, {{0, 0}, {1, 0}, {0, 1}, {1, 1}}},
      WinogradStep{"W", 2},
      AnnotateStep{"W.wino_in", "c", LoopAnnotation::Vectorize},
  };
}

TEST(StepRoundTrip, EveryKindAndAnnotationReplaysToTheSameLoopIR) {
  ScheduleState original(graph());
  original.apply(every_kind_schedule());
  std::set<size_t> kinds;
  std::set<LoopAnnotation> annotations;
  for (const Step& s : original.steps()) {
    kinds.insert(s.index());
    if (const auto* a = std::get_if<AnnotateStep>(&s)) annotations.insert(a->annotation);
  }
  EXPECT_EQ(kinds.size(), std::variant_size_v<Step>) << "a step kind is missing from the schedule";
  EXPECT_EQ(annotations.size(), 4u) << "an annotation value is missing from the schedule";

  std::string text = steps_to_json(original.steps()).dump();
  ScheduleState replayed(graph());
  replayed.apply(steps_from_json(nlohmann::json::parse(text)));
  EXPECT_EQ(replayed.to_string(), original.to_string());
  ASSERT_EQ(replayed.steps().size(), original.steps().size());
  for (size_t i = 0; i < original.steps().size(); ++i)
    EXPECT_EQ(to_string(replayed.steps()[i]), to_string(original.steps()[i]));
  std::string before = to_string(lower(original, "every_kind"));
  EXPECT_EQ(to_string(lower(replayed, "every_kind")), before);
  // The schedule did what it says (not a trivially equal pair of empty nests).
  EXPECT_NE(before.find("parallel"), std::string::npos) << before;
  EXPECT_NE(before.find("ramp"), std::string::npos) << before;
  EXPECT_NE(original.to_string().find("F stored as layout_rewrite"), std::string::npos);
}

}  // namespace
}  // namespace tt
