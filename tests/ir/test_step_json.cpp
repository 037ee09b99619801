// Pins the JSON form of schedule steps: every step kind survives to_json/step_from_json and list
// round trips unchanged, and malformed steps are UserErrors that quote the input and say why.
#include <gtest/gtest.h>

#include "ir/error.h"
#include "ir/schedule/step.h"

namespace tt {
namespace {

using nlohmann::json;

// One step of every kind (and each annotation), with the fields that vary set to non-defaults.
std::vector<Step> every_kind_of_step() {
  return {
      SplitStep{"C", "i", {8, 4}, false},
      SplitStep{"C", "j", {3}, true},
      FuseStep{"C", {"i.0", "j.0", "k"}},
      ReorderStep{"C", {"j", "i", "rk"}},
      AnnotateStep{"C", "i", LoopAnnotation::Parallel},
      AnnotateStep{"C", "j.1", LoopAnnotation::Vectorize},
      AnnotateStep{"C", "rk.1", LoopAnnotation::Unroll},
      AnnotateStep{"C", "rk.1", LoopAnnotation::None},
      ComputeAtStep{"C.local", "C", "j.0"},
      ComputeInlineStep{"pad"},
      ComputeRootStep{"pad"},
      CacheWriteStep{"C"},
      CacheReadStep{"B", "C"},
      RfactorStep{"dense", "rk.1"},
      PragmaStep{"C", "i.0", "auto_unroll_max_step", 64},
      FollowSplitStep{"C", "j", 0, 2},
      FollowFusedSplitStep{"C", "i.0.j.0.fused", {0, 1}, 1, false},
      LayoutRewriteStep{"W", {{16, 4}, {}}, {{0, 0}, {1, 0}, {0, 2}, {0, 1}}},
  };
}

TEST(StepText, EachKindPrints) {
  std::vector<std::string> expected = {
      "split(C, i, [8, 4])",
      "split(C, j, [3], nparts)",
      "fuse(C, [\"i.0\", \"j.0\", \"k\"])",
      "reorder(C, [\"j\", \"i\", \"rk\"])",
      "parallel(C, i)",
      "vectorize(C, j.1)",
      "unroll(C, rk.1)",
      "none(C, rk.1)",
      "compute_at(C.local, C, j.0)",
      "compute_inline(pad)",
      "compute_root(pad)",
      "cache_write(C)",
      "cache_read(B, C)",
      "rfactor(dense, rk.1)",
      "pragma(C, i.0, auto_unroll_max_step=64)",
      "follow_split(C, j, step 0, n_split=2)",
      "follow_fused_split(C, i.0.j.0.fused, steps [0, 1], level=1, nparts)",
      "layout_rewrite(W, [[16, 4], []], [0.0, 1.0, 0.2, 0.1])",
  };
  std::vector<Step> steps = every_kind_of_step();
  ASSERT_EQ(steps.size(), expected.size());
  for (size_t i = 0; i < steps.size(); ++i) EXPECT_EQ(to_string(steps[i]), expected[i]);
}

TEST(StepJson, CompactArrayForm) {
  EXPECT_EQ(to_json(SplitStep{"C", "i", {8, 4}, false}).dump(), R"(["split","C","i",[8,4],false])");
  EXPECT_EQ(to_json(AnnotateStep{"C", "i", LoopAnnotation::Parallel}).dump(),
            R"(["parallel","C","i"])");
  EXPECT_EQ(to_json(PragmaStep{"C", "i", "auto_unroll_max_step", 16}).dump(),
            R"(["pragma","C","i","auto_unroll_max_step",16])");
  EXPECT_EQ(to_json(FollowSplitStep{"C", "i", 3, 2}).dump(), R"(["follow_split","C","i",3,2])");
  EXPECT_EQ(to_json(FollowFusedSplitStep{"C", "f", {0, 2}, 1, true}).dump(),
            R"(["follow_fused_split","C","f",[0,2],1,true])");
  EXPECT_EQ(to_json(LayoutRewriteStep{"W", {{8}, {}}, {{1, 0}, {0, 0}, {0, 1}}}).dump(),
            R"(["layout_rewrite","W",[[8],[]],[[1,0],[0,0],[0,1]]])");
}

TEST(StepJson, EveryKindRoundTrips) {
  for (const Step& step : every_kind_of_step()) {
    json j = to_json(step);
    Step back = step_from_json(j);
    EXPECT_EQ(back.index(), step.index()) << j.dump();
    EXPECT_EQ(to_string(back), to_string(step)) << j.dump();
    EXPECT_EQ(to_json(back), j);
    // Through text too, as records store it.
    EXPECT_EQ(to_string(step_from_json(json::parse(j.dump()))), to_string(step));
  }
}

TEST(StepJson, ListsRoundTrip) {
  std::vector<Step> steps = every_kind_of_step();
  json j = steps_to_json(steps);
  ASSERT_TRUE(j.is_object());
  EXPECT_EQ(j.at("v"), kStepsFormatVersion);
  EXPECT_EQ(kStepsFormatVersion, 2);
  ASSERT_TRUE(j.at("steps").is_array());
  std::vector<Step> back = steps_from_json(json::parse(j.dump()));
  ASSERT_EQ(back.size(), steps.size());
  for (size_t i = 0; i < steps.size(); ++i) EXPECT_EQ(to_string(back[i]), to_string(steps[i]));
  EXPECT_TRUE(steps_from_json(steps_to_json({})).empty());
  EXPECT_EQ(steps_to_json({}).dump(), R"({"steps":[],"v":2})");
}

TEST(StepJson, VersionOneBareArraysStillRead) {
  std::vector<Step> steps = steps_from_json(json::parse(R"([["split","C","i",[8],false],["parallel","C","i.0"]])"));
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_EQ(to_string(steps[0]), "split(C, i, [8])");
  EXPECT_EQ(to_string(steps[1]), "parallel(C, i.0)");
  // The same steps in version 2 read the same.
  std::vector<Step> v2 = steps_from_json(json::parse(R"({"v":2,"steps":[["split","C","i",[8],false],["parallel","C","i.0"]]})"));
  ASSERT_EQ(v2.size(), 2u);
  EXPECT_EQ(to_string(v2[0]), to_string(steps[0]));
  EXPECT_EQ(to_string(v2[1]), to_string(steps[1]));
}

TEST(StepJson, UnknownVersionIsAUserErrorNamingIt) {
  try {
    steps_from_json(json::parse(R"({"v": 7, "steps": []})"));
    ADD_FAILURE() << "expected a UserError";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("version 7 is not supported"), std::string::npos) << e.what();
  }
  EXPECT_THROW(steps_from_json(json::parse(R"({"v": "2", "steps": []})")), UserError);
  EXPECT_THROW(steps_from_json(json::parse(R"({"v": 2})")), UserError);
  EXPECT_THROW(steps_from_json(json::parse(R"({"v": 2, "steps": {}})")), UserError);
}

// Parsing `text` must raise a UserError quoting the input and containing `why`.
void expect_malformed(const std::string& text, const std::string& why) {
  try {
    step_from_json(json::parse(text));
    ADD_FAILURE() << "expected a UserError for " << text;
  } catch (const UserError& e) {
    std::string message = e.what();
    EXPECT_NE(message.find("malformed schedule step"), std::string::npos) << message;
    EXPECT_NE(message.find(json::parse(text).dump()), std::string::npos)
        << "the input is not quoted: " << message;
    EXPECT_NE(message.find(why), std::string::npos) << "'" << why << "' not in: " << message;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected a UserError for " << text << ", got: " << e.what();
  }
}

TEST(StepJson, MalformedStepsAreUserErrors) {
  // Not an array of a kind and fields.
  expect_malformed(R"({"kind": "split"})", "expected [\"kind\", ...]");
  expect_malformed(R"([])", "expected [\"kind\", ...]");
  expect_malformed(R"([3, "C"])", "expected [\"kind\", ...]");
  expect_malformed(R"("split")", "expected [\"kind\", ...]");
  // Unknown kinds.
  expect_malformed(R"(["tile", "C", "i"])", "unknown step kind");
  expect_malformed(R"(["None", "C", "i"])", "unknown step kind");
  // Missing or extra fields.
  expect_malformed(R"(["split", "C", "i", [4]])", "wrong number of fields");
  expect_malformed(R"(["fuse", "C"])", "wrong number of fields");
  expect_malformed(R"(["compute_at", "C", "D"])", "wrong number of fields");
  expect_malformed(R"(["cache_write", "C", "extra"])", "wrong number of fields");
  expect_malformed(R"(["parallel", "C"])", "wrong number of fields");
  expect_malformed(R"(["pragma", "C", "i", "auto_unroll_max_step"])", "wrong number of fields");
  // Wrong field types.
  expect_malformed(R"(["split", "C", 3, [4], false])", "expected a string field");
  expect_malformed(R"(["split", "C", "i", 4, false])",
                   "expected [\"split\", stage, loop, [factors], nparts]");
  expect_malformed(R"(["split", "C", "i", [4], 1])",
                   "expected [\"split\", stage, loop, [factors], nparts]");
  expect_malformed(R"(["split", "C", "i", [4.5], false])", "split factors must be integers");
  expect_malformed(R"(["split", "C", "i", ["4"], false])", "split factors must be integers");
  expect_malformed(R"(["fuse", "C", "i"])", "expected a list of loop names");
  expect_malformed(R"(["reorder", "C", ["i", 2]])", "expected a list of loop names");
  expect_malformed(R"(["compute_inline", null])", "expected a string field");
  expect_malformed(R"(["rfactor", "C", ["rk"]])", "expected a string field");
  expect_malformed(R"(["pragma", "C", "i", "auto_unroll_max_step", "16"])",
                   "pragma value must be an integer");
  expect_malformed(R"(["pragma", "C", "i", 5, 16])", "expected a string field");
  expect_malformed(R"(["follow_split", "C", "i", 0])", "wrong number of fields");
  expect_malformed(R"(["follow_split", "C", "i", "0", 2])", "expected an integer field");
  expect_malformed(R"(["follow_split", "C", "i", 0, 1.5])", "expected an integer field");
  expect_malformed(R"(["follow_fused_split", "C", "i", 0, 1, true])", "expected a list of source step indices");
  expect_malformed(R"(["follow_fused_split", "C", "i", [-1], 1, true])", "must be non-negative integers");
  expect_malformed(R"(["follow_fused_split", "C", "i", [0], 1, 1])", "factor_or_nparts must be a boolean");
  expect_malformed(R"(["layout_rewrite", "W", [[8]]])", "wrong number of fields");
  expect_malformed(R"(["layout_rewrite", "W", [8], [[0, 0]]])", "one list per dimension");
  expect_malformed(R"(["layout_rewrite", "W", [[8.5]], [[0, 0]]])", "layout factors must be integers");
  expect_malformed(R"(["layout_rewrite", "W", [[8]], [[0]]])", "[dimension, sub-dimension] pairs");
  expect_malformed(R"(["layout_rewrite", "W", [[8]], [[0, -1]]])", "[dimension, sub-dimension] pairs");
  expect_malformed(R"(["layout_rewrite", "W", [[8]], 3])", "expected [\"layout_rewrite\"");
}

TEST(StepJson, MalformedListsAreUserErrors) {
  EXPECT_THROW(steps_from_json(json::parse(R"({"steps": []})")), UserError);
  EXPECT_THROW(steps_from_json(json::parse(R"("split")")), UserError);
  try {
    steps_from_json(json::parse(R"(42)"));
    ADD_FAILURE() << "expected a UserError";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("expected a list of steps, got 42"), std::string::npos)
        << e.what();
  }
  // One bad step in a list names that step.
  try {
    steps_from_json(json::parse(R"([["cache_write", "C"], ["split", "C"]])"));
    ADD_FAILURE() << "expected a UserError";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find(R"(["split","C"])"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace tt
