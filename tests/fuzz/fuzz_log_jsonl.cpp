// Fuzzes the tuning log's JSON Lines import (`tensortune log import`) into a real SQLite log, and
// the record reader under it: a line that reads as a record must write and read back the same.
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <sstream>

#include "search/record/record_json.h"
#include "search/record/tuning_log.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

// One log for the whole run, in the temporary folder, removed at exit.
struct FuzzLog {
  std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("tt-fuzz-log-" + std::to_string(getpid()) + ".db");
  tt::TuningLog log = tt::TuningLog::open(path.string());
  ~FuzzLog() {
    std::error_code ignored;
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + suffix, ignored);
  }
};

FuzzLog& fuzz_log() {
  static FuzzLog log;
  return log;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text = tt::fuzz::as_string(data, size);
  tt::fuzz::user_errors_only([&] {
    std::istringstream in(text);
    std::vector<std::string> warnings;
    tt::import_jsonl(in, "fuzz.jsonl", fuzz_log().log, &warnings);
  });
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded()) continue;
    tt::fuzz::user_errors_only([&] {
      tt::TuningRecord record = tt::record_from_json(j);
      nlohmann::json written = tt::to_json(record);
      tt::fuzz::require(tt::to_json(tt::record_from_json(written)) == written,
                        "a record written as JSON reads back as another record");
    });
  }
  return 0;
}
