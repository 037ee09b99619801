// The tuning log: an SQLite database of tuning records, written one measured batch per transaction
// so a killed tuner keeps every finished batch, and readable while a tuner writes it (WAL). JSON
// Lines is its interchange form. This file and tuning_log.cpp are the only code that knows either
// format; everything else sees TuningRecord.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "search/record/tuning_record.h"

namespace tt {

enum class LogOpenMode : uint8_t {
  CreateIfMissing,  // a tuner's log: a missing file (or an empty one) becomes a new log
  MustExist,        // a log to read: a missing or empty file is a UserError, nothing is created
};

struct TuningLogConnection;  // tuning_log.cpp: the SQLite handle

// One connection to one log file. Move-only (a moved-from log may only be destroyed or assigned);
// use it from one thread at a time. Any number of connections, in this process or others, may
// have the same file open: SQLite's locks (with a busy timeout) serialize the writers, and readers
// see every committed batch.
class TuningLog {
 public:
  // Opens `path`, creating the log if missing (CreateIfMissing). UserError naming the path when it
  // cannot be opened, is not an SQLite database, is an SQLite database but not a tensortune log, or
  // was written by a newer tensortune (a schema version this one does not know).
  static TuningLog open(const std::string& path, LogOpenMode mode = LogOpenMode::CreateIfMissing);

  TuningLog(TuningLog&&) noexcept;
  TuningLog& operator=(TuningLog&&) noexcept;
  ~TuningLog();

  // One transaction per call (a measured batch): a killed process keeps every committed batch and
  // none of a batch it was writing.
  void append(const std::vector<TuningRecord>& batch);
  // Every record, in insertion order. Rows whose record does not parse or has an unknown version
  // are skipped and described in `warnings` ("PATH: row N: problem", one line each).
  std::vector<TuningRecord> read_all(std::vector<std::string>* warnings = nullptr) const;
  // The records of one workload, in insertion order; skipped rows as for read_all.
  std::vector<TuningRecord> records_for(const std::string& workload_key,
                                        std::vector<std::string>* warnings = nullptr) const;
  // How many rows the log holds (including any that would be skipped when read).
  int64_t count() const;

  // Key/value metadata ("model" -> name, "cost_model" -> a path or a serialized model): small
  // strings or binary blobs, replaced on each set.
  void set_meta(const std::string& key, const std::string& value);
  std::optional<std::string> get_meta(const std::string& key) const;

  const std::string& path() const;

 private:
  explicit TuningLog(std::unique_ptr<TuningLogConnection> connection);
  std::unique_ptr<TuningLogConnection> connection_;
};

// Writes every record the log reads (read_all) as one compact JSON object per line, in insertion
// order; rows that read_all would skip are left out and described in `warnings`. Returns how many
// records were written.
int64_t export_jsonl(const TuningLog& log, std::ostream& out, std::vector<std::string>* warnings = nullptr);

// Imports every good line of JSON Lines text into `log` in one transaction (an interrupted import
// adds nothing). Blank lines and lines starting with '#' are skipped silently; bad lines (not JSON,
// missing or malformed fields, unknown version) are skipped with a warning "SOURCE:LINE: problem".
// Returns how many records were imported.
int64_t import_jsonl(std::istream& in, const std::string& source_name, TuningLog& log,
                     std::vector<std::string>* warnings = nullptr);

}  // namespace tt
