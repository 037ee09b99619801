// Tests of the SQLite tuning log and its JSON Lines interchange (search/record/tuning_log.h):
// batches survive reopening, a second connection reads while one writes, damaged rows and lines
// are skipped with warnings naming them, files that are not logs are user errors, and a writer
// killed in the middle of a batch leaves exactly the batches it committed.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "search/record/record_json.h"
#include "search/record/tuning_log.h"
#include "test_tuning_log_util.h"

namespace tt {
namespace {

using test::ScratchFile;

std::vector<TuningRecord> batch_of(int64_t first_trial, int n, const std::string& key = "0123456789abcdef") {
  std::vector<TuningRecord> batch;
  for (int i = 0; i < n; ++i) {
    TuningRecord r = test::sample_record(first_trial + i, 1e-4 * double(first_trial + i + 1), key);
    if (i % 3 == 2) {  // some failures among them
      r.error = MeasureError::WrongAnswer;
      r.costs_s.clear();
    }
    batch.push_back(r);
  }
  return batch;
}

void expect_same_records(const std::vector<TuningRecord>& a, const std::vector<TuningRecord>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    SCOPED_TRACE("record " + std::to_string(i));
    test::expect_same_record(a[i], b[i]);
  }
}

// A raw SQLite connection, for what the log's API rightly cannot do: damage it.
struct RawDb {
  explicit RawDb(const std::string& path) {
    EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 10000);
  }
  ~RawDb() { sqlite3_close(db); }
  void exec(const std::string& sql) {
    char* error = nullptr;
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK) << (error ? error : "") << "\n"
                                                                                  << sql;
    sqlite3_free(error);
  }
  sqlite3* db = nullptr;
};

void expect_user_error(const std::function<void()>& f, const std::string& words) {
  try {
    f();
    ADD_FAILURE() << "no error; expected one mentioning: " << words;
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
  }
}

TEST(TuningLog, BatchesSurviveReopening) {
  ScratchFile file(".db");
  std::vector<TuningRecord> first = batch_of(0, 4), second = batch_of(4, 3, "fedcba9876543210");
  {
    TuningLog log = TuningLog::open(file.path());
    EXPECT_EQ(log.count(), 0);
    EXPECT_TRUE(log.read_all().empty());
    log.append(first);
    log.append({});  // nothing, not an error
    log.append(second);
    EXPECT_EQ(log.count(), 7);
    EXPECT_EQ(log.path(), file.path());
  }
  TuningLog log = TuningLog::open(file.path(), LogOpenMode::MustExist);
  std::vector<TuningRecord> all = first;
  all.insert(all.end(), second.begin(), second.end());
  std::vector<std::string> warnings;
  expect_same_records(log.read_all(&warnings), all);
  EXPECT_TRUE(warnings.empty());
  expect_same_records(log.records_for("fedcba9876543210"), second);
  expect_same_records(log.records_for("0123456789abcdef"), first);
  EXPECT_TRUE(log.records_for("no such key").empty());
}

// The query columns mirror the record (what `sqlite3 log.db` users and indexed lookups see).
TEST(TuningLog, ColumnsIndexTheRecord) {
  ScratchFile file(".db");
  std::vector<TuningRecord> batch = batch_of(0, 3);  // the third is a wrong answer
  TuningLog::open(file.path()).append(batch);
  RawDb raw(file.path());
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(
      sqlite3_prepare_v2(raw.db, "SELECT workload_key, target, error, cost_s, trial, record FROM records ORDER BY id",
                         -1, &stmt, nullptr),
      SQLITE_OK);
  for (const TuningRecord& r : batch) {
    ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
    auto text = [&](int i) { return std::string(reinterpret_cast<const char*>(sqlite3_column_text(stmt, i))); };
    EXPECT_EQ(text(0), r.workload_key);
    EXPECT_EQ(text(1), r.target);
    EXPECT_EQ(text(2), measure_error_name(r.error));
    if (r.valid())
      EXPECT_EQ(sqlite3_column_double(stmt, 3), r.cost());
    else
      EXPECT_EQ(sqlite3_column_type(stmt, 3), SQLITE_NULL);
    EXPECT_EQ(sqlite3_column_int64(stmt, 4), r.trial);
    EXPECT_EQ(text(5), to_json(r).dump());
  }
  EXPECT_EQ(sqlite3_step(stmt), SQLITE_DONE);
  sqlite3_finalize(stmt);
  // The file says what it is, for tools that read SQLite headers: application id "TTlg".
  ASSERT_EQ(sqlite3_prepare_v2(raw.db, "PRAGMA application_id", -1, &stmt, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(stmt, 0), 0x54546c67);
  sqlite3_finalize(stmt);
}

TEST(TuningLog, MetadataHoldsStringsAndBlobs) {
  ScratchFile file(".db");
  TuningLog log = TuningLog::open(file.path());
  EXPECT_EQ(log.get_meta("model"), std::nullopt);
  log.set_meta("model", "resnet18");
  log.set_meta("model", "mobilenet_v2");  // replaced
  std::string blob("\0\x01\xff binary", 10);
  log.set_meta("cost_model", blob);
  TuningLog again = TuningLog::open(file.path());
  EXPECT_EQ(again.get_meta("model"), "mobilenet_v2");
  EXPECT_EQ(again.get_meta("cost_model"), blob);
  EXPECT_EQ(again.count(), 0);
}

TEST(TuningLog, ASecondConnectionReadsWhileOneWrites) {
  ScratchFile file(".db");
  TuningLog writer = TuningLog::open(file.path());
  writer.append(batch_of(0, 2));
  TuningLog reader = TuningLog::open(file.path(), LogOpenMode::MustExist);
  EXPECT_EQ(reader.read_all().size(), 2u);
  writer.append(batch_of(2, 3));
  EXPECT_EQ(reader.read_all().size(), 5u);
  EXPECT_EQ(reader.count(), 5);
  // A writer in the middle of a transaction blocks neither a reader nor opening (WAL): the reader
  // sees the committed rows only.
  RawDb raw(file.path());
  raw.exec("BEGIN IMMEDIATE");
  raw.exec(
      "INSERT INTO records (workload_key, target, error, cost_s, trial, record) "
      "VALUES ('k', 't', 'none', NULL, 99, '{}')");
  EXPECT_EQ(reader.read_all().size(), 5u);
  EXPECT_EQ(TuningLog::open(file.path()).count(), 5);
  raw.exec("ROLLBACK");
  writer.append(batch_of(5, 1));
  EXPECT_EQ(reader.count(), 6);
}

// Processes that open one new log at the same moment (tuners started together): each creates or
// finds the schema, switches the file to WAL and appends, and none fails on the others' locks.
TEST(TuningLog, ProcessesOpeningOneNewLogTogetherAllSucceed) {
  constexpr int kProcesses = 6, kRounds = 8;
  for (int round = 0; round < kRounds; ++round) {
    ScratchFile file(".db");
    int go[2];
    ASSERT_EQ(pipe(go), 0);
    std::vector<pid_t> children;
    for (int p = 0; p < kProcesses; ++p) {
      pid_t child = fork();
      ASSERT_GE(child, 0);
      if (child == 0) {
        close(go[1]);
        char byte = 0;
        if (read(go[0], &byte, 1) != 0) _exit(20);  // wait for the parent to release all at once
        try {
          TuningLog log = TuningLog::open(file.path());
          log.append(batch_of(10 * p, 3));
        } catch (const std::exception& e) {
          std::fprintf(stderr, "process %d: %s\n", p, e.what());
          _exit(21);
        }
        _exit(0);
      }
      children.push_back(child);
    }
    close(go[0]);
    close(go[1]);  // every child's read returns now
    for (pid_t child : children) {
      int status = 0;
      ASSERT_EQ(waitpid(child, &status, 0), child);
      EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "round " << round << ": a process failed";
    }
    EXPECT_EQ(TuningLog::open(file.path(), LogOpenMode::MustExist).count(), 3 * kProcesses) << "round " << round;
  }
}

TEST(TuningLog, DamagedRowsAreSkippedWithAWarningNamingTheRow) {
  ScratchFile file(".db");
  TuningLog log = TuningLog::open(file.path());
  log.append(batch_of(0, 4));
  nlohmann::json newer = to_json(test::sample_record(2));
  newer["v"] = 9;
  {
    RawDb raw(file.path());
    raw.exec("UPDATE records SET record = '{\"v\": 1, \"workload_key\": ' WHERE id = 2");
    raw.exec("UPDATE records SET record = '" + newer.dump() + "' WHERE id = 3");
    raw.exec("UPDATE records SET record = '{\"v\": 1}' WHERE id = 4");
  }
  std::vector<std::string> warnings;
  std::vector<TuningRecord> records = log.read_all(&warnings);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].trial, 0);
  ASSERT_EQ(warnings.size(), 3u);
  EXPECT_EQ(warnings[0].rfind(file.path() + ": row 2: not valid JSON", 0), 0u) << warnings[0];
  EXPECT_EQ(warnings[1], file.path() + ": row 3: unknown tuning record version 9 (this tensortune reads version 1)");
  EXPECT_EQ(warnings[2], file.path() + ": row 4: tuning record: missing field 'workload_key'");
  EXPECT_EQ(log.count(), 4);  // the rows are still there; reading skips them
  warnings.clear();
  EXPECT_EQ(log.records_for("0123456789abcdef", &warnings).size(), 1u);
  EXPECT_EQ(warnings.size(), 3u);
  log.read_all();  // no warnings vector: skipped quietly
}

TEST(TuningLog, FilesThatAreNotLogsAreUserErrors) {
  ScratchFile text(".txt");
  std::ofstream(text.path()) << "workload,cost\nmatmul,0.1\n" << std::string(200, 'x') << "\n";
  expect_user_error([&] { TuningLog::open(text.path()); }, "not an SQLite database");
  expect_user_error([&] { TuningLog::open(text.path(), LogOpenMode::MustExist); }, "not an SQLite database");

  ScratchFile other(".db");
  RawDb(other.path()).exec("CREATE TABLE people (name TEXT)");
  expect_user_error([&] { TuningLog::open(other.path()); },
                    "is not a tensortune log (an SQLite database with tables people)");

  ScratchFile missing(".db");
  expect_user_error([&] { TuningLog::open(missing.path(), LogOpenMode::MustExist); }, "does not exist");
  EXPECT_FALSE(std::filesystem::exists(missing.path()));
  expect_user_error([&] { TuningLog::open(::testing::TempDir()); }, "is a directory");
  expect_user_error([&] { TuningLog::open("/nonexistent_dir_tt/log.db"); }, "cannot open tuning log");

  ScratchFile empty(".db");
  std::ofstream(empty.path()).close();
  expect_user_error([&] { TuningLog::open(empty.path(), LogOpenMode::MustExist); }, "is empty");
  EXPECT_EQ(TuningLog::open(empty.path()).count(), 0);  // a tuner may start a log in an empty file

  ScratchFile newer(".db");
  TuningLog::open(newer.path());
  RawDb(newer.path()).exec("UPDATE tensortune_log SET schema_version = 2");
  expect_user_error([&] { TuningLog::open(newer.path()); },
                    "schema version 2; this tensortune reads version 1 (it was written by a newer one)");
}

TEST(TuningLog, JsonLinesRoundTripIsTextIdentical) {
  ScratchFile a(".db"), b(".db");
  TuningLog first = TuningLog::open(a.path());
  first.append(batch_of(0, 5));
  first.append(batch_of(5, 2, "fedcba9876543210"));
  std::ostringstream exported;
  export_jsonl(first, exported);
  std::string text = exported.str();
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 7);

  TuningLog second = TuningLog::open(b.path());
  std::istringstream in(text);
  std::vector<std::string> warnings;
  EXPECT_EQ(import_jsonl(in, "x.jsonl", second, &warnings), 7);
  EXPECT_TRUE(warnings.empty());
  std::ostringstream again;
  export_jsonl(second, again);
  EXPECT_EQ(again.str(), text);
  expect_same_records(second.read_all(), first.read_all());
}

TEST(TuningLog, ImportSkipsBadLinesWithTheirLineNumbers) {
  std::vector<TuningRecord> good = batch_of(0, 3);
  nlohmann::json newer = to_json(good[0]);
  newer["v"] = 7;
  std::string text = to_json(good[0]).dump() + "\n" +     // 1
                     "{\"v\": 1, \"workload_key\": \n" +  // 2: corrupt
                     to_json(good[1]).dump() + "\n" +     // 3
                     newer.dump() + "\n" +                // 4: unknown version
                     "\n" +                               // 5: blank
                     "# a comment\n" +                    // 6
                     to_json(good[2]).dump() + "\r\n";    // 7: CRLF
  ScratchFile file(".db");
  TuningLog log = TuningLog::open(file.path());
  std::istringstream in(text);
  std::vector<std::string> warnings;
  EXPECT_EQ(import_jsonl(in, "in.jsonl", log, &warnings), 3);
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_EQ(warnings[0].rfind("in.jsonl:2: not valid JSON", 0), 0u) << warnings[0];
  EXPECT_EQ(warnings[1], "in.jsonl:4: unknown tuning record version 7 (this tensortune reads version 1)");
  expect_same_records(log.read_all(), good);
}

// The child appends three batches through the log, then starts a fourth the way append() does
// (one IMMEDIATE transaction of inserts), large enough that SQLite spills it into the WAL file,
// and is killed before committing. The parent must read exactly the three batches.
TEST(TuningLog, AKilledWriterLeavesExactlyItsCommittedBatches) {
  ScratchFile file(".db");
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(ready[0]);
    try {
      TuningLog log = TuningLog::open(file.path());
      for (int b = 0; b < 3; ++b) log.append(batch_of(4 * b, 4));
      sqlite3* db = nullptr;
      if (sqlite3_open(file.path().c_str(), &db) != SQLITE_OK) _exit(10);
      if (sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) _exit(11);
      TuningRecord big = test::sample_record(12);
      big.error_message = std::string(32 * 1024, 'z');
      std::string row =
          "INSERT INTO records (workload_key, target, error, cost_s, trial, record) VALUES "
          "('0123456789abcdef', 't', 'none', 1e-4, 12, '" +
          to_json(big).dump() + "')";
      for (int i = 0; i < 200; ++i)  // about 6.5 MB, beyond SQLite's 2 MB page cache
        if (sqlite3_exec(db, row.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) _exit(12);
    } catch (...) {
      _exit(13);
    }
    char byte = 1;
    if (write(ready[1], &byte, 1) != 1) _exit(14);
    pause();  // killed here, mid-transaction
    _exit(15);
  }
  close(ready[1]);
  char byte = 0;
  ASSERT_EQ(read(ready[0], &byte, 1), 1) << "the writer failed before its fourth batch";
  close(ready[0]);
  // The uncommitted batch really reached the disk, so recovery has something to discard.
  EXPECT_GT(std::filesystem::file_size(file.path() + "-wal"), 2u << 20);
  kill(child, SIGKILL);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status));

  TuningLog log = TuningLog::open(file.path(), LogOpenMode::MustExist);
  std::vector<TuningRecord> records = log.read_all();
  ASSERT_EQ(records.size(), 12u);
  for (int64_t i = 0; i < 12; ++i) EXPECT_EQ(records[size_t(i)].trial, i);
  EXPECT_EQ(log.count(), 12);
  // The log stays writable after recovery.
  log.append(batch_of(12, 2));
  EXPECT_EQ(log.count(), 14);
}

// The same through append() itself: the fourth batch is large, and the parent kills the writer once
// that batch's pages pass into the WAL file, long before it can finish. A writer that committed row
// by row would leave part of the batch behind.
TEST(TuningLog, AWriterKilledInsideAppendLeavesNoPartOfTheBatch) {
  ScratchFile file(".db");
  int done[2];
  ASSERT_EQ(pipe(done), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(done[0]);
    try {
      TuningLog log = TuningLog::open(file.path());
      for (int b = 0; b < 3; ++b) log.append(batch_of(4 * b, 4));
      std::vector<TuningRecord> big = batch_of(12, 1000);  // about 16 MB
      for (TuningRecord& r : big) r.error_message = std::string(16 * 1024, 'z');
      char byte = 1;
      if (write(done[1], &byte, 1) != 1) _exit(14);
      log.append(big);
      byte = 2;  // it finished before the kill: the test cannot tell anything
      if (write(done[1], &byte, 1) != 1) _exit(14);
    } catch (...) {
      _exit(13);
    }
    pause();
    _exit(15);
  }
  close(done[1]);
  char byte = 0;
  ASSERT_EQ(read(done[0], &byte, 1), 1) << "the writer failed before its fourth batch";
  // While the batch is being written, another connection sees either none of it or all of it.
  TuningLog reader = TuningLog::open(file.path(), LogOpenMode::MustExist);
  std::string wal = file.path() + "-wal";
  std::error_code ec;
  for (int i = 0; i < 20000; ++i) {
    int64_t seen = reader.count();
    if (seen != 12 && seen != 1012) {
      ADD_FAILURE() << "another connection saw " << seen << " records: part of a batch";
      break;
    }
    if (std::filesystem::file_size(wal, ec) > (4u << 20) && !ec) break;
    usleep(100);
  }
  kill(child, SIGKILL);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status));
  fcntl(done[0], F_SETFL, O_NONBLOCK);
  bool finished = read(done[0], &byte, 1) == 1;
  close(done[0]);
  if (finished) GTEST_SKIP() << "the writer committed its large batch before it could be killed";

  TuningLog log = TuningLog::open(file.path(), LogOpenMode::MustExist);
  EXPECT_EQ(log.count(), 12);
  EXPECT_EQ(log.read_all().size(), 12u);
}

}  // namespace
}  // namespace tt
