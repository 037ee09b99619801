// `tensortune inspect <model|file.onnx>`: the graph before and after the passes, the fused groups,
// and the task table (workload key, weight, FLOPs, shapes) — what tuning would work on.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "ir/graph/fusion.h"
#include "ir/graph/passes/passes.h"
#include "ir/graph/task.h"
#include "src/cli/commands.h"
#include "src/frontend/load_model.h"

namespace tt::cli {

namespace {

struct InspectOptions {
  std::string model;
  bool json = false;
  std::vector<std::string> show;
};

int run_inspect(const InspectOptions& o) {
  graph::Graph original = frontend::load_model(o.model);
  graph::Graph simplified = graph::simplify_graph(original);
  std::vector<graph::FusedGroup> groups = graph::fuse_operators(simplified);
  graph::TaskTable table = graph::extract_tasks(simplified, groups);
  auto shows = [&](const char* what) {
    return o.show.empty() || std::find(o.show.begin(), o.show.end(), what) != o.show.end();
  };
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
  return kExitOk;
}

}  // namespace

Subcommand add_inspect_command(CLI::App& parent) {
  auto o = std::make_shared<InspectOptions>();
  CLI::App* app = parent.add_subcommand("inspect", "Print a model's graph, fused groups and tuning tasks");
  app->add_option("model", o->model, "A built-in model name (see `tensortune models`) or an .onnx file")->required();
  app->add_option("--show", o->show, "Only these sections: graph, groups, tasks (repeatable)")
      ->check(CLI::IsMember({"graph", "groups", "tasks"}));
  app->add_flag("--json", o->json, "Print one JSON object");
  return {app, [o]() { return run_inspect(*o); }};
}

}  // namespace tt::cli
