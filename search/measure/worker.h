// The measuring worker: a separate process (the tensortune binary started as `tensortune
// measure-worker`) that links candidate objects, runs them once against the reference outputs and
// times them. A kernel that crashes, hangs or eats all memory takes down only this process; the
// measurer (worker_process.h) sees it die, records the error and starts a fresh one.
#pragma once

namespace tt {

// The worker reads messages (worker_protocol.h) on this descriptor and writes its answers on the
// other; the parent puts its pipe ends there when it starts the process.
inline constexpr int kWorkerInputFd = 3;
inline constexpr int kWorkerOutputFd = 4;

// Serves tasks and candidates until the input closes; returns the process exit code (0 when the
// parent closed the channel). UserError when `in_fd` and `out_fd` are not pipes (the command was
// started by hand).
int run_measure_worker(int in_fd, int out_fd);

}  // namespace tt
