// Starting, feeding, timing out and replacing the measuring worker process; see worker_process.h.
#include "search/measure/worker_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "ir/error.h"
#include "search/measure/worker.h"

extern char** environ;

namespace tt {
namespace {

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

std::string describe_exit(int status) {
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    const char* abbrev = sigabbrev_np(sig);
    return fmt::format("killed by signal SIG{} ({})", abbrev ? abbrev : std::to_string(sig),
                       strsignal(sig));
  }
  if (WIFEXITED(status)) return fmt::format("exited with status {}", WEXITSTATUS(status));
  return fmt::format("ended with wait status {}", status);
}

}  // namespace

WorkerProcess::WorkerProcess(std::string binary) : binary_(std::move(binary)) {}

WorkerProcess::~WorkerProcess() { stop(); }

std::string WorkerProcess::stop() {
  close_fd(to_worker_);
  close_fd(from_worker_);
  if (pid_ < 0) return "not running";
  // Killing a worker that already died changes nothing: waitpid still reports how it ended.
  ::kill(pid_, SIGKILL);
  int status = 0;
  pid_t done;
  while ((done = ::waitpid(pid_, &status, 0)) < 0 && errno == EINTR) {
  }
  pid_ = -1;
  return done < 0 ? std::string("lost: ") + std::strerror(errno) : describe_exit(status);
}

void WorkerProcess::start() {
  TT_ASSERT(has_task_, "a measurement worker started before its task");
  stop();
  int to[2], from[2];
  if (::pipe2(to, O_CLOEXEC) != 0) internal_error("cannot make a pipe: {}", std::strerror(errno));
  if (::pipe2(from, O_CLOEXEC) != 0) {
    ::close(to[0]);
    ::close(to[1]);
    internal_error("cannot make a pipe: {}", std::strerror(errno));
  }
  // The child's ends, moved above the descriptors they become in the child, so that one dup2 there
  // cannot overwrite the source of the other.
  int child_in = ::fcntl(to[0], F_DUPFD_CLOEXEC, 10),
      child_out = ::fcntl(from[1], F_DUPFD_CLOEXEC, 10);
  ::close(to[0]);
  ::close(from[1]);
  to_worker_ = to[1];
  from_worker_ = from[0];

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, child_in, kWorkerInputFd);
  posix_spawn_file_actions_adddup2(&actions, child_out, kWorkerOutputFd);
  // Nothing the worker prints may land in the tuner's stdout (a report, a JSON object).
  posix_spawn_file_actions_adddup2(&actions, STDERR_FILENO, STDOUT_FILENO);
  // A clean signal state: this thread may have signals blocked, and the worker must die of SIGPIPE
  // if its parent goes.
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setsigdefault(&attributes, &defaults);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::string command = "measure-worker";
  char* argv[] = {binary_.data(), command.data(), nullptr};
  pid_t pid = -1;
  int error = ::posix_spawn(&pid, binary_.c_str(), &actions, &attributes, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  ::close(child_in);
  ::close(child_out);
  if (error != 0) {
    stop();
    user_error("cannot start the measurement worker '{}': {}", binary_, std::strerror(error));
  }
  pid_ = pid;
  ++starts_;

  WireMessage ready;
  ReadStatus status = ReadStatus::Closed;
  if (write_message(to_worker_, task_message_))
    status = read_message(from_worker_, ready, kWorkerStartTimeoutSeconds);
  if (status != ReadStatus::Ok) {
    std::string how = stop();
    user_error(
        "the measurement worker '{}' did not take the task ({}; {}): is it the tensortune binary?",
        binary_, status == ReadStatus::TimedOut ? "no answer in time" : "it closed the channel",
        how);
  }
  std::string refused = decode_ready(ready);
  if (!refused.empty()) {
    stop();
    user_error("the measurement worker cannot take the task: {}", refused);
  }
}

void WorkerProcess::set_task(const WorkerTask& task) {
  task_message_ = encode_task(task);
  has_task_ = true;
  start();
}

WorkerResult WorkerProcess::run(const WorkerCandidate& candidate, double timeout_s) {
  if (pid_ < 0) start();
  WorkerResult result;
  WireMessage answer;
  ReadStatus status = ReadStatus::Closed;
  if (write_message(to_worker_, encode_candidate(candidate)))
    status = read_message(from_worker_, answer, timeout_s);
  if (status == ReadStatus::Ok) return decode_result(answer);
  if (status == ReadStatus::TimedOut) {
    stop();
    result.error = MeasureError::RunTimeout;
    result.message =
        fmt::format("no result within the run timeout of {:g} s; the worker was killed", timeout_s);
    return result;
  }
  result.error = MeasureError::Runtime;
  result.message = "the measurement worker died: " + stop();
  return result;
}

}  // namespace tt
