// Faults around a tuning run, through the real binary: two tuners writing one log at once, and the
// disk under the log filling up. In each, every batch a tuner committed survives whole, and each
// tuner either finishes or stops with one clear message.
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "search/record/tuning_log.h"
#include "tests/cli/cli_test_util.h"

namespace tt {
namespace {

namespace fs = std::filesystem;

const std::string kTune = "tune op matmul --m 32 --n 32 --k 32 --threads 1 --per-round 4";

fs::path temp_path(const std::string& name) {
  fs::path p = fs::path(::testing::TempDir()) / (name + "_" + std::to_string(::getpid()));
  for (const char* suffix : {"", "-wal", "-shm", ".model"}) fs::remove(p.string() + suffix);
  return p;
}

TEST(TuneFaults, TwoTunersOnOneLogKeepEveryRecord) {
  std::string log = temp_path("two_tuners.db").string();
  fs::path out_a = temp_path("two_tuners_a.out"), out_b = temp_path("two_tuners_b.out");
  fs::path err_a = temp_path("two_tuners_a.err"), err_b = temp_path("two_tuners_b.err");
  auto tuner = [&](int seed, const fs::path& out, const fs::path& err) {
    return std::string(TT_BINARY) + " " + kTune + " --trials 24 --seed " + std::to_string(seed) + " --log " + log +
           " --json >" + out.string() + " 2>" + err.string();
  };
  // Both start together; the shell's status packs both exit codes.
  std::string script = tuner(1, out_a, err_a) + " & a=$!; " + tuner(2, out_b, err_b) +
                       "; b=$?; wait $a; a=$?; exit $((a * 16 + b))";
  int status = std::system(script.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0) << test::read_file(err_a) << "\n" << test::read_file(err_b);
  int measured = nlohmann::json::parse(test::read_file(out_a))["measured_this_run"].get<int>() +
                 nlohmann::json::parse(test::read_file(out_b))["measured_this_run"].get<int>();
  EXPECT_GE(measured, 24);
  std::vector<std::string> warnings;
  TuningLog reader = TuningLog::open(log, LogOpenMode::MustExist);
  EXPECT_EQ(int64_t(reader.read_all(&warnings).size()), int64_t(measured)) << "a finished record was lost";
  EXPECT_TRUE(warnings.empty()) << warnings.front();
  // The cost model both saved beside the log is whole: a third run resumes from it.
  int64_t before = reader.count();
  std::string resume = kTune + " --trials " + std::to_string(before + 4) + " --log " + log;
  test::Result r = test::run(resume);
  ASSERT_EQ(r.exit_code, 0) << test::describe(resume, r);
  EXPECT_GE(TuningLog::open(log).count(), before + 4);
  for (const fs::path& p : {out_a, out_b, err_a, err_b}) fs::remove(p);
}

// The log on a small tmpfs that the tuner fills: it stops with one message naming the problem, and
// a copy of what it left holds whole batches only.
TEST(TuneFaults, AFullDiskStopsTheTunerWithOneClearErrorAndKeepsItsBatches) {
  if (::geteuid() != 0) GTEST_SKIP() << "mounting a tmpfs needs root";
  fs::path mount_point = temp_path("full_disk");
  fs::create_directories(mount_point);
  if (::mount("tmpfs", mount_point.c_str(), "tmpfs", 0, "size=384k") != 0)
    GTEST_SKIP() << "cannot mount a tmpfs here: " << std::strerror(errno);
  struct Unmount {
    fs::path path;
    ~Unmount() {
      ::umount2(path.c_str(), MNT_DETACH);
      fs::remove_all(path);
    }
  } unmount{mount_point};
  std::string log = (mount_point / "tune.db").string();
  std::string command = kTune + " --trials 100000 --log " + log;
  test::Result r = test::run(command);
  EXPECT_NE(r.exit_code, 0) << test::describe(command, r);
  EXPECT_NE(r.exit_code, 128 + SIGSEGV) << test::describe(command, r);
  EXPECT_NE(r.err.find("full"), std::string::npos) << test::describe(command, r);
  // Read a copy: opening the full file system's log in place would need room for its lock files.
  fs::path copy = temp_path("full_disk_copy.db");
  fs::copy_file(log, copy);
  if (fs::exists(log + "-wal")) fs::copy_file(log + "-wal", copy.string() + "-wal");
  std::vector<std::string> warnings;
  size_t kept = TuningLog::open(copy.string(), LogOpenMode::MustExist).read_all(&warnings).size();
  EXPECT_GT(kept, 0u) << "the tuner committed no batch before the disk filled";
  EXPECT_EQ(kept % 4, 0u) << "batches are committed whole";
  EXPECT_TRUE(warnings.empty()) << warnings.front();
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(copy.string() + suffix);
}

}  // namespace
}  // namespace tt
