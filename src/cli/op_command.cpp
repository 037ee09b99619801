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
#include <random>

#include "codegen/llvm_codegen.h"
#include "codegen/runtime.h"
#include "ir/error.h"
#include "ir/schedule/default_schedule.h"
#include "ir/te/flop_count.h"
#include "search/measure/build.h"
#include "search/measure/timer.h"
#include "src/cli/op_catalog.h"

namespace tt::cli {
namespace {

// Above this many FLOPs the interpreter (about 50 MFLOP/s measured on conv2d, so ~6 s here) would
// dominate the command's run time, so `--reference auto` checks against the naive schedule
// compiled instead: fast, but it shares the code generator with the kernel under test.
constexpr double kInterpreterFlopLimit = 3e8;

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
  bool json = false;
};

// The text of one operator's flags as CLI11 fills it in.
struct OpFlagValues {
  std::map<std::string, std::string> text;
  std::map<std::string, bool> switches;
};

struct OpCommandState {
  RunOptions run;
  bool list = false;
  std::map<std::string, OpFlagValues> values;  // by operator; map nodes keep bound addresses
  std::vector<std::pair<CLI::App*, const OpSpec*>> ops;
};

// CLI11 2.1's PositiveNumber and NonNegativeNumber print the whole double range in their message;
// these say what is wrong in a few words. CLI11 prefixes the flag name.
const CLI::Validator kPositive(
    [](std::string& text) {
      double value = 0;
      return CLI::detail::lexical_cast(text, value) && value > 0
                 ? std::string()
                 : fmt::format("'{}' is not a positive number", text);
    },
    "POSITIVE");
const CLI::Validator kNonNegative(
    [](std::string& text) {
      double value = 0;
      return CLI::detail::lexical_cast(text, value) && value >= 0
                 ? std::string()
                 : fmt::format("'{}' is not a non-negative number", text);
    },
    "NONNEGATIVE");

void add_run_options(CLI::App* app, RunOptions& o) {
  app->add_option("--schedule", o.schedule, "naive (every stage at root, plain loops) or default")
      ->check(CLI::IsMember({"naive", "default"}))
      ->capture_default_str();
  app->add_option("--threads", o.threads, "threads for parallel loops")
      ->check(kPositive)
      ->default_str("all cores");
  app->add_option("--target", o.target,
                  "target string, e.g. \"llvm -mcpu=znver3 -mattr=+avx2,+fma\"")
      ->capture_default_str();
  app->add_option("--print", o.print,
                  "print lowered (loop IR), passes (IR after each lowering pass), schedule (steps "
                  "and state), llvm (optimized LLVM IR) or asm before the report; repeatable")
      ->check(CLI::IsMember({"lowered", "passes", "schedule", "llvm", "asm"}))
      ->allow_extra_args(false);
  app->add_option("--repeat", o.repeat, "timed samples")->check(kPositive)->capture_default_str();
  app->add_option("--min-repeat-ms", o.min_repeat_ms,
                  "a sample repeats the kernel until it lasts at least this long")
      ->check(kNonNegative)
      ->capture_default_str();
  app->add_option("--rtol", o.rtol, "relative tolerance of the check")
      ->check(kNonNegative)
      ->capture_default_str();
  app->add_option("--atol", o.atol, "absolute tolerance of the check")
      ->check(kNonNegative)
      ->capture_default_str();
  app->add_option("--seed", o.seed, "seed of the random inputs")->capture_default_str();
  app->add_option("--reference", o.reference,
                  fmt::format("auto (interpreter up to {:.0e} FLOP, else naive), interpreter "
                              "(TE reference evaluator) or naive (naive schedule compiled)",
                              kInterpreterFlopLimit))
      ->check(CLI::IsMember({"auto", "interpreter", "naive"}))
      ->capture_default_str();
  app->add_flag("--json", o.json, "print one JSON object instead of the text report");
}

void add_op_flags(CLI::App* app, const OpSpec& spec, OpFlagValues& values) {
  for (const FlagSpec& flag : spec.flags) {
    std::string name = "--" + flag.name;
    if (flag.kind == FlagKind::Bool) {
      values.switches[flag.name] = false;
      app->add_flag(name, values.switches[flag.name], flag.help);
      continue;
    }
    values.text[flag.name] = flag.default_value;
    const char* type = flag.kind == FlagKind::Int     ? "INT"
                       : flag.kind == FlagKind::Float ? "NUMBER"
                                                      : "INT,...";
    CLI::Option* option = app->add_option(name, values.text[flag.name], flag.help);
    option->type_name(type);
    if (!flag.default_value.empty()) option->default_str(flag.default_value);
  }
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

// The arrays of `inputs` in the order of `params` (a kernel's inputs, or the interpreter's).
std::vector<NDArray> arrays_for(const std::vector<Tensor>& params,
                                const std::map<const OperationNode*, NDArray>& values) {
  std::vector<NDArray> arrays;
  for (const Tensor& t : params) {
    auto it = values.find(t.op().get());
    TT_ASSERT(it != values.end(), "no value for input '{}'", t.name());
    arrays.push_back(it->second);
  }
  return arrays;
}

int run_op(const OpSpec& spec, const OpArgs& args, const RunOptions& o) {
  Target target = Target::parse(o.target);
  check_host_supports(target);
  int threads = o.threads > 0 ? o.threads : Target::host().num_cores;
  OpGraph graph = spec.build(args);
  const std::vector<Tensor>& outputs = graph.outputs;
  set_num_threads(threads);

  std::vector<Step> steps;
  if (o.schedule == "default") steps = default_schedule(outputs, hardware_params(target, threads));

  // Printed text is collected in the order asked for and shown before the report (or inside the
  // JSON object, so that stdout stays one object).
  std::vector<std::pair<std::string, std::string>> printed;
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
  KernelCompiler compiler(target);
  BuiltKernel built = build_kernel(outputs, steps, compiler, spec.name, lower_options);
  for (const std::string& what : o.print) {
    std::string text;
    if (what == "lowered") text = to_string(built.func);
    if (what == "passes") text = passes_text;
    if (what == "llvm") text = emit_llvm_ir(built.func, target);
    if (what == "asm") text = emit_assembly(built.func, target);
    if (what == "schedule") {
      for (const Step& step : steps) text += to_string(step) + "\n";
      text += built.state.to_string();
    }
    printed.emplace_back(what, text);
  }

  // Seeded inputs, drawn in the kernel's parameter order so a seed means the same data each run.
  std::vector<Tensor> inputs = built.state.inputs();
  std::mt19937_64 rng(o.seed);
  std::map<const OperationNode*, NDArray> values;
  for (const Tensor& t : inputs) {
    auto range = graph.input_ranges.count(t.name()) ? graph.input_ranges.at(t.name())
                                                    : std::pair<float, float>{-1.0f, 1.0f};
    NDArray array(t.shape(), t.dtype());
    array.fill_uniform(rng, range.first, range.second);
    values[t.op().get()] = array;
  }
  std::vector<NDArray> kernel_inputs = arrays_for(inputs, values);
  std::vector<NDArray> actual = run_kernel(built.kernel, kernel_inputs, outputs);

  int64_t flops = flop_count(outputs);
  std::string reference = o.reference;
  if (reference == "auto")
    reference = double(flops) <= kInterpreterFlopLimit ? "interpreter" : "naive";
  std::vector<NDArray> expected;
  if (reference == "interpreter") {
    expected = reference_outputs(outputs, inputs, kernel_inputs);
  } else {
    BuiltKernel naive = build_kernel(outputs, {}, compiler, spec.name + "_naive");
    std::vector<NDArray> naive_inputs = arrays_for(naive.state.inputs(), values);
    expected = run_kernel(naive.kernel, naive_inputs, outputs);
  }
  CompareResult check = compare_outputs(actual, expected, o.rtol, o.atol);

  // Timing calls the packed entry point directly: run() re-checks every argument on each call.
  std::vector<void*> pointers;
  for (NDArray& a : kernel_inputs) pointers.push_back(a.data());
  for (NDArray& a : actual) pointers.push_back(a.data());
  CompiledKernel::PackedFunction packed = built.kernel.packed_function();
  TimingOptions timing_options;
  timing_options.repeat = o.repeat;
  timing_options.min_repeat_ms = o.min_repeat_ms;
  TimingResult timing = time_function([&] { packed(pointers.data()); }, timing_options);

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
        {"schedule", o.schedule},
        {"schedule_steps", steps.size()},
        {"threads", threads},
        {"target", target_text},
        {"flop", flops},
        {"latency_ms",
         {{"median", timing.median_s * 1e3},
          {"mean", timing.mean_s * 1e3},
          {"std", timing.std_s * 1e3},
          {"min", timing.min_s * 1e3}}},
        {"repeat", timing.samples_s.size()},
        {"number", timing.number},
        {"gflops", gflops},
        {"gbytes_per_s", gbytes},
        {"reference", reference},
        {"rtol", o.rtol},
        {"atol", o.atol},
        {"seed", o.seed},
        {"correct", check.ok},
        {"max_abs_error", check.max_abs_error},
        {"max_rel_error", check.max_rel_error},
        {"check", check.describe()},
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
    line += fmt::format("{:<12}{}, {} steps\n", "schedule", o.schedule, steps.size());
    line += fmt::format("{:<12}{}\n", "threads", threads);
    line += fmt::format(
        "{:<12}{:.4g} ms median, {:.4g} mean, {:.3g} std, {:.4g} min "
        "({} samples, {} runs each)\n",
        "latency", timing.median_s * 1e3, timing.mean_s * 1e3, timing.std_s * 1e3,
        timing.min_s * 1e3, timing.samples_s.size(), timing.number);
    line += fmt::format("{:<12}{:.2f} GFLOP/s ({:.4g} MFLOP), {:.2f} GB/s of inputs and outputs\n",
                        "throughput", gflops, double(flops) * 1e-6, gbytes);
    line += fmt::format("{:<12}{} against the {} reference: {}\n", "check",
                        check.ok ? "correct" : "WRONG", reference, check.describe());
    std::cout << line;
  }
  std::cout.flush();
  if (!check.ok) {
    fmt::print(stderr, "error: {} output differs from the {} reference: {}\n", spec.name, reference,
               check.describe());
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
