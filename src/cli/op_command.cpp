// `tensortune op`: one operator built, checked and timed. Each catalogue operator is a CLI11
// sub-subcommand of `op`, so `op conv2d --help` lists exactly conv2d's flags and CLI11 rejects
// flags an operator does not take; the run flags are added to every operator alike.
#include "src/cli/op_command.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "codegen/llvm_codegen.h"
#include "ir/error.h"
#include "ir/lower/lower.h"
#include "ir/schedule/default_schedule.h"
#include "ir/te/flop_count.h"
#include "search/measure/build.h"
#include "search/measure/measurer.h"
#include "search/measure/timer.h"
#include "search/autotvm/schedule_template.h"
#include "src/cli/op_catalog.h"
#include "src/cli/op_flags.h"
#include "src/cli/validators.h"

namespace tt::cli {
namespace {

// `op` measures the one kernel a user asked for, however long it runs (a big naive convolution
// may take seconds per call): only a real hang should stop it, and the user can interrupt that.
constexpr double kOpTimeoutSeconds = 3600;

// The flags every operator takes; documented in --help through CLI11.
struct RunOptions {
  std::string schedule = "default";
  int threads = 0;  // 0: one per hardware thread
  std::string target = "llvm";
  std::vector<std::string> print;
  int repeat = 10;
  double min_repeat_ms = TimingOptions{}.min_repeat_ms;
  double rtol = 1e-3, atol = 1e-5;
  uint64_t seed = 1;
  std::string reference = "auto";
  int64_t config = -1;  // >= 0: this config of the operator's schedule template instead of --schedule
  bool json = false;
};


struct OpCommandState {
  RunOptions run;
  bool list = false;
  std::map<std::string, OpFlagValues> values;  // by operator; map nodes keep bound addresses
  std::vector<std::pair<CLI::App*, const OpSpec*>> ops;
};

// CLI11 2.1's PositiveNumber and NonNegativeNumber print the whole double range in their message;
// these say what is wrong in a few words. CLI11 prefixes the flag name.
void add_run_options(CLI::App* app, RunOptions& o) {
  app->add_option("--schedule", o.schedule, "naive (every stage at root, plain loops) or default")
      ->check(CLI::IsMember({"naive", "default"}))
      ->capture_default_str();
  app->add_option("--threads", o.threads, "threads for parallel loops")
      ->check(integer_in(1, 1024))
      ->default_str("all cores");
  app->add_option("--target", o.target,
                  "target string, e.g. \"llvm -mcpu=znver3 -mattr=+avx2,+fma\"")
      ->capture_default_str();
  app->add_option("--print", o.print,
                  "print lowered (loop IR), passes (IR after each lowering pass), schedule (steps "
                  "and state), llvm (optimized LLVM IR) or asm before the report; repeatable")
      ->check(CLI::IsMember({"lowered", "passes", "schedule", "llvm", "asm"}))
      ->allow_extra_args(false);
  app->add_option("--repeat", o.repeat, "timed samples")->check(integer_at_least(1))->capture_default_str();
  app->add_option("--min-repeat-ms", o.min_repeat_ms,
                  "a sample repeats the kernel until it lasts at least this long")
      ->check(non_negative_number(3.6e6))
      ->capture_default_str();
  app->add_option("--rtol", o.rtol, "relative tolerance of the check")
      ->check(non_negative_number())
      ->capture_default_str();
  app->add_option("--atol", o.atol, "absolute tolerance of the check")
      ->check(non_negative_number())
      ->capture_default_str();
  app->add_option("--seed", o.seed, "seed of the random inputs")->check(seed_value())->capture_default_str();
  app->add_option("--reference", o.reference,
                  fmt::format("auto (interpreter up to {:.0e} FLOP, else naive), interpreter "
                              "(TE reference evaluator) or naive (naive schedule compiled)",
                              kInterpreterFlopLimit))
      ->check(CLI::IsMember({"auto", "interpreter", "naive"}))
      ->capture_default_str();
  app->add_option("--config", o.config,
                  "schedule with config INDEX of the operator's template (the knob space tune --strategy autotvm "
                  "searches; a record's config index) instead of --schedule")
      ->check(integer_in(0, INT64_MAX));
  app->add_flag("--json", o.json, "print one JSON object instead of the text report");
}


nlohmann::ordered_json tensors_json(const std::vector<Tensor>& tensors) {
  nlohmann::ordered_json j = nlohmann::ordered_json::array();
  for (const Tensor& t : tensors) j.push_back({{"name", t.name()}, {"shape", t.shape()}});
  return j;
}

std::string tensors_text(const std::vector<Tensor>& tensors) {
  std::vector<std::string> parts;
  for (const Tensor& t : tensors) parts.push_back(t.name() + " " + shape_to_string(t.shape()));
  return fmt::format("{}", fmt::join(parts, ", "));
}

int64_t total_bytes(const std::vector<Tensor>& tensors) {
  int64_t bytes = 0;
  for (const Tensor& t : tensors) bytes += t.num_elements() * t.dtype().bytes();
  return bytes;
}

MeasureReference reference_of(const std::string& name) {
  if (name == "interpreter") return MeasureReference::Interpreter;
  if (name == "naive") return MeasureReference::Naive;
  return MeasureReference::Auto;
}

int run_op(const OpSpec& spec, const OpArgs& args, const RunOptions& o) {
  Target target = Target::parse(o.target);
  check_host_supports(target);
  int threads = o.threads > 0 ? o.threads : Target::host().num_cores;
  OpGraph graph = spec.build(args);
  const std::vector<Tensor>& outputs = graph.outputs;

  std::vector<Step> steps;
  std::string schedule = o.schedule;
  if (o.config >= 0) {
    std::string why;
    auto tmpl = autotvm::ScheduleTemplate::match(outputs, hardware_params(target, threads), graph.constants, &why);
    if (!tmpl) user_error("op {}: no schedule template: {}", spec.name, why);
    autotvm::Config config = tmpl->space().at(o.config);
    steps = tmpl->instantiate(config);
    schedule = fmt::format("template {} config {} of {} ({})", tmpl->name(), o.config, tmpl->space().size(),
                           tmpl->space().to_string(config));
  } else if (o.schedule == "default") {
    steps = default_schedule(outputs, hardware_params(target, threads));
  }

  // Printed text is collected in the order asked for and shown before the report (or inside the
  // JSON object, so that stdout stays one object). The measurer lowers and compiles on its own;
  // this lowering only feeds the printing.
  std::vector<std::pair<std::string, std::string>> printed;
  if (!o.print.empty()) {
    auto wants = [&](const std::string& what) {
      return std::find(o.print.begin(), o.print.end(), what) != o.print.end();
    };
    std::string passes_text;
    LowerOptions lower_options;
    if (wants("passes")) {
      lower_options.after_pass = [&](const std::string& pass, const LoweredFunc& func) {
        passes_text += fmt::format("// after {}\n{}\n", pass, to_string(func));
      };
    }
    ScheduleState state(outputs);
    state.apply(steps);
    LoweredFunc func = lower(state, spec.name, lower_options);
    for (const std::string& what : o.print) {
      std::string text;
      if (what == "lowered") text = to_string(func);
      if (what == "passes") text = passes_text;
      if (what == "llvm") text = emit_llvm_ir(func, target);
      if (what == "asm") text = emit_assembly(func, target);
      if (what == "schedule") {
        for (const Step& step : steps) text += to_string(step) + "\n";
        text += state.to_string();
      }
      printed.emplace_back(what, text);
    }
  }

  // The one measurement path: seeded inputs (the catalogue's ranges where it documents one), the
  // reference, the build, and the check and timing in a worker process.
  MeasureOptions measure_options;
  measure_options.repeat = o.repeat;
  measure_options.min_repeat_ms = o.min_repeat_ms;
  measure_options.rtol = o.rtol;
  measure_options.atol = o.atol;
  measure_options.num_threads = threads;
  measure_options.build_threads = 1;
  measure_options.input_seed = o.seed;
  measure_options.reference = reference_of(o.reference);
  measure_options.build_timeout_s = kOpTimeoutSeconds;
  measure_options.run_timeout_s = kOpTimeoutSeconds;
  MeasureTask task;
  task.name = spec.name;
  task.outputs = outputs;
  int64_t flops = flop_count(outputs);
  task.flops = flops;
  for (const auto& [name, range] : graph.input_ranges)
    task.input_ranges[name] = {range.first, range.second};
  Measurer measurer(measure_options, target);
  measurer.set_task(task);
  MeasureResult result = measurer.measure({steps})[0];
  std::vector<Tensor> inputs = measurer.task_inputs();
  std::string reference = measure_reference_name(measurer.reference());
  bool correct = result.error == MeasureError::None;
  if (!correct && result.error != MeasureError::WrongAnswer) {
    internal_error("{} under the {} schedule: {}: {}", spec.name, schedule,
                   measure_error_name(result.error), result.message);
  }
  TimingResult timing;
  timing.number = 0;
  if (correct) {
    timing = summarize(result.costs_s);
    timing.number = result.number;
  }

  double gflops = timing.median_s > 0 ? double(flops) / timing.median_s * 1e-9 : 0;
  double gbytes = timing.median_s > 0
                      ? double(total_bytes(inputs) + total_bytes(outputs)) / timing.median_s * 1e-9
                      : 0;
  std::string target_text = target.to_string();

  if (o.json) {
    nlohmann::ordered_json report = {
        {"op", spec.name},
        {"args", args.to_json()},
        {"inputs", tensors_json(inputs)},
        {"outputs", tensors_json(outputs)},
        {"schedule", schedule},
        {"schedule_steps", steps.size()},
        {"threads", threads},
        {"target", target_text},
        {"flop", flops},
        {"latency_ms", correct ? nlohmann::ordered_json{{"median", timing.median_s * 1e3},
                                                        {"mean", timing.mean_s * 1e3},
                                                        {"std", timing.std_s * 1e3},
                                                        {"min", timing.min_s * 1e3}}
                               : nlohmann::ordered_json(nullptr)},
        {"repeat", timing.samples_s.size()},
        {"number", timing.number},
        {"gflops", gflops},
        {"gbytes_per_s", gbytes},
        {"reference", reference},
        {"rtol", o.rtol},
        {"atol", o.atol},
        {"seed", o.seed},
        {"correct", correct},
        {"max_abs_error", result.max_abs_error},
        {"max_rel_error", result.max_rel_error},
        {"check", result.check},
        {"steps", nlohmann::ordered_json(steps_to_json(steps))},
    };
    if (!printed.empty()) {
      nlohmann::ordered_json p = nlohmann::ordered_json::object();
      for (const auto& [what, text] : printed) p[what] = text;
      report["printed"] = p;
    }
    std::cout << report.dump(2) << "\n";
  } else {
    for (const auto& [what, text] : printed) {
      std::cout << text;
      if (!text.empty() && text.back() != '\n') std::cout << "\n";
      std::cout << "\n";
    }
    std::string line = fmt::format("{:<12}{} {}\n", "op", spec.name, args.to_string());
    line += fmt::format("{:<12}{}\n", "inputs", tensors_text(inputs));
    line += fmt::format("{:<12}{}\n", "outputs", tensors_text(outputs));
    line += fmt::format("{:<12}{}\n", "target", target_text);
    line += fmt::format("{:<12}{}, {} steps\n", "schedule", schedule, steps.size());
    line += fmt::format("{:<12}{}\n", "threads", threads);
    if (correct) {
      line += fmt::format(
          "{:<12}{:.4g} ms median, {:.4g} mean, {:.3g} std, {:.4g} min "
          "({} samples, {} runs each)\n",
          "latency", timing.median_s * 1e3, timing.mean_s * 1e3, timing.std_s * 1e3,
          timing.min_s * 1e3, timing.samples_s.size(), timing.number);
    } else {
      line += fmt::format("{:<12}not timed: the output is wrong\n", "latency");
      line += fmt::format("{:<12}{:.4g} MFLOP\n", "work", double(flops) * 1e-6);
    }
    if (correct) {
      line +=
          fmt::format("{:<12}{:.2f} GFLOP/s ({:.4g} MFLOP), {:.2f} GB/s of inputs and outputs\n",
                      "throughput", gflops, double(flops) * 1e-6, gbytes);
    }
    line += fmt::format("{:<12}{} against the {} reference: {}\n", "check",
                        correct ? "correct" : "WRONG", reference, result.check);
    std::cout << line;
  }
  std::cout.flush();
  if (!correct) {
    fmt::print(stderr, "error: {} output differs from the {} reference: {}\n", spec.name, reference,
               result.check);
    return kExitWrongResult;
  }
  return kExitOk;
}

int list_ops(bool json) {
  if (json) {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const OpSpec& op : op_catalog()) {
      nlohmann::ordered_json flags = nlohmann::ordered_json::array();
      for (const FlagSpec& f : op.flags) {
        nlohmann::ordered_json flag = {{"name", f.name}, {"help", f.help}};
        if (f.kind != FlagKind::Bool) flag["default"] = f.default_value;
        flags.push_back(flag);
      }
      list.push_back({{"name", op.name}, {"description", op.description}, {"flags", flags}});
    }
    std::cout << list.dump(2) << "\n";
    return kExitOk;
  }
  size_t width = 0;
  for (const OpSpec& op : op_catalog()) width = std::max(width, op.name.size());
  for (const OpSpec& op : op_catalog())
    std::cout << fmt::format("{:<{}}  {}\n", op.name, width, op.description);
  return kExitOk;
}

}  // namespace

Subcommand add_op_command(CLI::App& parent) {
  auto state = std::make_shared<OpCommandState>();
  CLI::App* op = parent.add_subcommand(
      "op", "Build one operator with the naive or default schedule, check it and time it");
  op->footer(
      "Usage of one operator: tensortune op <operator> [operator flags] [run flags]; "
      "see\ntensortune op <operator> --help for its flags and their defaults.");
  op->add_flag("--list", state->list, "list the operators and what they compute");
  op->add_flag("--json", state->run.json, "with --list: print the catalogue as JSON");
  // Extras are kept so that an unknown operator name is reported as such, not as a stray word.
  op->allow_extras();
  op->require_subcommand(0, 1);
  for (const OpSpec& spec : op_catalog()) {
    CLI::App* sub = op->add_subcommand(spec.name, spec.description);
    sub->allow_extras(false);  // subcommands inherit `op`'s setting; an operator rejects strays
    add_op_flags(sub, spec, state->values[spec.name]);
    add_run_options(sub, state->run);
    state->ops.emplace_back(sub, &spec);
  }

  auto run = [op, state]() -> int {
    for (const auto& [sub, spec] : state->ops) {
      if (!sub->parsed()) continue;
      const OpFlagValues& v = state->values[spec->name];
      return run_op(*spec, OpArgs(&spec->flags, v.text, v.switches), state->run);
    }
    std::vector<std::string> extras = op->remaining();
    if (!extras.empty() && !extras.front().starts_with("-"))
      user_error("unknown operator '{}'; see tensortune op --list", extras.front());
    if (!extras.empty())
      user_error("op: unexpected argument '{}'; see tensortune op --help", extras.front());
    if (state->list) return list_ops(state->run.json);
    user_error("op: missing operator name; see tensortune op --list");
  };
  return {op, run};
}

}  // namespace tt::cli
