// Helpers for the tuning-log tests: records with every field set, a field-by-field comparison, and
// scratch file paths removed (with SQLite's -wal and -shm companions) when the test ends.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "search/record/tuning_record.h"

namespace tt::test {

// One step of every kind.
inline std::vector<Step> steps_of_every_kind() {
  return {SplitStep{"C", "i", {8, 4}, false},
          SplitStep{"C", "j", {2}, true},
          FuseStep{"C", {"i.0", "j.0"}},
          ReorderStep{"C", {"i.0.j.0.fused", "k", "i.1"}},
          AnnotateStep{"C", "i.0.j.0.fused", LoopAnnotation::Parallel},
          AnnotateStep{"C", "j.1", LoopAnnotation::Vectorize},
          ComputeAtStep{"C.local", "C", "i.1"},
          ComputeInlineStep{"pad"},
          ComputeRootStep{"pad"},
          CacheWriteStep{"C"},
          CacheReadStep{"B", "C"},
          RfactorStep{"C", "k"},
          PragmaStep{"C", "i.0", "auto_unroll_max_step", 64}};
}

// A record with every field away from its default. `trial` and `cost_s` vary it.
inline TuningRecord sample_record(int64_t trial = 3, double cost_s = 1.25e-4,
                                  const std::string& workload_key = "0123456789abcdef") {
  TuningRecord r;
  r.workload_key = workload_key;
  r.workload = "conv2d+relu 1x64x56x56 <- 1x64x56x56, 64x64x3x3, 64";
  r.target = "llvm -mcpu=znver3 -mattr=+sse4.2,+avx,+avx2,+fma,+f16c";
  r.strategy = "ansor";
  r.steps = steps_of_every_kind();
  r.costs_s = {cost_s * 1.01, cost_s, cost_s * 0.999, 0.1 + 0.2};  // 0.1 + 0.2: not a short decimal
  r.error = MeasureError::None;
  r.error_message = "a \"quoted\"\nmulti-line message \u00e9";
  r.cut_short = true;
  r.seed = 0xfedcba9876543210ull;  // above INT64_MAX
  r.trial = trial;
  r.timestamp = 1764581371.123456;
  r.build_s = 0.0123;
  r.run_s = 0.456;
  r.num_threads = 2;
  return r;
}

// Every field, so a field the JSON form drops fails here.
inline void expect_same_record(const TuningRecord& a, const TuningRecord& b) {
  EXPECT_EQ(a.version, b.version);
  EXPECT_EQ(a.workload_key, b.workload_key);
  EXPECT_EQ(a.workload, b.workload);
  EXPECT_EQ(a.target, b.target);
  EXPECT_EQ(a.strategy, b.strategy);
  EXPECT_EQ(steps_to_json(a.steps), steps_to_json(b.steps));
  ASSERT_EQ(a.steps.size(), b.steps.size());
  for (size_t i = 0; i < a.steps.size(); ++i) EXPECT_EQ(to_string(a.steps[i]), to_string(b.steps[i]));
  EXPECT_EQ(a.costs_s, b.costs_s);  // exact: doubles survive the text form bit for bit
  EXPECT_EQ(a.error, b.error);
  EXPECT_EQ(a.error_message, b.error_message);
  EXPECT_EQ(a.cut_short, b.cut_short);
  EXPECT_EQ(a.seed, b.seed);
  EXPECT_EQ(a.trial, b.trial);
  EXPECT_EQ(a.timestamp, b.timestamp);
  EXPECT_EQ(a.build_s, b.build_s);
  EXPECT_EQ(a.run_s, b.run_s);
  EXPECT_EQ(a.num_threads, b.num_threads);
}

// A fresh path in the test temp directory; the file and its SQLite companions go at scope exit.
class ScratchFile {
 public:
  explicit ScratchFile(const std::string& suffix) {
    static int counter = 0;
    path_ = (std::filesystem::path(::testing::TempDir()) /
             ("tt_log_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + suffix))
                .string();
    remove_all();
  }
  ~ScratchFile() { remove_all(); }
  ScratchFile(const ScratchFile&) = delete;
  ScratchFile& operator=(const ScratchFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  void remove_all() {
    std::error_code ec;
    for (const char* extra : {"", "-wal", "-shm", "-journal"}) std::filesystem::remove_all(path_ + extra, ec);
  }
  std::string path_;
};

}  // namespace tt::test
