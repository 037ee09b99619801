// The task scheduler: which task of a model gets the next round of measurements. Gradient-based (Ansor
// §6): the task whose next round is expected to cut the weighted end-to-end latency the most, from
// its recent progress (backward), an optimistic 1/t improvement and its similar tasks' speed (forward).
// Round-robin is the alternative. Every task gets one round first (warm-up), in order.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace tt {

enum class TaskSchedulerStrategy : uint8_t { Gradient, RoundRobin };

struct TaskSchedulerParams {
  TaskSchedulerStrategy strategy = TaskSchedulerStrategy::Gradient;
  // Weight of the backward gradient (measured progress over the last rounds) against the forward one.
  double alpha = 0.2;
  // A task is assumed able to reach 1/beta of the best FLOP rate among its similar tasks.
  double beta = 2.0;
  // Rounds the backward gradient looks back over.
  int backward_window = 3;
};

// What the scheduler knows of one task (fixed for the run).
struct ScheduledTask {
  int weight = 1;          // how often the model runs it
  int64_t flops = 0;       // of one execution
  std::string similarity;  // tasks with the same tag (operator kinds) and similar FLOPs are compared
};

// Progress of one task so far.
struct TaskProgress {
  int rounds = 0;                      // rounds given to it (resumed runs count earlier trials too)
  std::vector<double> best_history_s;  // best latency after each of its rounds (infinity: none valid yet)
  bool alive = true;                   // false once its space is exhausted or nothing it tries is valid
  double best_s() const;               // the last entry, or infinity
};

class TaskScheduler {
 public:
  TaskScheduler(std::vector<ScheduledTask> tasks, TaskSchedulerParams params, uint64_t seed);

  // The next task to tune, or -1 when no task is alive. Tasks with no rounds yet come first, in order.
  int next_task(const std::vector<TaskProgress>& progress);
  // The objective: the weighted sum of the tasks' best latencies (seconds), infinity until each has one.
  double objective(const std::vector<TaskProgress>& progress) const;
  // The scheduler's gradient for each task (negative: expected decrease of the objective per round);
  // exposed for tests and the progress report.
  std::vector<double> gradients(const std::vector<TaskProgress>& progress) const;

 private:
  std::vector<ScheduledTask> tasks_;
  TaskSchedulerParams params_;
  std::mt19937_64 rng_;
  int round_robin_next_ = 0;
};

// The similarity tag of a task: its operator kinds plus the order of magnitude (base 1.618, as Ansor)
// of its FLOPs.
std::string similarity_tag(const std::string& operator_kinds, int64_t flops);

}  // namespace tt
