// The embedded store's lookups by entry hash and by signed content
// (format.h), read: the in-memory index of the newest entries first, then
// lookup.sqlite; a read-only store indexes in memory what lookup.sqlite
// lacks. Written by lookups_write.cc.
#include <sys/stat.h>

#include <algorithm>
#include <cstring>

#include "storage/embedded/embedded_store.h"
#include "storage/embedded/lookups_internal.h"
#include "storage/embedded/store_state.h"

namespace scitt::storage {

using namespace embedded;  // NOLINT: this file is the embedded backend

// ---------------------------------------------------------------- reading

Status EmbeddedStore::State::LoadReadOnlyLookups() {
  std::call_once(read_only_lookups_loaded, [this] {
    read_only_lookups_status = [this]() -> Status {
      const uint64_t committed = size.load(std::memory_order_acquire);
      // lookup.sqlite as last committed, read like index.sqlite
      // (OpenIndexReadOnly). Derived data: what cannot be read is recomputed
      // here, in memory, instead of refusing.
      auto stored = [&]() -> Result<uint64_t> {
        std::string path = Path(kLookupFile);
        struct stat st;
        if (::stat(path.c_str(), &st) != 0) return NotFound(path + " is missing");
        if (::stat((path + "-wal").c_str(), &st) == 0 && st.st_size > 0) {
          SCITT_ASSIGN_OR_RETURN(path, PrivateCopyOf(kLookupFile));
        }
        SCITT_ASSIGN_OR_RETURN(Connection conn, Connection::OpenImmutable(path));
        SCITT_ASSIGN_OR_RETURN(const int64_t version, FormatVersion(conn, path));
        if (version != kLookupFormatVersion && version != kFirstLookupFileVersion) {
          return UnknownVersion(path, version, kLookupFormatVersion);
        }
        SCITT_ASSIGN_OR_RETURN(Statement query, Statement::Prepare(conn.get(), kReadCoveredSql));
        SCITT_ASSIGN_OR_RETURN(const uint64_t covered_size, ReadCovered(query, conn.get(), path));
        // Its runs as it records them (no writer can move them meanwhile:
        // LOCK); a missing or damaged one makes none of it used.
        if (version == kLookupFormatVersion) {
          SCITT_ASSIGN_OR_RETURN(RunList opened, OpenRuns(conn.get(), /*remove_others=*/false));
          SetRuns(std::move(opened));
        }
        read_only_lookup_path = path;
        return std::min(covered_size, committed);
      }();
      std::lock_guard lock(lookups_mu);  // constant once this returns
      covered = stored.ok() ? *stored : 0;
      recent.assign(1, RecentLookups());
      if (covered == committed) return Status::Ok();

      // The entries [covered, committed), indexed in memory.
      if (!signed_content_of) {
        read_only_signed_unknown = MakeError(
            ErrorCode::kUnsupported,
            "embedded store: " + Path(kLookupFile) + " holds the lookups of the entries up to size " +
                std::to_string(covered) + " of " + std::to_string(committed) +
                ", and this reader cannot compute the signed contents of the rest");
      }
      SCITT_ASSIGN_OR_RETURN(auto reader, readers.Borrow());
      SCITT_ASSIGN_OR_RETURN(Statement entries, Statement::Prepare(reader->conn.get(), kEntryKeysSql));
      Query rows(entries);
      rows.Int(1, static_cast<int64_t>(covered)).Int(2, static_cast<int64_t>(committed));
      Bytes statement;
      int rc;
      while ((rc = rows.Step()) == SQLITE_ROW) {
        LookupRow row;
        row.index = static_cast<uint64_t>(rows.IntAt(0));
        SCITT_ASSIGN_OR_RETURN(row.entry_hash, DigestAt(rows, 1, row.index));
        if (!read_only_signed_unknown) {
          statement.resize(static_cast<size_t>(rows.IntAt(3)));
          SCITT_RETURN_IF_ERROR(ReadAt(statements.get(), statement.data(), statement.size(),
                                       static_cast<uint64_t>(rows.IntAt(2)),
                                       [&] { return Path(kStatementsFile); }));
          auto signed_content = signed_content_of(statement);
          if (signed_content.ok()) {
            row.signed_content = *signed_content;
          } else {
            read_only_signed_unknown =
                Io("embedded store: the signed content of entry " + std::to_string(row.index) +
                   ": " + signed_content.error().message);
          }
        }
        recent.front().Add(row);
      }
      if (rc != SQLITE_DONE) return SqliteError(reader->conn.get(), "reading the entries");
      if (read_only_signed_unknown) recent.front().signed_contents.clear();
      return Status::Ok();
    }();
  });
  return read_only_lookups_status;
}

Status EmbeddedStore::State::PrepareLookups(Reader& reader) const {
  if (reader.lookups_prepared) return Status::Ok();
  sqlite3* db = reader.conn.get();
  // Formats 1 and 2, read as they are: the lookups are in index.sqlite.
  std::string by_hash = "entries";
  std::string by_content = format_version >= kFirstSignedContentVersion ? "signed_contents" : "";
  if (format_version >= kFirstLookupFileVersion) {
    const std::string& path = read_only ? read_only_lookup_path : Path(kLookupFile);
    if (path.empty()) {  // read-only without a usable lookup.sqlite: all in `recent`
      reader.lookups_prepared = true;
      return Status::Ok();
    }
    if (read_only) {
      SCITT_ASSIGN_OR_RETURN(reader.lookup_conn, Connection::OpenImmutable(path));
    } else {
      SCITT_ASSIGN_OR_RETURN(reader.lookup_conn, Connection::Open(path));
      SCITT_RETURN_IF_ERROR(reader.lookup_conn.Exec("PRAGMA query_only = 1"));
    }
    db = reader.lookup_conn.get();
    by_hash = "by_entry_hash";
    by_content = "by_signed_content";
  }
  SCITT_ASSIGN_OR_RETURN(reader.find,
                         Statement::Prepare(db, "SELECT idx FROM " + by_hash + " WHERE hash = ?"));
  SCITT_ASSIGN_OR_RETURN(reader.count_entry_hashes,
                         Statement::Prepare(db, "SELECT COUNT(*) FROM " + by_hash));
  if (!by_content.empty()) {
    SCITT_ASSIGN_OR_RETURN(reader.find_signed, Statement::Prepare(db, "SELECT idx FROM " + by_content +
                                                                          " WHERE hash = ?"));
    SCITT_ASSIGN_OR_RETURN(reader.count_signed,
                           Statement::Prepare(db, "SELECT COUNT(*) FROM " + by_content));
  }
  if (reader.lookup_conn.get() != nullptr) {
    SCITT_ASSIGN_OR_RETURN(reader.read_covered, Statement::Prepare(db, kReadCoveredSql));
  }
  reader.lookups_prepared = true;
  return Status::Ok();
}

Result<std::optional<uint64_t>> EmbeddedStore::State::Find(Lookup lookup,
                                                           const crypto::Sha256Digest& key) {
  const uint64_t committed = size.load(std::memory_order_acquire);
  const bool separate = format_version >= kFirstLookupFileVersion;  // lookup.sqlite
  if (read_only && separate) SCITT_RETURN_IF_ERROR(LoadReadOnlyLookups());
  uint64_t stored_below = committed;  // lookup.sqlite rows that count
  if (separate) {
    // `recent` first (see lookups_mu).
    std::lock_guard lock(lookups_mu);
    for (const RecentLookups& generation : recent) {
      const DigestIndex& index =
          lookup == Lookup::kEntryHash ? generation.entry_hashes : generation.signed_contents;
      if (auto it = index.find(key); it != index.end()) {
        // A row added a moment ago is not part of the log until size() says so.
        if (it->second < committed) return std::optional<uint64_t>(it->second);
        return std::optional<uint64_t>();
      }
    }
    if (read_only) stored_below = std::min(covered, committed);
  }
  SCITT_ASSIGN_OR_RETURN(auto reader, readers.Borrow());
  SCITT_RETURN_IF_ERROR(PrepareLookups(*reader));
  const Statement& find = lookup == Lookup::kEntryHash ? reader->find : reader->find_signed;
  std::optional<uint64_t> stored;
  if (find.get() != nullptr) {
    Query q(find);
    q.Blob(1, key);
    const int rc = q.Step();
    if (rc == SQLITE_ROW) {
      stored = static_cast<uint64_t>(q.IntAt(0));
    } else if (rc != SQLITE_DONE) {
      return SqliteError(sqlite3_db_handle(find.get()), "looking up an entry");
    }
  }
  stored = FindInRuns(*Runs(), lookup, key, stored);  // then the runs, read after the tables (Runs())
  if (stored && *stored < stored_below) return stored;
  // Read-only: not in lookup.sqlite, and `recent` cannot say.
  if (lookup == Lookup::kSignedContent && read_only_signed_unknown && stored_below < committed) {
    return *read_only_signed_unknown;
  }
  return std::optional<uint64_t>();
}

Result<std::optional<uint64_t>> EmbeddedStore::FindEntry(
    const crypto::Sha256Digest& entry_hash) const {
  return state_->Find(Lookup::kEntryHash, entry_hash);
}

Result<std::optional<uint64_t>> EmbeddedStore::FindSignedContent(
    const crypto::Sha256Digest& signed_content) const {
  if (state_->format_version < kFirstSignedContentVersion) {
    return MakeError(ErrorCode::kUnsupported,
                     "embedded store: " + state_->dir +
                         " has format version 1, which records no signed contents (opening it "
                         "read-write upgrades it)");
  }
  return state_->Find(Lookup::kSignedContent, signed_content);
}

Result<std::vector<std::optional<uint64_t>>> EmbeddedStore::FindEntriesToAppend(
    std::span<const crypto::Sha256Digest> signed_contents) const {
  State& s = *state_;
  if (s.read_only) return s.ReadOnly("looking up entries to append");
  std::lock_guard write_lock(s.write_mu);
  return s.FindForAppend(Lookup::kSignedContent, signed_contents);
}

Result<log::LookupCounts> EmbeddedStore::CountLookups() const {
  State& s = *state_;
  const uint64_t committed = size();
  if (s.read_only && s.format_version >= kFirstLookupFileVersion) {
    SCITT_RETURN_IF_ERROR(s.LoadReadOnlyLookups());
  }
  SCITT_ASSIGN_OR_RETURN(auto reader, s.readers.Borrow());
  SCITT_RETURN_IF_ERROR(s.PrepareLookups(*reader));
  std::lock_guard no_move(s.runs_change_mu);  // no row counted in a table and a run
  log::LookupCounts counts;
  // Formats 1 and 2 read as they are: the lookups are the entries'.
  counts.covered = s.format_version >= kFirstLookupFileVersion ? 0 : committed;
  sqlite3* db = reader->lookup_conn.get();
  if (db == nullptr) db = reader->conn.get();
  // Every key, whatever entry it names, and the covered size they go with,
  // in one read transaction.
  SCITT_RETURN_IF_ERROR(reader->lookup_conn.get() != nullptr ? reader->lookup_conn.Exec("BEGIN")
                                                             : Status::Ok());
  auto count = [&]() -> Status {
    if (reader->read_covered.get() != nullptr) {
      SCITT_ASSIGN_OR_RETURN(const uint64_t covered_size,
                             ReadCovered(reader->read_covered, db, s.Path(kLookupFile)));
      counts.covered = std::min(covered_size, committed);
    }
    for (auto [query, out] : {std::pair{&reader->count_entry_hashes, &counts.entry_hashes},
                              {&reader->count_signed, &counts.signed_contents}}) {
      if (query->get() == nullptr) continue;
      Query q(*query);
      if (q.Step() != SQLITE_ROW) return SqliteError(db, "counting lookups");
      *out = static_cast<uint64_t>(q.IntAt(0));
    }
    return Status::Ok();
  };
  Status counted = count();
  if (reader->lookup_conn.get() != nullptr) (void)reader->lookup_conn.Exec("COMMIT");
  SCITT_RETURN_IF_ERROR(counted);
  for (const auto& run : *s.Runs()) {
    counts.entry_hashes += run->count(RunSection::kEntryHashes);
    counts.signed_contents += run->count(RunSection::kSignedContents);
  }
  return counts;
}

}  // namespace scitt::storage
