// `tensortune log show|export|import`: what a tuning log holds, per workload (records, failures by
// error, the best record), and its conversion to and from JSON Lines.
#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "ir/error.h"
#include "search/record/apply_history.h"
#include "search/record/tuning_log.h"
#include "src/cli/commands.h"

namespace tt::cli {

namespace {

struct LogOptions {
  std::string log;       // FILE.db of show and export, the destination of import
  std::string input;     // IN.jsonl of import
  std::string output;    // -o of export; empty: stdout
  std::string workload;  // --workload of show; empty: every workload
  bool json = false;
};

void print_warnings(const std::vector<std::string>& warnings) {
  for (const std::string& w : warnings) fmt::print(stderr, "warning: {}\n", w);
}

// The records of one workload measured on one target at one thread count: the set best_record
// chooses from, so the best shown is the one replay would use there.
struct WorkloadSummary {
  std::string workload_key, workload, target;
  int num_threads = 1;
  int64_t records = 0, valid = 0, cut_short = 0;
  std::map<std::string, int64_t> errors;  // by measure_error_name, failures only
  const TuningRecord* best = nullptr;
};

std::vector<WorkloadSummary> summarize(const std::vector<TuningRecord>& records) {
  std::vector<WorkloadSummary> summaries;
  std::map<std::tuple<std::string, std::string, int>, size_t> index;
  for (const TuningRecord& r : records) {
    auto [it, inserted] = index.emplace(std::tuple(r.target, r.workload_key, r.num_threads), summaries.size());
    if (inserted) {
      WorkloadSummary fresh;
      fresh.workload_key = r.workload_key;
      fresh.workload = r.workload;
      fresh.target = r.target;
      fresh.num_threads = r.num_threads;
      summaries.push_back(std::move(fresh));
    }
    WorkloadSummary& s = summaries[it->second];
    s.records++;
    if (r.error != MeasureError::None)
      s.errors[measure_error_name(r.error)]++;
    else if (r.cut_short)
      s.cut_short++;
    if (r.valid()) s.valid++;
    if (replayable(r) && (!s.best || ranks_before(r, *s.best))) s.best = &r;
  }
  // Sections by target text and thread count; within each, workloads in order of first appearance.
  std::stable_sort(summaries.begin(), summaries.end(), [](const WorkloadSummary& a, const WorkloadSummary& b) {
    return std::tie(a.target, a.num_threads) < std::tie(b.target, b.num_threads);
  });
  return summaries;
}

std::string errors_text(const std::map<std::string, int64_t>& errors) {
  std::string text;
  for (const auto& [name, n] : errors) text += fmt::format("{}{} {}", text.empty() ? "" : ", ", name, n);
  return text.empty() ? "-" : text;
}

int run_show(const LogOptions& o) {
  TuningLog log = TuningLog::open(o.log, LogOpenMode::MustExist);
  std::vector<std::string> warnings;
  std::vector<TuningRecord> records = log.read_all(&warnings);
  print_warnings(warnings);
  if (!o.workload.empty()) {
    std::erase_if(records, [&](const TuningRecord& r) { return r.workload_key != o.workload; });
    if (records.empty()) user_error("tuning log '{}' has no records for workload '{}'", o.log, o.workload);
  }
  std::vector<WorkloadSummary> summaries = summarize(records);

  if (o.json) {
    nlohmann::json out;
    out["log"] = o.log;
    out["records"] = records.size();
    out["skipped_rows"] = warnings;
    nlohmann::json list = nlohmann::json::array();
    for (const WorkloadSummary& s : summaries) {
      list.push_back({{"workload_key", s.workload_key},
                      {"workload", s.workload},
                      {"target", s.target},
                      {"num_threads", s.num_threads},
                      {"records", s.records},
                      {"valid", s.valid},
                      {"cut_short", s.cut_short},
                      {"errors", s.errors},
                      {"best_cost_ms", s.best ? nlohmann::json(s.best->cost() * 1e3) : nlohmann::json()},
                      {"best_trial", s.best ? nlohmann::json(s.best->trial) : nlohmann::json()}});
    }
    out["workloads"] = list;
    fmt::print("{}\n", out.dump(2));
    return kExitOk;
  }

  std::set<std::string> keys;
  for (const WorkloadSummary& s : summaries) keys.insert(s.workload_key);
  fmt::print("tuning log {}: {} records, {} workloads\n", o.log, records.size(), keys.size());
  for (size_t i = 0; i < summaries.size(); ++i) {
    const WorkloadSummary& s = summaries[i];
    if (i == 0 || s.target != summaries[i - 1].target || s.num_threads != summaries[i - 1].num_threads) {
      fmt::print("\n{}, {} thread{}\n", s.target, s.num_threads, s.num_threads == 1 ? "" : "s");
      fmt::print("  {:<16}  {:>7}  {:>6}  {:>10}  {:>6}  {:<24}  {}\n", "workload key", "records", "valid", "best ms",
                 "trial", "errors", "workload");
    }
    fmt::print("  {:<16}  {:>7}  {:>6}  {:>10}  {:>6}  {:<24}  {}\n", s.workload_key, s.records, s.valid,
               s.best ? fmt::format("{:.4f}", s.best->cost() * 1e3) : "-", s.best ? std::to_string(s.best->trial) : "-",
               errors_text(s.errors) + (s.cut_short ? fmt::format("; {} cut short", s.cut_short) : ""), s.workload);
  }
  return kExitOk;
}

int run_export(const LogOptions& o) {
  TuningLog log = TuningLog::open(o.log, LogOpenMode::MustExist);
  std::vector<std::string> warnings;
  int64_t n = 0;
  if (o.output.empty()) {
    n = export_jsonl(log, std::cout, &warnings);
    std::cout.flush();
  } else {
    std::ofstream out(o.output);
    if (!out) user_error("cannot write '{}': {}", o.output, std::strerror(errno));
    n = export_jsonl(log, out, &warnings);
    out.close();
    if (!out) user_error("writing '{}' failed", o.output);
  }
  print_warnings(warnings);
  fmt::print(stderr, "exported {} records from {}{}\n", n, o.log, o.output.empty() ? "" : " to " + o.output);
  return kExitOk;
}

int run_import(const LogOptions& o) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(o.input, ec)) {
    user_error("cannot read '{}': {}", o.input,
               std::filesystem::exists(o.input, ec) ? "not a regular file" : "no such file");
  }
  std::ifstream in(o.input);
  if (!in) user_error("cannot read '{}': {}", o.input, std::strerror(errno));
  TuningLog log = TuningLog::open(o.log);
  std::vector<std::string> warnings;
  int64_t n = import_jsonl(in, o.input, log, &warnings);
  print_warnings(warnings);
  fmt::print("imported {} records from {} into {}", n, o.input, o.log);
  fmt::print("{}\n", warnings.empty()
                         ? ""
                         : fmt::format(" ({} line{} skipped)", warnings.size(), warnings.size() == 1 ? "" : "s"));
  return kExitOk;
}

}  // namespace

Subcommand add_log_command(CLI::App& parent) {
  auto o = std::make_shared<LogOptions>();
  CLI::App* app = parent.add_subcommand("log", "Inspect a tuning log; convert it to and from JSON Lines");
  app->require_subcommand(1);

  CLI::App* show = app->add_subcommand("show", "Per workload: records, valid ones, errors by code, the best");
  show->add_option("FILE", o->log, "The tuning log (.db)")->required();
  show->add_option("--workload", o->workload, "Only this workload key");
  show->add_flag("--json", o->json, "Print one JSON object");

  CLI::App* exp = app->add_subcommand("export", "Write a tuning log as JSON Lines (one record per line)");
  exp->add_option("FILE", o->log, "The tuning log (.db)")->required();
  exp->add_option("-o,--output", o->output, "The .jsonl file to write (default: standard output)");

  CLI::App* imp = app->add_subcommand("import", "Add the records of a JSON Lines file to a tuning log");
  imp->add_option("IN", o->input, "The .jsonl file to read")->required();
  imp->add_option("FILE", o->log, "The tuning log (.db), created if missing")->required();

  auto run = [o, show, exp]() -> int {
    if (show->parsed()) return run_show(*o);
    if (exp->parsed()) return run_export(*o);
    return run_import(*o);
  };
  return {app, run};
}

}  // namespace tt::cli
