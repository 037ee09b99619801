// The SQLite store and JSON Lines interchange of tuning records (see tuning_log.h). The schema
// keeps the columns queries need (workload key, target, error, cost, trial) beside the full record
// as JSON text, so a field added to the record needs no migration; the JSON is the truth, the
// columns an index of it.
#include "search/record/tuning_log.h"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <istream>
#include <ostream>
#include <set>
#include <thread>

#include "ir/error.h"
#include "search/record/record_json.h"

namespace tt {

namespace {

// "TTlg": marks the file as a tensortune log for tools that read SQLite headers (file(1) too).
constexpr int32_t kApplicationId = 0x54546c67;
// Bumped when the tables change shape; a log with a higher version is refused, not misread.
constexpr int kSchemaVersion = 1;
// How long a statement waits for another connection's lock before failing: a tuner's batch commits
// in milliseconds, so this only runs out when something holds the file for real.
constexpr int kBusyTimeoutMs = 10000;

constexpr const char* kSchema = R"sql(
CREATE TABLE tensortune_log (schema_version INTEGER NOT NULL);
CREATE TABLE records (
  id INTEGER PRIMARY KEY AUTOINCREMENT,  -- insertion order
  workload_key TEXT NOT NULL,
  target TEXT NOT NULL,
  error TEXT NOT NULL,                   -- measure_error_name
  cost_s REAL,                           -- TuningRecord::cost() when valid, else NULL
  trial INTEGER NOT NULL,
  record TEXT NOT NULL                   -- the whole record (record_json.h)
);
CREATE INDEX records_by_workload ON records (workload_key, id);
CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
)sql";

}  // namespace

struct TuningLogConnection {
  std::string path;
  sqlite3* db = nullptr;

  ~TuningLogConnection() {
    if (db) sqlite3_close_v2(db);
  }

  [[noreturn]] void fail(const std::string& doing) const {
    user_error("tuning log '{}': {}: {}", path, doing, db ? sqlite3_errmsg(db) : "out of memory");
  }

  void exec(const char* sql, const char* doing) const {
    if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) fail(doing);
  }

  // For a statement that upgrades a read lock to a write lock (the journal-mode switch): SQLite
  // answers SQLITE_BUSY at once, without its busy handler, when another connection waits for the
  // same upgrade (waiting could deadlock), so the statement is retried here until the timeout.
  void exec_retrying_while_busy(const char* sql, const char* doing) const {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kBusyTimeoutMs);
    for (int attempt = 0;; ++attempt) {
      int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
      if (rc == SQLITE_OK) return;
      bool busy = (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED;
      if (!busy || std::chrono::steady_clock::now() >= deadline) fail(doing);
      std::this_thread::sleep_for(std::chrono::milliseconds(std::min(1 + attempt, 50)));
    }
  }
};

namespace {

// A prepared statement; step() says whether a row came back and turns any error into a UserError
// naming the log.
class Statement {
 public:
  Statement(const TuningLogConnection& c, const char* sql) : c_(c) {
    if (sqlite3_prepare_v2(c.db, sql, -1, &stmt_, nullptr) != SQLITE_OK) c.fail("preparing a query");
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  void bind(int i, const std::string& text) {
    check(sqlite3_bind_text(stmt_, i, text.data(), int(text.size()), SQLITE_TRANSIENT));
  }
  void bind_blob(int i, const std::string& bytes) {
    check(sqlite3_bind_blob(stmt_, i, bytes.data(), int(bytes.size()), SQLITE_TRANSIENT));
  }
  void bind(int i, int64_t value) { check(sqlite3_bind_int64(stmt_, i, value)); }
  void bind(int i, double value) { check(sqlite3_bind_double(stmt_, i, value)); }
  void bind_null(int i) { check(sqlite3_bind_null(stmt_, i)); }

  bool step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    c_.fail("running a query");
  }
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

  int64_t column_int(int i) const { return sqlite3_column_int64(stmt_, i); }
  // Text or blob bytes, NULL as empty.
  std::string column_bytes(int i) const {
    const void* data = sqlite3_column_blob(stmt_, i);
    int size = sqlite3_column_bytes(stmt_, i);
    return data ? std::string(static_cast<const char*>(data), size_t(size)) : std::string();
  }

 private:
  void check(int rc) const {
    if (rc != SQLITE_OK) c_.fail("binding a query parameter");
  }
  const TuningLogConnection& c_;
  sqlite3_stmt* stmt_ = nullptr;
};

// Rolls back unless committed, so an exception in the middle of a batch leaves no part of it.
class Transaction {
 public:
  // A write transaction by default: IMMEDIATE takes the write lock now (waiting out the busy
  // timeout), not at the first insert. "BEGIN": a read transaction, whose queries see one snapshot.
  explicit Transaction(const TuningLogConnection& c, const char* begin = "BEGIN IMMEDIATE") : c_(c) {
    c.exec(begin, "starting a transaction");
  }
  ~Transaction() {
    if (!committed_) sqlite3_exec(c_.db, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  void commit() {
    c_.exec("COMMIT", "committing");
    committed_ = true;
  }

 private:
  const TuningLogConnection& c_;
  bool committed_ = false;
};

std::vector<std::string> table_names(const TuningLogConnection& c) {
  std::vector<std::string> names;
  Statement s(c, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name");
  while (s.step()) names.push_back(s.column_bytes(0));
  return names;
}

int32_t application_id(const TuningLogConnection& c) {
  Statement s(c, "PRAGMA application_id");
  return s.step() ? int32_t(s.column_int(0)) : 0;
}

// Checks that the database is a tensortune log this build reads; false when it is empty (no tables
// yet: a new file).
bool check_is_log(const TuningLogConnection& c) {
  std::vector<std::string> tables = table_names(c);
  bool ours =
      application_id(c) == kApplicationId && std::find(tables.begin(), tables.end(), "tensortune_log") != tables.end();
  if (!ours) {
    if (tables.empty() && application_id(c) == 0) return false;
    user_error("'{}' is not a tensortune log (an SQLite database with {})", c.path,
               tables.empty() ? "no tables" : fmt::format("tables {}", fmt::join(tables, ", ")));
  }
  Statement s(c, "SELECT schema_version FROM tensortune_log");
  if (!s.step()) user_error("'{}' is not a tensortune log (it has no schema version)", c.path);
  int64_t version = s.column_int(0);
  if (version != kSchemaVersion) {
    user_error("tuning log '{}' has schema version {}; this tensortune reads version {}{}", c.path, version,
               kSchemaVersion, version > kSchemaVersion ? " (it was written by a newer one)" : "");
  }
  return true;
}

std::vector<TuningRecord> read_rows(Statement& s, const std::string& path, std::vector<std::string>* warnings) {
  std::vector<TuningRecord> records;
  while (s.step()) {
    int64_t id = s.column_int(0);
    try {
      records.push_back(record_from_json(nlohmann::json::parse(s.column_bytes(1))));
    } catch (const nlohmann::json::exception& e) {
      if (warnings) warnings->push_back(fmt::format("{}: row {}: not valid JSON ({})", path, id, e.what()));
    } catch (const UserError& e) {
      if (warnings) warnings->push_back(fmt::format("{}: row {}: {}", path, id, e.what()));
    }
  }
  return records;
}

}  // namespace

TuningLog TuningLog::open(const std::string& path, LogOpenMode mode) {
  namespace fs = std::filesystem;
  std::error_code ec;
  bool exists = fs::exists(path, ec);
  if (exists && fs::is_directory(path, ec)) user_error("tuning log '{}' is a directory", path);
  if (mode == LogOpenMode::MustExist) {
    if (!exists) user_error("tuning log '{}' does not exist", path);
    if (fs::file_size(path, ec) == 0) user_error("tuning log '{}' is empty", path);
  }

  auto c = std::make_unique<TuningLogConnection>();
  c->path = path;
  int flags = SQLITE_OPEN_READWRITE | (mode == LogOpenMode::CreateIfMissing ? SQLITE_OPEN_CREATE : 0);
  if (sqlite3_open_v2(path.c_str(), &c->db, flags, nullptr) != SQLITE_OK)
    user_error("cannot open tuning log '{}': {}", path, c->db ? sqlite3_errmsg(c->db) : "out of memory");
  sqlite3_busy_timeout(c->db, kBusyTimeoutMs);
  // SQLite reads the header lazily: the first query is where a text file shows it is no database.
  if (sqlite3_exec(c->db, "SELECT count(*) FROM sqlite_master", nullptr, nullptr, nullptr) != SQLITE_OK) {
    if (sqlite3_errcode(c->db) == SQLITE_NOTADB)
      user_error("'{}' is not a tensortune log (not an SQLite database)", path);
    c->fail("reading");
  }

  // One snapshot for the check, so a schema another process commits meanwhile is seen whole or not at all.
  Transaction snapshot(*c, "BEGIN");
  bool initialized = check_is_log(*c);
  snapshot.commit();
  if (!initialized && mode == LogOpenMode::MustExist)
    user_error("'{}' is not a tensortune log (an empty SQLite database)", path);
  // Only now that the file is known to be ours (or new) is it changed. WAL lets readers go on while
  // a tuner writes; NORMAL synchronisation keeps every committed transaction when the process dies
  // (only a power loss can take back the last ones), without an fsync per batch.
  c->exec_retrying_while_busy("PRAGMA journal_mode = WAL", "switching to WAL mode");
  c->exec("PRAGMA synchronous = NORMAL", "setting synchronous mode");
  if (!initialized) {
    Transaction t(*c);
    // Another process may have created the schema since the check.
    if (!check_is_log(*c)) {
      c->exec(kSchema, "creating the schema");
      c->exec(fmt::format("INSERT INTO tensortune_log VALUES ({}); PRAGMA application_id = {};", kSchemaVersion,
                          kApplicationId)
                  .c_str(),
              "writing the schema version");
    }
    t.commit();
  }
  return TuningLog(std::move(c));
}

TuningLog::TuningLog(std::unique_ptr<TuningLogConnection> connection) : connection_(std::move(connection)) {}
TuningLog::TuningLog(TuningLog&&) noexcept = default;
TuningLog& TuningLog::operator=(TuningLog&&) noexcept = default;
TuningLog::~TuningLog() = default;

const std::string& TuningLog::path() const { return connection_->path; }

void TuningLog::append(const std::vector<TuningRecord>& batch) {
  if (batch.empty()) return;
  // Serialize first, so a record that cannot be written fails before the transaction starts.
  std::vector<std::string> texts;
  for (const TuningRecord& r : batch) texts.push_back(to_json(r).dump());
  Transaction t(*connection_);
  Statement s(*connection_,
              "INSERT INTO records (workload_key, target, error, cost_s, trial, record) "
              "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  for (size_t i = 0; i < batch.size(); ++i) {
    const TuningRecord& r = batch[i];
    s.bind(1, r.workload_key);
    s.bind(2, r.target);
    s.bind(3, std::string(measure_error_name(r.error)));
    if (r.valid())
      s.bind(4, r.cost());
    else
      s.bind_null(4);
    s.bind(5, r.trial);
    s.bind(6, texts[i]);
    s.step();
    s.reset();
  }
  t.commit();
}

std::vector<TuningRecord> TuningLog::read_all(std::vector<std::string>* warnings) const {
  Statement s(*connection_, "SELECT id, record FROM records ORDER BY id");
  return read_rows(s, connection_->path, warnings);
}

std::vector<TuningRecord> TuningLog::records_for(const std::string& workload_key,
                                                 std::vector<std::string>* warnings) const {
  Statement s(*connection_, "SELECT id, record FROM records WHERE workload_key = ?1 ORDER BY id");
  s.bind(1, workload_key);
  return read_rows(s, connection_->path, warnings);
}

int64_t TuningLog::count() const {
  Statement s(*connection_, "SELECT count(*) FROM records");
  return s.step() ? s.column_int(0) : 0;
}

void TuningLog::set_meta(const std::string& key, const std::string& value) {
  Statement s(*connection_, "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)");
  s.bind(1, key);
  s.bind_blob(2, value);
  s.step();
}

std::optional<std::string> TuningLog::get_meta(const std::string& key) const {
  Statement s(*connection_, "SELECT value FROM meta WHERE key = ?1");
  s.bind(1, key);
  if (!s.step()) return std::nullopt;
  return s.column_bytes(0);
}

int64_t export_jsonl(const TuningLog& log, std::ostream& out, std::vector<std::string>* warnings) {
  std::vector<TuningRecord> records = log.read_all(warnings);
  for (const TuningRecord& r : records) out << to_json(r).dump() << '\n';
  if (!out) user_error("writing the JSON Lines export of '{}' failed", log.path());
  return int64_t(records.size());
}

int64_t import_jsonl(std::istream& in, const std::string& source_name, TuningLog& log,
                     std::vector<std::string>* warnings) {
  std::vector<TuningRecord> records;
  std::string line;
  for (int64_t number = 1; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();  // a file written on Windows
    if (line.find_first_not_of(" \t") == std::string::npos || line.front() == '#') continue;
    auto warn = [&](const std::string& problem) {
      if (warnings) warnings->push_back(fmt::format("{}:{}: {}", source_name, number, problem));
    };
    try {
      records.push_back(record_from_json(nlohmann::json::parse(line)));
    } catch (const nlohmann::json::exception& e) {
      warn(fmt::format("not valid JSON ({})", e.what()));
    } catch (const UserError& e) {
      warn(e.what());
    }
  }
  if (in.bad()) user_error("reading '{}' failed", source_name);
  log.append(records);
  return int64_t(records.size());
}

}  // namespace tt
