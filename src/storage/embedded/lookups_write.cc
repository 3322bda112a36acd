// The embedded store's lookups by entry hash and by signed content
// (format.h), written: lookups/ (lookup_db.h), derived from the entries and
// kept out of the synced commit, and the in-memory index of the entries it
// does not hold yet. Opening, catching up and upgrading; the lookup writer
// thread; the writer's duplicate checks. The reads are in lookups_read.cc.
#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>

#include "base/logging.h"
#include "storage/embedded/embedded_store.h"
#include "storage/embedded/lookups_internal.h"
#include "storage/embedded/store_state.h"

namespace scitt::storage {

using namespace embedded;  // NOLINT: this file is the embedded backend

namespace {

// Entries per lookups/ write while catching up: the covered size moves
// chunk by chunk, so a crash keeps what was done.
constexpr uint64_t kCatchUpChunk = 1 << 16;

void RemoveOlderLookupFile(const std::string& path) {
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix, ec);
}

}  // namespace

// ---------------------------------------------------------------- writing

Status EmbeddedStore::State::OpenLookupsForWriting() {
  const std::string path = Path(kLookupDirectory);
  lookup_db.reset();
  auto open = [&]() -> Result<uint64_t> {
    SCITT_ASSIGN_OR_RETURN(lookup_db, LookupDb::Open(path));
    return lookup_db->Covered();
  };
  Result<uint64_t> opened = open();
  if (!opened.ok()) {
    // Derived data: rebuilt from the entries rather than refused.
    logging::Warn("rebuilding lookups", {{"dir", path}, {"reason", opened.error().message}});
    lookup_db.reset();
    SCITT_RETURN_IF_ERROR(LookupDb::Destroy(path));
    opened = open();
    if (!opened.ok()) return opened.error();
  }
  covered = *opened;
  recent.assign(1, RecentLookups());
  return Status::Ok();
}

Status EmbeddedStore::State::MoveOlderLookupFile(uint64_t committed) {
  const std::string older = Path(kOlderLookupFile);
  std::error_code ec;
  if (!std::filesystem::exists(older, ec)) return Status::Ok();
  if (covered == 0) {
    // Its rows in key order, in writes of kCatchUpChunk; what cannot be read
    // is recomputed from the entries instead (CatchUpLookups).
    auto move = [&]() -> Status {
      SCITT_ASSIGN_OR_RETURN(Connection conn, Connection::Open(older));
      SCITT_RETURN_IF_ERROR(conn.Exec("PRAGMA query_only = 1"));
      SCITT_ASSIGN_OR_RETURN(const int64_t version, FormatVersion(conn, older));
      if (version != 3) return UnknownVersion(older, version);
      SCITT_ASSIGN_OR_RETURN(Statement read_covered, Statement::Prepare(conn.get(), kReadCoveredSql));
      SCITT_RETURN_IF_ERROR(conn.Exec("BEGIN"));
      auto copy = [&]() -> Status {
        SCITT_ASSIGN_OR_RETURN(const uint64_t older_covered, ReadCovered(read_covered, conn.get(), older));
        const uint64_t to = std::min(older_covered, committed);
        std::vector<LookupDb::Row> rows;
        for (auto [lookup, table] : {std::pair{Lookup::kEntryHash, "by_entry_hash"},
                                     {Lookup::kSignedContent, "by_signed_content"}}) {
          SCITT_ASSIGN_OR_RETURN(
              Statement scan,
              Statement::Prepare(conn.get(), std::string("SELECT hash, idx FROM ") + table + " WHERE idx < ?"));
          Query q(scan);
          q.Int(1, static_cast<int64_t>(to));
          int rc;
          while ((rc = q.Step()) == SQLITE_ROW) {
            const auto index = static_cast<uint64_t>(q.IntAt(1));
            SCITT_ASSIGN_OR_RETURN(const crypto::Sha256Digest key, DigestAt(q, 0, index));
            rows.push_back({lookup, key, index});
            if (rows.size() == kCatchUpChunk) {
              SCITT_RETURN_IF_ERROR(lookup_db->Write(rows, 0));
              rows.clear();
            }
          }
          if (rc != SQLITE_DONE) return SqliteError(conn.get(), "reading " + older);
        }
        // The covered size last: until then the rows count for nothing.
        SCITT_RETURN_IF_ERROR(lookup_db->Write(rows, to));
        covered = to;
        return Status::Ok();
      };
      Status copied = copy();
      (void)conn.Exec("COMMIT");
      return copied;
    };
    logging::Info("moving lookups", {{"from", older}, {"to", Path(kLookupDirectory)}});
    if (Status moved = move(); !moved.ok()) {
      logging::Warn("rebuilding lookups", {{"dir", Path(kLookupDirectory)}, {"reason", moved.message()}});
      SCITT_RETURN_IF_ERROR(OpenLookupsForWriting());
      if (covered != 0) return Io("embedded store: " + Path(kLookupDirectory) + " is not new");
    }
  }
  RemoveOlderLookupFile(older);
  return Status::Ok();
}

Status EmbeddedStore::State::CatchUpLookups(uint64_t committed, bool signed_contents_copied) {
  if (covered == committed) return Status::Ok();
  const std::string path = Path(kLookupDirectory);
  const bool compute = !signed_contents_copied;
  if (covered < committed && compute && !signed_content_of) {
    return MakeError(ErrorCode::kUnsupported,
                     "embedded store: " + path + " holds the lookups of the entries up to size " +
                         std::to_string(covered) + " of " + std::to_string(committed) +
                         "; this opener cannot compute the signed contents of the rest to catch "
                         "it up (scitt serve does, at start)");
  }
  if (covered > committed) {
    // Never written so (its writes follow index.sqlite's commits), unless
    // index.sqlite was replaced by an older copy: the rows beyond the log
    // name nothing.
    logging::Warn("lookups beyond the log dropped",
                  {{"dir", path}, {"covered_size", covered}, {"tree_size", committed}});
    SCITT_RETURN_IF_ERROR(lookup_db->CutBackTo(committed));
    covered = committed;
    return Status::Ok();
  }

  if (covered == 0) {
    logging::Warn("rebuilding lookups", {{"dir", path}, {"to_size", committed}});
  } else {
    logging::Info("catching up lookups", {{"dir", path}, {"from_size", covered}, {"to_size", committed}});
  }
  // Statements are read at their committed offsets only.
  Fd statements_file;
  if (compute) {
    statements_file = Fd(::open(Path(kStatementsFile).c_str(), O_RDONLY | O_CLOEXEC));
    if (statements_file.get() < 0) return Errno("open " + Path(kStatementsFile));
  }
  SCITT_ASSIGN_OR_RETURN(Statement entries, Statement::Prepare(writer.get(), kEntryKeysSql));
  Bytes statement;
  std::vector<LookupDb::Row> rows;
  DigestIndex chunk_contents;  // the signed contents of the chunk so far
  while (covered < committed) {
    const uint64_t end = std::min(committed, covered + kCatchUpChunk);
    rows.clear();
    chunk_contents.clear();
    Query entry_rows(entries);
    entry_rows.Int(1, static_cast<int64_t>(covered)).Int(2, static_cast<int64_t>(end));
    uint64_t next = covered;
    int rc;
    while ((rc = entry_rows.Step()) == SQLITE_ROW) {
      const uint64_t index = static_cast<uint64_t>(entry_rows.IntAt(0));
      if (index != next) return Io("embedded store: entry " + std::to_string(next) + " is missing");
      ++next;
      SCITT_ASSIGN_OR_RETURN(const crypto::Sha256Digest entry_hash, DigestAt(entry_rows, 1, index));
      rows.push_back({Lookup::kEntryHash, entry_hash, index});
      if (!compute) continue;
      statement.resize(static_cast<size_t>(entry_rows.IntAt(3)));
      SCITT_RETURN_IF_ERROR(ReadAt(statements_file.get(), statement.data(), statement.size(),
                                   static_cast<uint64_t>(entry_rows.IntAt(2)),
                                   [&] { return Path(kStatementsFile); }));
      auto signed_content = signed_content_of(statement);
      if (!signed_content.ok()) {
        return Io("entry " + std::to_string(index) + ": " + signed_content.error().message);
      }
      // The earliest entry keeps a signed content that later ones repeat
      // (format 1 let duplicates in).
      if (!chunk_contents.emplace(*signed_content, index).second) continue;
      SCITT_ASSIGN_OR_RETURN(const std::optional<uint64_t> earlier,
                             lookup_db->Find(Lookup::kSignedContent, *signed_content));
      if (earlier && *earlier < index) continue;
      rows.push_back({Lookup::kSignedContent, *signed_content, index});
    }
    if (rc != SQLITE_DONE) return SqliteError(writer.get(), "reading the entries");
    if (next != end) return Io("embedded store: entry " + std::to_string(next) + " is missing");
    SCITT_RETURN_IF_ERROR(lookup_db->Write(rows, end));
    covered = end;
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
  // lookups/ first, from scratch (whatever is there predates the upgrade);
  // index.sqlite keeps its old format until it is complete.
  auto build = [&]() -> Status {
    lookup_db.reset();
    SCITT_RETURN_IF_ERROR(LookupDb::Destroy(Path(kLookupDirectory)));
    RemoveOlderLookupFile(Path(kOlderLookupFile));
    SCITT_RETURN_IF_ERROR(OpenLookupsForWriting());
    if (version >= kFirstSignedContentVersion) {
      // Format 2 recorded the signed contents: copied as they are, with
      // covered size 0 until CatchUpLookups has the entry hashes too.
      SCITT_ASSIGN_OR_RETURN(
          Statement recorded,
          Statement::Prepare(db, "SELECT hash, idx FROM signed_contents WHERE idx < ?"));
      Query q(recorded);
      q.Int(1, static_cast<int64_t>(committed));
      std::vector<LookupDb::Row> rows;
      int rc;
      while ((rc = q.Step()) == SQLITE_ROW) {
        const auto index = static_cast<uint64_t>(q.IntAt(1));
        SCITT_ASSIGN_OR_RETURN(const crypto::Sha256Digest key, DigestAt(q, 0, index));
        rows.push_back({Lookup::kSignedContent, key, index});
        if (rows.size() == kCatchUpChunk) {
          SCITT_RETURN_IF_ERROR(lookup_db->Write(rows, 0));
          rows.clear();
        }
      }
      if (rc != SQLITE_DONE) return SqliteError(db, "reading the signed contents");
      SCITT_RETURN_IF_ERROR(lookup_db->Write(rows, 0));
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
  SCITT_ASSIGN_OR_RETURN(const LookupDb::Counts counts,
                         lookup_db->Scan([&](Lookup lookup, const crypto::Sha256Digest& key, uint64_t) {
                           (lookup == Lookup::kEntryHash ? entry_hash_filter : signed_content_filter).Add(key);
                         }));
  (void)counts;
  return Status::Ok();
}

// ---------------------------------------------------------------- the lookup writer

void EmbeddedStore::State::StartLookupWriter() {
  lookup_thread = std::thread([this] { LookupWriterLoop(); });
}

void EmbeddedStore::State::StopLookupWriter() {
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
    // Rows wait up to lookup_write_interval: fewer, larger writes. After a
    // failure, the next try waits as long (or for Recover()).
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
    const bool reopen = lookup_failure.has_value();
    lock.unlock();
    Status written = reopen ? ReopenLookups() : Status::Ok();
    if (written.ok()) written = WriteLookups(rows.rows, to);
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
      lock.lock();
    } else {
      // Kept in memory and tried again (lookups/ reopened first): every
      // lookup of them still finds them, and appends go on until
      // max_lookups_in_memory.
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

Status EmbeddedStore::State::ReopenLookups() {
  std::unique_lock lock(lookup_db_mu);
  lookup_db.reset();
  auto reopened = LookupDb::Open(Path(kLookupDirectory));
  if (!reopened.ok()) {
    lookup_db_closed = reopened.error().message;
    return reopened.error();
  }
  lookup_db = std::move(*reopened);
  return Status::Ok();
}

Result<LookupDb*> EmbeddedStore::State::OpenLookupDb() const {
  if (lookup_db == nullptr) {
    return Io("embedded store: " + Path(kLookupDirectory) + " failed a write and could not be opened again: " +
              lookup_db_closed);
  }
  return lookup_db.get();
}

Status EmbeddedStore::State::WriteLookups(const std::vector<LookupRow>& rows,
                                          uint64_t covered_size) {
  std::shared_lock lock(lookup_db_mu);
  SCITT_ASSIGN_OR_RETURN(LookupDb* const db, OpenLookupDb());
  SCITT_ASSIGN_OR_RETURN(const uint64_t holds, db->Covered());
  if (holds == covered_size) return Status::Ok();  // a failed write that landed after all
  if (holds + rows.size() != covered_size) {
    return Io("embedded store: " + Path(kLookupDirectory) + " covers size " + std::to_string(holds) +
              ", not " + std::to_string(covered_size - rows.size()));
  }
  std::vector<LookupDb::Row> keys;
  keys.reserve(2 * rows.size());
  for (const LookupRow& row : rows) {
    keys.push_back({Lookup::kEntryHash, row.entry_hash, row.index});
    keys.push_back({Lookup::kSignedContent, row.signed_content, row.index});
  }
  return db->Write(keys, covered_size);
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
  // Then lookups/: a row leaves `recent` only once it is there.
  if (look_further.empty()) return found;
  std::shared_lock lock(lookup_db_mu);
  SCITT_ASSIGN_OR_RETURN(LookupDb* const db, OpenLookupDb());
  for (const size_t i : look_further) {
    SCITT_ASSIGN_OR_RETURN(found[i], db->Find(lookup, keys[i]));
  }
  return found;
}

}  // namespace scitt::storage
