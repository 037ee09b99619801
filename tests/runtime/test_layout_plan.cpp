// The graph-level layout pass on the zoo models: every convolution task given a conv2d_nchwc record
// (channel-blocked data, weights and output) — and, in the second plan, the 3x3 stride-1 ones a
// Winograd record — the values between convolutions stay blocked, the groups without records adopt
// their neighbours' layouts (pooling between blocked convolutions computing in the blocked order),
// conversions appear only where block sizes disagree, and the model still computes what it
// computes with default schedules.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "ir/compare.h"
#include "search/autotvm/schedule_template.h"
#include "search/measure/build.h"
#include "src/api/model_tasks.h"
#include "src/frontend/zoo_builder.h"
#include "src/runtime/executor.h"
#include "tests/runtime/runtime_test_util.h"

namespace tt {
namespace {

// The config of `t` whose split knobs end in the given inner parts and whose other knobs take
// their first option.
autotvm::Config config_with(const autotvm::ScheduleTemplate& t, const std::map<std::string, int64_t>& inner) {
  const autotvm::ConfigSpace& space = t.space();
  std::vector<int> picks(space.knobs().size(), 0);
  for (size_t k = 0; k < space.knobs().size(); ++k) {
    const autotvm::Knob& knob = space.knobs()[k];
    auto want = inner.find(knob.name);
    if (want == inner.end()) continue;
    bool found = false;
    for (size_t o = 0; o < knob.options.size() && !found; ++o)
      if (knob.options[o].back().get<int64_t>() == want->second) picks[k] = int(o), found = true;
    EXPECT_TRUE(found) << knob.name << " has no option ending in " << want->second;
  }
  return space.from_picks(picks);
}

int64_t largest_divisor(int64_t n, int64_t limit) {
  for (int64_t d = std::min(n, limit); d > 1; --d)
    if (n % d == 0) return d;
  return 1;
}

using test::random_input;

class ZooLayouts : public ::testing::TestWithParam<std::string> {};

// The zoo's models by name; the detection models at small inputs (the same layers; the full sizes
// take seconds per run here).
LoadedModel load_zoo_model(const std::string& name) {
  if (name == "yolov2") return load_and_fuse(name, frontend::build_yolov2(0, 1, 96));
  if (name == "retinanet_resnet50_fpn") return load_and_fuse(name, frontend::build_retinanet_resnet50_fpn(0, 1, 128));
  return load_and_fuse(name);
}

TEST_P(ZooLayouts, BlockedConvolutionsKeepTheOutput) {
  LoadedModel model = load_zoo_model(GetParam());
  std::vector<TuneTask> tasks = tune_tasks(model);
  HardwareParams hw = hardware_params(Target::host(), 1);
  NDArray input = random_input(model.graph, 7);
  ExecutorOptions defaults;
  defaults.num_threads = 1;
  std::vector<NDArray> reference = GraphExecutor(model.graph, defaults).run({input});
  // Two plans: every convolution blocked by the vector width (TVM's fallback), so the blocks of
  // consecutive convolutions mostly agree; then blocks that alternate between tasks, so they don't.
  int winograd_tasks = 0;
  for (bool alternate : {false, true}) {
    SCOPED_TRACE(alternate ? "alternating blocks, Winograd where it applies" : "vector-wide blocks");
    ExecutorOptions options = defaults;
    int blocked_tasks = 0;
    for (size_t t = 0; t < tasks.size(); ++t) {
      // Blocks searched per task (conv2d_block 0), so any block size can be asked for.
      autotvm::TemplateOptions search_blocks;
      search_blocks.conv2d_block = 0;
      auto tmpl = autotvm::ScheduleTemplate::match(tasks[t].outputs, hw, tasks[t].constant_inputs, nullptr, search_blocks);
      if (!tmpl || tmpl->name() != "conv2d_nchwc") continue;
      const autotvm::ConfigSpace& space = tmpl->space();
      auto extent = [&](const char* knob) {
        const auto& first = space.knobs()[size_t(space.knob_index(knob))].options[0];
        int64_t product = 1;
        for (const auto& v : first) product *= v.get<int64_t>();
        return product;
      };
      int64_t limit = alternate && t % 2 ? hw.vector_lanes / 2 : hw.vector_lanes;
      autotvm::Config c = config_with(*tmpl, {{"tile_ic", largest_divisor(extent("tile_ic"), limit)},
                                              {"tile_oc", largest_divisor(extent("tile_oc"), limit)},
                                              {"tile_ow", largest_divisor(extent("tile_ow"), 8)}});
      options.task_schedules[tasks[t].workload_key] = tmpl->instantiate(c);
      blocked_tasks++;
    }
    ASSERT_GT(blocked_tasks, 0);
    if (alternate) {
      // And the 3x3 stride-1 convolutions by Winograd F(4x4, 3x3) (conv2d_winograd_m4, blocked like
      // conv2d_nchwc): the weights are transformed at load and the layouts still agree.
      for (size_t t = 0; t < tasks.size(); ++t) {
        for (auto& tmpl : autotvm::ScheduleTemplate::match_all(tasks[t].outputs, hw, tasks[t].constant_inputs)) {
          if (tmpl->name() != "conv2d_winograd_m4") continue;
          const auto& rows = tmpl->space().knobs()[size_t(tmpl->space().knob_index("tile_k"))].options[0];
          int64_t out_channels = 1;
          for (const auto& v : rows) out_channels *= v.get<int64_t>();
          autotvm::Config c = config_with(*tmpl, {{"tile_k", largest_divisor(out_channels, hw.vector_lanes)}});
          options.task_schedules[tasks[t].workload_key] = tmpl->instantiate(c);
          winograd_tasks++;
        }
      }
    }
    GraphExecutor executor(model.graph, options);
    const LayoutPlan& plan = executor.layout_plan();
    int blocked_values = 0;
    for (const graph::FusedGroup& g : executor.groups()) blocked_values += plan.stored[size_t(g.output)].has_value();
    EXPECT_GT(blocked_values, 0);
    // Pooling between blocked convolutions adopts their blocks and computes in the blocked order
    // (its vector along the block, not along the map's width, which is a block's stride apart).
    int in_blocked_order = 0;
    for (int g = 0; g < int(executor.groups().size()); ++g) in_blocked_order += executor.computes_in_blocked_order(g);
    const std::string name = GetParam();
    if (name == "resnet18" || name == "resnet50" || name == "vgg16" || name == "googlenet" || name == "densenet121" ||
        name == "inception_v3" || name == "squeezenet1_1")
      EXPECT_GT(in_blocked_order, 0);
    if (!alternate) {
      // Only the graph input (NCHW) and places where blocks differ (a 3-channel stem) convert.
      EXPECT_LT(plan.conversions.size(), size_t(blocked_tasks)) << "most boundaries agree";
    }
    std::vector<NDArray> outputs = executor.run({input});
    for (size_t i = 0; i < outputs.size(); ++i) {
      // RetinaNet's 60-odd layers from the input to its heads accumulate the different summation
      // orders of blocked kernels into absolute differences of about 1e-3 of the outputs' scale
      // (the same as batch-norm folding gives, test_detection_models.cpp).
      float magnitude = 1;
      for (int64_t k = 0; k < reference[i].num_elements(); ++k)
        magnitude = std::max(magnitude, std::abs(reference[i].as<float>()[k]));
      // Winograd's transforms round more than a direct sum (relative errors of about 1e-5 per layer).
      const double atol = GetParam() == "retinanet_resnet50_fpn" ? 2e-3 * magnitude
                          : alternate && winograd_tasks > 0  ? 1e-4 * magnitude
                                                             : 1e-4;
      CompareResult r = compare(outputs[i], reference[i], 1e-3, atol);
      EXPECT_TRUE(r.ok) << GetParam() << " output " << i << ": " << r.describe() << " (" << plan.conversions.size()
                        << " conversions)";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Zoo, ZooLayouts,
                         ::testing::Values("tiny_cnn", "squeezenet1_1", "mobilenet_v2", "resnet18", "resnet50",
                                           "googlenet", "inception_v3", "densenet121", "vgg16", "yolov2",
                                           "retinanet_resnet50_fpn"));

}  // namespace
}  // namespace tt
