// Every candidate the sketch search can produce must lower, compile and compute the reference:
// random annotations of every sketch of each operator family, and their mutations and crossovers,
// are built and checked against the TE interpreter. Also pins the tile-size factorizations.
#include <gtest/gtest.h>

#include <optional>

#include "codegen/runtime.h"
#include "ir/error.h"
#include "search/measure/build.h"
#include "search/sketch/sketch_policy.h"
#include "tests/ir/sketch_workloads.h"
#include "tests/search/candidate_check.h"

namespace tt {
namespace {

using test::check_candidate;
using test::host_hardware;

struct Family {
  const char* name;
  std::vector<Tensor> outputs;
  std::vector<std::string> constants = {};  // weights: the candidates may rewrite their layout
};

std::vector<Family> families() {
  return {
      {"matmul", test::matmul_graph(16, 24, 12)},
      {"matmul_rfactor", test::matmul_graph(1, 4, 96), {"B"}},
      {"dense", test::dense_graph(2, 20, 32), {"W"}},
      {"conv_bias_relu", test::conv_bias_relu_graph(3, 8, 6), {"w", "b"}},
      // Output channels of at least one native vector: the vector axis is a choice (channels or
      // the output row).
      {"conv_wide_channels", test::conv_bias_relu_graph(3, 32, 5), {"w", "b"}},
      {"depthwise", test::depthwise_graph(4, 6), {"w"}},
      {"max_pool", test::max_pool_graph(3, 7)},
      {"softmax", test::softmax_graph(3, 20)},
      {"elementwise", test::elementwise_graph()},
      {"two_matmuls_add", test::two_matmuls_add_graph()},
  };
}

TEST(SketchAnnotation, FactorizationsAreExactAndCapped) {
  Annotator an({}, HardwareParams{}, SketchParams{});
  EXPECT_EQ(an.factorizations(12, 2, 64),
            (std::vector<std::vector<int64_t>>{{1, 12}, {2, 6}, {3, 4}, {4, 3}, {6, 2}, {12, 1}}));
  EXPECT_EQ(an.factorizations(12, 2, 4),
            (std::vector<std::vector<int64_t>>{{3, 4}, {4, 3}, {6, 2}, {12, 1}}));
  // Ordered factorizations of 2^8 into 4 parts: C(8 + 3, 3).
  EXPECT_EQ(an.factorizations(256, 4, 256).size(), 165u);
  for (const auto& f : an.factorizations(96, 4, 8)) {
    EXPECT_EQ(f[0] * f[1] * f[2] * f[3], 96);
    EXPECT_LE(f[3], 8);
  }
  EXPECT_EQ(an.factorizations(7, 3, 64).size(), 3u);  // 7 goes to one of the three levels
}

TEST(SketchAnnotation, EveryCandidateComputesTheReference) {
  // Two threads, so the parallel decisions are exercised; the count is what keeps this test fast
  // (each candidate is one compile).
  constexpr int kSamplesPerFamily = 20;
  constexpr int kChildrenPerFamily = 10;
  KernelCompiler compiler;
  set_num_threads(2);
  int checked = 0;
  for (const Family& f : families()) {
    SCOPED_TRACE(f.name);
    SketchPolicy policy(f.outputs, host_hardware(2), SketchParams{}, 7, f.constants);
    int rewritten = 0;
    ScheduleState initial(f.outputs);
    std::vector<Tensor> inputs = initial.inputs();
    std::vector<NDArray> values = random_inputs(inputs, 11);
    std::vector<NDArray> expected = reference_outputs(f.outputs, inputs, values);
    // The sketches in turn, so each is sampled; a fresh sample is never invalid.
    std::mt19937_64 rng(3);
    std::vector<SketchCandidate> samples;
    for (int i = 0; i < kSamplesPerFamily; ++i) {
      int sketch = i % int(policy.sketches().size());
      std::optional<SketchCandidate> c =
          sample_candidate(policy.annotator(), policy.sketches(), sketch, rng);
      ASSERT_TRUE(c.has_value()) << "sketch " << sketch << ":\n"
                                 << to_string(policy.sketches()[sketch]);
      check_candidate(f.outputs, c->steps, compiler, values, expected);
      for (const Step& s : c->steps) rewritten += std::holds_alternative<LayoutRewriteStep>(s);
      samples.push_back(std::move(*c));
      ++checked;
    }
    int children = 0;
    for (int attempt = 0; attempt < 20 * kChildrenPerFamily && children < kChildrenPerFamily;
         ++attempt) {
      const SketchCandidate& a = samples[rng() % samples.size()];
      const SketchCandidate& b = samples[rng() % samples.size()];
      std::optional<SketchCandidate> child =
          attempt % 3 == 2 ? policy.crossover(a, b) : policy.mutate(a, MutationKind(attempt % 6));
      if (!child) continue;
      check_candidate(f.outputs, child->steps, compiler, values, expected);
      ++children;
      ++checked;
    }
    EXPECT_GT(children, 0);
    // Every family whose weights a reduction reads gets candidates that store them in loop order.
    if (f.constants.empty()) EXPECT_EQ(rewritten, 0);
    else EXPECT_GT(rewritten, 0);
  }
  set_num_threads(1);
  std::printf("sketch candidates checked: %d\n", checked);
}

TEST(SketchAnnotation, DecisionsReplayToTheSameSteps) {
  // Once drawn, decisions alone determine the steps: no generator needed, same candidate.
  SketchPolicy policy(test::conv_bias_relu_graph(), host_hardware(2), SketchParams{}, 21);
  for (const SketchCandidate& c : policy.sample_init_population(20)) {
    Decisions copy = c.decisions;
    EXPECT_EQ(
        candidate_key(policy.annotator().materialize(policy.sketches()[c.sketch], copy, nullptr)),
        c.key);
    EXPECT_FALSE(to_string(policy.sketches()[c.sketch], copy).empty());
  }
}

TEST(SketchAnnotation, TileSizeMutationMovesOneFactor) {
  SketchPolicy policy(test::matmul_graph(64, 48, 32), host_hardware(2), SketchParams{}, 4);
  std::vector<SketchCandidate> samples = policy.sample_init_population(10);
  int mutated = 0;
  for (const SketchCandidate& parent : samples) {
    std::optional<SketchCandidate> child = policy.mutate(parent, MutationKind::TileSize);
    if (!child) continue;
    ++mutated;
    EXPECT_EQ(child->sketch, parent.sketch);
    int changed = 0;
    for (size_t s = 0; s < parent.decisions.stages.size(); ++s) {
      const auto& a = parent.decisions.stages[s].tiles;
      const auto& b = child->decisions.stages[s].tiles;
      ASSERT_EQ(a.size(), b.size());
      for (size_t t = 0; t < a.size(); ++t) {
        if (a[t] == b[t]) continue;
        ++changed;
        int64_t pa = 1, pb = 1;
        for (int64_t x : a[t]) pa *= x;
        for (int64_t x : b[t]) pb *= x;
        EXPECT_EQ(pa, pb);  // the extent is still covered exactly
        EXPECT_LE(b[t].back(), policy.params().max_innermost_split_factor);
      }
    }
    EXPECT_EQ(changed, 1);
    EXPECT_NE(child->key, parent.key);
  }
  EXPECT_GT(mutated, 5);
}

TEST(SketchAnnotation, LayoutRewriteIsADecisionThatMutationFlips) {
  // With the vector axis fixed: a channel vector packs the weights whatever this decision says
  // (VectorAxisAlongOutputChannels).
  SketchParams params;
  params.vector_axis_choice = false;
  SketchPolicy policy(test::conv_bias_relu_graph(), host_hardware(2), params, 5, {"w", "b"});
  auto packs = [](const Candidate& c) {
    int n = 0;
    for (const Step& s : c) n += std::holds_alternative<LayoutRewriteStep>(s);
    return n;
  };
  int with = 0, without = 0, flipped = 0;
  for (const SketchCandidate& parent : policy.sample_init_population(30)) {
    ASSERT_EQ(parent.decisions.packable_weights, 1) << "only w is read by the reduction";
    (parent.decisions.layout_rewrite == 1 ? with : without)++;
    EXPECT_EQ(packs(parent.steps), parent.decisions.layout_rewrite);
    if (auto child = policy.mutate(parent, MutationKind::LayoutRewrite)) {
      EXPECT_EQ(child->decisions.layout_rewrite, 1 - parent.decisions.layout_rewrite);
      EXPECT_EQ(packs(child->steps), child->decisions.layout_rewrite);
      ++flipped;
    }
  }
  EXPECT_GT(with, 0);
  EXPECT_GT(without, 0);
  EXPECT_GT(flipped, 0);
  // Without weights to pack there is nothing to flip.
  SketchPolicy plain(test::conv_bias_relu_graph(), host_hardware(2), SketchParams{}, 5);
  for (const SketchCandidate& parent : plain.sample_init_population(5)) {
    EXPECT_EQ(parent.decisions.packable_weights, 0);
    EXPECT_FALSE(plain.mutate(parent, MutationKind::LayoutRewrite).has_value());
  }
}

TEST(SketchAnnotation, ParallelAndUnrollMutationsChangeTheirDecision) {
  SketchPolicy policy(test::matmul_graph(64, 64, 64), host_hardware(2), SketchParams{}, 8);
  int parallel = 0, unroll = 0;
  for (const SketchCandidate& parent : policy.sample_init_population(10)) {
    if (auto child = policy.mutate(parent, MutationKind::Parallel)) {
      bool differs = false;
      for (size_t s = 0; s < parent.decisions.stages.size(); ++s)
        differs |=
            parent.decisions.stages[s].parallel_depth != child->decisions.stages[s].parallel_depth;
      EXPECT_TRUE(differs);
      ++parallel;
    }
    if (auto child = policy.mutate(parent, MutationKind::AutoUnroll)) {
      bool differs = false;
      for (size_t s = 0; s < parent.decisions.stages.size(); ++s)
        differs |= parent.decisions.stages[s].auto_unroll != child->decisions.stages[s].auto_unroll;
      EXPECT_TRUE(differs);
      ++unroll;
    }
  }
  EXPECT_GT(parallel, 0);
  EXPECT_GT(unroll, 0);
}

// A 12-lane vector copy of a GEMM panel computed inside an auto-unrolled accumulator used to die of
// SIGSEGV on AVX-512: codegen claimed more alignment than the panel's 12-element rows have (the
// known multiple of an index was capped, not reduced by gcd) and LLVM emitted an aligned 32-byte
// access. Fixed in codegen's element_alignment; this pins it.
TEST(SketchAnnotation, OddVectorWidthInsideUnrolledTile) {
  auto outputs = test::matmul_graph(16, 24, 12);
  std::vector<Step> steps = {
      CacheWriteStep{"C"},
      CacheReadStep{"B", "C.local"},
      SplitStep{"C", "i", {2, 8, 1}},
      SplitStep{"C", "j", {2, 1, 6}},
      ReorderStep{"C", {"i.0", "j.0", "i.1", "j.1", "i.2", "j.2", "i.3", "j.3"}},
      AnnotateStep{"C", "j.3", LoopAnnotation::Vectorize},
      ComputeAtStep{"C.local", "C", "j.0"},
      SplitStep{"C.local", "i", {8, 1}},
      SplitStep{"C.local", "j", {1, 6}},
      SplitStep{"C.local", "rk", {3}},
      ReorderStep{"C.local", {"i.0", "j.0", "rk.0", "i.1", "j.1", "rk.1", "i.2", "j.2"}},
      AnnotateStep{"C.local", "j.2", LoopAnnotation::Vectorize},
      PragmaStep{"C.local", "i.0", "auto_unroll_max_step", 512},
      AnnotateStep{"B.cache", "j", LoopAnnotation::Vectorize},  // 12 lanes: the region at i.0
      ComputeAtStep{"B.cache", "C.local", "i.0"},
  };
  KernelCompiler compiler;
  ScheduleState initial(outputs);
  std::vector<Tensor> inputs = initial.inputs();
  std::vector<NDArray> values = random_inputs(inputs, 11);
  check_candidate(outputs, steps, compiler, values, reference_outputs(outputs, inputs, values));
}

// The rfactored max-pool's partial stage keeps a reduce loop of extent 1, and the pad stage computed
// at the data-parallel loop just outside it used to get a region that still named that loop's
// variable (bound inference returned a modulo of a fixed operand as written, not with the fixed
// value substituted), which the verifier rejected.
TEST(SketchAnnotation, ProducerAtLoopOutsideUnitReduceLoop) {
  auto outputs = test::max_pool_graph(3, 7);
  std::vector<Step> steps = {
      FuseStep{"pool", {"ry", "rx"}},
      SplitStep{"pool", "ry.rx.fused", {1}},
      RfactorStep{"pool", "ry.rx.fused.0"},
      ComputeAtStep{"pool.rf", "pool", "j"},
      ComputeAtStep{"pool.pad", "pool.rf", "ry.rx.fused.0"},
  };
  KernelCompiler compiler;
  ScheduleState initial(outputs);
  std::vector<Tensor> inputs = initial.inputs();
  std::vector<NDArray> values = random_inputs(inputs, 11);
  check_candidate(outputs, steps, compiler, values, reference_outputs(outputs, inputs, values));
}

}  // namespace
}  // namespace tt

namespace tt {
namespace {

// A convolution whose output channels span vectors may vectorize its register tile along them:
// that tile is stored channels-last, the weights are packed to follow it (whatever the
// layout_rewrite decision says), every such candidate computes the reference, and mutation
// moves the vector axis.
TEST(SketchAnnotation, VectorAxisAlongOutputChannels) {
  const int lanes = std::max(2, host_hardware(1).vector_lanes);
  std::vector<Tensor> outputs = test::conv_bias_relu_graph(3, 2 * lanes, 5);
  SketchPolicy policy(outputs, host_hardware(1), SketchParams{}, 13, {"w", "b"});
  KernelCompiler compiler;
  ScheduleState initial(outputs);
  std::vector<Tensor> inputs = initial.inputs();
  std::vector<NDArray> values = random_inputs(inputs, 5);
  std::vector<NDArray> expected = reference_outputs(outputs, inputs, values);
  auto off_axis = [&](const SketchCandidate& c) {
    for (size_t s = 0; s < c.decisions.stages.size(); ++s)
      if (c.decisions.stages[s].vector_axis_count > 1 && c.decisions.stages[s].vector_axis > 0) return true;
    return false;
  };
  auto storage_rewrites = [](const Candidate& steps, const std::string& stage) {
    int n = 0;
    for (const Step& s : steps)
      if (const auto* l = std::get_if<LayoutRewriteStep>(&s); l && l->tensor == stage) ++n;
    return n;
  };
  int along_channels = 0, along_rows = 0, moved = 0;
  for (const SketchCandidate& c : policy.sample_init_population(40)) {
    const Sketch& sketch = policy.sketches()[c.sketch];
    for (size_t s = 0; s < sketch.stages.size(); ++s) {
      if (sketch.stages[s].role != StageRole::TiledFused) continue;
      const StageDecision& d = c.decisions.stages[s];
      ASSERT_EQ(d.vector_axis_count, 2) << "the output row, or the channels (5 rows are too few)";
      bool off = d.vector_axis > 0;
      EXPECT_EQ(storage_rewrites(c.steps, sketch.stages[s].name), off ? 1 : 0);
      if (off) EXPECT_EQ(storage_rewrites(c.steps, "w"), 1) << "the weights follow a channel vector";
    }
    if (off_axis(c)) {
      ++along_channels;
      if (along_channels <= 6) test::check_candidate(outputs, c.steps, compiler, values, expected);
    } else {
      ++along_rows;
    }
    if (auto child = policy.mutate(c, MutationKind::VectorAxis)) {
      EXPECT_NE(child->key, c.key);
      ++moved;
      if (moved <= 4) test::check_candidate(outputs, child->steps, compiler, values, expected);
    }
  }
  EXPECT_GT(along_channels, 0);
  EXPECT_GT(along_rows, 0);
  EXPECT_GT(moved, 0);
  // Off by parameter, or without weights to pack: Ansor's rule, the unit-stride axis only.
  SketchParams ansor;
  ansor.vector_axis_choice = false;
  SketchPolicy plain(outputs, host_hardware(1), ansor, 13, {"w", "b"});
  for (const SketchCandidate& c : plain.sample_init_population(10)) EXPECT_FALSE(off_axis(c));
  SketchPolicy no_weights(outputs, host_hardware(1), SketchParams{}, 13);
  for (const SketchCandidate& c : no_weights.sample_init_population(10)) EXPECT_FALSE(off_axis(c));
}

}  // namespace
}  // namespace tt
