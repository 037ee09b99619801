// The template search: the templates of each operator family (which tasks they match, random
// configs computing the reference, records replaying to the same loop IR), the Winograd templates,
// and the template policy on the tuning loop with real measurements (records name their config, a resumed run measures nothing twice, a log of both
// strategies replays the faster record).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <random>
#include <set>

#include "codegen/runtime.h"
#include "ir/lower/lower.h"
#include "search/autotvm/config_space.h"
#include "search/autotvm/schedule_template.h"
#include "search/autotvm/template_policy.h"
#include "search/record/apply_history.h"
#include "search/record/record_json.h"
#include "search/tune/tuner.h"
#include "tests/ir/sketch_workloads.h"
#include "tests/search/candidate_check.h"
#include "tests/search/tune_test_util.h"

namespace tt {
namespace {

using autotvm::Config;
using autotvm::ConfigSpace;
using autotvm::ScheduleTemplate;
using test::host_hardware;

struct Family {
  const char* name;
  std::vector<Tensor> outputs;
  std::vector<std::string> constants;
  const char* template_name;  // nullptr: no template
  autotvm::TemplateOptions options = {};
};

// relu(conv1x1(x, w) + residual): no padding, an epilogue reading an activation of the output's shape.
std::vector<Tensor> conv1x1_add_relu_graph() {
  Tensor conv = ops::conv2d(test::f32({1, 8, 5, 7}, "x"), test::f32({12, 8, 1, 1}, "w"), {}, "conv");
  return {ops::relu(ops::add(conv, test::f32({1, 12, 5, 7}, "res"), "add"), "relu")};
}

// A 3x3 stride-2 convolution with padding 1.
std::vector<Tensor> strided_conv_graph() {
  ops::Conv2dParams p;
  p.padding = {1, 1, 1, 1};
  p.stride = {2, 2};
  return {ops::conv2d(test::f32({1, 6, 9, 9}, "x"), test::f32({16, 6, 3, 3}, "w"), p, "conv")};
}

// A 3x3 convolution with 64 output channels: several channel blocks, so the nchwc template's
// register tiles of 2 and 4 blocks apply with either vector width.
std::vector<Tensor> conv_many_blocks_graph() {
  ops::Conv2dParams p;
  p.padding = {1, 1, 1, 1};
  return {ops::relu(ops::conv2d(test::f32({1, 8, 6, 6}, "x"), test::f32({64, 8, 3, 3}, "w"), p, "conv"), "relu")};
}

// MobileNet's strided depthwise block: relu6(depthwise 3x3/2 + bias) over 32 channels (several
// channel blocks with either vector width) of an odd-sized map (a tail in the register tile).
std::vector<Tensor> depthwise_strided_bias_relu6_graph() {
  ops::Conv2dParams p;
  p.padding = {1, 1, 1, 1};
  p.stride = {2, 2};
  p.groups = 32;
  Tensor conv = ops::conv2d(test::f32({1, 32, 11, 11}, "x"), test::f32({32, 1, 3, 3}, "w"), p, "dwconv");
  return {ops::relu6(ops::bias_add(conv, test::f32({32}, "b"), 1, "bias"), "relu6")};
}

std::vector<Family> families() {
  Tensor a = test::f32({2, 6, 10}, "A"), b = test::f32({2, 10, 20}, "B");
  return {
      {"matmul", test::matmul_graph(16, 24, 12), {}, "matmul"},
      {"dense", test::dense_graph(2, 20, 32), {"W"}, "dense_pack"},
      {"conv_bias_relu", test::conv_bias_relu_graph(4, 8, 6), {"w", "b"}, "conv2d_nchwc"},
      {"conv_bias_relu_nchw", test::conv_bias_relu_graph(3, 8, 6), {"w", "b"}, "conv2d_nchw", {false}},
      {"conv1x1_add_relu", conv1x1_add_relu_graph(), {"w"}, "conv2d_nchwc"},
      {"strided_conv", strided_conv_graph(), {"w"}, "conv2d_nchwc"},
      {"conv_many_blocks", conv_many_blocks_graph(), {"w"}, "conv2d_nchwc"},
      {"conv_without_weights", strided_conv_graph(), {}, "conv2d_nchw"},
      {"depthwise", test::depthwise_graph(4, 6), {"w"}, "depthwise_conv2d_nchwc"},
      {"depthwise_nchw", test::depthwise_graph(4, 6), {"w"}, "depthwise_conv2d_nchw", {false}},
      {"depthwise_strided_bias_relu6", depthwise_strided_bias_relu6_graph(), {"w", "b"}, "depthwise_conv2d_nchwc"},
      {"max_pool", test::max_pool_graph(3, 7), {}, "pool"},
      {"batch_matmul", {ops::batch_matmul(a, b, "bmm")}, {}, "batch_matmul"},
      {"dense_without_weights", test::dense_graph(2, 20, 32), {}, nullptr},
      {"softmax", test::softmax_graph(3, 20), {}, nullptr},
      {"elementwise", test::elementwise_graph(), {}, nullptr},
      {"two_matmuls_add", test::two_matmuls_add_graph(), {}, nullptr},
  };
}

TEST(ScheduleTemplates, MatchTheirOperatorsAndSayWhyNotOtherwise) {
  for (const Family& f : families()) {
    SCOPED_TRACE(f.name);
    std::string why;
    auto t = ScheduleTemplate::match(f.outputs, host_hardware(1), f.constants, &why, f.options);
    if (!f.template_name) {
      EXPECT_EQ(t, nullptr);
      EXPECT_FALSE(why.empty());
      continue;
    }
    ASSERT_NE(t, nullptr) << why;
    EXPECT_EQ(t->name(), f.template_name);
    EXPECT_GT(t->space().size(), 1);
    const std::string knob = t->name() == "conv2d_nchwc"             ? "tile_oc"
                             : t->name() == "depthwise_conv2d_nchwc" ? "tile_c"
                                                                     : "tile_x";
    EXPECT_TRUE(t->space().has_knob(knob));
  }
}

TEST(ScheduleTemplates, RandomConfigsComputeTheReference) {
  // Two threads, so the parallel loop is exercised; each config is one compile.
  constexpr int kConfigsPerTemplate = 12;
  KernelCompiler compiler;
  set_num_threads(2);
  for (const Family& f : families()) {
    if (!f.template_name) continue;
    SCOPED_TRACE(f.name);
    auto t = ScheduleTemplate::match(f.outputs, host_hardware(2), f.constants, nullptr, f.options);
    ASSERT_NE(t, nullptr);
    ScheduleState initial(f.outputs);
    std::vector<Tensor> inputs = initial.inputs();
    std::vector<NDArray> values = random_inputs(inputs, 5);
    std::vector<NDArray> expected = reference_outputs(f.outputs, inputs, values);
    std::mt19937_64 rng(9);
    std::uniform_int_distribution<int64_t> any(0, t->space().size() - 1);
    // The first and last index too (the extremes of every knob), then random ones; for the nchwc
    // template also configs with several channel blocks per register tile, in both loop orders.
    std::vector<int64_t> indices = {0, t->space().size() - 1};
    while (int(indices.size()) < kConfigsPerTemplate) indices.push_back(any(rng));
    int multi_block = 0;
    if (t->space().has_knob("oc_vectors")) {
      for (int64_t i = 0, start = any(rng); i < t->space().size() && multi_block < 4; ++i) {
        const int64_t index = (start + i * 7919) % t->space().size();
        Config c = t->space().at(index);
        if (t->space().value(c, "oc_vectors").get<int64_t>() == 1) continue;
        try {
          t->instantiate(c);
        } catch (const UserError&) {
          continue;  // a register tile too large for this machine's registers
        }
        indices.push_back(index);
        ++multi_block;
      }
      if (std::string(f.name) == "conv_many_blocks") {
        EXPECT_EQ(multi_block, 4);
      }
    }
    int rewritten = 0, checked = 0;
    for (int64_t index : indices) {
      SCOPED_TRACE(t->space().to_string(t->space().at(index)));
      Candidate steps;
      try {
        steps = t->instantiate(t->space().at(index));
      } catch (const UserError& e) {
        // Only a register tile the machine cannot hold is refused (the tuner skips it unmeasured).
        EXPECT_NE(std::string(e.what()).find("register tile"), std::string::npos) << e.what();
        continue;
      }
      for (const Step& s : steps) rewritten += std::holds_alternative<LayoutRewriteStep>(s);
      test::check_candidate(f.outputs, steps, compiler, values, expected);
      ++checked;
    }
    EXPECT_GE(checked, kConfigsPerTemplate / 2);
    if (std::string(f.template_name) == "dense_pack") {
      EXPECT_EQ(rewritten, kConfigsPerTemplate);
    }
  }
  set_num_threads(1);
}

TEST(ScheduleTemplates, ARecordOfAConfigReplaysToTheSameLoopIR) {
  for (const Family& f : families()) {
    if (!f.template_name) continue;
    SCOPED_TRACE(f.name);
    auto t = ScheduleTemplate::match(f.outputs, host_hardware(2), f.constants, nullptr, f.options);
    ASSERT_NE(t, nullptr);
    int replayed_configs = 0;
    for (int64_t index : {int64_t(0), t->space().size() / 3, t->space().size() / 2, t->space().size() - 1}) {
      Config c = t->space().at(index);
      TuningRecord r;
      r.workload_key = "k";
      r.strategy = "autotvm";
      try {
        r.steps = t->instantiate(c);
      } catch (const UserError&) {
        continue;  // a register tile too large for this machine
      }
      ++replayed_configs;
      r.config = t->space().to_json(c);
      TuningRecord back = record_from_json(nlohmann::json::parse(to_json(r).dump()));
      EXPECT_EQ(back.config, r.config);
      EXPECT_EQ(t->space().config_from_json(back.config).index, index);
      ScheduleState original(f.outputs), replayed(f.outputs);
      original.apply(t->instantiate(c));
      replayed.apply(back.steps);
      EXPECT_EQ(to_string(lower(replayed, "replay")), to_string(lower(original, "replay")));
    }
    EXPECT_GE(replayed_configs, 2);
  }
}

TuneTask matmul_task() { return test::matmul_tune_task(32, 64, 48, "test_autotvm_matmul_32x64x48"); }

TuneOptions measured_options(const std::string& strategy, int trials) {
  TuneOptions o;
  o.strategy = strategy;
  o.trials = trials;
  o.measures_per_round = 8;
  o.seed = 3;
  o.measure.min_repeat_ms = 2;
  o.measure.repeat = 2;
  o.measure.worker_binary = TT_BINARY;
  o.sketch.population = 64;
  o.xgboost.num_warmup_samples = 8;
  o.annealing.parallel_size = 16;
  o.annealing.max_iters = 8;
  return o;
}

TEST(TemplatePolicy, TunesThroughTheSharedLoopAndResumesFromItsConfigs) {
  std::string path = test::fresh_log("autotvm_tune");
  {
    TuningLog log = TuningLog::open(path);
    Tuner tuner({matmul_task()}, measured_options("autotvm", 17), Target::host(), log);
    TuneProgress p = tuner.run();
    EXPECT_EQ(p.trials_done, 17);
    EXPECT_EQ(p.tasks[0].search.rfind("autotvm matmul (xgb, ", 0), 0u) << p.tasks[0].search;
    EXPECT_GT(p.tasks[0].errors[int(MeasureError::None)], 1);
  }
  auto t = ScheduleTemplate::match(matmul_task().outputs, hardware_params(Target::host(), 1), {});
  ASSERT_NE(t, nullptr);
  std::vector<TuningRecord> records = TuningLog::open(path).read_all();
  int templated = 0;
  for (const TuningRecord& r : records) {
    if (r.strategy == "default") {
      EXPECT_TRUE(r.config.is_null());
      continue;
    }
    ASSERT_EQ(r.strategy, "autotvm");
    EXPECT_EQ(r.config.value("template", ""), "matmul");
    EXPECT_EQ(r.config.value("tuner", ""), "xgb");
    // The config alone rebuilds the record's steps.
    EXPECT_EQ(candidate_key(t->instantiate(t->space().config_from_json(r.config))), candidate_key(r.steps));
    templated++;
  }
  EXPECT_EQ(templated, 16);
  {
    TuningLog log = TuningLog::open(path);
    Tuner tuner({matmul_task()}, measured_options("autotvm", 25), Target::host(), log);
    EXPECT_EQ(tuner.run().measured_this_run, 8);
  }
  std::set<std::string> keys;
  for (const TuningRecord& r : TuningLog::open(path).read_all()) EXPECT_TRUE(keys.insert(candidate_key(r.steps)).second);
}

TEST(TemplatePolicy, ALogOfBothStrategiesReplaysItsFastestRecord) {
  std::string path = test::fresh_log("autotvm_mixed");
  for (const char* strategy : {"ansor", "autotvm"}) {
    TuningLog log = TuningLog::open(path);
    TuneOptions o = measured_options(strategy, 0);
    // Each run adds 9 records: the budget counts what the log holds for the task.
    o.trials = std::string(strategy) == "ansor" ? 9 : 18;
    o.tuner = "random";
    Tuner tuner({matmul_task()}, o, Target::host(), log);
    tuner.run();
  }
  std::vector<TuningRecord> records = TuningLog::open(path).read_all();
  std::set<std::string> strategies;
  const TuningRecord* fastest = nullptr;
  for (const TuningRecord& r : records) {
    strategies.insert(r.strategy);
    if (replayable(r) && (!fastest || ranks_before(r, *fastest))) fastest = &r;
  }
  EXPECT_EQ(strategies, (std::set<std::string>{"default", "ansor", "autotvm"}));
  ASSERT_NE(fastest, nullptr);
  std::optional<TuningRecord> chosen = best_record(records, matmul_task().workload_key, Target::host(), 1);
  ASSERT_TRUE(chosen.has_value());
  EXPECT_EQ(candidate_key(chosen->steps), candidate_key(fastest->steps));
  EXPECT_EQ(chosen->strategy, fastest->strategy);
}

// A 3x3 stride-1 convolution with padding 1, bias and relu, as a tuning task whose weights are
// constants (what `tune op conv2d` and a model's conv groups are).
TuneTask conv3x3_task(int64_t c, int64_t k, int64_t hw) {
  TuneTask t;
  t.outputs = test::conv_bias_relu_graph(c, k, hw);
  t.inputs = ScheduleState(t.outputs).inputs();
  t.constant_inputs = {"w", "b"};
  t.workload_key = "conv3x3_" + std::to_string(c) + "_" + std::to_string(k) + "_" + std::to_string(hw);
  t.description = "conv2d+bias+relu 3x3";
  t.flops = 2 * k * c * 9 * hw * hw;
  t.operator_kinds = "conv2d";
  return t;
}

std::vector<std::string> template_names(const std::vector<std::unique_ptr<ScheduleTemplate>>& all) {
  std::vector<std::string> names;
  for (const auto& t : all) names.push_back(t->name());
  return names;
}

TEST(WinogradTemplates, OfferedBesideTheDirectOneForStrideOne3x3ConvolutionsWithConstantWeights) {
  HardwareParams hw = host_hardware(1);
  autotvm::TemplateOptions all_tiles;
  all_tiles.winograd_tiles = {2, 4, 6};
  EXPECT_EQ(template_names(ScheduleTemplate::match_all(test::conv_bias_relu_graph(4, 8, 6), hw, {"w", "b"}, nullptr,
                                                       all_tiles)),
            (std::vector<std::string>{"conv2d_nchwc", "conv2d_winograd_m2", "conv2d_winograd_m4", "conv2d_winograd_m6"}));
  EXPECT_EQ(template_names(ScheduleTemplate::match_all(test::conv_bias_relu_graph(4, 8, 6), hw, {"w", "b"})),
            (std::vector<std::string>{"conv2d_nchwc", "conv2d_winograd_m2", "conv2d_winograd_m4"}));
  // Stride 2, a 1x1 kernel, weights that are not constants, or no Winograd tiles asked: the direct one alone.
  EXPECT_EQ(template_names(ScheduleTemplate::match_all(strided_conv_graph(), hw, {"w"})),
            (std::vector<std::string>{"conv2d_nchwc"}));
  EXPECT_EQ(template_names(ScheduleTemplate::match_all(conv1x1_add_relu_graph(), hw, {"w"})),
            (std::vector<std::string>{"conv2d_nchwc"}));
  EXPECT_EQ(template_names(ScheduleTemplate::match_all(test::conv_bias_relu_graph(4, 8, 6), hw, {})),
            (std::vector<std::string>{"conv2d_nchw"}));
  autotvm::TemplateOptions none;
  none.winograd_tiles = {};
  EXPECT_EQ(template_names(ScheduleTemplate::match_all(test::conv_bias_relu_graph(4, 8, 6), hw, {"w", "b"}, nullptr, none)),
            (std::vector<std::string>{"conv2d_nchwc"}));
  std::string why;
  EXPECT_TRUE(ScheduleTemplate::match_all(test::softmax_graph(3, 20), hw, {}, &why).empty());
  EXPECT_FALSE(why.empty());
}

TEST(WinogradTemplates, RandomConfigsComputeTheDirectConvolution) {
  // Outputs of 6x6 and 7x9 (tiles overhanging the output for every tile size), two threads. The
  // transforms unroll into long straight-line code (about 2 s of LLVM per kernel), so few configs.
  constexpr int kConfigsPerTemplate = 2;
  KernelCompiler compiler;
  set_num_threads(2);
  autotvm::TemplateOptions all_tiles;
  all_tiles.winograd_tiles = {2, 4, 6};
  ops::Conv2dParams p;
  p.padding = {1, 1, 1, 1};
  Tensor conv = ops::conv2d(test::f32({1, 5, 7, 9}, "x"), test::f32({12, 5, 3, 3}, "w"), p, "conv");
  std::vector<std::vector<Tensor>> graphs = {test::conv_bias_relu_graph(4, 8, 6),
                                             {ops::relu(ops::add(conv, test::f32({1, 12, 7, 9}, "res"), "add"), "relu")}};
  for (const std::vector<Tensor>& outputs : graphs) {
    auto all = ScheduleTemplate::match_all(outputs, host_hardware(2), {"w", "b"}, nullptr, all_tiles);
    ASSERT_EQ(all.size(), 4u);
    ScheduleState initial(outputs);
    std::vector<Tensor> inputs = initial.inputs();
    std::vector<NDArray> values = random_inputs(inputs, 5);
    std::vector<NDArray> expected = reference_outputs(outputs, inputs, values);
    std::mt19937_64 rng(9);
    for (size_t a = 1; a < all.size(); ++a) {
      const ScheduleTemplate& t = *all[a];
      SCOPED_TRACE(t.name());
      std::uniform_int_distribution<int64_t> any(0, t.space().size() - 1);
      for (int i = 0; i < kConfigsPerTemplate; ++i) {
        int64_t index = i == 0 ? 0 : i == 1 ? t.space().size() - 1 : any(rng);
        SCOPED_TRACE(t.space().to_string(t.space().at(index)));
        Candidate steps = t.instantiate(t.space().at(index));
        ASSERT_TRUE(std::holds_alternative<WinogradStep>(steps.front()));
        test::check_candidate(outputs, steps, compiler, values, expected);
        // Its record replays to the same loop IR.
        ScheduleState original(outputs), replayed(outputs);
        original.apply(steps);
        replayed.apply(steps_from_json(nlohmann::json::parse(steps_to_json(steps).dump())));
        EXPECT_EQ(to_string(lower(replayed, "replay")), to_string(lower(original, "replay")));
      }
    }
  }
  set_num_threads(1);
}

TEST(WinogradTemplates, ThePolicySharesTheTrialsAndTheLogNamesEachRecordsTemplate) {
  // Real measurements: the direct and both Winograd templates are each measured, every record
  // names its template, and the task's best record is whichever is fastest.
  std::string path = test::fresh_log("autotvm_winograd");
  TuneTask task = conv3x3_task(16, 16, 14);
  {
    TuningLog log = TuningLog::open(path);
    TuneOptions o = measured_options("autotvm", 33);
    o.tuner = "random";
    Tuner tuner({task}, o, Target::host(), log);
    TuneProgress p = tuner.run();
    EXPECT_EQ(p.tasks[0].search.rfind("autotvm conv2d_nchwc + conv2d_winograd_m2 + conv2d_winograd_m4 (random, ", 0), 0u)
        << p.tasks[0].search;
  }
  std::map<std::string, int> valid_by_template;
  std::vector<TuningRecord> records = TuningLog::open(path).read_all();
  for (const TuningRecord& r : records) {
    if (r.strategy != "autotvm") continue;
    std::string name = r.config.value("template", "");
    EXPECT_EQ(name.rfind("conv2d_winograd", 0) == 0, std::holds_alternative<WinogradStep>(r.steps.front())) << name;
    if (r.valid()) valid_by_template[name]++;
  }
  for (const char* name : {"conv2d_nchwc", "conv2d_winograd_m2", "conv2d_winograd_m4"})
    EXPECT_GT(valid_by_template[name], 0) << name << " was never measured correct";
  const TuningRecord* fastest = nullptr;
  for (const TuningRecord& r : records)
    if (replayable(r) && (!fastest || ranks_before(r, *fastest))) fastest = &r;
  std::optional<TuningRecord> chosen = best_record(records, task.workload_key, Target::host(), 1);
  ASSERT_TRUE(chosen.has_value() && fastest);
  EXPECT_EQ(candidate_key(chosen->steps), candidate_key(fastest->steps));
}

TEST(WinogradTemplates, ABatchFavoursTheFastestTemplateAndStillExploresTheOthers) {
  std::vector<std::unique_ptr<ScheduleTemplate>> all =
      ScheduleTemplate::match_all(test::conv_bias_relu_graph(8, 16, 12), host_hardware(1), {"w", "b"});
  ASSERT_EQ(all.size(), 3u);
  autotvm::TemplatePolicy policy(std::move(all), "random", 3);
  CandidateScorer flat = [](const std::vector<Candidate>& c) { return std::vector<double>(c.size(), 0.0); };
  auto count = [&](const std::vector<Candidate>& batch) {
    std::map<std::string, int> n;
    for (const Candidate& c : batch) n[policy.config_of(c).value("template", "")]++;
    return n;
  };
  std::vector<Candidate> first = policy.propose(16, flat, {});
  ASSERT_EQ(first.size(), 16u);
  std::map<std::string, int> n = count(first);
  // Nothing measured yet: the first template takes the batch, the others an exploration share each.
  EXPECT_EQ(n["conv2d_nchwc"], 14);
  EXPECT_EQ(n["conv2d_winograd_m2"], 1);
  EXPECT_EQ(n["conv2d_winograd_m4"], 1);
  // Say the m4 candidate was the fastest: the next batch goes mostly to it.
  std::vector<MeasuredCandidate> results;
  for (const Candidate& c : first) {
    std::string name = policy.config_of(c).value("template", "");
    results.push_back({c, name == "conv2d_winograd_m4" ? 3.0 : 1.0, policy.config_of(c)});
  }
  policy.observe(results);
  std::vector<std::string> measured;
  for (const Candidate& c : first) measured.push_back(candidate_key(c));
  n = count(policy.propose(16, flat, measured));
  EXPECT_EQ(n["conv2d_winograd_m4"], 14);
  EXPECT_EQ(n["conv2d_nchwc"], 1);
  EXPECT_EQ(n["conv2d_winograd_m2"], 1);
}

TEST(WinogradTemplates, TheSketchSearchMeasuresThemBesideTheDirectForm) {
  // --strategy ansor: the sketches of the direct convolution and the Winograd templates share the
  // task's trials; every record is the run's strategy, the Winograd ones name their template, and
  // a resumed run measures nothing twice.
  std::string path = test::fresh_log("ansor_winograd");
  TuneTask task = conv3x3_task(16, 16, 14);
  {
    TuningLog log = TuningLog::open(path);
    Tuner tuner({task}, measured_options("ansor", 33), Target::host(), log);
    TuneProgress p = tuner.run();
    EXPECT_EQ(p.tasks[0].search.rfind("ansor + conv2d_winograd_m2 + conv2d_winograd_m4 (xgb, ", 0), 0u)
        << p.tasks[0].search;
  }
  {
    TuningLog log = TuningLog::open(path);
    Tuner tuner({task}, measured_options("ansor", 49), Target::host(), log);
    EXPECT_EQ(tuner.run().measured_this_run, 16);
  }
  int sketches = 0, winograd = 0;
  std::set<std::string> keys;
  for (const TuningRecord& r : TuningLog::open(path).read_all()) {
    EXPECT_TRUE(keys.insert(candidate_key(r.steps)).second) << "measured twice";
    if (r.strategy == "default") continue;
    EXPECT_EQ(r.strategy, "ansor");
    bool is_winograd = !r.steps.empty() && std::holds_alternative<WinogradStep>(r.steps.front());
    EXPECT_EQ(is_winograd, r.config.is_object()) << r.config.dump();
    if (is_winograd) EXPECT_EQ(r.config.value("template", "").rfind("conv2d_winograd_m", 0), 0u);
    (is_winograd ? winograd : sketches) += r.valid();
  }
  EXPECT_GT(sketches, 0);
  EXPECT_GT(winograd, 0);
}

}  // namespace
}  // namespace tt
