// The public embedding API (include/tensortune/tensortune.h) over the internal layers: the frontends
// and fusion (model_tasks), the tuner (search/tune), the tuning log, replay and the graph executor.
#include "tensortune/tensortune.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "codegen/runtime.h"
#include "ir/error.h"
#include "ir/te/winograd.h"
#include "search/measure/build.h"
#include "search/tune/conversion_timing.h"
#include "src/api/model_tasks.h"
#include "src/runtime/executor.h"
#include "src/runtime/replay.h"

namespace tensortune {

struct Model::Impl {
  tt::LoadedModel model;
};

struct CompiledModel::Impl {
  std::unique_ptr<tt::GraphExecutor> executor;
  std::vector<TaskChoice> choices;
};

namespace {

// Rounds of timing the conversions the layout choice considers (tune's last step).
constexpr int kConversionTimingRounds = 3;

TaskInfo task_info(const tt::graph::Task& t) { return {t.workload_key, t.description, t.weight, t.flops}; }

TuneProgress public_progress(const tt::TuneProgress& p, const std::vector<tt::TuneTask>& tasks) {
  TuneProgress out;
  out.trials_done = p.trials_done;
  out.trials_total = p.trials_total;
  out.measured_this_run = p.measured_this_run;
  out.current_task = p.current_task;
  out.elapsed_s = p.elapsed_s;
  out.eta_s = p.eta_s;
  out.estimated_latency_ms = p.estimated_latency_s * 1e3;
  for (size_t i = 0; i < p.tasks.size(); ++i) {
    const tt::TaskReport& r = p.tasks[i];
    TaskResult t;
    t.task = {tasks[i].workload_key, tasks[i].description, tasks[i].weight, tasks[i].flops};
    t.trials = r.trials;
    t.best_ms = r.best_s * 1e3;
    t.default_ms = r.default_s * 1e3;
    for (int e = 1; e < tt::kNumMeasureErrors; ++e)
      if (r.errors[e]) t.errors[tt::measure_error_name(tt::MeasureError(e))] = r.errors[e];
    t.cut_short = r.cut_short;
    t.search = r.search;
    out.tasks.push_back(std::move(t));
  }
  if (p.last_quality) {
    out.pairwise_accuracy = p.last_quality->pairwise_accuracy;
    out.best_of_top_k = p.last_quality->peak_at_k;
  }
  out.search_s = p.time.search_s;
  out.build_s = p.time.build_s;
  out.run_s = p.time.run_s;
  out.model_s = p.time.model_s;
  out.log_s = p.time.log_s;
  return out;
}

// The tensortune executable that hosts measurement workers: this program if it is tensortune, else
// one beside it, else one on PATH.
std::string find_worker_binary() {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec && self.filename() == "tensortune") return self.string();
  if (!ec && fs::exists(self.parent_path() / "tensortune")) return (self.parent_path() / "tensortune").string();
  if (const char* path = std::getenv("PATH")) {
    std::string dirs = path;
    for (size_t start = 0; start <= dirs.size();) {
      size_t end = dirs.find(':', start);
      if (end == std::string::npos) end = dirs.size();
      fs::path candidate = fs::path(dirs.substr(start, end - start)) / "tensortune";
      if (end > start && fs::exists(candidate)) return candidate.string();
      start = end + 1;
    }
  }
  tt::user_error("cannot find the tensortune executable that runs measurement workers; set "
                 "TuneOptions::worker_binary to its path");
}

tt::TuneOptions internal_options(const TuneOptions& o) {
  if (o.log.empty()) tt::user_error("tuning needs a log file (--log)");
  if (o.threads < 1) tt::user_error("--threads must be at least 1 for tuning, got {}", o.threads);
  if (!(o.timeout_s > 0)) tt::user_error("--timeout must be positive, got {}", o.timeout_s);
  if (!(o.rtol >= 0) || !(o.atol >= 0)) tt::user_error("--rtol and --atol must not be negative");
  tt::TuneOptions t;
  t.trials = o.trials;
  t.seed = o.seed;
  t.num_threads = o.threads;
  t.measures_per_round = o.measures_per_round;
  t.cost_model = o.cost_model;
  t.strategy = o.strategy;
  t.tuner = o.tuner;
  if (o.conv_layout != "nchwc" && o.conv_layout != "nchw")
    tt::user_error("unknown convolution layout '{}' (known: nchwc, nchw)", o.conv_layout);
  t.templates.conv2d_nchwc = o.conv_layout == "nchwc";
  if (o.conv_block < -1) tt::user_error("--conv-block must be -1 (the vector width), 0 (search) or a block size, got {}", o.conv_block);
  t.templates.conv2d_block = o.conv_block;
  t.templates.winograd_tiles.clear();
  for (int tile : o.winograd_tiles) {
    if (!tt::winograd::supported_tile(tile)) tt::user_error("--winograd: tile {} is not supported (2, 4 or 6)", tile);
    t.templates.winograd_tiles.push_back(tile);
  }
  t.ga.population = o.ga_population;
  t.ga.elite_count = o.ga_elites;
  t.ga.mutation_prob = o.ga_mutation_prob;
  t.sketch.layout_rewrite = o.layout_rewrite;
  t.warm_start_model = o.warm_start_model;
  if (o.scheduler == "round-robin") t.scheduler.strategy = tt::TaskSchedulerStrategy::RoundRobin;
  else if (o.scheduler != "gradient")
    tt::user_error("unknown task scheduler '{}' (known: gradient, round-robin)", o.scheduler);
  t.measure.worker_binary = o.worker_binary.empty() ? find_worker_binary() : o.worker_binary;
  t.measure.run_timeout_s = o.timeout_s;
  t.measure.rtol = o.rtol;
  t.measure.flush_cache = o.flush_cache;
  t.measure.atol = o.atol;
  return t;
}

}  // namespace

Model Model::load(const std::string& name_or_path) {
  auto impl = std::make_shared<Impl>();
  impl->model = tt::load_and_fuse(name_or_path);
  Model m;
  m.impl = std::move(impl);
  return m;
}

const std::string& Model::name() const { return impl->model.name; }

std::vector<TaskInfo> Model::tasks() const {
  std::vector<TaskInfo> out;
  for (const tt::graph::Task& t : impl->model.tasks.tasks) out.push_back(task_info(t));
  return out;
}

std::vector<std::vector<int64_t>> Model::input_shapes() const {
  std::vector<std::vector<int64_t>> out;
  for (tt::graph::NodeId id : impl->model.graph.inputs()) out.push_back(impl->model.graph.node(id).type.shape);
  return out;
}

TuneProgress tune(const Model& model, const TuneOptions& options) {
  TuneProgress p = tt::tune_task_list(model.name(), tt::tune_tasks(model.impl->model), options);
  if (options.stop && options.stop->load()) return p;
  // Time the conversions replay's layout choice weighs; each round's choice may consider new ones
  // once the costs of the last are known, so repeat until it needs none (a few rounds at most).
  const tt::LoadedModel& m = model.impl->model;
  tt::TuneOptions internal = internal_options(options);
  internal.measure.num_threads = options.threads;
  tt::Target target = tt::Target::parse_or_host(options.target);
  tt::TuningLog log = tt::TuningLog::open(options.log);
  auto choose = [&] {
    return tt::choose_with_layouts(m.graph, m.groups, m.tasks, log.read_all(), target, options.threads);
  };
  tt::LayoutChoice choice = choose();
  for (int round = 0; round < kConversionTimingRounds && !choice.unmeasured.empty(); ++round) {
    if (options.stop && options.stop->load()) break;
    tt::ConversionTiming timing =
        tt::time_conversions(choice.unmeasured, internal.measure, target, options.seed, log, options.stop);
    p.conversions_timed += timing.measured;
    p.conversions_failed += timing.failed;
    p.conversions_timing_s += timing.seconds;
    if (timing.measured == 0) break;
    choice = choose();
  }
  p.replay_conversions = int(choice.conversions.size());
  p.replay_conversions_ms = choice.conversions_s * 1e3;
  p.replay_tasks_off_fastest = choice.tasks_changed;
  return p;
}

std::vector<std::string> describe_sketches(const Model& model, const TuneOptions& options) {
  tt::Target target = tt::Target::parse_or_host(options.target);
  tt::HardwareParams hw = tt::hardware_params(target, std::max(options.threads, 1));
  std::vector<std::string> out;
  for (const tt::TuneTask& t : tt::tune_tasks(model.impl->model)) {
    tt::SketchPolicy policy(t.outputs, hw, tt::SketchParams{}, options.seed);
    std::string text;
    for (const tt::Sketch& s : policy.sketches()) text += tt::to_string(s) + "\n";
    out.push_back(text);
  }
  return out;
}

CompiledModel CompiledModel::compile(const Model& model, const CompileOptions& options) {
  auto impl = std::make_shared<Impl>();
  const tt::LoadedModel& m = model.impl->model;
  tt::ExecutorOptions eo;
  eo.num_threads = options.threads;
  eo.target = options.target;
  tt::set_num_threads(options.threads);
  if (!options.log.empty()) {
    tt::ReplayedLog replayed = tt::replay_log(options.log, m.graph, m.groups, m.tasks,
                                              tt::Target::parse_or_host(options.target), tt::num_threads(), nullptr);
    eo.task_schedules = replayed.schedules;
    for (size_t i = 0; i < replayed.layout.choices.size(); ++i) {
      const tt::ScheduleChoice& c = replayed.layout.choices[i];
      impl->choices.push_back({task_info(m.tasks.tasks[i]), c.from_log, c.reason, c.record_s * 1e3});
    }
  } else {
    for (const tt::graph::Task& t : m.tasks.tasks) impl->choices.push_back({task_info(t), false, "no log given", 0});
  }
  impl->executor = std::make_unique<tt::GraphExecutor>(m.graph, eo);
  CompiledModel c;
  c.impl = std::move(impl);
  return c;
}

std::vector<Array> CompiledModel::run(const std::vector<Array>& inputs) {
  std::vector<tt::NDArray> arrays;
  for (const Array& a : inputs) {
    tt::NDArray n(a.shape, tt::DType::float32());
    if (size_t(n.num_elements()) != a.data.size())
      tt::user_error("input of shape {} has {} values", tt::shape_to_string(a.shape), a.data.size());
    std::memcpy(n.data(), a.data.data(), a.data.size() * sizeof(float));
    arrays.push_back(std::move(n));
  }
  std::vector<Array> out;
  for (const tt::NDArray& n : impl->executor->run(arrays)) {
    Array a;
    a.shape = n.shape();
    a.data.assign(n.as<float>(), n.as<float>() + n.num_elements());
    out.push_back(std::move(a));
  }
  return out;
}

const std::vector<TaskChoice>& CompiledModel::choices() const { return impl->choices; }

}  // namespace tensortune

namespace tt {

tensortune::TuneProgress tune_task_list(const std::string& name, const std::vector<TuneTask>& tasks,
                                        const tensortune::TuneOptions& options) {
  TuneOptions o = tensortune::internal_options(options);
  TuningLog log = TuningLog::open(options.log);
  log.set_meta("model", name);
  nlohmann::json list = nlohmann::json::array();
  for (const TuneTask& t : tasks)
    list.push_back({{"workload_key", t.workload_key}, {"description", t.description}, {"weight", t.weight},
                    {"flops", t.flops}});
  log.set_meta("tasks", list.dump());
  log.set_meta("threads", std::to_string(options.threads));
  Tuner tuner(tasks, o, Target::parse_or_host(options.target), log);
  if (options.on_progress)
    tuner.set_progress_callback(
        [&](const TuneProgress& p) { options.on_progress(tensortune::public_progress(p, tasks)); });
  return tensortune::public_progress(tuner.run(options.stop), tasks);
}

}  // namespace tt
