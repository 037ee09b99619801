// Pins the sketches of each operator family: how many there are and their structure (which rules
// built them, which stage is inlined, cache-written, rfactored, tiled or fused).
#include <gtest/gtest.h>

#include <algorithm>

#include "ir/error.h"
#include "search/sketch/sketch_rules.h"
#include "tests/ir/sketch_workloads.h"

namespace tt {
namespace {

HardwareParams threads(int n) {
  HardwareParams hw;
  hw.num_threads = n;
  return hw;
}

// The rules, then "stage=role[@level]" for every stage in emission order: one line per sketch.
std::vector<std::string> summary(const std::vector<Sketch>& sketches) {
  std::vector<std::string> out;
  for (const Sketch& s : sketches) {
    std::string line;
    for (const std::string& r : s.rules) line.append(r).append(" ");
    line.append("|");
    for (const SketchStage& st : s.stages) {
      line.append(" ").append(st.name).append("=").append(stage_role_name(st.role));
      if (st.fuse_level) line.append("@").append(std::to_string(st.fuse_level));
    }
    out.push_back(line);
  }
  return out;
}

TEST(SketchRules, MatmulHasTiledCacheWriteAndFusedVariants) {
  // Tiled alone, or cache-written and fused into the copy at level 1 or 2, each with or without
  // B packed into a panel.
  auto sketches = generate_sketches(test::matmul_graph(), threads(2));
  EXPECT_EQ(summary(sketches), (std::vector<std::string>{
                                   "multi_level_tiling | C=tiled SSRSRS",
                                   "add_cache_write tiling_with_fusion(1) | C=fused consumer@1 "
                                   "C.local=tiled, fused into consumer@1",
                                   "add_cache_write tiling_with_fusion(1) add_cache_read | C=fused "
                                   "consumer@1 C.local=tiled, fused into consumer@1 B.cache=simple",
                                   "add_cache_write tiling_with_fusion(2) | C=fused consumer@2 "
                                   "C.local=tiled, fused into consumer@2",
                                   "add_cache_write tiling_with_fusion(2) add_cache_read | C=fused "
                                   "consumer@2 C.local=tiled, fused into consumer@2 B.cache=simple",
                               }));
  EXPECT_EQ(to_string(sketches[4]),
            "rules: add_cache_write tiling_with_fusion(2) add_cache_read\n"
            "  cache_write(C)\n"
            "  cache_read(B, C.local)\n"
            "  C: fused consumer of C.local, levels 0..1\n"
            "  C.local: tiled, fused into consumer C at level 2\n"
            "  B.cache: simple\n");
}

TEST(SketchRules, DenseAlsoGetsDotProductRfactors) {
  // W [N, K] is read with unit stride along k only: besides matmul's three sketches, the two
  // rfactor ones whose partial sums vectorize along k (the default schedule's dot product).
  EXPECT_EQ(summary(generate_sketches(test::dense_graph(), threads(2))),
            (std::vector<std::string>{
                "add_rfactor(inner) | dense=simple dense.rf=simple",
                "add_rfactor(outer) | dense=simple dense.rf=simple",
                "multi_level_tiling | dense=tiled SSRSRS",
                "add_cache_write tiling_with_fusion(1) | dense=fused consumer@1 dense.local=tiled, "
                "fused into consumer@1",
                "add_cache_write tiling_with_fusion(2) | dense=fused consumer@2 dense.local=tiled, "
                "fused into consumer@2",
            }));
}

TEST(SketchRules, SmallSpaceLongReductionGetsRfactor) {
  // 1x4 outputs over 512 terms: too little spatial work for the threads, so rfactor variants come
  // first (both parts), beside the usual tiled ones.
  auto sketches = generate_sketches(test::matmul_graph(1, 4, 512), threads(2));
  std::vector<std::string> lines = summary(sketches);
  ASSERT_EQ(lines.size(), 7u);  // the two rfactor sketches, then matmul's five
  EXPECT_EQ(lines[0], "add_rfactor(inner) | C=simple C.rf=simple");
  EXPECT_EQ(lines[1], "add_rfactor(outer) | C=simple C.rf=simple");
  EXPECT_EQ(lines[2], "multi_level_tiling | C=tiled SSRSRS");
  EXPECT_EQ(to_string(sketches[0]),
            "rules: add_rfactor(inner)\n"
            "  rfactor(C, fused reduce loop split by ?, inner part)\n"
            "  C: simple (rfactor)\n"
            "  C.rf: simple (rfactor)\n");
}

TEST(SketchRules, ConvBiasReluFusesTheEpilogue) {
  // bias_add is always inlined; conv fuses into relu at level 1 or 2, or is tiled alone (no cache
  // write: relu already is an element-wise consumer); the pad stage (a select) stays untiled.
  EXPECT_EQ(summary(generate_sketches(test::conv_bias_relu_graph(), threads(2))),
            (std::vector<std::string>{
                "always_inline tiling_with_fusion(1) | relu=fused consumer@1 bias=inlined "
                "conv=tiled, fused into "
                "consumer@1 conv.pad=simple",
                "always_inline tiling_with_fusion(2) | relu=fused consumer@2 bias=inlined "
                "conv=tiled, fused into "
                "consumer@2 conv.pad=simple",
                "always_inline multi_level_tiling | relu=simple bias=inlined conv=tiled SSRSRS "
                "conv.pad=simple",
            }));
}

TEST(SketchRules, DepthwiseConv) {
  EXPECT_EQ(summary(generate_sketches(test::depthwise_graph(), threads(2))),
            (std::vector<std::string>{
                "multi_level_tiling | dwconv=tiled SSRSRS dwconv.pad=simple",
                "add_cache_write tiling_with_fusion(1) | dwconv=fused consumer@1 "
                "dwconv.local=tiled, fused into "
                "consumer@1 dwconv.pad=simple",
                "add_cache_write tiling_with_fusion(2) | dwconv=fused consumer@2 "
                "dwconv.local=tiled, fused into "
                "consumer@2 dwconv.pad=simple",
            }));
}

TEST(SketchRules, MaxPoolRfactorDependsOnThreads) {
  // No reuse, so no tiling; a 3x3 window is longer than 2 cores, so rfactor variants join.
  EXPECT_EQ(summary(generate_sketches(test::max_pool_graph(), threads(2))),
            (std::vector<std::string>{
                "add_rfactor(inner) | pool=simple pool.rf=simple pool.pad=simple",
                "add_rfactor(outer) | pool=simple pool.rf=simple pool.pad=simple",
                "| pool=simple pool.pad=simple",
            }));
  EXPECT_EQ(generate_sketches(test::max_pool_graph(), threads(16)).size(), 1u);
}

TEST(SketchRules, Softmax) {
  // The normalization reads max[i] and expsum[i] along j (reuse, no reduction): tiled, never
  // cache-written; each of the two reductions has its rfactor variants (3 x 3 sketches).
  auto sketches = generate_sketches(test::softmax_graph(), threads(2));
  ASSERT_EQ(sketches.size(), 9u);
  for (const Sketch& s : sketches) {
    EXPECT_EQ(s.stages[0].name, "softmax");
    EXPECT_EQ(s.stages[0].role, StageRole::Tiled);
  }
  EXPECT_EQ(
      summary({sketches.back()}),
      std::vector<std::string>{
          "multi_level_tiling | softmax=tiled SSRSRS softmax.expsum=simple softmax.max=simple"});
}

TEST(SketchRules, ElementwiseChainInlinesAllButTheOutput) {
  EXPECT_EQ(summary(generate_sketches(test::elementwise_graph(), threads(2))),
            std::vector<std::string>{
                "always_inline always_inline | scale=simple relu=inlined add=inlined"});
}

TEST(SketchRules, TwoProducersOfOneEpilogue) {
  // out = P + Q with P, Q two matmuls: the one visited first (Q) fuses into the add; P, finding
  // its consumer taken, is cache-written and fuses into its own copy instead (with or without a
  // panel of B): 2 x 5 sketches, plus 3 with Q tiled alone.
  auto sketches = generate_sketches(test::two_matmuls_add_graph(), threads(2));
  std::vector<std::string> lines = summary(sketches);
  EXPECT_EQ(lines.size(), 13u);
  EXPECT_NE(
      std::find(
          lines.begin(), lines.end(),
          "tiling_with_fusion(2) add_cache_write tiling_with_fusion(1) | out=fused consumer@2 "
          "Q=tiled, fused into consumer@2 P=fused consumer@1 P.local=tiled, fused into consumer@1"),
      lines.end());
}

TEST(SketchRules, NoOutputsIsAUserError) {
  EXPECT_THROW(generate_sketches({}, threads(1)), UserError);
}

}  // namespace
}  // namespace tt
