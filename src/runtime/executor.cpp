// Graph execution: planning the arena, compiling each task once, and running groups in order.
#include "src/runtime/executor.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <map>
#include <set>

#include "codegen/runtime.h"
#include "ir/error.h"
#include "ir/schedule/blocked_schedule.h"
#include "ir/schedule/default_schedule.h"
#include "ir/schedule/layout.h"
#include "ir/schedule/layout_conversion.h"
#include "ir/te/winograd.h"
#include "search/measure/build.h"

namespace tt {

namespace {

constexpr int64_t kAlign = 64;

int64_t aligned(int64_t bytes) { return (bytes + kAlign - 1) / kAlign * kAlign; }

int64_t value_bytes(const graph::Node& n) { return n.type.num_elements() * n.type.dtype.bytes(); }

}  // namespace

std::vector<graph::FusedGroup> singleton_groups(const graph::Graph& graph) {
  std::vector<graph::FusedGroup> groups;
  for (const graph::Node& n : graph.nodes()) {
    if (n.kind != graph::NodeKind::Call) continue;
    graph::FusedGroup g;
    g.nodes = {n.id};
    g.output = n.id;
    for (graph::NodeId in : n.inputs)
      if (std::find(g.inputs.begin(), g.inputs.end(), in) == g.inputs.end()) g.inputs.push_back(in);
    groups.push_back(std::move(g));
  }
  return groups;
}

MemoryPlan plan_memory(const graph::Graph& graph, const std::vector<graph::FusedGroup>& groups,
                       const std::vector<int64_t>& output_bytes) {
  // Liveness of each group's output: from its group to the last group that reads it; graph
  // outputs live to the end (they are copied out after the last group).
  std::map<graph::NodeId, int> producer;
  for (int g = 0; g < int(groups.size()); ++g) producer[groups[g].output] = g;
  std::vector<int> last_use(groups.size());
  for (int g = 0; g < int(groups.size()); ++g) last_use[g] = g;
  for (int g = 0; g < int(groups.size()); ++g)
    for (graph::NodeId in : groups[g].inputs)
      if (auto it = producer.find(in); it != producer.end()) last_use[it->second] = std::max(last_use[it->second], g);
  for (graph::NodeId out : graph.outputs())
    if (auto it = producer.find(out); it != producer.end()) last_use[it->second] = int(groups.size());

  // Greedy best fit over free blocks; a block is freed after its value's last reader ran.
  struct Block {
    int64_t offset, size;
  };
  std::vector<Block> free_blocks;
  MemoryPlan plan;
  plan.offset.assign(groups.size(), 0);
  std::vector<std::vector<Block>> release_after(groups.size() + 1);
  for (int g = 0; g < int(groups.size()); ++g) {
    int64_t size = aligned(output_bytes.empty() ? value_bytes(graph.node(groups[g].output)) : output_bytes[g]);
    plan.no_reuse_bytes += size;
    auto best = free_blocks.end();
    for (auto it = free_blocks.begin(); it != free_blocks.end(); ++it)
      if (it->size >= size && (best == free_blocks.end() || it->size < best->size)) best = it;
    Block block;
    if (best != free_blocks.end()) {
      block = {best->offset, size};
      if (best->size > size) best->offset += size, best->size -= size;
      else free_blocks.erase(best);
    } else {
      block = {plan.arena_bytes, size};
      plan.arena_bytes += size;
    }
    plan.offset[g] = block.offset;
    release_after[last_use[g]].push_back(block);
    // Values read by this group for the last time can be overwritten from the next group on; the
    // output just placed must not share memory with this group's own inputs, so release now.
    for (const Block& b : release_after[g]) free_blocks.push_back(b);
  }
  return plan;
}

namespace {

// Converts a value of `shape` from the layout it is stored in to another (either may be the
// model's own); `src` and `dst` hold the value in `from` and `to` respectively.
void convert_value(const ValueLayout& from, const ValueLayout& to, const std::vector<int64_t>& shape, DType dtype,
                   const void* src, void* dst) {
  NDArray stored(from ? packed_shape(*from, shape) : shape, dtype);
  std::memcpy(stored.data(), src, stored.bytes());
  NDArray logical = from ? unpack_layout(*from, stored, shape) : stored;
  NDArray target = to ? pack_layout(*to, logical) : logical;
  std::memcpy(dst, target.data(), target.bytes());
}

// A conversion as a compiled kernel (ir/schedule/layout_conversion.h).
// The loops of a group that adopts its neighbours' layouts: its own schedule was made for the
// model's layout, so where it stores a channel block it computes in that block's order instead
// (blocked_schedule.h). Groups whose reductions read weights keep their schedule and its packing.
std::vector<Step> adopted_schedule(const graph::Task& task, const std::vector<Step>& steps, const GroupLayout& gl,
                                   const HardwareParams& hw) {
  if (gl.adopted.empty() || !gl.output) return steps;
  std::vector<std::string> weights;
  for (size_t i = 0; i < task.inputs.size(); ++i)
    if (i < task.constant_inputs.size() && task.constant_inputs[i]) weights.push_back(task.inputs[i].name());
  std::optional<std::vector<Step>> blocked = blocked_layout_schedule(task.outputs, *gl.output, weights, hw);
  return blocked ? *blocked : steps;
}

CompiledKernel conversion_kernel(const LayoutConversion& c, const graph::Node& n, const HardwareParams& hw,
                                 KernelCompiler& compiler, size_t index) {
  LayoutConversionKernel k = layout_conversion_kernel(n.type.shape, n.type.dtype, c.from, c.to, hw);
  return build_kernel({k.output}, k.steps, compiler, "convert" + std::to_string(index)).kernel;
}

int64_t stored_bytes(const graph::Node& n, const ValueLayout& layout) {
  if (!layout) return value_bytes(n);
  int64_t elements = 1;
  for (int64_t e : packed_shape(*layout, n.type.shape)) elements *= e;
  return elements * n.type.dtype.bytes();
}

}  // namespace

TaskSchedules schedules_for_tasks(const graph::TaskTable& tasks, const ExecutorOptions& options,
                                  const HardwareParams& hw) {
  TaskSchedules out;
  out.steps.resize(tasks.tasks.size());
  out.tuned.assign(tasks.tasks.size(), false);
  for (size_t t = 0; t < tasks.tasks.size(); ++t) {
    const graph::Task& task = tasks.tasks[t];
    if (auto it = options.task_schedules.find(task.workload_key); it != options.task_schedules.end()) {
      out.steps[t] = it->second;
      out.tuned[t] = true;
    } else if (options.schedule == ScheduleSource::Default) {
      out.steps[t] = default_schedule(task.outputs, hw);
    }
  }
  return out;
}

GraphExecutor::GraphExecutor(graph::Graph graph, const ExecutorOptions& options) : graph_(std::move(graph)) {
  groups_ = options.fuse ? graph::fuse_operators(graph_) : singleton_groups(graph_);
  tasks_ = graph::extract_tasks(graph_, groups_);
  group_of_node_.assign(graph_.nodes().size(), -1);
  for (int g = 0; g < int(groups_.size()); ++g) group_of_node_[groups_[g].output] = g;

  Target target = Target::parse_or_host(options.target);
  compiler_ = std::make_unique<KernelCompiler>(target);
  set_num_threads(options.num_threads);
  HardwareParams hw = hardware_params(target, num_threads());
  auto start = std::chrono::steady_clock::now();

  // Each task's schedule, then the layouts of the values between groups (layout_plan.h).
  TaskSchedules schedules = schedules_for_tasks(tasks_, options, hw);
  const std::vector<std::vector<Step>>& steps = schedules.steps;
  layout_plan_ = plan_layouts(graph_, groups_, tasks_, steps, schedules.tuned);
  std::vector<int64_t> output_bytes;
  for (const graph::FusedGroup& g : groups_)
    output_bytes.push_back(stored_bytes(graph_.node(g.output), layout_plan_.stored[size_t(g.output)]));
  plan_ = plan_memory(graph_, groups_, output_bytes);
  arena_ = NDArray({std::max<int64_t>(plan_.arena_bytes / 4, 1)}, DType::float32());
  for (const LayoutConversion& c : layout_plan_.conversions) {
    const graph::Node& n = graph_.node(c.value);
    conversion_buffers_.emplace_back(c.to ? packed_shape(*c.to, n.type.shape) : n.type.shape, n.type.dtype);
    conversion_kernels_.push_back(conversion_kernel(c, n, hw, *compiler_, conversion_kernels_.size()));
  }
  auto converted = [&](graph::NodeId v, const ValueLayout& want) -> void* {
    for (size_t i = 0; i < layout_plan_.conversions.size(); ++i)
      if (layout_plan_.conversions[i].value == v && same_layout(layout_plan_.conversions[i].to, want))
        return conversion_buffers_[i].data();
    return nullptr;
  };

  char* arena = static_cast<char*>(arena_.data());
  bound_args_.assign(groups_.size(), {});
  kernel_of_group_.assign(groups_.size(), -1);
  std::set<graph::NodeId> read_unpacked;  // weights some group reads in the model's layout
  std::map<std::pair<int, std::string>, int> variants;  // (task, adopted layouts) -> kernel
  std::vector<ScheduleState> variant_states;
  for (int g = 0; g < int(groups_.size()); ++g) {
    const int t = tasks_.task_of_group[g];
    const graph::Task& task = tasks_.tasks[size_t(t)];
    const GroupLayout& gl = layout_plan_.groups[size_t(g)];
    auto key = std::make_pair(t, steps_to_json(gl.adopted).dump());
    auto [it, fresh] = variants.try_emplace(key, int(kernels_.size()));
    if (fresh) {
      std::vector<Step> all = adopted_schedule(task, steps[size_t(t)], gl, hw);
      blocked_order_of_kernel_.push_back(!gl.adopted.empty() && steps_to_json(all) != steps_to_json(steps[size_t(t)]));
      all.insert(all.end(), gl.adopted.begin(), gl.adopted.end());
      std::string name = "task" + std::to_string(t) + (gl.adopted.empty() ? "" : "_v" + std::to_string(kernels_.size()));
      BuiltKernel built = build_kernel(task.outputs, all, *compiler_, name);
      // Kernel parameters are named after the task's placeholders (p0, p1, ...) then its output.
      std::vector<int> order;
      for (const Buffer& b : built.kernel.params()) {
        int position = -1;
        for (size_t i = 0; i < task.inputs.size(); ++i)
          if (task.inputs[i].name() == b->name) position = int(i);
        order.push_back(position);
      }
      argument_order_.push_back(order);
      kernels_.push_back(std::move(built.kernel));
      variant_states.push_back(std::move(built.state));
    }
    const int k = it->second;
    kernel_of_group_[size_t(g)] = k;
    // Bind the group to its arguments' addresses (a graph input's is known per run). Weights the
    // schedule reads in a rewritten layout are packed now, once per weight and task.
    std::vector<void*>& args = bound_args_[size_t(g)];
    for (int position : argument_order_[size_t(k)]) {
      if (position < 0) {
        args.push_back(arena + plan_.offset[size_t(g)]);
        continue;
      }
      graph::NodeId id = groups_[size_t(g)].inputs[size_t(position)];
      const graph::Node& n = graph_.node(id);
      if (n.kind != graph::NodeKind::Constant &&
          variant_states[size_t(k)].weight_transform_of(task.inputs[size_t(position)].name()))
        user_error("task '{}': its schedule computes the convolution by Winograd, which transforms the weights once "
                   "at load, but input '{}' is not a constant of the model",
                   task.description, n.name);
      if (n.kind == graph::NodeKind::Constant) {
        const ScheduleState& vs = variant_states[size_t(k)];
        const std::string& input = task.inputs[size_t(position)].name();
        const LayoutRewriteStep* layout = vs.layout_of(input);
        const WinogradStep* transform = vs.weight_transform_of(input);
        if (layout || transform) {
          auto [packed, first] = packed_.try_emplace({id, t});
          if (first) {
            NDArray value = transform ? winograd::transform_weight(n.value, transform->tile) : n.value;
            packed->second = layout ? pack_layout(*layout, value) : value;
          }
          args.push_back(packed->second.data());
        } else {
          read_unpacked.insert(id);
          args.push_back(const_cast<void*>(n.value.data()));
        }
      } else if (void* c = converted(id, gl.inputs[size_t(position)])) {
        args.push_back(c);
      } else if (n.kind == graph::NodeKind::Input) {
        args.push_back(nullptr);
      } else {
        TT_ASSERT(group_of_node_[id] >= 0, "node {} is read but no group produces it", n.name);
        args.push_back(arena + plan_.offset[size_t(group_of_node_[id])]);
      }
    }
  }
  // A weight that every group reading it takes packed is held only packed.
  for (const auto& [key, value] : packed_)
    if (!read_unpacked.count(key.first)) graph_.mutable_node(key.first).value = NDArray();
  compile_seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

GraphExecutor::~GraphExecutor() = default;

int64_t GraphExecutor::weight_bytes() const {
  int64_t bytes = packed_weight_bytes();
  for (const graph::Node& n : graph_.nodes())
    if (n.kind == graph::NodeKind::Constant) bytes += int64_t(n.value.bytes());
  return bytes;
}

int64_t GraphExecutor::packed_weight_bytes() const {
  int64_t bytes = 0;
  for (const auto& [where, value] : packed_) bytes += int64_t(value.bytes());
  return bytes;
}

std::vector<NDArray> GraphExecutor::run(const std::vector<NDArray>& inputs) { return execute(inputs, nullptr); }

std::vector<double> GraphExecutor::profile(const std::vector<NDArray>& inputs, int repeat) {
  std::vector<std::vector<double>> samples(groups_.size());
  for (int r = 0; r < repeat; ++r) {
    std::vector<double> seconds(groups_.size(), 0.0);
    execute(inputs, &seconds);
    for (size_t g = 0; g < groups_.size(); ++g) samples[g].push_back(seconds[g]);
  }
  std::vector<double> median;
  for (auto& s : samples) {
    std::sort(s.begin(), s.end());
    median.push_back(s[s.size() / 2]);
  }
  return median;
}

std::vector<NDArray> GraphExecutor::execute(const std::vector<NDArray>& inputs, std::vector<double>* group_seconds) {
  std::vector<graph::NodeId> input_ids = graph_.inputs();
  if (inputs.size() != input_ids.size())
    user_error("the model takes {} inputs, got {}", input_ids.size(), inputs.size());
  std::map<graph::NodeId, const void*> external;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const graph::Node& n = graph_.node(input_ids[i]);
    if (inputs[i].shape() != n.type.shape || inputs[i].dtype() != n.type.dtype)
      user_error("input '{}' must be {}, got {}{}", n.name, n.type.to_string(), inputs[i].dtype().to_string(),
                 shape_to_string(inputs[i].shape()));
    external[n.id] = inputs[i].data();
  }
  char* arena = static_cast<char*>(arena_.data());
  auto address = [&](graph::NodeId id) -> void* {
    const graph::Node& n = graph_.node(id);
    if (n.kind == graph::NodeKind::Constant) return const_cast<void*>(n.value.data());
    if (n.kind == graph::NodeKind::Input) return const_cast<void*>(external.at(id));
    TT_ASSERT(group_of_node_[id] >= 0, "node {} is read but no group produces it", n.name);
    return arena + plan_.offset[group_of_node_[id]];
  };
  // Conversions of a value run once it exists: graph inputs first, the others after their group.
  auto convert_from = [&](graph::NodeId produced) {
    for (size_t i = 0; i < layout_plan_.conversions.size(); ++i) {
      const LayoutConversion& c = layout_plan_.conversions[i];
      if (c.value != produced) continue;
      conversion_kernels_[i].run_raw({const_cast<void*>(address(c.value)), conversion_buffers_[i].data()});
    }
  };
  for (graph::NodeId id : input_ids) convert_from(id);
  std::vector<void*> args;
  for (size_t g = 0; g < groups_.size(); ++g) {
    const int k = kernel_of_group_[g];
    args = bound_args_[g];
    for (size_t p = 0; p < args.size(); ++p)
      if (!args[p]) args[p] = const_cast<void*>(external.at(groups_[g].inputs[argument_order_[size_t(k)][p]]));
    auto start = std::chrono::steady_clock::now();
    kernels_[size_t(k)].run_raw(args);
    convert_from(groups_[g].output);
    if (group_seconds)
      (*group_seconds)[g] += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  std::vector<NDArray> outputs;
  for (graph::NodeId out : graph_.outputs()) {
    const graph::Node& n = graph_.node(out);
    NDArray result(n.type.shape, n.type.dtype);
    const ValueLayout& stored = n.kind == graph::NodeKind::Call ? layout_plan_.stored[size_t(out)] : ValueLayout();
    convert_value(stored, std::nullopt, n.type.shape, n.type.dtype, address(out), result.data());
    outputs.push_back(std::move(result));
  }
  return outputs;
}

}  // namespace tt
