// Running the real `tensortune` binary as a user would, capturing its exit code, stdout and
// stderr; shared by the CLI tests.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

namespace tt::test {

struct Result {
  int exit_code = -1;
  std::string out, err;
};

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Runs `tensortune <args>` through the shell (so args may quote), capturing both streams.
inline Result run(const std::string& args) {
  static int counter = 0;
  std::filesystem::path dir = ::testing::TempDir();
  std::string base = "tt_cli_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
  std::filesystem::path out = dir / (base + ".out"), err = dir / (base + ".err");
  std::string command =
      std::string(TT_BINARY) + " " + args + " >" + out.string() + " 2>" + err.string();
  int status = std::system(command.c_str());
  Result r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = read_file(out);
  r.err = read_file(err);
  std::filesystem::remove(out);
  std::filesystem::remove(err);
  return r;
}

inline std::string describe(const std::string& args, const Result& r) {
  return "tensortune " + args + "\nexit " + std::to_string(r.exit_code) + "\nstdout:\n" + r.out +
         "\nstderr:\n" + r.err;
}

}  // namespace tt::test
