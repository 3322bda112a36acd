// The embedded store's lookups by entry hash and by signed content
// (format.h), written: lookup.sqlite, derived from the entries and kept out of
// the synced commit, and the in-memory index of the entries it does not hold
// yet. Opening, catching up and upgrading; the lookup writer thread; the
// writer's duplicate checks. The reads are in lookups_read.cc.
#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <map>

#include "base/file.h"
#include "base/logging.h"
#include "storage/embedded/embedded_store.h"
#include "storage/embedded/lookups_internal.h"
#include "storage/embedded/store_state.h"

namespace scitt::storage {

using namespace embedded;  // NOLINT: this file is the embedded backend

namespace {

// Entries per lookup.sqlite transaction while catching up: the covered size
// moves chunk by chunk, so a crash keeps what was done.
constexpr uint64_t kCatchUpChunk = 1 << 16;

// lookup.sqlite at `path` and the runs beside it.
void RemoveLookupFiles(const std::string& path) {
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix, ec);
  std::filesystem::remove_all(std::filesystem::path(path).parent_path() / kRunsDirectory, ec);
}

std::string RunName(uint64_t id) { return std::to_string(id) + ".run"; }

// A run's size class: runs of one class are merged four at a time.
int Tier(uint64_t rows, uint64_t rows_per_run) {
  int tier = 0;
  for (uint64_t n = rows / rows_per_run; n >= 4; n /= 4) ++tier;
  return tier;
}

// Runs `work` in one lookup.sqlite transaction that is durable when it
// returns (synchronous=FULL for it alone): a run file is removed only once
// the transaction that stops recording it cannot roll back.
Status DurableTransaction(Connection& conn, const std::function<Status()>& work) {
  SCITT_RETURN_IF_ERROR(conn.Exec("PRAGMA synchronous = FULL"));
  Status done = conn.Exec("BEGIN IMMEDIATE");
  if (done.ok()) {
    done = work();
    if (done.ok()) done = conn.Exec("COMMIT");
    if (!done.ok() && !sqlite3_get_autocommit(conn.get())) (void)conn.Exec("ROLLBACK");
  }
  Status normal = conn.Exec("PRAGMA synchronous = NORMAL");
  return done.ok() ? normal : done;
}

// The rows of by_entry_hash (one per entry the tables hold).
Result<uint64_t> TableRows(sqlite3* db, const std::string& path) {
  SCITT_ASSIGN_OR_RETURN(Statement count, Statement::Prepare(db, "SELECT COUNT(*) FROM by_entry_hash"));
  Query q(count);
  if (q.Step() != SQLITE_ROW) return SqliteError(db, "counting the rows of " + path);
  return static_cast<uint64_t>(q.IntAt(0));
}

// Records run `id` with its counts, in the transaction in progress.
Status RecordRun(sqlite3* db, const LookupRun& run) {
  SCITT_ASSIGN_OR_RETURN(Statement insert, Statement::Prepare(db, "INSERT INTO runs VALUES(?, ?, ?)"));
  Query q(insert);
  q.Int(1, static_cast<int64_t>(run.id()))
      .Int(2, static_cast<int64_t>(run.count(RunSection::kEntryHashes)))
      .Int(3, static_cast<int64_t>(run.count(RunSection::kSignedContents)));
  if (q.Step() != SQLITE_DONE) return SqliteError(db, "recording run " + std::to_string(run.id()));
  return Status::Ok();
}

// Every key of `run`'s `section` into `filter`; the pages the scan
// touched are unmapped again (LookupRun::DropPages).
Status AddKeys(const LookupRun& run, RunSection section, DigestFilter& filter) {
  RecordSource records = run.Reader(section);
  RunRecord record;
  for (;;) {
    SCITT_ASSIGN_OR_RETURN(const bool more, records(record));
    if (!more) break;
    filter.Add(record.key);
  }
  run.DropPages();
  return Status::Ok();
}

// Reads a table's (hash, idx) rows through `q` (in key order) as records.
RecordSource RowsOf(Query& q, sqlite3* db) {
  return [&q, db](RunRecord& out) -> Result<bool> {
    const int rc = q.Step();
    if (rc == SQLITE_DONE) return false;
    if (rc != SQLITE_ROW) return SqliteError(db, "reading lookups to move to a run");
    out.index = static_cast<uint64_t>(q.IntAt(1));
    SCITT_ASSIGN_OR_RETURN(out.key, DigestAt(q, 0, out.index));
    return true;
  };
}

const std::string kPutCoveredSql =
    std::string("UPDATE meta SET value = ? WHERE key = '") + kCoveredKey + "'";

}  // namespace

// ---------------------------------------------------------------- writing

Status EmbeddedStore::State::OpenLookupsForWriting() {
  const std::string path = Path(kLookupFile);
  auto open = [&]() -> Result<uint64_t> {
    SCITT_ASSIGN_OR_RETURN(Connection conn, Connection::Open(path));
    SCITT_RETURN_IF_ERROR(UseWal(conn, path));
    // No fsync at commit: derived data (format.h). WAL with NORMAL never
    // corrupts the database; a power loss may roll back its last commits,
    // which the next Open() recomputes from the entries.
    SCITT_RETURN_IF_ERROR(conn.Exec("PRAGMA synchronous = NORMAL"));
    SCITT_ASSIGN_OR_RETURN(const int64_t version, FormatVersion(conn, path));
    if (version == 0) {
      SCITT_RETURN_IF_ERROR(conn.Exec("BEGIN IMMEDIATE"));
      Status created = conn.Exec(kLookupSchema);
      if (!created.ok()) {
        (void)conn.Exec("ROLLBACK");
        return created.error();
      }
      SCITT_RETURN_IF_ERROR(conn.Exec("COMMIT"));
    } else if (version == kFirstLookupFileVersion) {
      SCITT_RETURN_IF_ERROR(conn.Exec("BEGIN IMMEDIATE"));
      Status upgraded = conn.Exec(kLookupUpgrade);
      if (upgraded.ok()) upgraded = conn.Exec("COMMIT");
      if (!upgraded.ok()) {
        (void)conn.Exec("ROLLBACK");
        return upgraded.error();
      }
    } else if (version != kLookupFormatVersion) {
      return UnknownVersion(path, version, kLookupFormatVersion);
    }
    uint64_t covered_size = 0;
    {
      SCITT_ASSIGN_OR_RETURN(Statement query, Statement::Prepare(conn.get(), kReadCoveredSql));
      SCITT_ASSIGN_OR_RETURN(covered_size, ReadCovered(query, conn.get(), path));
      SCITT_ASSIGN_OR_RETURN(table_rows, TableRows(conn.get(), path));
    }
    SCITT_ASSIGN_OR_RETURN(RunList opened, OpenRuns(conn.get(), /*remove_others=*/true));
    uint64_t next_id = 1;
    for (const auto& run : opened) next_id = std::max(next_id, run->id() + 1);
    next_run_id = next_id;
    SetRuns(std::move(opened));
    lookup_writer = std::move(conn);
    return covered_size;
  };
  Result<uint64_t> opened = open();
  if (!opened.ok()) {
    // Derived data: rebuilt from the entries rather than refused.
    logging::Warn("rebuilding lookups", {{"file", path}, {"reason", opened.error().message}});
    lookup_writer = Connection();
    RemoveLookupFiles(path);
    SetRuns({});
    opened = open();
    if (!opened.ok()) return opened.error();
  }
  covered = *opened;

  // The lookup writer keeps the pages its inserts touch (random, two per
  // entry) in a larger cache than SQLite's 2 MiB; so does the writer for
  // its duplicate checks, on a connection of its own.
  SCITT_RETURN_IF_ERROR(lookup_writer.Exec("PRAGMA cache_size = -65536"));
  SCITT_ASSIGN_OR_RETURN(lookup_reader, Connection::Open(path));
  SCITT_RETURN_IF_ERROR(lookup_reader.Exec("PRAGMA query_only = 1"));
  SCITT_RETURN_IF_ERROR(lookup_reader.Exec("PRAGMA cache_size = -65536"));
  SCITT_ASSIGN_OR_RETURN(
      find_entry_hash_for_append,
      Statement::Prepare(lookup_reader.get(), "SELECT idx FROM by_entry_hash WHERE hash = ?"));
  SCITT_ASSIGN_OR_RETURN(
      find_signed_content_for_append,
      Statement::Prepare(lookup_reader.get(), "SELECT idx FROM by_signed_content WHERE hash = ?"));
  recent.assign(1, RecentLookups());
  return Status::Ok();
}

Status EmbeddedStore::State::CatchUpLookups(uint64_t committed, bool signed_contents_copied) {
  // Tables grown past a run (a format-3 file upgraded) move at open, not
  // on the lookup writer while appends wait for it.
  if (covered == committed) {
    if (table_rows < lookup_rows_per_run) return Status::Ok();
    SCITT_RETURN_IF_ERROR(MoveRowsToRunIfDue());  // merged by the run merger
    // The pages the rows held go back to the file system: the tables of a
    // format-3 file of 10 M entries left 900 MB of free pages, which the
    // tables, never again larger than a run, would not reuse. (2 ms there.)
    SCITT_RETURN_IF_ERROR(lookup_writer.Exec("VACUUM"));
    return lookup_writer.Exec("PRAGMA wal_checkpoint(TRUNCATE)");
  }
  const std::string path = Path(kLookupFile);
  sqlite3* db = lookup_writer.get();
  const bool compute = !signed_contents_copied;
  if (covered < committed && compute && !signed_content_of) {
    return MakeError(ErrorCode::kUnsupported,
                     "embedded store: " + path + " holds the lookups of the entries up to size " +
                         std::to_string(covered) + " of " + std::to_string(committed) +
                         "; this opener cannot compute the signed contents of the rest to catch "
                         "it up (scitt serve does, at start)");
  }
  auto in_transaction = [&](const std::function<Status()>& work) -> Status {
    SCITT_RETURN_IF_ERROR(lookup_writer.Exec("BEGIN IMMEDIATE"));
    Status done = work();
    if (done.ok()) done = lookup_writer.Exec("COMMIT");
    if (!done.ok() && !sqlite3_get_autocommit(db)) (void)lookup_writer.Exec("ROLLBACK");
    return done;
  };
  SCITT_ASSIGN_OR_RETURN(Statement put_covered, Statement::Prepare(db, kPutCoveredSql));
  auto put_covered_size = [&](uint64_t value) -> Status {
    const std::string text = std::to_string(value);
    Query q(put_covered);
    q.Text(1, text);
    if (q.Step() != SQLITE_DONE) return SqliteError(db, "recording the covered size of " + path);
    return Status::Ok();
  };

  if (covered > committed && !Runs()->empty()) {
    // As below, but runs are not edited: everything is computed again.
    if (compute && !signed_content_of) {
      return MakeError(ErrorCode::kUnsupported,
                       "embedded store: " + path + " and its runs hold lookups beyond the log (size " +
                           std::to_string(covered) + " of " + std::to_string(committed) +
                           "); this opener cannot compute the signed contents to rebuild them (scitt "
                           "serve does, at start)");
    }
    logging::Warn("lookups beyond the log dropped",
                  {{"file", path}, {"covered_size", covered}, {"tree_size", committed}});
    const RunList dropped = *Runs();
    SCITT_RETURN_IF_ERROR(DurableTransaction(lookup_writer, [&] {
      Status done = lookup_writer.Exec("DELETE FROM by_entry_hash; DELETE FROM by_signed_content; DELETE FROM runs");
      return done.ok() ? put_covered_size(0) : done;
    }));
    SetRuns({});
    for (const auto& run : dropped) ::unlink(run->path().c_str());
    covered = 0;
    table_rows = 0;
  }
  if (covered > committed) {
    // Never written so (its commits follow index.sqlite's), unless index.sqlite
    // was replaced by an older copy: the rows beyond the log name nothing.
    logging::Warn("lookups beyond the log dropped",
                  {{"file", path}, {"covered_size", covered}, {"tree_size", committed}});
    SCITT_RETURN_IF_ERROR(in_transaction([&]() -> Status {
      SCITT_ASSIGN_OR_RETURN(Statement by_hash,
                             Statement::Prepare(db, "DELETE FROM by_entry_hash WHERE idx >= ?"));
      SCITT_ASSIGN_OR_RETURN(Statement by_content,
                             Statement::Prepare(db, "DELETE FROM by_signed_content WHERE idx >= ?"));
      for (const Statement* del : {&by_hash, &by_content}) {
        Query q(*del);
        q.Int(1, static_cast<int64_t>(committed));
        if (q.Step() != SQLITE_DONE) return SqliteError(db, "dropping lookups beyond the log");
      }
      return put_covered_size(committed);
    }));
    covered = committed;
    SCITT_ASSIGN_OR_RETURN(table_rows, TableRows(db, path));
    return Status::Ok();
  }

  if (covered == 0) {
    logging::Warn("rebuilding lookups", {{"file", path}, {"to_size", committed}});
  } else {
    logging::Info("catching up lookups", {{"file", path}, {"from_size", covered}, {"to_size", committed}});
  }
  // Statements are read at their committed offsets only.
  Fd statements_file;
  if (compute) {
    statements_file = Fd(::open(Path(kStatementsFile).c_str(), O_RDONLY | O_CLOEXEC));
    if (statements_file.get() < 0) return Errno("open " + Path(kStatementsFile));
  }
  SCITT_ASSIGN_OR_RETURN(Statement entries, Statement::Prepare(writer.get(), kEntryKeysSql));
  SCITT_ASSIGN_OR_RETURN(Statement by_hash,
                         Statement::Prepare(db, "INSERT INTO by_entry_hash(hash, idx) VALUES(?, ?)"));
  // The earliest entry keeps a signed content that later ones repeat (format
  // 1 let duplicates in).
  SCITT_ASSIGN_OR_RETURN(
      Statement by_content,
      Statement::Prepare(db, "INSERT OR IGNORE INTO by_signed_content(hash, idx) VALUES(?, ?)"));
  Bytes statement;
  // Every signed content a run may hold: those of the runs now, and each
  // one inserted from here on (a later move takes it to a run).
  DigestFilter maybe_moved(compute ? committed : 0);
  if (compute) {
    for (const auto& run : *Runs()) SCITT_RETURN_IF_ERROR(AddKeys(*run, RunSection::kSignedContents, maybe_moved));
  }
  while (covered < committed) {
    const uint64_t end = std::min(committed, covered + kCatchUpChunk);
    SCITT_RETURN_IF_ERROR(in_transaction([&]() -> Status {
      Query rows(entries);
      rows.Int(1, static_cast<int64_t>(covered)).Int(2, static_cast<int64_t>(end));
      uint64_t next = covered;
      int rc;
      while ((rc = rows.Step()) == SQLITE_ROW) {
        const uint64_t index = static_cast<uint64_t>(rows.IntAt(0));
        if (index != next) return Io("embedded store: entry " + std::to_string(next) + " is missing");
        ++next;
        SCITT_ASSIGN_OR_RETURN(const crypto::Sha256Digest entry_hash, DigestAt(rows, 1, index));
        {
          Query q(by_hash);
          q.Blob(1, entry_hash).Int(2, static_cast<int64_t>(index));
          if (q.Step() != SQLITE_DONE) {
            return SqliteError(db, "recording the entry hash of entry " + std::to_string(index));
          }
        }
        if (!compute) continue;
        statement.resize(static_cast<size_t>(rows.IntAt(3)));
        SCITT_RETURN_IF_ERROR(ReadAt(statements_file.get(), statement.data(), statement.size(),
                                     static_cast<uint64_t>(rows.IntAt(2)),
                                     [&] { return Path(kStatementsFile); }));
        auto signed_content = signed_content_of(statement);
        if (!signed_content.ok()) {
          return Io("entry " + std::to_string(index) + ": " + signed_content.error().message);
        }
        // An earlier twin moved to a run keeps it, as one in the table does
        // (format 1 let twins in); searched only when it may be there.
        if (maybe_moved.MayContain(*signed_content) &&
            FindInRuns(*Runs(), Lookup::kSignedContent, *signed_content)) {
          continue;
        }
        maybe_moved.Add(*signed_content);
        Query q(by_content);
        q.Blob(1, *signed_content).Int(2, static_cast<int64_t>(index));
        if (q.Step() != SQLITE_DONE) {
          return SqliteError(db, "recording the signed content of entry " + std::to_string(index));
        }
      }
      if (rc != SQLITE_DONE) return SqliteError(writer.get(), "reading the entries");
      if (next != end) return Io("embedded store: entry " + std::to_string(next) + " is missing");
      return put_covered_size(end);
    }));
    table_rows += end - covered;
    covered = end;
    SCITT_RETURN_IF_ERROR(MoveRowsToRunIfDue());
    SCITT_RETURN_IF_ERROR(MergeRunsIfDue());  // a rebuild keeps its runs few
  }
  return Status::Ok();
}

Status EmbeddedStore::State::UpgradeToVersion3(int64_t version) {
  if (version < kFirstSignedContentVersion && !signed_content_of) {
    return MakeError(ErrorCode::kUnsupported,
                     "embedded store: " + index_path +
                         " has format version 1, which does not record the signed content of "
                         "its entries; this opener cannot compute them to upgrade it (scitt serve "
                         "does, at start)");
  }
  logging::Info("upgrading store", {{"dir", dir}, {"from_format", version}, {"to_format", kFormatVersion}});
  sqlite3* db = writer.get();
  uint64_t committed = 0;
  {
    Query q(durable_size);
    if (q.Step() != SQLITE_ROW) return SqliteError(db, "reading the durable size");
    committed = static_cast<uint64_t>(q.IntAt(0));
  }
  // lookup.sqlite first, from scratch (whatever is there predates the
  // upgrade); index.sqlite keeps its old format until it is complete.
  auto build = [&]() -> Status {
    RemoveLookupFiles(Path(kLookupFile));
    SCITT_RETURN_IF_ERROR(OpenLookupsForWriting());
    if (version >= kFirstSignedContentVersion) {
      // Format 2 recorded the signed contents: copied as they are.
      SCITT_ASSIGN_OR_RETURN(
          Statement recorded,
          Statement::Prepare(db, "SELECT hash, idx FROM signed_contents WHERE idx < ?"));
      SCITT_ASSIGN_OR_RETURN(
          Statement insert,
          Statement::Prepare(lookup_writer.get(),
                             "INSERT INTO by_signed_content(hash, idx) VALUES(?, ?)"));
      SCITT_RETURN_IF_ERROR(lookup_writer.Exec("BEGIN IMMEDIATE"));
      auto copy = [&]() -> Status {
        Query rows(recorded);
        rows.Int(1, static_cast<int64_t>(committed));
        int rc;
        while ((rc = rows.Step()) == SQLITE_ROW) {
          Query q(insert);
          q.Blob(1, rows.BlobAt(0)).Int(2, rows.IntAt(1));
          if (q.Step() != SQLITE_DONE) {
            return SqliteError(lookup_writer.get(), "copying the signed contents");
          }
        }
        if (rc != SQLITE_DONE) return SqliteError(db, "reading the signed contents");
        return lookup_writer.Exec("COMMIT");
      };
      Status copied = copy();
      if (!copied.ok()) {
        (void)lookup_writer.Exec("ROLLBACK");
        return copied;
      }
    }
    return CatchUpLookups(committed, /*signed_contents_copied=*/version >= kFirstSignedContentVersion);
  };
  Status built = build();
  if (!built.ok()) {
    return Io("embedded store: upgrading " + index_path + " from format version " +
              std::to_string(version) + ": " + built.message() + "; refusing to open");
  }
  // Then index.sqlite, in one transaction: entries without its UNIQUE hash
  // index, no signed_contents, format 3.
  SCITT_RETURN_IF_ERROR(writer.Exec("BEGIN IMMEDIATE"));
  Status upgraded = writer.Exec(kUpgradeBeforeEntries);
  if (upgraded.ok()) upgraded = writer.Exec(kCreateEntries);
  if (upgraded.ok()) upgraded = writer.Exec(kUpgradeAfterEntries);
  if (!upgraded.ok()) {
    (void)writer.Exec("ROLLBACK");
    return Io("embedded store: upgrading " + index_path + " from format version " +
              std::to_string(version) + ": " + upgraded.message() + "; refusing to open");
  }
  return writer.Exec("COMMIT");
}

Status EmbeddedStore::State::FillKeyFilters(uint64_t committed) {
  // Room for the log to grow by a quarter before a second generation.
  entry_hash_filter = DigestFilter(committed + committed / 4);
  signed_content_filter = DigestFilter(committed + committed / 4);
  // A connection of its own: the scan must not fill the writer's lookup
  // cache (64 MiB) with pages its duplicate checks will rarely read.
  SCITT_ASSIGN_OR_RETURN(Connection scan_conn, Connection::Open(Path(kLookupFile)));
  SCITT_RETURN_IF_ERROR(scan_conn.Exec("PRAGMA query_only = 1"));
  sqlite3* db = scan_conn.get();
  SCITT_RETURN_IF_ERROR(scan_conn.Exec("BEGIN"));
  auto fill = [&]() -> Status {
    for (auto [sql, filter] : {std::pair{"SELECT hash, idx FROM by_entry_hash", &entry_hash_filter},
                               {"SELECT hash, idx FROM by_signed_content", &signed_content_filter}}) {
      SCITT_ASSIGN_OR_RETURN(Statement scan, Statement::Prepare(db, sql));
      Query q(scan);
      int rc;
      while ((rc = q.Step()) == SQLITE_ROW) {
        SCITT_ASSIGN_OR_RETURN(const crypto::Sha256Digest key, DigestAt(q, 0, static_cast<uint64_t>(q.IntAt(1))));
        filter->Add(key);
      }
      if (rc != SQLITE_DONE) return SqliteError(db, "reading the lookups");
    }
    return Status::Ok();
  };
  Status filled = fill();
  (void)scan_conn.Exec("COMMIT");
  SCITT_RETURN_IF_ERROR(filled);
  for (const auto& run : *Runs()) {
    SCITT_RETURN_IF_ERROR(AddKeys(*run, RunSection::kEntryHashes, entry_hash_filter));
    SCITT_RETURN_IF_ERROR(AddKeys(*run, RunSection::kSignedContents, signed_content_filter));
  }
  return Status::Ok();
}

// ---------------------------------------------------------------- the lookup writer

void EmbeddedStore::State::StartLookupWriter() {
  lookup_thread = std::thread([this] { LookupWriterLoop(); });
  merge_thread = std::thread([this] { RunMergerLoop(); });
  WakeRunMerger();  // merges left due by the last run of the store
}

void EmbeddedStore::State::StopLookupWriter() {
  if (merge_thread.joinable()) {
    // A merge in progress is given up (its file removed): closing does not
    // wait for a rewrite of the largest runs, and the next open merges.
    {
      std::lock_guard lock(merge_mu);
      merge_stopping = true;
    }
    merge_cv.notify_all();
    merge_thread.join();
  }
  if (!lookup_thread.joinable()) return;
  {
    std::lock_guard lock(lookups_mu);
    stopping = true;
  }
  lookups_cv.notify_all();
  lookup_thread.join();
}

void EmbeddedStore::State::LookupWriterLoop() {
  pthread_setname_np(pthread_self(), "scitt-lookups");
  const size_t early = WriteEarlyAt();
  // The next back of `recent`, with room for the rows that make a write
  // early, made here: growing it on the writer's path cost the sequencer
  // rehashes.
  auto reserved = [early] {
    RecentLookups lookups;
    lookups.rows.reserve(early);
    lookups.entry_hashes.reserve(early);
    lookups.signed_contents.reserve(early);
    return lookups;
  };
  RecentLookups spare = reserved();
  std::unique_lock lock(lookups_mu);
  for (;;) {
    // Rows wait up to lookup_write_interval: the longer, the more of them
    // share each page that a write dirties (random keys). After a failure,
    // the next try waits as long (or for Recover()).
    lookups_cv.wait_for(lock, lookup_write_interval, [&] {
      return stopping || write_now || (!lookup_failure && recent_rows >= early);
    });
    write_now = false;
    if (recent_rows == 0) {
      if (stopping) return;
      continue;
    }
    if (!writing) {
      recent.push_back(std::move(spare));  // the writer adds to the new back meanwhile
      writing = true;
    }
    const RecentLookups& rows = recent.front();  // only the back changes
    const uint64_t to = covered + rows.rows.size();
    lock.unlock();
    std::unique_lock writer_lock(lookup_writer_mu);
    const Status written = WriteLookups(rows.rows, to);
    writer_lock.unlock();
    lock.lock();
    ++lookup_attempts;
    if (written.ok()) {
      if (lookup_failure) logging::Info("lookups written again", {{"covered_size", to}});
      lookup_failure.reset();
      covered = to;
      recent_rows -= rows.rows.size();
      RecentLookups done = std::move(recent.front());
      recent.pop_front();
      writing = false;
      lookups_cv.notify_all();
      lock.unlock();  // freeing the maps takes a while: not under the lock
      done = RecentLookups();
      spare = reserved();
      // Rows not moved stay in the tables, where every lookup finds them:
      // tried again after the next write.
      writer_lock.lock();
      const bool move_due = table_rows >= lookup_rows_per_run;
      Status moved = MoveRowsToRunIfDue();
      writer_lock.unlock();
      if (!moved.ok()) {
        logging::Warn("moving lookups to a run failed", {{"error", moved.message()}});
      } else if (move_due) {
        WakeRunMerger();  // merges on its own thread: appends never wait for one
      }
      lock.lock();
    } else {
      // Kept in memory and tried again: every lookup still finds them, and
      // appends go on until max_lookups_in_memory.
      if (!lookup_failure) {
        logging::Error("writing lookups failed",
                       {{"covered_size", covered}, {"in_memory", static_cast<uint64_t>(recent_rows)},
                        {"error", written.message()}});
      }
      lookup_failure = written.error();
      lookups_cv.notify_all();
      if (stopping) return;  // the next Open() recomputes them
    }
  }
}

Status EmbeddedStore::State::WriteLookups(const std::vector<LookupRow>& rows,
                                          uint64_t covered_size) {
  const std::string path = Path(kLookupFile);
  sqlite3* db = lookup_writer.get();
  SCITT_ASSIGN_OR_RETURN(Statement read, Statement::Prepare(db, kReadCoveredSql));
  SCITT_ASSIGN_OR_RETURN(const uint64_t holds, ReadCovered(read, db, path));
  if (holds == covered_size) return Status::Ok();  // a failed COMMIT that landed after all
  if (holds + rows.size() != covered_size) {
    return Io("embedded store: " + path + " covers size " + std::to_string(holds) +
              ", not " + std::to_string(covered_size - rows.size()));
  }
  // In key order, so that each page takes its keys at once.
  std::vector<std::pair<crypto::Sha256Digest, uint64_t>> by_hash, by_content;
  by_hash.reserve(rows.size());
  by_content.reserve(rows.size());
  for (const LookupRow& row : rows) {
    by_hash.emplace_back(row.entry_hash, row.index);
    by_content.emplace_back(row.signed_content, row.index);
  }
  std::sort(by_hash.begin(), by_hash.end());
  std::sort(by_content.begin(), by_content.end());
  SCITT_ASSIGN_OR_RETURN(Statement insert_hash,
                         Statement::Prepare(db, "INSERT INTO by_entry_hash(hash, idx) VALUES(?, ?)"));
  SCITT_ASSIGN_OR_RETURN(
      Statement insert_content,
      Statement::Prepare(db, "INSERT INTO by_signed_content(hash, idx) VALUES(?, ?)"));
  SCITT_ASSIGN_OR_RETURN(Statement put_covered, Statement::Prepare(db, kPutCoveredSql));
  SCITT_RETURN_IF_ERROR(lookup_writer.Exec("BEGIN IMMEDIATE"));
  auto insert = [&]() -> Status {
    for (const auto* keys : {&by_hash, &by_content}) {
      const Statement& statement = keys == &by_hash ? insert_hash : insert_content;
      for (const auto& [key, index] : *keys) {
        Query q(statement);
        q.Blob(1, key).Int(2, static_cast<int64_t>(index));
        if (q.Step() != SQLITE_DONE) {
          return SqliteError(db, "writing the lookups of entry " + std::to_string(index));
        }
      }
    }
    const std::string value = std::to_string(covered_size);
    Query q(put_covered);
    q.Text(1, value);
    if (q.Step() != SQLITE_DONE) return SqliteError(db, "recording the covered size of " + path);
    return lookup_writer.Exec("COMMIT");
  };
  Status done = insert();
  if (!done.ok() && !sqlite3_get_autocommit(db)) (void)lookup_writer.Exec("ROLLBACK");
  if (done.ok()) table_rows += rows.size();
  return done;
}

// ---------------------------------------------------------------- the runs

Result<RunList> EmbeddedStore::State::OpenRuns(sqlite3* db, bool remove_others) const {
  const std::string runs_dir = Path(kRunsDirectory);
  SCITT_ASSIGN_OR_RETURN(Statement list,
                         Statement::Prepare(db, "SELECT id, entry_hashes, signed_contents FROM runs ORDER BY id"));
  RunList out;
  std::vector<std::string> recorded;
  Query q(list);
  int rc;
  while ((rc = q.Step()) == SQLITE_ROW) {
    const auto id = static_cast<uint64_t>(q.IntAt(0));
    recorded.push_back(RunName(id));
    SCITT_ASSIGN_OR_RETURN(auto run, LookupRun::Open(runs_dir + "/" + recorded.back(), id,
                                                     static_cast<uint64_t>(q.IntAt(1)),
                                                     static_cast<uint64_t>(q.IntAt(2))));
    out.push_back(std::move(run));
  }
  if (rc != SQLITE_DONE) return SqliteError(db, "reading the runs of " + Path(kLookupFile));
  if (remove_others) {
    std::error_code ec;
    for (const auto& file : std::filesystem::directory_iterator(runs_dir, ec)) {
      const std::string name = file.path().filename().string();
      if (std::find(recorded.begin(), recorded.end(), name) == recorded.end()) {
        std::filesystem::remove(file.path(), ec);
      }
    }
  }
  return out;
}

std::optional<uint64_t> EmbeddedStore::State::FindInRuns(const RunList& runs, Lookup lookup,
                                                         const crypto::Sha256Digest& key,
                                                         std::optional<uint64_t> earliest) {
  const RunSection section = lookup == Lookup::kEntryHash ? RunSection::kEntryHashes : RunSection::kSignedContents;
  for (const auto& run : runs) {
    if (const auto found = run->Find(section, key); found && (!earliest || *found < *earliest)) earliest = found;
  }
  return earliest;
}

Status EmbeddedStore::State::MoveRowsToRunIfDue() {
  if (table_rows < lookup_rows_per_run) return Status::Ok();
  sqlite3* db = lookup_writer.get();
  SCITT_RETURN_IF_ERROR(CreateDirectories(Path(kRunsDirectory)));
  const uint64_t id = next_run_id++;
  const std::string path = Path(kRunsDirectory) + "/" + RunName(id);
  std::shared_ptr<const LookupRun> run;
  {
    SCITT_ASSIGN_OR_RETURN(Statement by_hash,
                           Statement::Prepare(db, "SELECT hash, idx FROM by_entry_hash ORDER BY hash"));
    SCITT_ASSIGN_OR_RETURN(Statement by_content,
                           Statement::Prepare(db, "SELECT hash, idx FROM by_signed_content ORDER BY hash"));
    Query hashes(by_hash), contents(by_content);
    SCITT_ASSIGN_OR_RETURN(const auto counts, WriteRun(path, RowsOf(hashes, db), RowsOf(contents, db)));
    SCITT_ASSIGN_OR_RETURN(run, LookupRun::Open(path, id, counts.first, counts.second));
  }
  std::lock_guard change(runs_change_mu);
  RunList with = *Runs();
  with.push_back(run);
  SetRuns(with);  // published before the rows go
  Status recorded = DurableTransaction(lookup_writer, [&]() -> Status {
    SCITT_RETURN_IF_ERROR(lookup_writer.Exec("DELETE FROM by_entry_hash; DELETE FROM by_signed_content"));
    return RecordRun(db, *run);
  });
  if (!recorded.ok()) {
    with.pop_back();
    SetRuns(std::move(with));
    ::unlink(path.c_str());
    return recorded;
  }
  table_rows = 0;
  return Status::Ok();
}

Status EmbeddedStore::State::MergeRunsIfDue() {
  for (;;) {
    SCITT_ASSIGN_OR_RETURN(std::optional<WrittenMerge> merge, WriteDueMerge(nullptr));
    if (!merge) return Status::Ok();
    SCITT_RETURN_IF_ERROR(RecordMerge(*merge));
  }
}

Result<std::optional<EmbeddedStore::State::WrittenMerge>> EmbeddedStore::State::WriteDueMerge(
    const std::atomic<bool>* stop) {
  constexpr size_t kFanIn = 4;
  // Only this merge changes the runs of a tier that is due: a move adds
  // runs of the lowest tier, and merges are done one at a time.
  std::map<int, RunList> by_tier;
  for (const auto& run : *Runs()) {
    by_tier[Tier(run->count(RunSection::kEntryHashes), lookup_rows_per_run)].push_back(run);
  }
  WrittenMerge merge;
  for (auto& [tier, runs] : by_tier) {
    if (runs.size() >= kFanIn) {
      merge.inputs.assign(runs.begin(), runs.begin() + kFanIn);
      break;
    }
  }
  if (merge.inputs.empty()) return std::optional<WrittenMerge>();
  if (before_run_merge) before_run_merge();
  auto stoppable = [stop](RecordSource source) -> RecordSource {
    if (stop == nullptr) return source;
    return [stop, source = std::move(source)](RunRecord& out) -> Result<bool> {
      if (stop->load(std::memory_order_relaxed)) return MakeError(ErrorCode::kUnavailable, "the store is closing");
      return source(out);
    };
  };
  const uint64_t id = next_run_id++;
  const std::string path = Path(kRunsDirectory) + "/" + RunName(id);
  SCITT_ASSIGN_OR_RETURN(const auto counts,
                         WriteRun(path, stoppable(MergedReader(merge.inputs, RunSection::kEntryHashes)),
                                  stoppable(MergedReader(merge.inputs, RunSection::kSignedContents))));
  auto merged = LookupRun::Open(path, id, counts.first, counts.second);
  if (!merged.ok()) {
    ::unlink(path.c_str());
    return merged.error();
  }
  merge.merged = std::move(*merged);
  return std::optional<WrittenMerge>(std::move(merge));
}

Status EmbeddedStore::State::RecordMerge(const WrittenMerge& merge) {
  std::lock_guard writer_lock(lookup_writer_mu);
  std::lock_guard change(runs_change_mu);
  RunList with = *Runs();  // what moves added meanwhile stays
  with.push_back(merge.merged);
  SetRuns(with);
  sqlite3* db = lookup_writer.get();
  Status recorded = DurableTransaction(lookup_writer, [&]() -> Status {
    SCITT_ASSIGN_OR_RETURN(Statement drop, Statement::Prepare(db, "DELETE FROM runs WHERE id = ?"));
    for (const auto& input : merge.inputs) {
      Query q(drop);
      q.Int(1, static_cast<int64_t>(input->id()));
      if (q.Step() != SQLITE_DONE) return SqliteError(db, "dropping run " + std::to_string(input->id()));
    }
    return RecordRun(db, *merge.merged);
  });
  if (!recorded.ok()) {
    with.pop_back();
    SetRuns(std::move(with));
    ::unlink(merge.merged->path().c_str());
    return recorded;
  }
  std::erase_if(with, [&](const auto& run) {
    return std::find(merge.inputs.begin(), merge.inputs.end(), run) != merge.inputs.end();
  });
  SetRuns(std::move(with));
  // Readers still holding a merged-away run keep its mapping.
  for (const auto& input : merge.inputs) ::unlink(input->path().c_str());
  return Status::Ok();
}

void EmbeddedStore::State::RunMergerLoop() {
  pthread_setname_np(pthread_self(), "scitt-merges");
  std::unique_lock lock(merge_mu);
  for (;;) {
    merge_cv.wait(lock, [&] { return merge_wanted || merge_stopping.load(); });
    if (merge_stopping.load()) return;
    merge_wanted = false;
    lock.unlock();
    for (;;) {
      auto written = WriteDueMerge(&merge_stopping);
      if (written.ok() && !*written) break;  // none due
      if (written.ok() && merge_stopping.load()) {
        ::unlink((*written)->merged->path().c_str());  // not recorded: the next merger writes it again
        break;
      }
      const Status done = written.ok() ? RecordMerge(**written) : Status(written.error());
      if (!done.ok()) {
        // Tried again after the next move; the runs stay as they were.
        if (!merge_stopping.load()) logging::Warn("merging lookup runs failed", {{"error", done.message()}});
        break;
      }
    }
    lock.lock();
  }
}

Status EmbeddedStore::State::CheckNewKeys(std::span<const LookupRow> rows) {
  std::vector<crypto::Sha256Digest> entry_hashes, signed_contents;
  entry_hashes.reserve(rows.size());
  signed_contents.reserve(rows.size());
  auto repeats = [](const LookupRow& row, const char* what, uint64_t earlier, const char* where) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "append: entry " + std::to_string(row.index) + " repeats the " + what +
                         " of entry " + std::to_string(earlier) + where);
  };
  // Repeats within the batch: sorted (key, position), equal neighbours.
  for (auto [key_of, what] :
       {std::pair{&LookupRow::entry_hash, "entry hash"}, {&LookupRow::signed_content, "signed content"}}) {
    std::vector<std::pair<crypto::Sha256Digest, size_t>> sorted;
    sorted.reserve(rows.size());
    for (size_t i = 0; i < rows.size(); ++i) sorted.emplace_back(rows[i].*key_of, i);
    std::sort(sorted.begin(), sorted.end());
    for (size_t i = 1; i < sorted.size(); ++i) {
      if (sorted[i].first == sorted[i - 1].first) {
        return repeats(rows[sorted[i].second], what, rows[sorted[i - 1].second].index, " of the batch");
      }
    }
  }
  for (const LookupRow& row : rows) {
    entry_hashes.push_back(row.entry_hash);
    signed_contents.push_back(row.signed_content);
  }
  SCITT_ASSIGN_OR_RETURN(auto hashes_found, FindForAppend(Lookup::kEntryHash, entry_hashes));
  SCITT_ASSIGN_OR_RETURN(auto contents_found,
                         FindForAppend(Lookup::kSignedContent, signed_contents));
  for (size_t i = 0; i < rows.size(); ++i) {
    if (hashes_found[i]) return repeats(rows[i], "entry hash", *hashes_found[i], " in the log");
    if (contents_found[i]) {
      return repeats(rows[i], "signed content", *contents_found[i], " in the log");
    }
  }
  return Status::Ok();
}

Result<std::vector<std::optional<uint64_t>>> EmbeddedStore::State::FindForAppend(
    Lookup lookup, std::span<const crypto::Sha256Digest> keys) {
  std::vector<std::optional<uint64_t>> found(keys.size());
  std::vector<size_t> look_further;
  const DigestFilter& filter =
      lookup == Lookup::kEntryHash ? entry_hash_filter : signed_content_filter;
  {
    std::lock_guard lock(lookups_mu);
    for (size_t i = 0; i < keys.size(); ++i) {
      if (!filter.MayContain(keys[i])) continue;  // in no entry
      for (const RecentLookups& generation : recent) {
        const DigestIndex& index = lookup == Lookup::kEntryHash ? generation.entry_hashes
                                                                : generation.signed_contents;
        if (auto it = index.find(keys[i]); it != index.end()) {
          found[i] = it->second;
          break;
        }
      }
      if (!found[i]) look_further.push_back(i);
    }
  }
  // Then lookup.sqlite: a row leaves `recent` only once it is there.
  const Statement& find =
      lookup == Lookup::kEntryHash ? find_entry_hash_for_append : find_signed_content_for_append;
  for (const size_t i : look_further) {
    Query q(find);
    q.Blob(1, keys[i]);
    const int rc = q.Step();
    if (rc == SQLITE_ROW) {
      found[i] = static_cast<uint64_t>(q.IntAt(0));
    } else if (rc != SQLITE_DONE) {
      return SqliteError(lookup_reader.get(), "looking up an entry to append");
    }
  }
  // Then the runs, read after the tables (Runs()).
  if (!look_further.empty()) {
    const auto runs_now = Runs();
    for (const size_t i : look_further) found[i] = FindInRuns(*runs_now, lookup, keys[i], found[i]);
  }
  return found;
}

}  // namespace scitt::storage
