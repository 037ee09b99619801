// `tensortune tune <model|file.onnx> --trials N --log FILE`: tune a model's tasks into a tuning log with
// live progress; Ctrl-C stops after the batch in flight, and rerunning on the same log resumes.
#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <sstream>
#include <map>
#include <nlohmann/json.hpp>

#include "ir/error.h"
#include "src/api/model_tasks.h"
#include "search/measure/build.h"
#include "src/cli/commands.h"
#include "src/cli/op_flags.h"
#include "src/cli/validators.h"
#include "tensortune/tensortune.h"

namespace tt::cli {

namespace {

std::atomic<bool> g_stop{false};

extern "C" void on_interrupt(int) {
  if (g_stop.exchange(true)) _exit(130);  // a second Ctrl-C aborts at once
  const char message[] = "\ntensortune: stopping after the batch in flight (Ctrl-C again to abort)\n";
  [[maybe_unused]] ssize_t n = write(STDERR_FILENO, message, sizeof(message) - 1);
}

struct TuneCommandOptions {
  std::string model;
  // `tune op <name> [flags]`: one catalogue operator instead of a model.
  std::map<std::string, OpFlagValues> op_values;  // by operator; map nodes keep bound addresses
  std::vector<std::pair<CLI::App*, const OpSpec*>> ops;
  CLI::App* op_app = nullptr;
  tensortune::TuneOptions tune;
  bool json = false;
  bool show_sketches = false;
};


double gflops(int64_t flops, double ms) { return std::isfinite(ms) && ms > 0 ? double(flops) / (ms * 1e6) : 0; }

std::string progress_line(const tensortune::TuneProgress& p) {
  std::string task = "warm start";
  if (p.current_task >= 0) {
    const tensortune::TaskResult& t = p.tasks[p.current_task];
    task = fmt::format("task {} of {} ({}): best {:.1f} GFLOP/s", p.current_task, p.tasks.size(),
                       t.task.description.substr(0, t.task.description.find(" <-")), gflops(t.task.flops, t.best_ms));
  }
  std::string latency = std::isfinite(p.estimated_latency_ms) ? fmt::format("{:.3f} ms", p.estimated_latency_ms) : "-";
  return fmt::format("[{:>5}/{} trials] {} | est. {} | {} elapsed, ETA {}", p.trials_done, p.trials_total, task,
                     latency, duration(p.elapsed_s), p.measured_this_run ? duration(p.eta_s) : "?");
}

nlohmann::json to_json(const tensortune::TuneProgress& p, const std::string& model) {
  auto finite_or_null = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); };
  nlohmann::json tasks = nlohmann::json::array();
  for (const tensortune::TaskResult& t : p.tasks) {
    tasks.push_back({{"workload_key", t.task.workload_key},
                     {"description", t.task.description},
                     {"weight", t.task.weight},
                     {"flops", t.task.flops},
                     {"trials", t.trials},
                     {"best_latency_ms", finite_or_null(t.best_ms)},
                     {"default_latency_ms", finite_or_null(t.default_ms)},
                     {"errors", t.errors},
                     {"cut_short", t.cut_short},
                     {"search", t.search}});
  }
  nlohmann::json out = {{"model", model},
                        {"trials", p.trials_done},
                        {"measured_this_run", p.measured_this_run},
                        {"tuning_seconds", p.elapsed_s},
                        {"estimated_latency_ms", finite_or_null(p.estimated_latency_ms)},
                        {"tasks", tasks},
                        {"seconds", {{"search", p.search_s}, {"build", p.build_s}, {"run", p.run_s},
                                     {"model_update", p.model_s}, {"log", p.log_s}}}};
  if (p.pairwise_accuracy)
    out["cost_model"] = {{"pairwise_accuracy", *p.pairwise_accuracy}, {"best_of_top_k", *p.best_of_top_k}};
  out["layouts"] = {{"conversions_timed", p.conversions_timed},
                    {"conversions_failed", p.conversions_failed},
                    {"conversions_timing_seconds", p.conversions_timing_s},
                    {"replay_conversions", p.replay_conversions},
                    {"replay_conversions_ms", p.replay_conversions_ms},
                    {"replay_tasks_off_fastest", p.replay_tasks_off_fastest}};
  return out;
}

void print_report(const tensortune::TuneProgress& p) {
  fmt::print("{:>3}  {:<58} {:>6} {:>6} {:>11} {:>11} {:>8} {:>8}  {}\n", "#", "task", "weight", "trials", "default ms",
             "best ms", "speedup", "GFLOP/s", "errors");
  for (size_t i = 0; i < p.tasks.size(); ++i) {
    const tensortune::TaskResult& t = p.tasks[i];
    std::string errors;
    for (const auto& [code, n] : t.errors) errors += fmt::format("{}{}={}", errors.empty() ? "" : " ", code, n);
    if (t.cut_short) errors += fmt::format("{}cut_short={}", errors.empty() ? "" : " ", t.cut_short);
    std::string description = t.task.description.size() > 58 ? t.task.description.substr(0, 55) + "..." : t.task.description;
    double speedup = std::isfinite(t.best_ms) && std::isfinite(t.default_ms) ? t.default_ms / t.best_ms : 0;
    fmt::print("{:>3}  {:<58} {:>6} {:>6} {:>11.4f} {:>11.4f} {:>7.2f}x {:>8.1f}  {}\n", i, description, t.task.weight,
               t.trials, t.default_ms, t.best_ms, speedup, gflops(t.task.flops, t.best_ms), errors);
  }
  bool templates = false;
  for (const auto& t : p.tasks) templates |= t.search != "ansor";
  if (templates) {
    fmt::print("how each task was searched:\n");
    for (size_t i = 0; i < p.tasks.size(); ++i) fmt::print("{:>3}  {}\n", i, p.tasks[i].search);
  }
  double default_total = 0;
  for (const auto& t : p.tasks) default_total += t.task.weight * t.default_ms;
  fmt::print("estimated end-to-end latency: {:.3f} ms (default schedules {:.3f} ms)\n", p.estimated_latency_ms,
             default_total);
  int n = std::max(p.measured_this_run, 1);
  fmt::print("trials: {} in the log, {} measured in {} this run ({:.3f} s per trial: search {:.3f}, build {:.3f}, "
             "run {:.3f}, model {:.3f})\n",
             p.trials_done, p.measured_this_run, duration(p.elapsed_s), p.elapsed_s / n, p.search_s / n,
             p.build_s / n, p.run_s / n, p.model_s / n);
  if (p.conversions_timed > 0 || p.replay_conversions > 0)
    fmt::print("layouts: {} conversions between tasks timed this run{} in {}; replay runs {} conversions ({:.3f} ms), "
               "{} task(s) on a record other than their fastest for its layouts\n",
               p.conversions_timed, p.conversions_failed ? fmt::format(" ({} failed)", p.conversions_failed) : "",
               duration(p.conversions_timing_s), p.replay_conversions, p.replay_conversions_ms,
               p.replay_tasks_off_fastest);
  if (p.pairwise_accuracy)
    fmt::print("cost model on the last batch: pairwise accuracy {:.3f}, best of top-k {:.3f}\n", *p.pairwise_accuracy,
               *p.best_of_top_k);
}

// Tunes through `tune` (the model's or one operator's task list), with progress and Ctrl-C.
int run_tune(TuneCommandOptions& o, const std::string& name,
             const std::function<tensortune::TuneProgress(const tensortune::TuneOptions&)>& tune) {
  bool terminal = isatty(STDERR_FILENO);
  o.tune.on_progress = [terminal](const tensortune::TuneProgress& p) {
    if (terminal) fmt::print(stderr, "\r\033[K{}", progress_line(p));
    else fmt::print(stderr, "{}\n", progress_line(p));
    std::fflush(stderr);
  };
  g_stop = false;
  o.tune.stop = &g_stop;
  auto previous = std::signal(SIGINT, on_interrupt);
  tensortune::TuneProgress result;
  try {
    result = tune(o.tune);
  } catch (...) {
    std::signal(SIGINT, previous);
    if (terminal) fmt::print(stderr, "\n");
    throw;
  }
  std::signal(SIGINT, previous);
  if (terminal) fmt::print(stderr, "\n");
  if (g_stop) fmt::print(stderr, "stopped: every finished batch is in {}; rerun the same command to resume\n", o.tune.log);
  if (o.json) fmt::print("{}\n", to_json(result, name).dump(2));
  else print_report(result);
  return kExitOk;
}

int run_tune_command(TuneCommandOptions& o) {
  if (o.op_app && o.op_app->parsed()) {
    for (const auto& [sub, spec] : o.ops) {
      if (!sub->parsed()) continue;
      OpArgs args = o.op_values[spec->name].args(*spec);
      OpGraph graph = spec->build(args);
      std::string description = fmt::format("{} {}", spec->name, args.to_string());
      TuneTask task = operator_task(description, graph.outputs, graph.constants);
      if (o.show_sketches) {
        Target target = Target::parse_or_host(o.tune.target);
        SketchPolicy policy(task.outputs, hardware_params(target, o.tune.threads), SketchParams{}, o.tune.seed);
        fmt::print("== task 0: {}\n", description);
        for (const Sketch& sketch : policy.sketches()) fmt::print("{}\n", to_string(sketch));
        return kExitOk;
      }
      if (o.tune.log.empty()) user_error("tune needs --log FILE (see tensortune tune --help)");
      return run_tune(o, description, [&](const tensortune::TuneOptions& options) {
        return tune_task_list(description, {task}, options);
      });
    }
    user_error("tune op: missing operator name; see tensortune op --list");
  }
  if (o.model.empty()) user_error("tune needs a model name, an .onnx file or `op <operator>`; see tensortune tune --help");
  tensortune::Model model = tensortune::Model::load(o.model);
  if (o.show_sketches) {
    std::vector<std::string> sketches = tensortune::describe_sketches(model, o.tune);
    std::vector<tensortune::TaskInfo> tasks = model.tasks();
    for (size_t i = 0; i < tasks.size(); ++i) fmt::print("== task {}: {}\n{}", i, tasks[i].description, sketches[i]);
    return kExitOk;
  }
  if (o.tune.log.empty()) user_error("tune needs --log FILE (see tensortune tune --help)");
  return run_tune(o, o.model, [&](const tensortune::TuneOptions& options) { return tensortune::tune(model, options); });
}

}  // namespace

Subcommand add_tune_command(CLI::App& parent) {
  auto o = std::make_shared<TuneCommandOptions>();
  CLI::App* app = parent.add_subcommand("tune", "Search schedules for a model's tasks and record them in a tuning log");
  app->add_option("model", o->model, "A built-in model name (see `tensortune models`) or an .onnx file");
  app->footer("One operator instead of a model: tensortune tune op <operator> [operator flags] [tune flags];\n"
              "see tensortune op --list for the operators and tensortune op <operator> --help for their flags.");
  app->add_option("--trials", o->tune.trials,
                  "Measurements the log should hold for the model when done (a rerun resumes up to this)")
      ->check(integer_at_least(0))
      ->capture_default_str();
  app->add_option("--log", o->tune.log, "Tuning log (SQLite), created if missing, e.g. tuning_logs/resnet18.db");
  app->add_option("--seed", o->tune.seed, "Seed of the search")->check(seed_value())->capture_default_str();
  app->add_option("--threads", o->tune.threads, "Threads the kernels run with")->check(integer_in(1, 1024))->capture_default_str();
  app->add_option("--timeout", o->tune.timeout_s, "Seconds a candidate may run before it is killed")
      ->check(positive_number(86400))
      ->capture_default_str();
  app->add_option("--rtol", o->tune.rtol, "Relative tolerance of the check against the reference")
      ->check(non_negative_number())
      ->capture_default_str();
  app->add_option("--atol", o->tune.atol, "Absolute tolerance of the check")->check(non_negative_number())->capture_default_str();
  app->add_flag("--flush-cache", o->tune.flush_cache,
                "Evict the buffers from the caches before every timed run (closer to in-model timing)");
  app->add_option("--per-round", o->tune.measures_per_round, "Candidates measured per round of one task")
      ->check(integer_in(1, 1 << 16))
      ->capture_default_str();
  app->add_option("--layout-rewrite", o->tune.layout_rewrite,
                  "Store each weight a reduction reads in the order the schedule's loops read it, packed once at load "
                  "(on/off)")
      ->transform(CLI::CheckedTransformer(std::map<std::string, bool>{{"on", true}, {"off", false}}))
      ->default_str("on");
  app->add_option("--strategy", o->tune.strategy,
                  "ansor (default: template-free sketches, every operator, no templates to write) or autotvm "
                  "(schedule templates with knobs for conv2d, depthwise conv2d, matmul, dense, batch_matmul and "
                  "pooling; other tasks fall back to ansor)")
      ->check(CLI::IsMember({"ansor", "autotvm"}))
      ->capture_default_str();
  app->add_option("--tuner", o->tune.tuner,
                  "The autotvm strategy's tuner: xgb (cost model + simulated annealing), ga (genetic algorithm), "
                  "random or grid")
      ->check(CLI::IsMember({"xgb", "ga", "random", "grid"}))
      ->capture_default_str();
  app->add_option("--ga-population", o->tune.ga_population, "The ga tuner's configs per generation")
      ->check(integer_in(2, 1 << 20))
      ->capture_default_str();
  app->add_option("--ga-elites", o->tune.ga_elites, "The ga tuner's best configs carried into each generation")
      ->check(integer_at_least(0))
      ->capture_default_str();
  app->add_option("--ga-mutation", o->tune.ga_mutation_prob,
                  "The ga tuner's probability that each knob of a child is redrawn")
      ->check(number_in(0.0, 1.0))
      ->capture_default_str();
  app->add_option("--conv-block", o->tune.conv_block,
                  "Block every channel dimension of the nchwc template by this (e.g. the vector width, 16 with "
                  "AVX-512) instead of searching the blocks: the convolutions then agree on their layouts and replay "
                  "converts nothing between them (-1: the native vector width; 0: search the blocks per task)")
      ->check(integer_in(-1, 1 << 20))
      ->capture_default_str();
  app->add_option_function<std::string>(
         "--winograd",
         [o](const std::string& text) {
           o->tune.winograd_tiles.clear();
           if (text == "none") return;
           std::stringstream in(text);
           for (std::string item; std::getline(in, item, ',');) {
             if (item != "2" && item != "4" && item != "6")
               throw CLI::ValidationError("--winograd", "'" + item + "' is not a tile (2, 4 or 6, comma-separated, or none)");
             o->tune.winograd_tiles.push_back(std::stoi(item));
           }
         },
         "Output tiles m of the Winograd formulations F(mxm, 3x3) searched beside the direct form of each 3x3 "
         "stride-1 convolution, by either strategy (2, 4, 6; F(6x6) rounds more and may fail the check on deep "
         "layers); none: the direct form only")
      ->default_str("2,4");
  app->add_option("--conv-layout", o->tune.conv_layout,
                  "The autotvm convolution template: nchwc (channel blocks of the data, weights and output as knobs; "
                  "replay keeps activations blocked between convolutions) or nchw (direct)")
      ->check(CLI::IsMember({"nchwc", "nchw"}))
      ->capture_default_str();
  app->add_option("--cost-model", o->tune.cost_model, "xgb (XGBoost, trained online) or random (random sampling)")
      ->check(CLI::IsMember({"xgb", "random"}))
      ->capture_default_str();
  app->add_option("--scheduler", o->tune.scheduler, "How trials are spread over tasks")
      ->check(CLI::IsMember({"gradient", "round-robin"}))
      ->capture_default_str();
  app->add_option("--warm-start", o->tune.warm_start_model, "Start from the cost model saved beside another log (FILE.db.model)");
  app->add_option("--target", o->tune.target, "LLVM target string (default: this machine)");
  app->add_flag("--show-sketches", o->show_sketches, "Print each task's sketches and exit");
  app->add_flag("--json", o->json, "Print the result as one JSON object");
  // `tune op <operator>`: the operator's flags on its sub-subcommand; the tune flags fall through to
  // `tune`, so they may come anywhere on the line.
  o->op_app = app->add_subcommand("op", "Tune one operator of the catalogue instead of a model");
  o->op_app->fallthrough();
  o->op_app->require_subcommand(0, 1);
  for (const OpSpec& spec : op_catalog()) {
    CLI::App* sub = o->op_app->add_subcommand(spec.name, spec.description);
    sub->fallthrough();
    add_op_flags(sub, spec, o->op_values[spec.name]);
    o->ops.emplace_back(sub, &spec);
  }
  return {app, [o]() { return run_tune_command(*o); }};
}

std::string duration(double s) {
  if (!std::isfinite(s)) return "?";
  int total = int(s + 0.5);
  if (total >= 3600) return fmt::format("{}h{:02}m", total / 3600, total / 60 % 60);
  if (total >= 60) return fmt::format("{}m{:02}s", total / 60, total % 60);
  return fmt::format("{}s", total);
}

}  // namespace tt::cli
