// `tensortune op` run as a user runs it: the real binary, its stdout, stderr and exit code. Every
// catalogue operator must build and check correct under both schedules, and each kind of user
// mistake must end in exit 2 with a message naming the input (never a crash or internal error).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "cli_test_util.h"
#include "ir/graph/fusion.h"
#include "ir/graph/op_registry.h"
#include "ir/graph/task.h"
#include "src/api/model_tasks.h"
#include "src/cli/op_catalog.h"

namespace {

using tt::test::describe;
using tt::test::Result;
using tt::test::run;

// Small shapes for each operator, so that both schedules of all of them run in seconds.
const std::map<std::string, std::string> kSmallShapes = {
    {"matmul", "--m 17 --n 19 --k 23"},
    {"dense", "--m 3 --n 20 --k 33 --bias"},
    {"batch_matmul", "--batch 2 --m 9 --n 10 --k 11"},
    {"conv2d", "--n 1 --c 4 --h 9 --w 9 --k 8 --r 3 --s 3 --stride 1 --pad 1"},
    {"depthwise_conv2d", "--c 8 --h 10 --w 10 --stride 2 --pad 1"},
    {"max_pool2d", "--c 4 --h 11 --w 11 --kernel 3 --stride 2 --pad 1 --ceil-mode"},
    {"avg_pool2d", "--c 4 --h 11 --w 11 --kernel 3 --stride 2 --pad 1"},
    {"global_avg_pool2d", "--c 8 --h 5 --w 5"},
    {"global_max_pool2d", "--c 8 --h 5 --w 5"},
    {"relu", "--shape 2,3,17"},
    {"relu6", "--shape 2,3,17"},
    {"sigmoid", "--shape 2,3,17"},
    {"tanh", "--shape 2,3,17"},
    {"exp", "--shape 2,3,17"},
    {"log", "--shape 2,3,17"},
    {"sqrt", "--shape 2,3,17"},
    {"abs", "--shape 2,3,17"},
    {"negative", "--shape 2,3,17"},
    {"gelu", "--shape 2,3,17"},
    {"clip", "--shape 2,3,17 --min -0.5 --max 0.5"},
    {"add", "--shape 2,3,17 --shape2 3,1"},
    {"subtract", "--shape 2,3,17 --shape2 17"},
    {"multiply", "--shape 2,3,17"},
    {"divide", "--shape 2,3,17 --shape2 2,1,17"},
    {"maximum", "--shape 2,3,17 --shape2 3,1"},
    {"minimum", "--shape 2,3,17"},
    {"power", "--shape 2,3,17 --shape2 1"},
    {"bias_add", "--shape 2,5,7 --axis 1"},
    {"batch_norm", "--shape 2,5,7"},
    {"softmax", "--shape 6,33"},
    {"reduce_sum", "--shape 2,5,7 --axes 1,2"},
    {"reduce_mean", "--shape 2,5,7 --axes 0 --keepdims"},
    {"reduce_max", "--shape 2,5,7 --axes -1"},
    {"reduce_min", "--shape 2,5,7 --axes ''"},
    {"concatenate", "--shape 2,3,5 --shape2 2,4,5 --axis 1"},
    {"pad", "--shape 2,3,5 --pad-before 0,1,2 --pad-after 1,0,2"},
    {"reshape", "--shape 2,3,5 --new-shape 5,-1"},
    {"flatten", "--shape 2,3,5 --axis 2"},
    {"transpose", "--shape 2,3,5 --perm 2,0,1"},
    {"leaky_relu", "--shape 2,7 --alpha 0.2"},
    {"space_to_depth", "--shape 1,3,6,4 --block 2"},
    {"depth_to_space", "--shape 1,8,3,2 --block 2 --crd"},
    {"resize2d", "--shape 1,2,5,3 --size 9,7 --linear"},
};

const char* kFastRun = "--json --repeat 1 --min-repeat-ms 1";

// Parses stdout as exactly one JSON object (a trailing newline allowed).
nlohmann::json parse_report(const std::string& args, const Result& r) {
  nlohmann::json report = nlohmann::json::parse(r.out, nullptr, /*allow_exceptions=*/false);
  EXPECT_TRUE(report.is_object()) << describe(args, r);
  return report;
}

TEST(OpCommand, HelpAndVersionExitZero) {
  for (const char* args : {"--help", "--version", "op --help", "op conv2d --help"}) {
    Result r = run(args);
    EXPECT_EQ(r.exit_code, 0) << describe(args, r);
    EXPECT_FALSE(r.out.empty()) << describe(args, r);
  }
  Result conv = run("op conv2d --help");
  EXPECT_NE(conv.out.find("--stride"), std::string::npos) << conv.out;
  EXPECT_NE(conv.out.find("--groups INT=1"), std::string::npos) << conv.out;
  EXPECT_NE(conv.out.find("--schedule"), std::string::npos) << conv.out;
}

TEST(OpCommand, ListNamesEveryOperator) {
  Result text = run("op --list");
  ASSERT_EQ(text.exit_code, 0) << describe("op --list", text);
  Result json = run("op --list --json");
  ASSERT_EQ(json.exit_code, 0) << describe("op --list --json", json);
  nlohmann::json list = nlohmann::json::parse(json.out);
  ASSERT_TRUE(list.is_array());
  EXPECT_EQ(list.size(), kSmallShapes.size());
  for (const auto& [name, shapes] : kSmallShapes)
    EXPECT_NE(text.out.find(name + " "), std::string::npos) << name << " missing from\n"
                                                            << text.out;
  for (const nlohmann::json& op : list) {
    EXPECT_TRUE(kSmallShapes.count(op["name"])) << "no test shapes for " << op["name"];
    EXPECT_FALSE(op["description"].get<std::string>().empty());
  }
}

// The acceptance criterion: correct results for every operator in the list, under the
// naive and the default schedule.
TEST(OpCommand, EveryOperatorCorrectUnderBothSchedules) {
  Result list_result = run("op --list --json");
  ASSERT_EQ(list_result.exit_code, 0);
  for (const nlohmann::json& op : nlohmann::json::parse(list_result.out)) {
    std::string name = op["name"];
    auto shapes = kSmallShapes.find(name);
    if (shapes == kSmallShapes.end()) {
      ADD_FAILURE() << "no test shapes for " << name;
      continue;
    }
    for (const char* schedule : {"naive", "default"}) {
      std::string args =
          "op " + name + " " + shapes->second + " --schedule " + schedule + " " + kFastRun;
      SCOPED_TRACE(args);
      Result r = run(args);
      ASSERT_EQ(r.exit_code, 0) << describe(args, r);
      nlohmann::json report = parse_report(args, r);
      EXPECT_EQ(report["op"], name);
      EXPECT_EQ(report["schedule"], schedule);
      EXPECT_EQ(report["correct"], true) << report["check"];
      EXPECT_EQ(report["reference"], "interpreter");
      EXPECT_GT(report["latency_ms"]["median"].get<double>(), 0);
      EXPECT_GT(report["threads"].get<int>(), 0);
      EXPECT_TRUE(report["outputs"].is_array());
      if (std::string(schedule) == "naive") {
        EXPECT_EQ(report["schedule_steps"], 0);
      }
    }
  }
}

TEST(OpCommand, ConvolutionExampleFromTheDesign) {
  std::string args =
      "op conv2d --n 1 --c 64 --h 56 --w 56 --k 64 --r 3 --s 3 --stride 1 --pad 1 --repeat 1 "
      "--json";
  Result r = run(args);
  ASSERT_EQ(r.exit_code, 0) << describe(args, r);
  nlohmann::json report = parse_report(args, r);
  EXPECT_EQ(report["correct"], true) << report["check"];
  EXPECT_EQ(report["outputs"][0]["shape"], nlohmann::json({1, 64, 56, 56}));
  EXPECT_EQ(report["flop"], 2LL * 64 * 64 * 9 * 56 * 56);
  EXPECT_GT(report["gflops"].get<double>(), 0);
  EXPECT_GT(report["schedule_steps"].get<int>(), 0);
}

TEST(OpCommand, ConvolutionVariantsAndNaiveReference) {
  for (const char* flags :
       {"--c 6 --h 10 --w 9 --k 4 --groups 2 --stride 2 --pad 1,0 --dilation 2",
        "--c 3 --h 8 --w 8 --k 5 --r 1 --s 3 --pad 0,1,1,2 --reference naive"}) {
    std::string args = std::string("op conv2d ") + flags + " " + kFastRun;
    Result r = run(args);
    ASSERT_EQ(r.exit_code, 0) << describe(args, r);
    nlohmann::json report = parse_report(args, r);
    EXPECT_EQ(report["correct"], true) << report["check"];
  }
  Result naive = run(std::string("op matmul --m 8 --n 8 --k 8 --reference naive ") + kFastRun);
  EXPECT_EQ(parse_report("", naive)["reference"], "naive");
}

TEST(OpCommand, TextReportAndPrinting) {
  std::string args = "op matmul --m 16 --n 16 --k 16 --repeat 1 --min-repeat-ms 1 --print lowered";
  Result r = run(args);
  ASSERT_EQ(r.exit_code, 0) << describe(args, r);
  size_t report = r.out.find("\nop  ");
  ASSERT_NE(report, std::string::npos) << r.out;
  EXPECT_GT(report, 0u) << "the loop IR comes before the report";
  for (const char* line : {"latency ", "throughput ", "schedule ", "check ", "correct"})
    EXPECT_NE(r.out.find(line, report), std::string::npos) << line << " in\n" << r.out;

  std::string json_args =
      std::string("op relu --shape 64 --print schedule --print llvm ") + kFastRun;
  Result j = run(json_args);
  ASSERT_EQ(j.exit_code, 0) << describe(json_args, j);
  nlohmann::json printed = parse_report(json_args, j)["printed"];
  EXPECT_NE(printed["llvm"].get<std::string>().find("define"), std::string::npos);
  EXPECT_NE(printed["schedule"].get<std::string>().find("relu"), std::string::npos);
}

TEST(OpCommand, WrongResultExitsOne) {
  // Zero tolerance fails wherever the kernel's rounding differs from the interpreter's at all
  // (FMA contraction, a different summation order); skip on a machine where it does not.
  std::string args = std::string("op conv2d --c 8 --h 8 --w 8 --k 8 ") + kFastRun;
  Result loose = run(args);
  ASSERT_EQ(loose.exit_code, 0) << describe(args, loose);
  if (parse_report(args, loose)["max_abs_error"].get<double>() == 0)
    GTEST_SKIP() << "bit-identical to the reference here";
  std::string strict = args + " --rtol 0 --atol 0";
  Result r = run(strict);
  EXPECT_EQ(r.exit_code, 1) << describe(strict, r);
  EXPECT_EQ(parse_report(strict, r)["correct"], false);
  EXPECT_NE(r.err.find("differ"), std::string::npos) << r.err;
}

TEST(OpCommand, ScalarTensorsRunUnderEverySchedule) {
  // A rank-0 tensor (--shape "") crashed the default schedule.
  for (const char* schedule : {"default", "naive"}) {
    std::string args = std::string("op relu --shape '' --repeat 1 --schedule ") + schedule;
    Result r = run(args);
    EXPECT_EQ(r.exit_code, 0) << describe(args, r);
    EXPECT_NE(r.out.find("correct"), std::string::npos) << describe(args, r);
  }
}

TEST(OpCommand, BadArgumentsExitTwoWithAClearMessage) {
  const std::pair<const char*, const char*> cases[] = {
      {"op nosuchop", "unknown operator 'nosuchop'; see tensortune op --list"},
      {"op nosuchop --m 3", "unknown operator 'nosuchop'"},
      {"op", "missing operator"},
      {"op conv2d --bogus 3", "--bogus"},
      {"op relu --kernel 3", "--kernel"},
      {"op relu --shape 1,x", "--shape: '1,x' is not a comma-separated list of integers"},
      {"op relu --shape 1,,2", "--shape"},
      {"op matmul --m 2x", "--m: '2x' is not an integer"},
      {"op matmul --m 0", "--m"},
      {"op conv2d --h 2 --w 2 --r 5 --s 5 --pad 0", "conv2d"},
      {"op conv2d --c 6 --groups 4", "--groups 4 does not divide --c 6"},
      {"op conv2d --stride 1,2,3", "--stride"},
      {"op add --shape 2,3 --shape2 4,3", "cannot be broadcast"},
      {"op matmul --schedule fast", "--schedule"},
      {"op matmul --reference magic", "--reference"},
      {"op matmul --print everything", "--print"},
      {"op matmul --target 'llvm -mfoo'", "-mfoo"},
      {"op matmul --target 'gpu'", "gpu"},
      {"op matmul --threads 0", "--threads: '0' is less than 1"},
      {"op matmul --repeat 0", "--repeat"},
      {"nosuchcommand", "unknown command 'nosuchcommand'"},
      {"", "missing command"},
      {"--bogus", "--bogus"},
      // Sizes past 64 bits or past the kernels' 32-bit indices (these crashed: SIGFPE, SIGSEGV).
      {"op reshape --shape 4 --new-shape 4294967296,4294967296,-1", "more elements than 64-bit sizes can count"},
      {"op relu --shape 4294967296,4294967296", "more than 2^63 elements"},
      {"op relu --shape 65536,65536", "at most 2^31 - 1 elements"},
  };
  for (const auto& [args, message] : cases) {
    Result r = run(args);
    EXPECT_EQ(r.exit_code, 2) << describe(args, r);
    EXPECT_NE(r.err.find(message), std::string::npos) << "expected '" << message << "'\n"
                                                      << describe(args, r);
    EXPECT_EQ(r.err.rfind("error: ", 0), 0u) << describe(args, r);
    EXPECT_TRUE(r.out.empty()) << describe(args, r);
  }
}

}  // namespace

namespace tt::cli {
namespace {

// The catalogue's entries with every flag at its default.
OpArgs default_args(const OpSpec& spec) {
  std::map<std::string, std::string> text;
  for (const FlagSpec& f : spec.flags)
    if (f.kind != FlagKind::Bool) text[f.name] = f.default_value;
  return OpArgs(&spec.flags, text, {});
}

TEST(OpCatalog, EveryRegisteredOperatorHasAnEntryAndEveryEntryCallsOne) {
  std::set<std::string> called;
  for (const OpSpec& spec : op_catalog()) {
    EXPECT_TRUE(graph::is_registered_op(spec.op)) << spec.name << " calls unregistered '" << spec.op << "'";
    called.insert(spec.op);
    OpGraph g = spec.build(default_args(spec));
    EXPECT_EQ(g.outputs.size(), 1u) << spec.name;
  }
  for (const std::string& op : graph::registered_ops())
    EXPECT_TRUE(called.count(op)) << "registered operator '" << op << "' has no catalogue entry";
}

TEST(OpCatalog, AnEntryIsTheSameWorkloadAsTheModelNode) {
  // `op conv2d` at its defaults and a model's conv2d node with the same attributes lower through
  // the registry to one workload (weights constant in both), so their records are shared.
  const OpSpec* spec = find_op("conv2d");
  ASSERT_NE(spec, nullptr);
  OpGraph op = spec->build(default_args(*spec));
  TuneTask from_op = operator_task("conv2d", op.outputs, op.constants);
  graph::Graph g;
  graph::NodeId x = g.add_input("data", {{1, 64, 56, 56}});
  graph::NodeId w = g.add_constant("w", NDArray({64, 64, 3, 3}, DType::float32()));
  graph::NodeId conv = g.add_call("conv2d", {x, w},
                                  {{"padding", std::vector<int64_t>{1, 1, 1, 1}},
                                   {"strides", std::vector<int64_t>{1, 1}},
                                   {"dilation", std::vector<int64_t>{1, 1}},
                                   {"groups", int64_t(1)}},
                                  "conv");
  g.set_outputs({conv});
  graph::Task task = graph::lower_group(g, graph::fuse_operators(g)[0]);
  EXPECT_EQ(from_op.workload_key, task.workload_key);
  EXPECT_EQ(from_op.constant_inputs, std::vector<std::string>{"weight"});
}

}  // namespace
}  // namespace tt::cli
