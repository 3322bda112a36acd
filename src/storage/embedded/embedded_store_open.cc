// Opening an embedded store: creating and locking the directory, reading the
// committed state, cutting off what no commit covers, recomputing unsynced
// nodes, and the read-only mode that changes nothing (embedded_store.h).
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>

#include "base/file.h"
#include "base/logging.h"
#include "storage/embedded/embedded_store.h"
#include "storage/embedded/store_state.h"

namespace scitt::storage {

using namespace embedded;  // NOLINT: this file is the embedded backend

namespace {

Error InUse(const std::string& dir, const char* advice) {
  return MakeError(ErrorCode::kConflict,
                   "embedded store: " + dir + " is in use by another process" + advice);
}

}  // namespace

namespace embedded {

Result<int64_t> FormatVersion(const Connection& conn, const std::string& path) {
  SCITT_ASSIGN_OR_RETURN(Statement pragma, Statement::Prepare(conn.get(), "PRAGMA user_version"));
  Query q(pragma);
  if (q.Step() != SQLITE_ROW) return SqliteError(conn.get(), "reading the format version of " + path);
  return q.IntAt(0);
}

Error UnknownVersion(const std::string& path, int64_t version, int64_t newest) {
  return Io("embedded store: " + path + " has format version " + std::to_string(version) +
            "; this build reads version " + std::to_string(newest));
}

Result<std::string> PathForAudit(const std::string& path, const std::string& scratch, int64_t format,
                                 const std::function<Status(const std::string&)>& update) {
  const std::string copy = scratch + "/" + std::filesystem::path(path).filename().string();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    SCITT_RETURN_IF_ERROR(update(copy));
    return copy;
  }
  struct stat wal;
  bool current = !(::stat((path + "-wal").c_str(), &wal) == 0 && wal.st_size > 0);
  if (current) {
    SCITT_ASSIGN_OR_RETURN(Connection conn, Connection::OpenImmutable(path));
    SCITT_ASSIGN_OR_RETURN(const int64_t version, FormatVersion(conn, path));
    current = version == format;
  }
  if (current) return path;
  std::filesystem::copy_file(path, copy, ec);
  if (!ec && std::filesystem::exists(path + "-wal")) std::filesystem::copy_file(path + "-wal", copy + "-wal", ec);
  if (ec) return Io("embedded store: copying " + path + " to " + copy + ": " + ec.message());
  SCITT_RETURN_IF_ERROR(update(copy));
  return copy;
}

Status UseWal(const Connection& conn, const std::string& path) {
  SCITT_ASSIGN_OR_RETURN(Statement wal, Statement::Prepare(conn.get(), "PRAGMA journal_mode = WAL"));
  Query q(wal);
  if (q.Step() != SQLITE_ROW || q.TextAt(0) != "wal") {
    return SqliteError(conn.get(), "switching " + path + " to WAL mode");
  }
  return Status::Ok();
}

}  // namespace embedded

Result<std::unique_ptr<EmbeddedStore::State::Reader>> EmbeddedStore::State::OpenReader() const {
  auto reader = std::make_unique<Reader>();
  if (read_only) {
    SCITT_ASSIGN_OR_RETURN(reader->conn, Connection::OpenImmutable(index_path));
  } else {
    SCITT_ASSIGN_OR_RETURN(reader->conn, Connection::Open(index_path));
    SCITT_RETURN_IF_ERROR(reader->conn.Exec("PRAGMA query_only = 1"));
  }
  sqlite3* db = reader->conn.get();
  SCITT_ASSIGN_OR_RETURN(reader->entry,
                         Statement::Prepare(db,
                                            "SELECT hash, offset, length, registered_at, "
                                            "policy_index, collateral FROM entries WHERE idx = ?"));
  SCITT_ASSIGN_OR_RETURN(reader->entries,
                         Statement::Prepare(db,
                                            "SELECT hash, offset, length, registered_at, policy_index, "
                                            "collateral FROM entries WHERE idx >= ? AND idx < ? ORDER BY idx"));
  SCITT_ASSIGN_OR_RETURN(reader->entry_hashes, Statement::Prepare(db, kEntryHashesSql));
  SCITT_ASSIGN_OR_RETURN(reader->head_at,
                         Statement::Prepare(db, std::string("SELECT ") + kHeadColumns +
                                                    " FROM tree_heads WHERE tree_size = ?"));
  SCITT_ASSIGN_OR_RETURN(reader->size_at_or_after,
                         Statement::Prepare(db,
                                            "SELECT tree_size FROM tree_heads WHERE tree_size >= ? "
                                            "ORDER BY tree_size LIMIT 1"));
  SCITT_ASSIGN_OR_RETURN(reader->meta,
                         Statement::Prepare(db, "SELECT value FROM meta WHERE key = ?"));
  return reader;
}

Result<std::unique_ptr<EmbeddedStore>> EmbeddedStore::Open(const std::string& data_dir,
                                                          StoreOptions options) {
  std::unique_ptr<EmbeddedStore> store(new EmbeddedStore());
  store->state_ = std::make_unique<State>(data_dir, options);
  State& s = *store->state_;

  SCITT_RETURN_IF_ERROR(s.read_only ? s.OpenIndexReadOnly() : s.OpenIndexForWriting());
  uint64_t nodes_synced = 0;
  SCITT_ASSIGN_OR_RETURN(const uint64_t committed, s.LoadCommittedState(&nodes_synced));
  SCITT_RETURN_IF_ERROR(s.OpenStatements(committed));
  // Nodes: the synced ones must be there; the rest are recomputed.
  SCITT_RETURN_IF_ERROR(s.node_files.Open(committed, nodes_synced));
  if (nodes_synced < committed) {
    SCITT_RETURN_IF_ERROR(s.RebuildUnsyncedNodes(committed));
    logging::Info("rebuilt unsynced Merkle nodes", {{"from_size", nodes_synced}, {"to_size", committed}});
  }
  if (!s.read_only) {
    // lookup.sqlite may lag behind the commits it follows (format.h): the
    // duplicate check and every reader need all the entries there.
    if (s.lookup_writer.get() == nullptr) SCITT_RETURN_IF_ERROR(s.OpenLookupsForWriting());
    SCITT_RETURN_IF_ERROR(s.CatchUpLookups(committed));
    SCITT_RETURN_IF_ERROR(s.FillKeyFilters(committed));
  }

  s.size.store(committed, std::memory_order_release);
  if (!s.read_only) s.StartLookupWriter();
  return store;
}

Status EmbeddedStore::State::OpenIndexForWriting() {
  // A new directory must survive a crash with the log it will hold.
  SCITT_RETURN_IF_ERROR(CreateDirectories(Path(kNodesDirectory)));
  lock_file = Fd(::open(Path(kLockFile).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (lock_file.get() < 0) return Errno("open " + Path(kLockFile));
  // One writer per directory: a second one could otherwise append too.
  if (::flock(lock_file.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) return InUse(dir, "");
    return Errno("lock " + Path(kLockFile));
  }

  // The index: WAL so that readers never wait for the writer; FULL so that a
  // commit is on stable storage when it returns (the durability point).
  index_path = Path(kIndexFile);
  SCITT_ASSIGN_OR_RETURN(writer, Connection::Open(index_path));
  sqlite3* db = writer.get();
  SCITT_RETURN_IF_ERROR(UseWal(writer, index_path));
  SCITT_RETURN_IF_ERROR(writer.Exec("PRAGMA synchronous = FULL"));
  SCITT_ASSIGN_OR_RETURN(const int64_t version, FormatVersion(writer, index_path));
  if (version == 0) {
    SCITT_RETURN_IF_ERROR(writer.Exec("BEGIN IMMEDIATE"));
    Status created = writer.Exec(kCreateEntries);
    if (created.ok()) created = writer.Exec(kIndexSchema);
    if (!created.ok()) {
      (void)writer.Exec("ROLLBACK");
      return created.error();
    }
    SCITT_RETURN_IF_ERROR(writer.Exec("COMMIT"));
  } else if (version > kFormatVersion) {
    return UnknownVersion(index_path, version, kFormatVersion);
  }
  SCITT_ASSIGN_OR_RETURN(
      durable_size, Statement::Prepare(db, "SELECT COALESCE(MAX(tree_size), 0) FROM tree_heads"));
  if (version == 1 || version == 2) SCITT_RETURN_IF_ERROR(UpgradeToVersion3(version));
  else if (version != 0 && version != kFormatVersion) return UnknownVersion(index_path, version, kFormatVersion);
  format_version = kFormatVersion;

  SCITT_ASSIGN_OR_RETURN(begin, Statement::Prepare(db, "BEGIN IMMEDIATE"));
  SCITT_ASSIGN_OR_RETURN(commit, Statement::Prepare(db, "COMMIT"));
  SCITT_ASSIGN_OR_RETURN(rollback, Statement::Prepare(db, "ROLLBACK"));
  SCITT_ASSIGN_OR_RETURN(
      insert_entry,
      Statement::Prepare(db,
                         "INSERT INTO entries(idx, hash, offset, length, registered_at, "
                         "policy_index, collateral) VALUES(?, ?, ?, ?, ?, ?, ?)"));
  SCITT_ASSIGN_OR_RETURN(
      insert_head, Statement::Prepare(db, std::string("INSERT INTO tree_heads(") + kHeadColumns +
                                              ") VALUES(?, ?, ?, ?, ?, ?)"));
  SCITT_ASSIGN_OR_RETURN(
      put_meta, Statement::Prepare(db,
                                   "INSERT INTO meta(key, value) VALUES(?, ?) "
                                   "ON CONFLICT(key) DO UPDATE SET value = excluded.value"));
  return Status::Ok();
}

Status EmbeddedStore::State::OpenIndexReadOnly() {
  // An auditor must never change what it audits: nothing here creates,
  // writes, truncates or locks for writing anything in the directory.
  auto no_log = [&](const std::string& why) {
    return NotFound(dir + " holds no scitt log (" + why + ")");
  };
  std::error_code ec;
  if (!std::filesystem::exists(Path(kIndexFile), ec)) return no_log("no index.sqlite");
  lock_file = Fd(::open(Path(kLockFile).c_str(), O_RDONLY | O_CLOEXEC));
  if (lock_file.get() < 0) {
    if (errno == ENOENT) return no_log("no LOCK file");
    return Errno("open " + Path(kLockFile));
  }
  // Shared: other readers may read along, a writer may not start meanwhile.
  if (::flock(lock_file.get(), LOCK_SH | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) return InUse(dir, " (stop the service to read its data directory)");
    return Errno("lock " + Path(kLockFile));
  }

  // SQLite cannot read a WAL database read-only without writing: a plain
  // read-only open (mode=ro) creates the -wal and -shm files when they are
  // missing and writes the wal-index into -shm whenever the process may
  // (always as root); immutable=1 writes nothing but ignores the -wal file.
  // So:
  // - no -wal file, or an empty one (the service stopped cleanly: closing
  //   checkpointed everything into index.sqlite): index.sqlite alone is the
  //   committed state, read with immutable=1. Sound because the shared lock
  //   above keeps every scitt writer out while we read.
  // - a -wal file with frames (the service was killed, or the machine lost
  //   power): committed batches may live only there. index.sqlite and its WAL
  //   are copied into a private temporary directory, SQLite recovers and
  //   checkpoints the copy there, and the copy is read with immutable=1. The
  //   originals are only read.
  index_path = Path(kIndexFile);
  struct stat wal;
  if (::stat((index_path + "-wal").c_str(), &wal) == 0 && wal.st_size > 0) {
    SCITT_ASSIGN_OR_RETURN(index_path, PrivateCopyOf(kIndexFile));
  }

  SCITT_ASSIGN_OR_RETURN(Connection conn, Connection::OpenImmutable(index_path));
  SCITT_ASSIGN_OR_RETURN(const int64_t version, FormatVersion(conn, index_path));
  if (version == 0) return no_log("index.sqlite is empty");
  // An older format is read as it is: upgrading would write.
  if (version < 1 || version > kFormatVersion) return UnknownVersion(Path(kIndexFile), version, kFormatVersion);
  format_version = version;
  return Status::Ok();
}

Result<std::string> EmbeddedStore::State::PrivateCopyOf(const std::string& name) {
  std::error_code ec;
  if (private_copy.dir.empty()) {
    std::string pattern =
        (std::filesystem::temp_directory_path(ec) / "scitt-index-XXXXXX").string();
    if (ec || ::mkdtemp(pattern.data()) == nullptr) {
      return Io("embedded store: creating a private copy of " + Path(name) +
                " (its WAL holds committed transactions): " +
                (ec ? ec.message() : std::strerror(errno)));
    }
    private_copy.dir = pattern;
  }
  const std::string original = Path(name);
  const std::string copy = private_copy.dir + "/" + name;
  std::filesystem::copy_file(original, copy, ec);
  if (!ec) std::filesystem::copy_file(original + "-wal", copy + "-wal", ec);
  if (ec) return Io("embedded store: copying " + original + " to " + copy + ": " + ec.message());
  SCITT_ASSIGN_OR_RETURN(Connection recovering, Connection::Open(copy));
  SCITT_RETURN_IF_ERROR(recovering.Exec("PRAGMA wal_checkpoint(TRUNCATE)"));
  return copy;
}

Result<uint64_t> EmbeddedStore::State::LoadCommittedState(uint64_t* nodes_synced) {
  SCITT_ASSIGN_OR_RETURN(auto reader, readers.Borrow());
  sqlite3* db = reader->conn.get();
  // The committed state is what SQLite says: the latest tree head, whose
  // entries rows were committed in the same transaction.
  uint64_t committed = 0;
  {
    SCITT_ASSIGN_OR_RETURN(
        Statement query,
        Statement::Prepare(db, std::string("SELECT ") + kHeadColumns +
                                   " FROM tree_heads ORDER BY tree_size DESC LIMIT 1"));
    Query q(query);
    const int rc = q.Step();
    if (rc == SQLITE_ROW) {
      SCITT_ASSIGN_OR_RETURN(latest, HeadFromRow(q));
      committed = latest->tree_size;
    } else if (rc != SQLITE_DONE) {
      return SqliteError(db, "reading the latest tree head");
    }
  }
  {
    SCITT_ASSIGN_OR_RETURN(
        Statement last,
        Statement::Prepare(db,
                           "SELECT idx, offset + length FROM entries ORDER BY idx DESC LIMIT 1"));
    Query q(last);
    const int rc = q.Step();
    const uint64_t entries = rc == SQLITE_ROW ? static_cast<uint64_t>(q.IntAt(0)) + 1 : 0;
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return SqliteError(db, "reading the last entry");
    if (entries != committed) {
      return Io("embedded store: " + Path(kIndexFile) + " holds " + std::to_string(entries) +
                " entries but its latest tree head has size " + std::to_string(committed) +
                "; refusing to open");
    }
    if (rc == SQLITE_ROW) statements_end = static_cast<uint64_t>(q.IntAt(1));
  }
  // A store without the meta row synced its nodes with every batch (older builds).
  *nodes_synced = committed;
  Query q(reader->meta);
  q.Text(1, kNodesSyncedKey);
  const int rc = q.Step();
  if (rc == SQLITE_ROW) {
    *nodes_synced = std::min<uint64_t>(committed, std::strtoull(q.TextAt(0).c_str(), nullptr, 10));
  } else if (rc != SQLITE_DONE) {
    return SqliteError(db, "reading meta " + std::string(kNodesSyncedKey));
  }
  return committed;
}

Status EmbeddedStore::State::OpenStatements(uint64_t committed) {
  const std::string path = Path(kStatementsFile);
  if (read_only) {
    statements = Fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    // An empty log may not have its statements file yet.
    if (statements.get() < 0 && errno == ENOENT && statements_end == 0) return Status::Ok();
  } else {
    statements =
        Fd(::open(path.c_str(), O_RDWR | O_CLOEXEC | (committed == 0 ? O_CREAT : 0), 0644));
  }
  if (statements.get() < 0) return Errno("open " + path);
  // New files (statements, index.sqlite, LOCK) must survive a crash too.
  if (!read_only && committed == 0) SCITT_RETURN_IF_ERROR(SyncDirectory(dir));
  // Bytes of a batch that never committed: never acknowledged, so dropped.
  return TrimToDurable(statements.get(), statements_end, path, committed, read_only,
                       "discarded uncommitted bytes");
}

Status EmbeddedStore::State::RebuildUnsyncedNodes(uint64_t committed) {
  const uint64_t synced = node_files.synced();
  std::vector<crypto::Sha256Digest> hashes;
  {
    SCITT_ASSIGN_OR_RETURN(auto reader, readers.Borrow());
    SCITT_ASSIGN_OR_RETURN(hashes, ReadEntryHashes(reader->entry_hashes, reader->conn.get(),
                                                   synced, committed - synced));
  }
  SCITT_RETURN_IF_ERROR(node_files.Rebuild(committed, hashes));
  return read_only ? Status::Ok() : RecordNodesSynced(committed);
}

}  // namespace scitt::storage
