// The parent's side of a measuring worker: starts `tensortune measure-worker` (posix_spawn, an exec
// of the binary, never a bare fork of the threaded tuner) with two pipes, hands it the task, and
// runs candidates in it one at a time under the run timeout. A worker that crashes or hangs is
// reaped (killed first when it hangs), and the next candidate starts a fresh one with the same
// task.
#pragma once

#include <sys/types.h>

#include <string>

#include "search/measure/wire.h"
#include "search/measure/worker_protocol.h"

namespace tt {

// How long a fresh worker may take to start and take the task (exec, LLVM's static set-up, reading
// the task's arrays) before it counts as broken.
inline constexpr double kWorkerStartTimeoutSeconds = 60;

class WorkerProcess {
 public:
  // `binary`: the tensortune executable to start.
  explicit WorkerProcess(std::string binary);
  ~WorkerProcess();  // kills the worker, if any
  WorkerProcess(const WorkerProcess&) = delete;
  WorkerProcess& operator=(const WorkerProcess&) = delete;

  // Starts a worker (replacing any) and hands it `task`, which every replacement gets too.
  // UserError when the binary cannot be started, is not a tensortune, or refuses the task (e.g. a
  // target this machine cannot run), with the reason.
  void set_task(const WorkerTask& task);

  // Runs one candidate. A worker that dies while running it gives Runtime (naming the signal); one
  // that does not answer within `timeout_s` is killed and gives RunTimeout. Either way the worker
  // is gone and the next call starts a fresh one.
  WorkerResult run(const WorkerCandidate& candidate, double timeout_s);

  // The running worker's process id, or -1 (for tests).
  pid_t pid() const { return pid_; }
  // How many workers this object has started.
  int starts() const { return starts_; }

 private:
  void start();
  // Kills and reaps the worker; how it ended, e.g. "killed by signal SIGSEGV (Segmentation fault)"
  // or "exited with status 3" (a worker that had died already keeps its own cause).
  std::string stop();

  std::string binary_;
  WireMessage task_message_;
  bool has_task_ = false;
  pid_t pid_ = -1;
  int to_worker_ = -1, from_worker_ = -1;
  int starts_ = 0;
};

}  // namespace tt
