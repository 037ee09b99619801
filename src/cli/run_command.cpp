// `tensortune run <model|file.onnx>`: compile the model (default schedules), run it, time it, and
// optionally check its output — against an unfused naive execution (--check) or a given output
// (--reference y.npy).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <random>

#include "codegen/runtime.h"
#include "ir/compare.h"
#include "ir/error.h"
#include "ir/graph/passes/passes.h"
#include "search/measure/timer.h"
#include "src/cli/commands.h"
#include "src/cli/validators.h"
#include "src/frontend/load_model.h"
#include "src/runtime/detection.h"
#include "src/runtime/executor.h"
#include "src/runtime/npy.h"
#include "src/runtime/replay.h"
#include "ir/graph/fusion.h"
#include "ir/graph/task.h"

namespace tt::cli {

namespace {

struct RunModelOptions {
  std::string model;
  // Each NAME=FILE, or a bare FILE for a model with one input (output).
  std::vector<std::string> inputs, outputs, references;
  int repeat = 20;
  int warmup = 2;
  int threads = 0;
  std::string schedule = "default";
  std::string target;
  bool check = false;
  double rtol = 1e-3, atol = 1e-4;
  uint64_t seed = 1;
  bool json = false;
  bool profile = false;
  bool postprocess = false;
  std::string log;
};

int64_t argmax(const NDArray& a) {
  const float* p = a.as<float>();
  return std::max_element(p, p + a.num_elements()) - p;
}

// A classifier's output (batch x classes), whose top-1 class `run` reports and checks.
bool is_logits(const NDArray& a) { return a.shape().size() == 2 && a.num_elements() > 0; }

// The files of `flag` by the model's value name: NAME=FILE, or a bare FILE where the model has one
// such value. UserError for an unknown or repeated name, or a bare FILE among several values.
std::map<std::string, std::string> files_by_name(const std::vector<std::string>& args,
                                                 const std::vector<std::string>& names, const std::string& flag,
                                                 const char* what) {
  std::map<std::string, std::string> out;
  for (const std::string& arg : args) {
    std::string name, file = arg;
    size_t eq = arg.find('=');
    if (eq != std::string::npos && std::find(names.begin(), names.end(), arg.substr(0, eq)) != names.end()) {
      name = arg.substr(0, eq);
      file = arg.substr(eq + 1);
    } else if (names.size() == 1 && (eq == std::string::npos || args.size() == 1)) {
      name = names[0];
    } else {
      user_error("{} {}: the model has {} {}s ({}); give NAME=FILE", flag, arg, names.size(), what,
                 fmt::join(names, ", "));
    }
    if (file.empty()) user_error("{} {}: no file after the name", flag, arg);
    if (!out.emplace(name, file).second) user_error("{}: {} '{}' is given twice", flag, what, name);
  }
  return out;
}

int run_model(const RunModelOptions& o) {
  if (o.repeat < 1) user_error("--repeat must be at least 1, got {}", o.repeat);
  if (o.threads < 0) user_error("--threads must not be negative, got {}", o.threads);
  graph::Graph model = graph::simplify_graph(frontend::load_model(o.model));
  std::vector<std::string> input_names, output_names;
  for (graph::NodeId id : model.inputs()) input_names.push_back(model.node(id).name);
  for (size_t i = 0; i < model.outputs().size(); ++i) output_names.push_back(model.output_name(i));
  const auto input_files = files_by_name(o.inputs, input_names, "--input", "input");
  const auto output_files = files_by_name(o.outputs, output_names, "--output", "output");
  const auto reference_files = files_by_name(o.references, output_names, "--reference", "output");

  // Each input from its file, else seeded random values (seed + its position).
  std::vector<NDArray> inputs;
  for (size_t i = 0; i < input_names.size(); ++i) {
    const graph::Node& node = model.node(model.inputs()[i]);
    auto file = input_files.find(input_names[i]);
    if (file != input_files.end()) {
      NDArray value = load_npy(file->second);
      if (value.shape() != node.type.shape)
        user_error("{}: shape {} does not match the model input '{}' of shape {}", file->second,
                   shape_to_string(value.shape()), node.name, shape_to_string(node.type.shape));
      inputs.push_back(std::move(value));
    } else {
      NDArray value(node.type.shape, node.type.dtype);
      std::mt19937_64 rng(o.seed + i);
      value.fill_uniform(rng);
      inputs.push_back(std::move(value));
    }
  }
  // RetinaNet's outputs, for --postprocess (checked before anything is compiled).
  int retina_logits = -1, retina_boxes = -1;
  for (size_t i = 0; i < output_names.size(); ++i) {
    if (output_names[i] == "cls_logits") retina_logits = int(i);
    if (output_names[i] == "bbox_regression") retina_boxes = int(i);
  }
  if (o.postprocess && (retina_logits < 0 || retina_boxes < 0 || model.inputs().size() != 1 ||
                        model.node(model.inputs()[0]).type.shape.size() != 4))
    user_error("--postprocess decodes RetinaNet's outputs (cls_logits and bbox_regression of one NCHW image input); "
               "model '{}' has outputs {}",
               o.model, fmt::join(output_names, ", "));
  std::map<std::string, NDArray> expected_from_file;
  for (const auto& [name, file] : reference_files) expected_from_file[name] = load_npy(file);

  ExecutorOptions options;
  options.num_threads = o.threads;
  options.target = o.target;
  options.schedule = o.schedule == "naive" ? ScheduleSource::Naive : ScheduleSource::Default;
  // Replay: each task's best record for this CPU and thread count, the default schedule elsewhere.
  nlohmann::json schedules = nlohmann::json::array();
  ReplayedLog replayed;
  if (!o.log.empty()) {
    set_num_threads(o.threads);
    std::vector<graph::FusedGroup> groups = graph::fuse_operators(model);
    graph::TaskTable table = graph::extract_tasks(model, groups);
    std::vector<std::string> warnings;
    replayed = replay_log(o.log, model, groups, table, Target::parse_or_host(o.target), num_threads(), &warnings);
    for (const std::string& w : warnings) fmt::print(stderr, "warning: {}\n", w);
    options.task_schedules = replayed.schedules;
    for (size_t t = 0; t < replayed.layout.choices.size(); ++t) {
      const graph::Task& task = table.tasks[t];
      const ScheduleChoice& c = replayed.layout.choices[t];
      if (!c.from_log && !o.json)
        fmt::print(stderr, "warning: task {} ({}): default schedule: {}\n", t, task.description, c.reason);
      schedules.push_back({{"task", t}, {"workload_key", task.workload_key}, {"description", task.description},
                           {"from_log", c.from_log}, {"reason", c.reason}, {"formulation", formulation_of(c.steps)}});
    }
  }
  GraphExecutor executor(model, options);

  for (int i = 0; i < o.warmup; ++i) executor.run(inputs);
  std::vector<double> samples;
  std::vector<NDArray> outputs;
  for (int i = 0; i < o.repeat; ++i) {
    auto start = std::chrono::steady_clock::now();
    outputs = executor.run(inputs);
    samples.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  TimingResult t = summarize(samples);
  double p99 = quantile(samples, 0.99);
  int64_t batch = inputs.empty() || inputs[0].shape().empty() ? 1 : inputs[0].shape()[0];
  for (size_t i = 0; i < outputs.size(); ++i)
    if (auto file = output_files.find(output_names[i]); file != output_files.end()) save_npy(file->second, outputs[i]);

  // Checks: against an unfused naive execution, and/or reference output files; every output is
  // compared, and a classifier's top-1 class must match too.
  nlohmann::json check;
  bool correct = true;
  auto record = [&](const std::string& what, size_t i, const NDArray& expected) {
    const std::string key = outputs.size() == 1 ? what : what + ":" + output_names[i];
    if (expected.shape() != outputs[i].shape())
      user_error("reference output '{}' has shape {}, the model's output {}", output_names[i],
                 shape_to_string(expected.shape()), shape_to_string(outputs[i].shape()));
    CompareResult r = compare(outputs[i], expected, o.rtol, o.atol);
    bool top1 = !is_logits(outputs[i]) || argmax(outputs[i]) == argmax(expected);
    check[key] = {{"max_abs_error", r.max_abs_error}, {"max_rel_error", r.max_rel_error}, {"top1_match", top1},
                  {"correct", r.ok && top1}, {"detail", r.describe()}};
    check["max_abs_error"] = std::max(check.value("max_abs_error", 0.0), r.max_abs_error);
    check["max_rel_error"] = std::max(check.value("max_rel_error", 0.0), r.max_rel_error);
    check["top1_match"] = check.value("top1_match", true) && top1;
    correct = correct && r.ok && top1;
    check["correct"] = correct;
  };
  if (o.check) {
    ExecutorOptions naive = options;
    naive.schedule = ScheduleSource::Naive;
    naive.fuse = false;
    GraphExecutor reference(model, naive);
    std::vector<NDArray> expected = reference.run(inputs);
    for (size_t i = 0; i < outputs.size(); ++i) record("unfused_naive", i, expected[i]);
  }
  for (size_t i = 0; i < outputs.size(); ++i)
    if (auto e = expected_from_file.find(output_names[i]); e != expected_from_file.end())
      record("reference_file", i, e->second);

  // Detections per image (anchors, decoding, NMS on the CPU, after the timed runs).
  nlohmann::json detections = nlohmann::json::array();
  if (o.postprocess) {
    const std::vector<int64_t>& image = model.node(model.inputs()[0]).type.shape;
    for (int64_t n = 0; n < image[0]; ++n) {
      nlohmann::json per_image = nlohmann::json::array();
      for (const Detection& d : retinanet_detections(outputs[size_t(retina_logits)], outputs[size_t(retina_boxes)], n,
                                                     image[2], image[3]))
        per_image.push_back({{"box", d.box}, {"score", d.score}, {"label", d.label}});
      detections.push_back(per_image);
    }
  }

  nlohmann::json profile = nlohmann::json::array();
  if (o.profile) {
    std::vector<double> seconds = executor.profile(inputs, o.repeat);
    const auto& groups = executor.groups();
    std::vector<size_t> order(groups.size());
    for (size_t g = 0; g < order.size(); ++g) order[g] = g;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return seconds[a] > seconds[b]; });
    for (size_t g : order) {
      const graph::Task& task = executor.tasks().tasks[executor.tasks().task_of_group[g]];
      profile.push_back({{"group", g}, {"ops", groups[g].describe(executor.graph())}, {"ms", seconds[g] * 1e3},
                         {"gflops", double(task.flops) / seconds[g] / 1e9}, {"task", task.description}});
    }
  }
  const MemoryPlan& plan = executor.memory_plan();
  // The layout pass: values kept blocked between groups, and the conversions it needed.
  const LayoutPlan& layouts = executor.layout_plan();
  int blocked = 0, adopted = 0, blocked_order = 0;
  for (const graph::FusedGroup& g : executor.groups()) blocked += layouts.stored[size_t(g.output)].has_value();
  for (const GroupLayout& g : layouts.groups) adopted += !g.adopted.empty();
  for (int g = 0; g < int(executor.groups().size()); ++g) blocked_order += executor.computes_in_blocked_order(g);
  nlohmann::json conversions = nlohmann::json::array();
  for (const LayoutConversion& c : layouts.conversions) {
    conversions.push_back(conversion_json(executor.graph(), c, replayed.layout));
  }
  if (o.json) {
    nlohmann::json out;
    out["model"] = o.model;
    out["threads"] = num_threads();
    out["schedule"] = o.schedule;
    out["groups"] = executor.groups().size();
    out["tasks"] = executor.tasks().tasks.size();
    out["compile_seconds"] = executor.compile_seconds();
    out["latency_ms"] = {{"mean", t.mean_s * 1e3}, {"median", t.median_s * 1e3}, {"std", t.std_s * 1e3},
                         {"p99", p99 * 1e3}, {"min", t.min_s * 1e3}};
    out["repeat"] = o.repeat;
    out["throughput"] = double(batch) / t.median_s;
    out["peak_memory_bytes"] = plan.arena_bytes;
    out["no_reuse_memory_bytes"] = plan.no_reuse_bytes;
    out["weight_bytes"] = executor.weight_bytes();
    out["packed_weight_bytes"] = executor.packed_weight_bytes();
    out["output_shape"] = outputs[0].shape();
    if (is_logits(outputs[0])) out["top1"] = argmax(outputs[0]);
    nlohmann::json described = nlohmann::json::array();
    for (size_t i = 0; i < outputs.size(); ++i) {
      described.push_back({{"name", output_names[i]}, {"shape", outputs[i].shape()}});
      if (is_logits(outputs[i])) described.back()["top1"] = argmax(outputs[i]);
    }
    out["outputs"] = described;
    if (!check.is_null()) out["check"] = check;
    if (o.postprocess) out["detections"] = detections;
    if (o.profile) out["profile"] = profile;
    if (!o.log.empty()) out["schedules"] = schedules;
    out["layouts"] = {{"blocked_values", blocked},
                      {"groups_adopting", adopted},
                      {"groups_in_blocked_order", blocked_order},
                      {"conversions", conversions}};
    fmt::print("{}\n", out.dump(2));
  } else {
    fmt::print("model       {} ({} groups, {} tasks, compiled in {:.2f} s)\n", o.model, executor.groups().size(),
               executor.tasks().tasks.size(), executor.compile_seconds());
    fmt::print("threads     {}, schedule {}\n", num_threads(), o.schedule);
    if (!o.log.empty()) {
      fmt::print("log         {}: {} of {} tasks use a record\n", o.log, options.task_schedules.size(),
                 schedules.size());
      for (const auto& s : schedules)
        if (s["from_log"].get<bool>())
          fmt::print("  task {:>2}  {}: {} ({})\n", s["task"].get<size_t>(), s["description"].get<std::string>(),
                     s["reason"].get<std::string>(), s["formulation"].get<std::string>());
    }
    fmt::print("latency     {:.3f} ms median, {:.3f} mean, {:.3f} std, {:.3f} p99 ({} runs)\n", t.median_s * 1e3,
               t.mean_s * 1e3, t.std_s * 1e3, p99 * 1e3, o.repeat);
    fmt::print("throughput  {:.1f} images/s\n", double(batch) / t.median_s);
    fmt::print("memory      {:.2f} MB intermediates (without reuse {:.2f} MB), {:.2f} MB weights{}\n",
               double(plan.arena_bytes) / 1e6, double(plan.no_reuse_bytes) / 1e6, double(executor.weight_bytes()) / 1e6,
               executor.packed_weight_bytes() > 0
                   ? fmt::format(" ({:.2f} MB of them packed at load in loop order)", double(executor.packed_weight_bytes()) / 1e6)
                   : std::string());
    if (blocked > 0 || !conversions.empty()) {
      fmt::print("layouts     {} of {} group outputs kept channel-blocked ({} groups adopt their neighbours' layouts, "
                 "{} of them computing in the blocked order), {} conversions\n",
                 blocked, executor.groups().size(), adopted, blocked_order, conversions.size());
      for (const auto& c : conversions)
        fmt::print("  {}\n", conversion_line(c));
    }
    for (size_t i = 0; i < outputs.size(); ++i)
      fmt::print("output      {}{}{}\n", outputs.size() > 1 ? output_names[i] + " " : std::string(),
                 shape_to_string(outputs[i].shape()),
                 is_logits(outputs[i]) ? fmt::format(" top-1 class {}", argmax(outputs[i])) : std::string());
    for (size_t n = 0; n < detections.size(); ++n) {
      constexpr size_t kShown = 10;
      fmt::print("detections  image {}: {} (boxes x1,y1,x2,y2 in input pixels; best {} shown)\n", n, detections[n].size(),
                 std::min(kShown, detections[n].size()));
      for (size_t k = 0; k < detections[n].size() && k < kShown; ++k) {
        const auto& d = detections[n][k];
        fmt::print("  label {:>3}  score {:.3f}  box {:.1f},{:.1f},{:.1f},{:.1f}\n", d["label"].get<int64_t>(),
                   d["score"].get<float>(), d["box"][0].get<float>(), d["box"][1].get<float>(), d["box"][2].get<float>(),
                   d["box"][3].get<float>());
      }
    }
    if (o.profile) {
      fmt::print("profile     median per group, slowest first:\n");
      for (const auto& p : profile)
        fmt::print("  {:>4}  {:>9.3f} ms  {:>7.1f} GFLOP/s  {}\n", p["group"].get<size_t>(), p["ms"].get<double>(),
                   p["gflops"].get<double>(), p["task"].get<std::string>());
    }
    for (const auto& [what, result] : check.items()) {
      if (!result.is_object()) continue;
      fmt::print("check       {} against {}: {}\n", result["correct"].get<bool>() ? "correct" : "WRONG", what,
                 result["detail"].get<std::string>());
    }
  }
  return correct ? kExitOk : kExitWrongResult;
}

}  // namespace

nlohmann::json conversion_json(const graph::Graph& graph, const LayoutConversion& c, const LayoutChoice& choice) {
  const graph::Node& n = graph.node(c.value);
  nlohmann::json out = {{"value", n.name}, {"from", layout_to_string(c.from, n.type.shape)},
                        {"to", layout_to_string(c.to, n.type.shape)}};
  for (const ConversionCost& cost : choice.conversions)
    if (cost.value == c.value && same_layout(cost.to, c.to)) {
      out["ms"] = cost.seconds * 1e3;
      out["measured"] = cost.measured;
    }
  return out;
}

std::string conversion_line(const nlohmann::json& c) {
  std::string cost;
  if (c.contains("ms"))
    cost = fmt::format(" ({:.3f} ms, {})", c["ms"].get<double>(),
                       c["measured"].get<bool>() ? "measured" : "estimated from its bytes");
  return fmt::format("convert {}: {} -> {}{}", c["value"].get<std::string>(), c["from"].get<std::string>(),
                     c["to"].get<std::string>(), cost);
}

Subcommand add_run_command(CLI::App& parent) {
  auto o = std::make_shared<RunModelOptions>();
  CLI::App* app = parent.add_subcommand("run", "Compile a model, run and time it, and check its output");
  app->add_option("model", o->model, "A built-in model name (see `tensortune models`) or an .onnx file")->required();
  app->add_option("--input", o->inputs,
                  "NAME=FILE: an input as a .npy file, named as in the model (repeatable; a bare FILE for a model "
                  "with one input; default: seeded random values)");
  app->add_option("--output", o->outputs,
                  "NAME=FILE: write an output to a .npy file (repeatable; a bare FILE for a model with one output)");
  app->add_option("--reference", o->references,
                  "NAME=FILE: compare an output with a .npy file (repeatable; a bare FILE for one output)");
  app->add_flag("--check", o->check, "Compare with an unfused execution using naive schedules");
  app->add_option("--repeat", o->repeat, "Timed runs")->check(integer_at_least(1))->capture_default_str();
  app->add_option("--warmup", o->warmup, "Untimed runs first")->check(integer_at_least(0))->capture_default_str();
  app->add_option("--threads", o->threads, "Threads (0: all cores)")->check(integer_in(0, 1024))->capture_default_str();
  app->add_option("--schedule", o->schedule, "Kernel schedules")->check(CLI::IsMember({"default", "naive"}))->capture_default_str();
  app->add_option("--target", o->target, "LLVM target string (default: this machine)");
  app->add_option("--rtol", o->rtol, "Relative tolerance of the checks")->check(non_negative_number())->capture_default_str();
  app->add_option("--atol", o->atol, "Absolute tolerance of the checks")->check(non_negative_number())->capture_default_str();
  app->add_option("--seed", o->seed, "Seed of the random input")->check(seed_value())->capture_default_str();
  app->add_option("--log", o->log, "Replay this tuning log: each task's best record for this CPU");
  app->add_flag("--profile", o->profile, "Time each fused group and list them, slowest first");
  app->add_flag("--postprocess", o->postprocess,
                "Decode RetinaNet's raw outputs into detections (anchors, box decoding, per-class NMS as "
                "torchvision does) and print boxes, scores and labels");
  app->add_flag("--json", o->json, "Print one JSON object");
  return {app, [o]() { return run_model(*o); }};
}

}  // namespace tt::cli
