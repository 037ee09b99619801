// Gradient-based and round-robin task scheduling; see task_scheduler.h.
#include "search/tune/task_scheduler.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "ir/error.h"

namespace tt {

namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();
// A latency standing in for "no valid result yet" in the gradients: large but finite, so that a task
// with nothing valid keeps a strongly negative gradient instead of producing NaNs.
constexpr double kNoResultLatency = 1e10;

}  // namespace

double TaskProgress::best_s() const { return best_history_s.empty() ? kInfinity : best_history_s.back(); }

std::string similarity_tag(const std::string& operator_kinds, int64_t flops) {
  return fmt::format("{}:{}", operator_kinds, int(std::log(double(flops) + 1) / std::log(1.618)));
}

TaskScheduler::TaskScheduler(std::vector<ScheduledTask> tasks, TaskSchedulerParams params, uint64_t seed)
    : tasks_(std::move(tasks)), params_(params), rng_(seed) {
  TT_ASSERT(params_.backward_window >= 1, "backward window {}", params_.backward_window);
}

double TaskScheduler::objective(const std::vector<TaskProgress>& progress) const {
  double total = 0;
  for (size_t i = 0; i < tasks_.size(); ++i) total += tasks_[i].weight * progress[i].best_s();
  return total;
}

std::vector<double> TaskScheduler::gradients(const std::vector<TaskProgress>& progress) const {
  TT_ASSERT(progress.size() == tasks_.size(), "{} progress entries for {} tasks", progress.size(), tasks_.size());
  std::vector<double> grad(tasks_.size(), 0.0);
  for (size_t i = 0; i < tasks_.size(); ++i) {
    const TaskProgress& p = progress[i];
    if (!p.alive || p.rounds == 0) continue;
    auto finite = [](double s) { return std::isfinite(s) ? s : kNoResultLatency; };
    double best = finite(p.best_s());
    // The objective is a weighted sum, so its derivative in task i's latency is its weight.
    double chain = tasks_[i].weight;
    int t = int(p.best_history_s.size());
    int w = params_.backward_window;
    double backward = t > w ? (finite(p.best_history_s[t - 1]) - finite(p.best_history_s[t - 1 - w])) / w : 0.0;
    // Forward: the better of "another round buys 1/t" and "it can reach 1/beta of its similar tasks'
    // best FLOP rate".
    double next_optimistic = best - best / std::max(p.rounds, 1);
    double best_similar_rate = 0;
    for (size_t j = 0; j < tasks_.size(); ++j) {
      if (tasks_[j].similarity != tasks_[i].similarity || !std::isfinite(progress[j].best_s())) continue;
      best_similar_rate = std::max(best_similar_rate, double(tasks_[j].flops) / progress[j].best_s());
    }
    double next_similar = best_similar_rate > 0 ? params_.beta * double(tasks_[i].flops) / best_similar_rate
                                                : params_.beta * 1e30;
    double forward = std::min(next_optimistic, next_similar) - best;
    grad[i] = chain * (params_.alpha * backward + (1 - params_.alpha) * forward);
  }
  return grad;
}

int TaskScheduler::next_task(const std::vector<TaskProgress>& progress) {
  TT_ASSERT(progress.size() == tasks_.size(), "{} progress entries for {} tasks", progress.size(), tasks_.size());
  // Warm-up: every live task gets one round, in order.
  for (size_t i = 0; i < tasks_.size(); ++i)
    if (progress[i].alive && progress[i].rounds == 0) return int(i);
  std::vector<int> alive;
  for (size_t i = 0; i < tasks_.size(); ++i)
    if (progress[i].alive) alive.push_back(int(i));
  if (alive.empty()) return -1;
  if (params_.strategy == TaskSchedulerStrategy::RoundRobin) {
    // The first live task at or after the cursor.
    for (size_t step = 0; step < tasks_.size(); ++step) {
      int i = (round_robin_next_ + int(step)) % int(tasks_.size());
      if (progress[i].alive) {
        round_robin_next_ = (i + 1) % int(tasks_.size());
        return i;
      }
    }
    return -1;
  }
  std::vector<double> grad = gradients(progress);
  double lowest = kInfinity;
  for (int i : alive) lowest = std::min(lowest, grad[i]);
  std::vector<int> ties;
  for (int i : alive)
    if (grad[i] == lowest) ties.push_back(i);
  if (ties.size() == 1) return ties[0];
  return ties[std::uniform_int_distribution<size_t>(0, ties.size() - 1)(rng_)];
}

}  // namespace tt
