// `tensortune run <model|file.onnx>`: compile the model (default schedules), run it, time it, and
// optionally check its output — against an unfused naive execution (--check) or a given output
// (--reference y.npy).
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>

#include "codegen/runtime.h"
#include "ir/compare.h"
#include "ir/error.h"
#include "ir/graph/passes/passes.h"
#include "search/measure/timer.h"
#include "src/cli/commands.h"
#include "src/frontend/load_model.h"
#include "src/runtime/executor.h"
#include "src/runtime/npy.h"
#include "src/runtime/replay.h"
#include "search/record/tuning_log.h"
#include "ir/graph/fusion.h"
#include "ir/graph/task.h"

namespace tt::cli {

namespace {

struct RunModelOptions {
  std::string model;
  std::string input, output, reference;
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
  std::string log;
};

int64_t argmax(const NDArray& a) {
  const float* p = a.as<float>();
  return std::max_element(p, p + a.num_elements()) - p;
}

int run_model(const RunModelOptions& o) {
  if (o.repeat < 1) user_error("--repeat must be at least 1, got {}", o.repeat);
  if (o.threads < 0) user_error("--threads must not be negative, got {}", o.threads);
  graph::Graph model = graph::simplify_graph(frontend::load_model(o.model));
  if (model.inputs().size() != 1) user_error("model '{}' has {} inputs; `run` supports one", o.model, model.inputs().size());
  const graph::Node& input_node = model.node(model.inputs()[0]);

  NDArray input;
  if (!o.input.empty()) {
    input = load_npy(o.input);
    if (input.shape() != input_node.type.shape)
      user_error("{}: shape {} does not match the model input '{}' of shape {}", o.input, shape_to_string(input.shape()),
                 input_node.name, shape_to_string(input_node.type.shape));
  } else {
    input = NDArray(input_node.type.shape, input_node.type.dtype);
    std::mt19937_64 rng(o.seed);
    input.fill_uniform(rng);
  }
  NDArray expected_from_file;
  if (!o.reference.empty()) expected_from_file = load_npy(o.reference);

  ExecutorOptions options;
  options.num_threads = o.threads;
  options.target = o.target;
  options.schedule = o.schedule == "naive" ? ScheduleSource::Naive : ScheduleSource::Default;
  // Replay: each task's best record for this CPU and thread count, the default schedule elsewhere.
  nlohmann::json schedules = nlohmann::json::array();
  int tuned_tasks = 0;
  if (!o.log.empty()) {
    set_num_threads(o.threads);
    TuningLog log = TuningLog::open(o.log, LogOpenMode::MustExist);
    std::vector<std::string> warnings;
    std::vector<TuningRecord> records = log.read_all(&warnings);
    for (const std::string& w : warnings) fmt::print(stderr, "warning: {}\n", w);
    graph::TaskTable table = graph::extract_tasks(model, graph::fuse_operators(model));
    Target target = Target::parse_or_host(o.target);
    std::vector<ScheduleChoice> choices = choose_schedules(table, records, target, num_threads());
    for (size_t t = 0; t < choices.size(); ++t) {
      const graph::Task& task = table.tasks[t];
      if (choices[t].from_log) {
        options.task_schedules[task.workload_key] = choices[t].steps;
        tuned_tasks++;
      } else if (!o.json) {
        fmt::print(stderr, "warning: task {} ({}): default schedule: {}\n", t, task.description, choices[t].reason);
      }
      schedules.push_back({{"task", t}, {"workload_key", task.workload_key}, {"description", task.description},
                           {"from_log", choices[t].from_log}, {"reason", choices[t].reason}});
    }
  }
  GraphExecutor executor(model, options);
  std::vector<NDArray> inputs{input};

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
  int64_t batch = input.shape().empty() ? 1 : input.shape()[0];
  if (!o.output.empty()) save_npy(o.output, outputs[0]);

  // Checks: against an unfused naive execution, and/or a reference output file.
  nlohmann::json check;
  bool correct = true;
  auto record = [&](const char* what, const NDArray& expected) {
    if (expected.shape() != outputs[0].shape())
      user_error("reference output has shape {}, the model's output {}", shape_to_string(expected.shape()),
                 shape_to_string(outputs[0].shape()));
    CompareResult r = compare(outputs[0], expected, o.rtol, o.atol);
    bool top1 = argmax(outputs[0]) == argmax(expected);
    check[what] = {{"max_abs_error", r.max_abs_error}, {"max_rel_error", r.max_rel_error}, {"top1_match", top1},
                   {"correct", r.ok && top1}, {"detail", r.describe()}};
    check["max_abs_error"] = r.max_abs_error;
    check["max_rel_error"] = r.max_rel_error;
    check["top1_match"] = top1;
    correct = correct && r.ok && top1;
    check["correct"] = correct;
  };
  if (o.check) {
    ExecutorOptions naive = options;
    naive.schedule = ScheduleSource::Naive;
    naive.fuse = false;
    GraphExecutor reference(model, naive);
    record("unfused_naive", reference.run(inputs)[0]);
  }
  if (!o.reference.empty()) record("reference_file", expected_from_file);

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
  int blocked = 0, adopted = 0;
  for (const graph::FusedGroup& g : executor.groups()) blocked += layouts.stored[size_t(g.output)].has_value();
  for (const GroupLayout& g : layouts.groups) adopted += !g.adopted.empty();
  nlohmann::json conversions = nlohmann::json::array();
  for (const LayoutConversion& c : layouts.conversions) {
    const graph::Node& n = executor.graph().node(c.value);
    conversions.push_back({{"value", n.name}, {"from", layout_to_string(c.from, n.type.shape)},
                           {"to", layout_to_string(c.to, n.type.shape)}});
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
    out["top1"] = argmax(outputs[0]);
    if (!check.is_null()) out["check"] = check;
    if (o.profile) out["profile"] = profile;
    if (!o.log.empty()) out["schedules"] = schedules;
    out["layouts"] = {{"blocked_values", blocked}, {"groups_adopting", adopted}, {"conversions", conversions}};
    fmt::print("{}\n", out.dump(2));
  } else {
    fmt::print("model       {} ({} groups, {} tasks, compiled in {:.2f} s)\n", o.model, executor.groups().size(),
               executor.tasks().tasks.size(), executor.compile_seconds());
    fmt::print("threads     {}, schedule {}\n", num_threads(), o.schedule);
    if (!o.log.empty()) {
      fmt::print("log         {}: {} of {} tasks use a record\n", o.log, tuned_tasks, schedules.size());
      for (const auto& s : schedules)
        if (s["from_log"].get<bool>())
          fmt::print("  task {:>2}  {}: {}\n", s["task"].get<size_t>(), s["description"].get<std::string>(),
                     s["reason"].get<std::string>());
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
      fmt::print("layouts     {} of {} group outputs kept channel-blocked ({} default-scheduled groups adopt their "
                 "neighbours' layouts), {} conversions\n",
                 blocked, executor.groups().size(), adopted, conversions.size());
      for (const auto& c : conversions)
        fmt::print("  convert {}: {} -> {}\n", c["value"].get<std::string>(), c["from"].get<std::string>(),
                   c["to"].get<std::string>());
    }
    fmt::print("output      {} top-1 class {}\n", shape_to_string(outputs[0].shape()), argmax(outputs[0]));
    if (o.profile) {
      fmt::print("profile     median per group, slowest first:\n");
      for (const auto& p : profile)
        fmt::print("  {:>4}  {:>9.3f} ms  {:>7.1f} GFLOP/s  {}\n", p["group"].get<size_t>(), p["ms"].get<double>(),
                   p["gflops"].get<double>(), p["task"].get<std::string>());
    }
    for (const char* what : {"unfused_naive", "reference_file"}) {
      if (!check.contains(what)) continue;
      fmt::print("check       {} against {}: {}\n", check[what]["correct"].get<bool>() ? "correct" : "WRONG", what,
                 check[what]["detail"].get<std::string>());
    }
  }
  return correct ? kExitOk : kExitWrongResult;
}

}  // namespace

Subcommand add_run_command(CLI::App& parent) {
  auto o = std::make_shared<RunModelOptions>();
  CLI::App* app = parent.add_subcommand("run", "Compile a model, run and time it, and check its output");
  app->add_option("model", o->model, "A built-in model name (see `tensortune models`) or an .onnx file")->required();
  app->add_option("--input", o->input, "Input as a .npy file (default: seeded random values)");
  app->add_option("--output", o->output, "Write the output to this .npy file");
  app->add_option("--reference", o->reference, "Compare the output with this .npy file");
  app->add_flag("--check", o->check, "Compare with an unfused execution using naive schedules");
  app->add_option("--repeat", o->repeat, "Timed runs")->capture_default_str();
  app->add_option("--warmup", o->warmup, "Untimed runs first")->capture_default_str();
  app->add_option("--threads", o->threads, "Threads (0: all cores)")->capture_default_str();
  app->add_option("--schedule", o->schedule, "Kernel schedules")->check(CLI::IsMember({"default", "naive"}))->capture_default_str();
  app->add_option("--target", o->target, "LLVM target string (default: this machine)");
  app->add_option("--rtol", o->rtol, "Relative tolerance of the checks")->capture_default_str();
  app->add_option("--atol", o->atol, "Absolute tolerance of the checks")->capture_default_str();
  app->add_option("--seed", o->seed, "Seed of the random input")->capture_default_str();
  app->add_option("--log", o->log, "Replay this tuning log: each task's best record for this CPU");
  app->add_flag("--profile", o->profile, "Time each fused group and list them, slowest first");
  app->add_flag("--json", o->json, "Print one JSON object");
  return {app, [o]() { return run_model(*o); }};
}

}  // namespace tt::cli
