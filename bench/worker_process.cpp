// Worker processes of bench_kernels: posix_spawn of /proc/self/exe with a pipe for its stdout (not
// a fork of a process that may already hold thread pools).
#include "bench/worker_process.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdexcept>

#include "ir/error.h"

extern char** environ;

namespace tt::bench {

std::map<std::string, std::string> thread_environment(const std::string& only, int threads) {
  std::string t = std::to_string(threads);
  std::map<std::string, std::string> env{{"OMP_NUM_THREADS", "1"}, {"OPENBLAS_NUM_THREADS", "1"}};
  if (only == "openblas") env["OPENBLAS_NUM_THREADS"] = t;
  if (only == "onednn") env["OMP_NUM_THREADS"] = t;
  return env;
}

namespace {

std::string self_path() {
  char path[4096];
  ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
  if (n <= 0) tt::internal_error("cannot read /proc/self/exe");
  return std::string(path, size_t(n));
}

}  // namespace

nlohmann::json run_worker(const std::vector<std::string>& args,
                          const std::map<std::string, std::string>& overrides) {
  std::vector<std::string> env_text;
  for (char** e = environ; *e; ++e) {
    std::string entry = *e;
    std::string key = entry.substr(0, entry.find('='));
    if (!overrides.count(key) && key != "GOTO_NUM_THREADS") env_text.push_back(entry);
  }
  for (const auto& [key, value] : overrides) env_text.push_back(key + "=" + value);
  std::vector<char*> envp, argv;
  for (std::string& e : env_text) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<std::string> arg_text{self_path()};
  arg_text.insert(arg_text.end(), args.begin(), args.end());
  for (std::string& a : arg_text) argv.push_back(a.data());
  argv.push_back(nullptr);

  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) tt::internal_error("pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  pid_t pid = 0;
  int spawned = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  if (spawned != 0) {
    close(fds[0]);
    tt::internal_error("cannot start {}: error {}", argv[0], spawned);
  }
  std::string output;
  char buffer[65536];
  for (ssize_t n; (n = read(fds[0], buffer, sizeof buffer)) > 0;) output.append(buffer, size_t(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  std::string command;
  for (const std::string& a : args) command += " " + a;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw std::runtime_error(fmt::format("worker{} failed ({})", command,
                                         WIFSIGNALED(status)
                                             ? fmt::format("signal {}", WTERMSIG(status))
                                             : fmt::format("exit {}", WEXITSTATUS(status))));
  }
  try {
    return nlohmann::json::parse(output);
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(fmt::format("worker{} printed no JSON: {}", command, e.what()));
  }
}

}  // namespace tt::bench
