// `tensortune inspect <model|file.onnx>`: the graph before and after the passes, the fused groups,
// and the task table (workload key, weight, FLOPs, shapes) — what tuning would work on. With
// `--log`: the tuned graph that `run --log` builds — each group's schedule source and formulation,
// the layout each value is stored in, and the layout conversions between them — without compiling.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <nlohmann/json.hpp>
#include <set>

#include "codegen/runtime.h"
#include "codegen/target.h"
#include "ir/error.h"
#include "ir/graph/fusion.h"
#include "ir/graph/passes/passes.h"
#include "ir/graph/task.h"
#include "search/measure/build.h"
#include "src/cli/commands.h"
#include "src/cli/validators.h"
#include "src/frontend/load_model.h"
#include "src/runtime/executor.h"
#include "src/runtime/layout_plan.h"
#include "src/runtime/replay.h"

namespace tt::cli {

namespace {

struct InspectOptions {
  std::string model;
  bool json = false;
  std::vector<std::string> show;
  std::string log;
  int threads = 0;
  std::string target;
};

// The tuned graph of `run --log`: per group its task, schedule source, formulation and output
// layout; the conversions after the group producing each converted value (graph inputs first).
nlohmann::json tuned_graph(const graph::Graph& graph, const std::vector<graph::FusedGroup>& groups,
                           const graph::TaskTable& table, const InspectOptions& o) {
  set_num_threads(o.threads);
  Target target = Target::parse_or_host(o.target);
  std::vector<std::string> warnings;
  ReplayedLog replayed = replay_log(o.log, graph, groups, table, target, num_threads(), &warnings);
  ExecutorOptions options;
  options.task_schedules = replayed.schedules;
  TaskSchedules schedules = schedules_for_tasks(table, options, hardware_params(target, num_threads()));
  LayoutPlan plan = plan_layouts(graph, groups, table, schedules.steps, schedules.tuned);

  std::vector<int> producer(graph.nodes().size(), -1);
  for (size_t g = 0; g < groups.size(); ++g) producer[size_t(groups[g].output)] = int(g);
  nlohmann::json conversions = nlohmann::json::array();
  for (const LayoutConversion& c : plan.conversions) {
    conversions.push_back(conversion_json(graph, c, replayed.layout));
    conversions.back()["after_group"] = producer[size_t(c.value)];
  }
  nlohmann::json jg = nlohmann::json::array();
  for (size_t g = 0; g < groups.size(); ++g) {
    const int t = table.task_of_group[g];
    const ScheduleChoice& choice = replayed.layout.choices[size_t(t)];
    const graph::Node& out = graph.node(groups[g].output);
    jg.push_back({{"group", g}, {"task", t}, {"ops", groups[g].describe(graph)}, {"from_log", choice.from_log},
                  {"reason", choice.reason}, {"formulation", formulation_of(schedules.steps[size_t(t)])},
                  {"adopts_layouts", !plan.groups[g].adopted.empty()},
                  {"output", out.name}, {"output_layout", layout_to_string(plan.stored[size_t(groups[g].output)], out.type.shape)}});
  }
  const LayoutChoice& lc = replayed.layout;
  return {{"log", o.log},
          {"threads", num_threads()},
          {"log_threads", replayed.log_threads},
          {"tasks_from_log", replayed.schedules.size()},
          {"tasks", table.tasks.size()},
          {"warnings", warnings},
          {"groups", jg},
          {"conversions", conversions},
          {"estimate_ms",
           {{"kernels", lc.kernels_s * 1e3},
            {"conversions", lc.conversions_s * 1e3},
            {"fastest_records_kernels", lc.independent_kernels_s * 1e3},
            {"fastest_records_conversions", lc.independent_conversions_s * 1e3},
            {"tasks_off_fastest", lc.tasks_changed}}}};
}

void print_tuned_graph(const nlohmann::json& tg) {
  fmt::print("== tuned graph ({}, {} thread{}: {} of {} tasks use a record; {} layout conversions) ==\n",
             tg["log"].get<std::string>(), tg["threads"].get<int>(), tg["threads"].get<int>() == 1 ? "" : "s",
             tg["tasks_from_log"].get<int>(), tg["tasks"].get<size_t>(), tg["conversions"].size());
  for (const auto& w : tg["warnings"]) fmt::print("warning: {}\n", w.get<std::string>());
  std::set<int> log_threads = tg["log_threads"].get<std::set<int>>();
  if (!log_threads.count(tg["threads"].get<int>()) && !log_threads.empty())
    fmt::print("note: the log has records for these tasks at {} thread(s) only; pass --threads to replay those\n",
               fmt::join(log_threads, ", "));
  const auto& e = tg["estimate_ms"];
  if (tg["tasks_from_log"].get<int>() > 0)
    fmt::print("estimate: kernels {:.3f} ms + conversions {:.3f} ms (each task's fastest record alone: {:.3f} + "
               "{:.3f} ms); {} task(s) take another record for its layouts\n",
               e["kernels"].get<double>(), e["conversions"].get<double>(), e["fastest_records_kernels"].get<double>(),
               e["fastest_records_conversions"].get<double>(), e["tasks_off_fastest"].get<int>());
  auto print_conversions = [&](int after) {
    for (const auto& c : tg["conversions"])
      if (c["after_group"].get<int>() == after)
        fmt::print("        {}\n", conversion_line(c));
  };
  print_conversions(-1);
  fmt::print("{:>4}  {:>4}  {:<32}  {:<8}  {:<20}  {}\n", "#", "task", "ops", "schedule", "formulation", "output layout");
  for (const auto& g : tg["groups"]) {
    std::string source = g["from_log"].get<bool>() ? "record" : "default";
    if (g["adopts_layouts"].get<bool>()) source += "+";
    fmt::print("{:>4}  {:>4}  {:<32}  {:<8}  {:<20}  {}\n", g["group"].get<int>(), g["task"].get<int>(),
               g["ops"].get<std::string>(), source, g["formulation"].get<std::string>(),
               g["output_layout"].get<std::string>());
    print_conversions(g["group"].get<int>());
  }
  fmt::print("(schedule: record = the log's best for this CPU and thread count, default = no record applied; "
             "+ = adopts its neighbours' layouts)\n");
}

int run_inspect(const InspectOptions& o) {
  const bool wants_tuned = std::find(o.show.begin(), o.show.end(), "tuned") != o.show.end();
  if (wants_tuned && o.log.empty()) user_error("--show tuned needs --log FILE (the tuning log to replay)");
  graph::Graph original = frontend::load_model(o.model);
  graph::Graph simplified = graph::simplify_graph(original);
  std::vector<graph::FusedGroup> groups = graph::fuse_operators(simplified);
  graph::TaskTable table = graph::extract_tasks(simplified, groups);
  auto shows = [&](const char* what) {
    return o.show.empty() || std::find(o.show.begin(), o.show.end(), what) != o.show.end();
  };
  nlohmann::json tuned;
  if (!o.log.empty() && shows("tuned")) tuned = tuned_graph(simplified, groups, table, o);
  int64_t total_flops = 0;
  for (size_t g = 0; g < groups.size(); ++g) total_flops += table.tasks[table.task_of_group[g]].flops;

  if (o.json) {
    nlohmann::json out;
    out["model"] = o.model;
    out["nodes_before"] = original.nodes().size();
    out["nodes_after"] = simplified.nodes().size();
    if (shows("graph")) {
      out["graph_before"] = original.to_string();
      out["graph_after"] = simplified.to_string();
    }
    nlohmann::json jg = nlohmann::json::array();
    for (size_t g = 0; g < groups.size(); ++g) {
      jg.push_back({{"ops", groups[g].describe(simplified)},
                    {"output", simplified.node(groups[g].output).name},
                    {"shape", simplified.node(groups[g].output).type.shape},
                    {"task", table.task_of_group[g]}});
    }
    out["groups"] = jg;
    nlohmann::json jt = nlohmann::json::array();
    for (const graph::Task& t : table.tasks)
      jt.push_back({{"workload_key", t.workload_key}, {"description", t.description}, {"weight", t.weight},
                    {"flops", t.flops}});
    out["tasks"] = jt;
    out["total_flops"] = total_flops;
    if (!tuned.is_null()) out["tuned_graph"] = tuned;
    fmt::print("{}\n", out.dump(2));
    return kExitOk;
  }
  if (shows("graph")) {
    fmt::print("== graph as imported ({} nodes) ==\n{}\n", original.nodes().size(), original.to_string());
    fmt::print("== graph after passes ({} nodes) ==\n{}\n", simplified.nodes().size(), simplified.to_string());
  }
  if (shows("groups")) {
    fmt::print("== fused groups ({}) ==\n", groups.size());
    for (size_t g = 0; g < groups.size(); ++g) {
      const graph::Node& out = simplified.node(groups[g].output);
      fmt::print("{:>4}  task {:>3}  {:<40} -> {} {}\n", g, table.task_of_group[g], groups[g].describe(simplified),
                 out.name, out.type.to_string());
    }
    fmt::print("\n");
  }
  if (shows("tasks")) {
    fmt::print("== tasks ({} distinct, {} groups, {:.3f} GFLOP per run) ==\n", table.tasks.size(), groups.size(),
               double(total_flops) / 1e9);
    fmt::print("{:>4}  {:<16}  {:>6}  {:>10}  {}\n", "#", "workload key", "weight", "MFLOP", "description");
    for (size_t t = 0; t < table.tasks.size(); ++t) {
      const graph::Task& task = table.tasks[t];
      fmt::print("{:>4}  {:<16}  {:>6}  {:>10.2f}  {}\n", t, task.workload_key, task.weight, double(task.flops) / 1e6,
                 task.description);
    }
  }
  if (!tuned.is_null()) {
    fmt::print("\n");
    print_tuned_graph(tuned);
  }
  return kExitOk;
}

}  // namespace

Subcommand add_inspect_command(CLI::App& parent) {
  auto o = std::make_shared<InspectOptions>();
  CLI::App* app = parent.add_subcommand("inspect", "Print a model's graph, fused groups and tuning tasks");
  app->add_option("model", o->model, "A built-in model name (see `tensortune models`) or an .onnx file")->required();
  app->add_option("--show", o->show, "Only these sections: graph, groups, tasks, tuned (repeatable; tuned needs --log)")
      ->check(CLI::IsMember({"graph", "groups", "tasks", "tuned"}));
  app->add_option("--log", o->log,
                  "Also show the tuned graph this tuning log replays to (what `run --log` builds): each group's "
                  "schedule and formulation, value layouts and layout conversions");
  app->add_option("--threads", o->threads, "Threads the replay chooses records for (0: all cores), as for run")
      ->check(integer_in(0, 1024))
      ->capture_default_str();
  app->add_option("--target", o->target, "LLVM target string (default: this machine)");
  app->add_flag("--json", o->json, "Print one JSON object");
  return {app, [o]() { return run_inspect(*o); }};
}

}  // namespace tt::cli
