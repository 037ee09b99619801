// Pins what each schedule primitive does to the state (loop names, extents, order, attachments,
// new stages) and that every invalid step raises a UserError naming the step, changing nothing.
#include <gtest/gtest.h>

#include <limits>

#include <sstream>

#include "ir/error.h"
#include "ir/schedule/state.h"
#include "ir/te/ops.h"

namespace tt {
namespace {

Tensor input(std::vector<int64_t> shape, const std::string& name) {
  return placeholder(shape, DType::float32(), name);
}

// C[16, 24] = A[16, 32] · B[32, 24]: loops i, j and the reduction rk.
ScheduleState matmul_state() {
  return ScheduleState({ops::matmul(input({16, 32}, "A"), input({32, 24}, "B"), "C")});
}

// C = matmul, R = relu(C): C has one consumer.
ScheduleState matmul_relu_state() {
  return ScheduleState(
      {ops::relu(ops::matmul(input({16, 32}, "A"), input({32, 24}, "B"), "C"), "R")});
}

// B = A + 1, C = B * 2, D = C + 3 over [4, 6, 8]: a chain of elementwise stages.
ScheduleState chain_state() {
  Tensor a = input({4, 6, 8}, "A");
  Tensor b = compute(
      a.shape(), [&](const std::vector<Var>& i) { return a(i[0], i[1], i[2]) + 1.0f; }, "B");
  Tensor c = compute(
      a.shape(), [&](const std::vector<Var>& i) { return b(i[0], i[1], i[2]) * 2.0f; }, "C");
  Tensor d = compute(
      a.shape(), [&](const std::vector<Var>& i) { return c(i[0], i[1], i[2]) + 3.0f; }, "D");
  return ScheduleState({d});
}

// The line of `stage` in the state's text, without the trailing newline.
std::string line(const ScheduleState& s, const std::string& stage) {
  std::istringstream text(s.to_string());
  for (std::string l; std::getline(text, l);) {
    if (l.rfind(stage + ":", 0) == 0 || l.rfind(stage + " (", 0) == 0) return l;
  }
  return "<no stage " + stage + ">";
}

std::vector<std::string> stage_names(const ScheduleState& s) {
  std::vector<std::string> names;
  for (const Stage& st : s.stages()) names.push_back(st.name());
  return names;
}

// Applies an invalid step: it must raise a UserError whose message names the step and contains
// `words`, and leave the state exactly as it was.
void expect_step_error(ScheduleState& state, const Step& step,
                       const std::vector<std::string>& words) {
  std::string before = state.to_string();
  size_t steps_before = state.steps().size();
  try {
    state.apply(step);
    ADD_FAILURE() << "expected a UserError for " << to_string(step);
  } catch (const UserError& e) {
    std::string message = e.what();
    EXPECT_NE(message.find(to_string(step)), std::string::npos)
        << "the step is not named in: " << message;
    for (const std::string& w : words)
      EXPECT_NE(message.find(w), std::string::npos) << "'" << w << "' not in: " << message;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected a UserError for " << to_string(step) << ", got: " << e.what();
  }
  EXPECT_EQ(state.to_string(), before) << "a failed " << to_string(step) << " changed the state";
  EXPECT_EQ(state.steps().size(), steps_before);
}

// ---- effects ----

TEST(ScheduleState, InitialStateHasTheAxesAsLoops) {
  ScheduleState s = matmul_state();
  EXPECT_EQ(s.to_string(), "C: i[16] j[24] rk[32]r\n");
  ASSERT_EQ(s.inputs().size(), 2u);
  EXPECT_EQ(s.inputs()[0].name(), "A");
  EXPECT_EQ(s.inputs()[1].name(), "B");
  EXPECT_TRUE(s.stage("C").is_output);
  EXPECT_TRUE(s.stage("C").has_reduction());
  EXPECT_THROW(s.stage("nope"), UserError);
}

TEST(ScheduleState, SplitByFactors) {
  ScheduleState s = matmul_state();
  s.apply(SplitStep{"C", "i", {4}});
  EXPECT_EQ(line(s, "C"), "C: i.0[4] i.1[4] j[24] rk[32]r");
  s.apply(SplitStep{"C", "rk", {4, 2}});
  EXPECT_EQ(line(s, "C"), "C: i.0[4] i.1[4] j[24] rk.0[4]r rk.1[4]r rk.2[2]r");
  EXPECT_EQ(s.steps().size(), 2u);
}

TEST(ScheduleState, SplitByParts) {
  ScheduleState s = matmul_state();
  s.apply(SplitStep{"C", "i", {3}, true});
  EXPECT_EQ(line(s, "C"), "C: i.0[3] i.1[6] j[24] rk[32]r")
      << "16 in 3 parts: the inner extent rounds up";
}

TEST(ScheduleState, NonDivisibleSplitRoundsUp) {
  ScheduleState s = matmul_state();
  s.apply(SplitStep{"C", "j", {5}});
  EXPECT_EQ(line(s, "C"), "C: i[16] j.0[5] j.1[5] rk[32]r");
  s.apply(SplitStep{"C", "j.1", {2}});
  EXPECT_EQ(line(s, "C"), "C: i[16] j.0[5] j.1.0[3] j.1.1[2] rk[32]r");
}

TEST(ScheduleState, Fuse) {
  ScheduleState s = matmul_state();
  s.apply(FuseStep{"C", {"i", "j"}});
  EXPECT_EQ(line(s, "C"), "C: i.j.fused[384] rk[32]r");
  s.apply(SplitStep{"C", "i.j.fused", {8}});
  EXPECT_EQ(line(s, "C"), "C: i.j.fused.0[48] i.j.fused.1[8] rk[32]r");
}

TEST(ScheduleState, ReorderPermutesOnlyTheListedLoops) {
  ScheduleState s = matmul_state();
  s.apply(SplitStep{"C", "i", {4}});
  s.apply(ReorderStep{"C", {"rk", "i.0"}});
  EXPECT_EQ(line(s, "C"), "C: rk[32]r i.1[4] j[24] i.0[4]");
  s.apply(ReorderStep{"C", {"i.0", "j", "i.1", "rk"}});
  EXPECT_EQ(line(s, "C"), "C: i.0[4] j[24] i.1[4] rk[32]r");
}

TEST(ScheduleState, Annotate) {
  ScheduleState s = matmul_state();
  s.apply(SplitStep{"C", "j", {8}});
  s.apply(ReorderStep{"C", {"rk", "j.1"}});
  s.apply(AnnotateStep{"C", "i", LoopAnnotation::Parallel});
  s.apply(AnnotateStep{"C", "j.1", LoopAnnotation::Vectorize});
  s.apply(AnnotateStep{"C", "rk", LoopAnnotation::Unroll});
  EXPECT_EQ(line(s, "C"), "C: i[16]@parallel j.0[3] rk[32]r@unroll j.1[8]@vectorize");
  // Re-annotating the same loop parallel is not nesting.
  s.apply(AnnotateStep{"C", "i", LoopAnnotation::Parallel});
  EXPECT_EQ(line(s, "C"), "C: i[16]@parallel j.0[3] rk[32]r@unroll j.1[8]@vectorize");
}

TEST(ScheduleState, ComputeAtAndComputeRoot) {
  ScheduleState s = matmul_relu_state();
  EXPECT_EQ(s.consumers("C"), std::vector<std::string>{"R"});
  s.apply(ComputeAtStep{"C", "R", "i"});
  EXPECT_EQ(s.to_string(), "C (at R.i): i[16] j[24] rk[32]r\nR: i[16] j[24]\n");
  EXPECT_EQ(s.stage("C").attach, AttachKind::At);
  s.apply(ComputeRootStep{"C"});
  EXPECT_EQ(s.to_string(), "C: i[16] j[24] rk[32]r\nR: i[16] j[24]\n");
  EXPECT_EQ(s.stage("C").attach, AttachKind::Root);
}

TEST(ScheduleState, ComputeAtFollowsAFusedTargetLoop) {
  ScheduleState s = matmul_relu_state();
  s.apply(ComputeAtStep{"C", "R", "j"});
  s.apply(FuseStep{"R", {"i", "j"}});
  EXPECT_EQ(line(s, "C"), "C (at R.i.j.fused): i[16] j[24] rk[32]r");
}

TEST(ScheduleState, ComputeAtInsideAStageTheConsumerIsComputedIn) {
  ScheduleState s = chain_state();
  s.apply(ComputeAtStep{"C", "D", "j"});
  s.apply(ComputeAtStep{"B", "D", "i"});  // C (B's consumer) is computed at D.j, inside D.i
  EXPECT_EQ(line(s, "B"), "B (at D.i): i[4] j[6] k[8]");
  s.apply(ComputeAtStep{"B", "D", "j"});  // the same loop as C: B is placed first
  EXPECT_EQ(line(s, "B"), "B (at D.j): i[4] j[6] k[8]");
  s.apply(ComputeAtStep{"B", "C", "k"});
  EXPECT_EQ(line(s, "B"), "B (at C.k): i[4] j[6] k[8]");
}

TEST(ScheduleState, ComputeInlineAndEffectiveConsumers) {
  ScheduleState s = chain_state();
  s.apply(ComputeInlineStep{"C"});
  EXPECT_EQ(s.to_string(), "B: i[4] j[6] k[8]\nC (inlined): i[4] j[6] k[8]\nD: i[4] j[6] k[8]\n");
  EXPECT_EQ(s.consumers("B"), std::vector<std::string>{"C"});
  EXPECT_EQ(s.effective_consumers("B"), std::vector<std::string>{"D"});
  s.apply(ComputeAtStep{"B", "D", "j"});  // through the inlined C
  EXPECT_EQ(line(s, "B"), "B (at D.j): i[4] j[6] k[8]");
  s.apply(ComputeRootStep{"C"});
  EXPECT_EQ(line(s, "C"), "C: i[4] j[6] k[8]");
}

TEST(ScheduleState, CacheWriteAddsALocalStageAndKeepsLoopNames) {
  ScheduleState s = matmul_relu_state();
  s.apply(CacheWriteStep{"C"});
  EXPECT_EQ(stage_names(s), (std::vector<std::string>{"C.local", "C", "R"}));
  EXPECT_EQ(s.to_string(), "C.local: i[16] j[24] rk[32]r\nC: i[16] j[24]\nR: i[16] j[24]\n");
  EXPECT_EQ(s.consumers("C.local"), std::vector<std::string>{"C"});
  EXPECT_EQ(s.consumers("C"), std::vector<std::string>{"R"});
  EXPECT_FALSE(s.stage("C.local").is_output);
  // Steps written for the stage still apply to it.
  s.apply(SplitStep{"C", "j", {8}});
  s.apply(ComputeAtStep{"C.local", "C", "j.0"});
  EXPECT_EQ(line(s, "C.local"), "C.local (at C.j.0): i[16] j[24] rk[32]r");
}

TEST(ScheduleState, CacheWriteOfAnOutputKeepsItTheOutput) {
  ScheduleState s = matmul_state();
  s.apply(CacheWriteStep{"C"});
  EXPECT_TRUE(s.stage("C").is_output);
  EXPECT_FALSE(s.stage("C.local").is_output);
  ASSERT_EQ(s.outputs().size(), 1u);
  EXPECT_EQ(s.outputs()[0].op(), s.stage("C").op);
}

TEST(ScheduleState, CacheReadAddsACopyStageForTheReader) {
  ScheduleState s = matmul_state();
  s.apply(SplitStep{"C", "i", {4}});
  s.apply(CacheReadStep{"B", "C"});
  EXPECT_EQ(stage_names(s), (std::vector<std::string>{"B.cache", "C"}));
  EXPECT_EQ(line(s, "B.cache"), "B.cache: i[32] j[24]");
  EXPECT_EQ(line(s, "C"), "C: i.0[4] i.1[4] j[24] rk[32]r") << "the reader keeps its loops";
  EXPECT_EQ(s.consumers("B.cache"), std::vector<std::string>{"C"});
  s.apply(ComputeAtStep{"B.cache", "C", "i.0"});
  EXPECT_EQ(line(s, "B.cache"), "B.cache (at C.i.0): i[32] j[24]");
}

TEST(ScheduleState, RfactorPutsTheFactoredAxisInnermost) {
  ScheduleState s = matmul_state();
  s.apply(SplitStep{"C", "rk", {8}});
  s.apply(RfactorStep{"C", "rk.1"});
  EXPECT_EQ(stage_names(s), (std::vector<std::string>{"C.rf", "C"}));
  EXPECT_EQ(line(s, "C.rf"), "C.rf: i[16] j[24] rk.1[8] rk.0[4]r");
  EXPECT_EQ(line(s, "C"), "C: i[16] j[24] rk.1[8]r");
  EXPECT_EQ(s.consumers("C.rf"), std::vector<std::string>{"C"});
  EXPECT_TRUE(s.stage("C").is_output);
  // The factored axis is a data-parallel loop of C.rf now, so it can be vectorized.
  s.apply(ReorderStep{"C.rf", {"rk.0", "rk.1"}});
  s.apply(AnnotateStep{"C.rf", "rk.1", LoopAnnotation::Vectorize});
  EXPECT_EQ(line(s, "C.rf"), "C.rf: i[16] j[24] rk.0[4]r rk.1[8]@vectorize");
}

TEST(ScheduleState, RfactorOfTheWholeReduction) {
  ScheduleState s = matmul_state();
  s.apply(RfactorStep{"C", "rk"});
  EXPECT_EQ(line(s, "C.rf"), "C.rf: i[16] j[24] rk[32]");
  EXPECT_EQ(line(s, "C"), "C: i[16] j[24] rk[32]r");
}

TEST(ScheduleState, Pragma) {
  ScheduleState s = matmul_state();
  s.apply(PragmaStep{"C", "i", "auto_unroll_max_step", 64});
  EXPECT_EQ(line(s, "C"), "C: i[16]@unroll<=64 j[24] rk[32]r");
  EXPECT_EQ(s.stage("C").iters[0].auto_unroll_max_step, 64);
}

TEST(ScheduleState, ApplyingAListAppliesEachInOrder) {
  ScheduleState s = matmul_state();
  s.apply(std::vector<Step>{SplitStep{"C", "i", {4}}, FuseStep{"C", {"i.1", "j"}},
                            AnnotateStep{"C", "i.0", LoopAnnotation::Parallel}});
  EXPECT_EQ(line(s, "C"), "C: i.0[4]@parallel i.1.j.fused[96] rk[32]r");
  EXPECT_EQ(s.steps().size(), 3u);
}

// ---- errors: each names the step and leaves the state as it was ----

TEST(ScheduleStateErrors, UnknownStageOrLoop) {
  ScheduleState s = matmul_state();
  expect_step_error(s, SplitStep{"X", "i", {4}}, {"no stage named 'X'", "C"});
  expect_step_error(s, SplitStep{"C", "q", {4}}, {"no loop 'q'"});
  expect_step_error(s, FuseStep{"C", {"i", "q"}}, {"no loop 'q'"});
  expect_step_error(s, ReorderStep{"C", {"q", "i"}}, {"no loop 'q'"});
  expect_step_error(s, AnnotateStep{"C", "q", LoopAnnotation::Unroll}, {"no loop 'q'"});
  expect_step_error(s, PragmaStep{"C", "q", "auto_unroll_max_step", 8}, {"no loop 'q'"});
  expect_step_error(s, RfactorStep{"C", "q"}, {"no loop 'q'"});
  expect_step_error(s, ComputeInlineStep{"X"}, {"no stage named 'X'"});
  expect_step_error(s, ComputeRootStep{"X"}, {"no stage named 'X'"});
  expect_step_error(s, CacheWriteStep{"X"}, {"no stage named 'X'"});
  expect_step_error(s, CacheReadStep{"B", "X"}, {"no stage named 'X'"});
  expect_step_error(s, CacheReadStep{"Q", "C"}, {"does not read a tensor named 'Q'"});
  // A loop name that existed before a split is gone after it.
  s.apply(SplitStep{"C", "i", {4}});
  expect_step_error(s, SplitStep{"C", "i", {2}}, {"no loop 'i'"});
}

TEST(ScheduleStateErrors, ComputeAtUnknownTargetNamesTheStep) {
  ScheduleState s = matmul_relu_state();
  expect_step_error(s, ComputeAtStep{"C", "X", "i"}, {"no stage named 'X'"});
  expect_step_error(s, ComputeAtStep{"C", "R", "q"}, {"no loop 'q'"});
}

TEST(ScheduleStateErrors, Split) {
  ScheduleState s = matmul_state();
  expect_step_error(s, SplitStep{"C", "i", {0}}, {"not positive"});
  expect_step_error(s, SplitStep{"C", "i", {4, -2}}, {"not positive"});
  expect_step_error(s, SplitStep{"C", "i", {}}, {"no split factors"});
  expect_step_error(s, SplitStep{"C", "i", {2, 2}, true}, {"nparts takes exactly one factor"});
  // Factors whose loops would cover more than 32-bit indices reach (a record could say anything).
  expect_step_error(s, SplitStep{"C", "i", {int64_t(1) << 20, int64_t(1) << 20}}, {"multiply to more than 2147483647"});
  expect_step_error(s, SplitStep{"C", "i", {std::numeric_limits<int64_t>::max(), 2}}, {"multiply to more than"});
}

TEST(ScheduleStateErrors, Fuse) {
  ScheduleState s = chain_state();
  expect_step_error(s, FuseStep{"D", {"i", "k"}}, {"adjacent"});
  expect_step_error(s, FuseStep{"D", {"j", "i"}}, {"adjacent"});  // listed inner first
  expect_step_error(s, FuseStep{"D", {"i", "i"}}, {"adjacent"});
  expect_step_error(s, FuseStep{"D", {"i"}}, {"at least two loops"});
  ScheduleState m = matmul_state();
  expect_step_error(m, FuseStep{"C", {"j", "rk"}},
                    {"cannot fuse a reduction loop with a data-parallel loop"});
}

TEST(ScheduleStateErrors, Reorder) {
  ScheduleState s = matmul_state();
  expect_step_error(s, ReorderStep{"C", {"i", "j", "i"}}, {"'i' is listed twice"});
}

TEST(ScheduleStateErrors, Annotate) {
  ScheduleState s = matmul_state();
  expect_step_error(s, AnnotateStep{"C", "rk", LoopAnnotation::Vectorize},
                    {"cannot vectorize reduction loop 'rk'"});
  expect_step_error(s, AnnotateStep{"C", "i", LoopAnnotation::Vectorize},
                    {"only the innermost loop"});
  expect_step_error(s, AnnotateStep{"C", "rk", LoopAnnotation::Parallel},
                    {"cannot parallelize reduction loop 'rk'"});
  s.apply(AnnotateStep{"C", "i", LoopAnnotation::Parallel});
  expect_step_error(s, AnnotateStep{"C", "j", LoopAnnotation::Parallel},
                    {"'i' is already parallel", "nested"});
}

TEST(ScheduleStateErrors, ComputeAt) {
  ScheduleState s = chain_state();
  expect_step_error(s, ComputeAtStep{"D", "D", "i"}, {"'D' is an output"});
  expect_step_error(s, ComputeAtStep{"B", "D", "i"},
                    {"'D' is neither the consumer 'C' nor a stage it is computed inside"});
  s.apply(ComputeAtStep{"C", "D", "i"});
  // C is computed at the start of D.i's body; B computed inside D.j would come after C reads it.
  expect_step_error(s, ComputeAtStep{"B", "D", "j"}, {"'C' is computed at loop 'i', outside 'j'"});
  expect_step_error(s, ComputeAtStep{"A", "C", "i"},
                    {"no stage named 'A'"});  // placeholders are not stages

  // Two consumers: compute_at would have to pick one.
  Tensor a = input({8}, "A");
  Tensor b = compute(
      {8}, [&](const std::vector<Var>& i) { return a(i[0]) + 1.0f; }, "B");
  Tensor c = compute(
      {8}, [&](const std::vector<Var>& i) { return b(i[0]) * 2.0f; }, "C");
  Tensor d = compute(
      {8}, [&](const std::vector<Var>& i) { return b(i[0]) + c(i[0]); }, "D");
  ScheduleState two({d});
  expect_step_error(two, ComputeAtStep{"B", "D", "i"}, {"'B' has 2 consumers"});

  ScheduleState inlined = chain_state();
  inlined.apply(ComputeInlineStep{"C"});
  expect_step_error(inlined, ComputeAtStep{"B", "C", "i"}, {"'C' is inlined and has no loops"});
}

TEST(ScheduleStateErrors, ComputeInline) {
  ScheduleState s = matmul_relu_state();
  expect_step_error(s, ComputeInlineStep{"C"}, {"'C' is a reduction and cannot be inlined"});
  expect_step_error(s, ComputeInlineStep{"R"}, {"'R' is an output and cannot be inlined"});
  ScheduleState chain = chain_state();
  chain.apply(ComputeAtStep{"B", "C", "i"});
  expect_step_error(chain, ComputeInlineStep{"C"}, {"'B' is computed at loop 'i' of 'C'"});
}

TEST(ScheduleStateErrors, CacheWrite) {
  ScheduleState s = matmul_state();
  s.apply(SplitStep{"C", "i", {4}});
  expect_step_error(s, CacheWriteStep{"C"},
                    {"cache_write must come before other steps on stage 'C'"});
  ScheduleState again = matmul_state();
  again.apply(CacheWriteStep{"C"});
  expect_step_error(again, CacheWriteStep{"C"}, {"'C' already has a cache stage"});
}

TEST(ScheduleStateErrors, CacheRead) {
  ScheduleState s = matmul_state();
  s.apply(CacheReadStep{"B", "C"});
  expect_step_error(s, CacheReadStep{"B", "C"},
                    {"does not read a tensor named 'B'"});  // C reads B.cache now
}

TEST(ScheduleStateErrors, Rfactor) {
  ScheduleState s = matmul_relu_state();
  expect_step_error(s, RfactorStep{"C", "i"}, {"'i' is not a reduction loop"});
  s.apply(ComputeAtStep{"C", "R", "i"});
  expect_step_error(s, RfactorStep{"C", "rk"}, {"computed at the root"});
  ScheduleState twice = matmul_state();
  twice.apply(SplitStep{"C", "rk", {8}});
  twice.apply(RfactorStep{"C", "rk.1"});
  expect_step_error(twice, RfactorStep{"C", "rk.1"}, {"'C' already has an rfactor stage"});
}

TEST(ScheduleStateErrors, Pragma) {
  ScheduleState s = matmul_state();
  expect_step_error(s, PragmaStep{"C", "i", "unroll_everything", 8},
                    {"unknown pragma 'unroll_everything'"});
  expect_step_error(s, PragmaStep{"C", "i", "auto_unroll_max_step", -1}, {"must not be negative"});
}

TEST(ScheduleState, ApplyReturnsTheLoopsItMade) {
  ScheduleState s = matmul_relu_state();
  EXPECT_EQ(s.apply(SplitStep{"R", "j", {4, 2}}), (std::vector<std::string>{"j.0", "j.1", "j.2"}));
  EXPECT_EQ(s.apply(FuseStep{"R", {"i", "j.0"}}), (std::vector<std::string>{"i.j.0.fused"}));
  EXPECT_TRUE(s.apply(AnnotateStep{"R", "j.2", LoopAnnotation::Vectorize}).empty());
  EXPECT_TRUE(s.apply(ReorderStep{"R", {"j.2", "j.1"}}).empty());
  EXPECT_EQ(s.apply(CacheWriteStep{"C"}), (std::vector<std::string>{"i", "j", "rk"}));
  EXPECT_EQ(s.apply(CacheReadStep{"A", "C.local"}), (std::vector<std::string>{"i", "j"}));
  EXPECT_TRUE(s.apply(ComputeAtStep{"A.cache", "C.local", "i"}).empty());
  ScheduleState d = matmul_state();
  d.apply(SplitStep{"C", "rk", {8}});
  EXPECT_EQ(d.apply(RfactorStep{"C", "rk.1"}), (std::vector<std::string>{"i", "j", "rk.1", "rk.0"}));
}

TEST(ScheduleState, NamesTakenBeforeStageAddingStepsStayValid) {
  // Stage-adding steps move the stages; names (not references) carry across them.
  ScheduleState s = matmul_relu_state();
  std::vector<std::string> r = s.apply(SplitStep{"R", "i", {4}});
  std::vector<std::string> c = s.apply(SplitStep{"C", "j", {8}});
  s.apply(CacheReadStep{"B", "C"});
  s.apply(CacheReadStep{"A", "C"});
  s.apply(RfactorStep{"C", "rk"});
  s.apply(AnnotateStep{"R", r[1], LoopAnnotation::Unroll});
  s.apply(ComputeAtStep{"C", "R", r[0]});
  std::vector<std::string> rf = s.apply(SplitStep{"C.rf", "j", {8}});
  s.apply(AnnotateStep{"C.rf", rf.back(), LoopAnnotation::Unroll});
  EXPECT_EQ(stage_names(s), (std::vector<std::string>{"B.cache", "A.cache", "C.rf", "C", "R"}));
  EXPECT_EQ(line(s, "R"), "R: i.0[4] i.1[4]@unroll j[24]");
  EXPECT_EQ(line(s, "C.rf"), "C.rf: i[16] j.0[3] j.1[8]@unroll rk[32]");
  (void)c;
}

TEST(ScheduleState, FollowSplitReusesTheSourceFactors) {
  ScheduleState s = matmul_relu_state();
  s.apply(SplitStep{"C", "i", {2, 4}});  // step 0: i -> 2 x 2 x 4
  // n_split = 1: one factor, the product of all the source's factors.
  EXPECT_EQ(s.apply(FollowSplitStep{"R", "i", 0, 1}), (std::vector<std::string>{"i.0", "i.1"}));
  EXPECT_EQ(line(s, "R"), "R: i.0[2] i.1[8] j[24]");
  ScheduleState t = matmul_relu_state();
  t.apply(SplitStep{"C", "i", {2, 4}});
  // n_split = 2: the first factor, then the product of the rest.
  t.apply(FollowSplitStep{"R", "i", 0, 2});
  EXPECT_EQ(line(t, "R"), "R: i.0[2] i.1[2] i.2[4] j[24]");
  ScheduleState u = matmul_relu_state();
  u.apply(SplitStep{"C", "i", {2, 4}});
  // n_split = factors + 1: every factor, then 1.
  u.apply(FollowSplitStep{"R", "i", 0, 3});
  EXPECT_EQ(line(u, "R"), "R: i.0[2] i.1[2] i.2[4] i.3[1] j[24]");
  EXPECT_EQ(to_string(u.steps()[1]), "follow_split(R, i, step 0, n_split=3)") << "the history keeps the follow step";
}

TEST(ScheduleState, FollowFusedSplitMultipliesALevel) {
  ScheduleState s = matmul_relu_state();
  s.apply(SplitStep{"C", "i", {2, 4}});  // step 0
  s.apply(SplitStep{"C", "j", {3, 2}});  // step 1
  s.apply(FuseStep{"R", {"i", "j"}});    // 384 iterations
  EXPECT_EQ(s.apply(FollowFusedSplitStep{"R", "i.j.fused", {0, 1}, 0, true}),
            (std::vector<std::string>{"i.j.fused.0", "i.j.fused.1"}));
  EXPECT_EQ(line(s, "R"), "R: i.j.fused.0[64] i.j.fused.1[6]");
  ScheduleState t = matmul_relu_state();
  t.apply(SplitStep{"C", "i", {2, 4}});
  t.apply(SplitStep{"C", "j", {3, 2}});
  t.apply(FuseStep{"R", {"i", "j"}});
  t.apply(FollowFusedSplitStep{"R", "i.j.fused", {0, 1}, 1, false});  // 8 parts
  EXPECT_EQ(line(t, "R"), "R: i.j.fused.0[8] i.j.fused.1[48]");
}

TEST(ScheduleStateErrors, FollowSplit) {
  ScheduleState s = matmul_relu_state();
  s.apply(SplitStep{"C", "i", {2, 4}});  // 0
  s.apply(FuseStep{"C", {"i.1", "i.2"}});  // 1
  s.apply(SplitStep{"C", "j", {4}, true});  // 2
  expect_step_error(s, FollowSplitStep{"R", "i", 5, 1}, {"source step 5 does not exist"});
  expect_step_error(s, FollowSplitStep{"R", "i", -1, 1}, {"source step -1 does not exist"});
  expect_step_error(s, FollowSplitStep{"R", "i", 1, 1}, {"source step 1 is fuse(C", "not a split"});
  expect_step_error(s, FollowSplitStep{"R", "i", 2, 1}, {"nparts split"});
  expect_step_error(s, FollowSplitStep{"R", "i", 0, 0}, {"n_split must be between 1 and 3"});
  expect_step_error(s, FollowSplitStep{"R", "i", 0, 4}, {"n_split must be between 1 and 3"});
  expect_step_error(s, FollowSplitStep{"R", "nope", 0, 1}, {"no loop 'nope'"});
  expect_step_error(s, FollowFusedSplitStep{"R", "i", {0, 1}, 0, true}, {"source step 1 is fuse(C", "not a split"});
  expect_step_error(s, FollowFusedSplitStep{"R", "i", {0}, 2, true}, {"source step 0 has 2 factors, no level 2"});
  expect_step_error(s, FollowFusedSplitStep{"R", "i", {}, 0, true}, {"no source steps"});
  expect_step_error(s, FollowFusedSplitStep{"R", "i", {0}, -1, true}, {"level -1 is negative"});
}

TEST(ScheduleStateErrors, LoopsWithAttachedStagesCannotBeRestructured) {
  ScheduleState s = matmul_relu_state();
  s.apply(ComputeAtStep{"C", "R", "i"});
  expect_step_error(s, SplitStep{"R", "i", {4}}, {"'C' is computed at loop 'i' of 'R'"});
  expect_step_error(s, FuseStep{"R", {"i", "j"}}, {"'C' is computed at loop 'i' of 'R'"});
}

}  // namespace
}  // namespace tt
