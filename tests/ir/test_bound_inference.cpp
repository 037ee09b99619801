// Pins bound inference without lowering: the leaf extents infer_bounds reports are those of the
// loops lowering builds, for root stages and for stages computed at a consumer's tile.
#include <gtest/gtest.h>

#include <map>

#include "ir/lower/bound_inference.h"
#include "ir/lower/lower.h"
#include "ir/te/ops.h"
#include "tests/ir/te_test_util.h"

namespace tt {
namespace {

using test::input;

// C[64, 48] = A[64, 32] · B[32, 48], accumulated in C.local computed at C's tile loop j.0, with
// C tiled by rows x cols.
ScheduleState tiled_matmul(int64_t rows, int64_t cols) {
  ScheduleState s({ops::matmul(input({64, 32}, "A"), input({32, 48}, "B"), "C")});
  s.apply(CacheWriteStep{"C"});
  s.apply(SplitStep{"C", "i", {rows}});
  s.apply(SplitStep{"C", "j", {cols}});
  s.apply(ReorderStep{"C", {"i.0", "j.0", "i.1", "j.1"}});
  s.apply(ComputeAtStep{"C.local", "C", "j.0"});
  return s;
}

// The extent of every loop of the kernel as lowering first builds it (before simplification folds
// one-iteration loops away), by loop variable name.
std::map<std::string, int64_t> lowered_extents(const ScheduleState& s) {
  std::map<std::string, int64_t> extents;
  LowerOptions options;
  options.after_pass = [&](const std::string& pass, const LoweredFunc& func) {
    if (pass != "loop_nests") return;
    struct Collector : StmtVisitor {
      std::map<std::string, int64_t>* out;
      void visit_For(const ForNode* n) override {
        int64_t e = -1;
        EXPECT_TRUE(is_const_int(n->extent, &e));
        (*out)[n->var.name()] = e;
        StmtVisitor::visit_For(n);
      }
    } c;
    c.out = &extents;
    c.visit_stmt(func.body);
  };
  lower(s, "k", options);
  return extents;
}

const StageBounds& find(const std::vector<StageBounds>& bounds, const std::string& stage) {
  for (const StageBounds& b : bounds)
    if (b.stage == stage) return b;
  ADD_FAILURE() << "no bounds for " << stage;
  return bounds.front();
}

TEST(BoundInference, ACacheStageAtATileCoversTheTile) {
  ScheduleState s = tiled_matmul(4, 8);
  std::vector<StageBounds> bounds = infer_bounds(s);
  ASSERT_EQ(bounds.size(), s.stages().size());
  EXPECT_EQ(find(bounds, "C.local").leaf_extents, (std::vector<int64_t>{4, 8, 32}));
  EXPECT_EQ(find(bounds, "C.local").region_extent, (std::vector<int64_t>{4, 8}));
  EXPECT_EQ(find(bounds, "C").leaf_extents, (std::vector<int64_t>{16, 6, 4, 8}));
  EXPECT_EQ(find(bounds, "C").region_extent, (std::vector<int64_t>{64, 48}));
  // The state itself still records the full extents: only bound inference knows the tile.
  EXPECT_EQ(s.stage("C.local").iters[0].extent, 64);
}

TEST(BoundInference, AgreesWithLowering) {
  // 48 = 6 x 8 divides; 7 leaves a guarded tail, and the cache stage still covers one 7-wide tile.
  for (int64_t cols : {8, 7}) {
    ScheduleState s = tiled_matmul(4, cols);
    s.apply(SplitStep{"C.local", "rk", {4}});  // loop names unique across the stages
    std::map<std::string, int64_t> lowered = lowered_extents(s);
    for (const StageBounds& b : infer_bounds(s)) {
      const Stage& st = s.stage(b.stage);
      ASSERT_EQ(b.leaf_extents.size(), st.leaves.size()) << b.stage;
      for (size_t p = 0; p < st.leaves.size(); ++p) {
        const std::string& loop = st.iters[st.leaves[p]].name;
        ASSERT_TRUE(lowered.count(loop)) << loop << " not in the lowered kernel";
        EXPECT_EQ(b.leaf_extents[p], lowered.at(loop))
            << b.stage << "." << loop << " with cols " << cols;
      }
    }
    EXPECT_EQ(find(infer_bounds(s), "C.local").leaf_extents, (std::vector<int64_t>{4, cols, 8, 4}));
  }
}

TEST(BoundInference, InlinedStagesHaveNoLoops) {
  Tensor a = input({8, 8}, "A");
  Tensor b = compute(
      a.shape(), [&](const std::vector<Var>& i) { return a(i[0], i[1]) + 1.0f; }, "B");
  Tensor c = compute(
      a.shape(), [&](const std::vector<Var>& i) { return b(i[0], i[1]) * 2.0f; }, "C");
  ScheduleState s({c});
  s.apply(ComputeInlineStep{"B"});
  std::vector<StageBounds> bounds = infer_bounds(s);
  EXPECT_TRUE(find(bounds, "B").leaf_extents.empty());
  EXPECT_EQ(find(bounds, "C").leaf_extents, (std::vector<int64_t>{8, 8}));
}

}  // namespace
}  // namespace tt
