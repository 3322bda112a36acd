#include "storage/embedded/small_blobs.h"

#include "storage/embedded/store_state.h"

namespace scitt::storage::embedded {

using registry::Digest;

Result<std::unique_ptr<SmallBlobs>> SmallBlobs::Open(const std::string& path) {
  SCITT_ASSIGN_OR_RETURN(Connection db, Connection::Open(path));
  // One process writes it (the service; offline tools refuse while it
  // runs): no file locks per transaction, and no shared-memory index.
  SCITT_RETURN_IF_ERROR(db.Exec("PRAGMA locking_mode = EXCLUSIVE"));
  SCITT_RETURN_IF_ERROR(UseWal(db, path));
  SCITT_RETURN_IF_ERROR(db.Exec("PRAGMA synchronous = NORMAL"));  // durability: WalGroupSync
  SCITT_ASSIGN_OR_RETURN(const int64_t version, FormatVersion(db, path));
  if (version == 0) {
    SCITT_RETURN_IF_ERROR(db.Exec(
        "CREATE TABLE IF NOT EXISTS small_blobs(digest TEXT PRIMARY KEY, content BLOB NOT NULL) WITHOUT ROWID;"
        "PRAGMA user_version = 1;"));
  } else if (version != 1) {
    return UnknownVersion(path, version);
  }
  return std::unique_ptr<SmallBlobs>(new SmallBlobs(std::move(db), path + "-wal"));
}

Result<const Statement*> SmallBlobs::Sql(const char* sql) const {
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    SCITT_ASSIGN_OR_RETURN(Statement prepared, Statement::Prepare(db_.get(), sql));
    it = statements_.emplace(sql, std::move(prepared)).first;
  }
  return &it->second;
}

Status SmallBlobs::Put(const Digest& digest, ByteView content) {
  const std::pair<Digest, ByteView> one{digest, content};
  return PutAll(std::span(&one, 1));
}

Status SmallBlobs::PutAll(std::span<const std::pair<Digest, ByteView>> blobs) {
  {
    std::lock_guard lock(mu_);
    SCITT_ASSIGN_OR_RETURN(
        const Statement* insert,
        Sql("INSERT OR IGNORE INTO small_blobs(digest, content) VALUES(?, coalesce(?, X''))"));  // empty binds NULL
    const bool transaction = blobs.size() > 1;
    if (transaction) SCITT_RETURN_IF_ERROR(db_.Exec("BEGIN IMMEDIATE"));
    for (const auto& [digest, content] : blobs) {
      const std::string text = digest.ToString();
      Query q(*insert);
      q.Text(1, text).Blob(2, content);
      if (q.Step() != SQLITE_DONE) {
        Error failed = SqliteError(db_.get(), "storing blob " + text);
        if (transaction) (void)db_.Exec("ROLLBACK");
        return failed;
      }
    }
    if (transaction) SCITT_RETURN_IF_ERROR(db_.Exec("COMMIT"));
  }
  return wal_.Sync();
}

Result<std::optional<Bytes>> SmallBlobs::Get(const Digest& digest) const {
  std::lock_guard lock(mu_);
  SCITT_ASSIGN_OR_RETURN(const Statement* find, Sql("SELECT content FROM small_blobs WHERE digest = ?"));
  const std::string text = digest.ToString();
  Query q(*find);
  q.Text(1, text);
  const int rc = q.Step();
  if (rc == SQLITE_DONE) return std::optional<Bytes>();
  if (rc != SQLITE_ROW) return SqliteError(db_.get(), "reading blob " + text);
  const ByteView content = q.BlobAt(0);
  return std::optional<Bytes>(Bytes(content.begin(), content.end()));
}

Result<std::optional<uint64_t>> SmallBlobs::Size(const Digest& digest) const {
  std::lock_guard lock(mu_);
  SCITT_ASSIGN_OR_RETURN(const Statement* find, Sql("SELECT length(content) FROM small_blobs WHERE digest = ?"));
  const std::string text = digest.ToString();
  Query q(*find);
  q.Text(1, text);
  const int rc = q.Step();
  if (rc == SQLITE_DONE) return std::optional<uint64_t>();
  if (rc != SQLITE_ROW) return SqliteError(db_.get(), "reading blob " + text);
  return std::optional<uint64_t>(static_cast<uint64_t>(q.IntAt(0)));
}

Status SmallBlobs::Remove(const Digest& digest) {
  {
    std::lock_guard lock(mu_);
    SCITT_ASSIGN_OR_RETURN(const Statement* remove, Sql("DELETE FROM small_blobs WHERE digest = ?"));
    const std::string text = digest.ToString();
    Query q(*remove);
    q.Text(1, text);
    if (q.Step() != SQLITE_DONE) return SqliteError(db_.get(), "removing blob " + text);
  }
  return wal_.Sync();
}

Result<std::vector<Digest>> SmallBlobs::List() const {
  std::lock_guard lock(mu_);
  SCITT_ASSIGN_OR_RETURN(const Statement* list, Sql("SELECT digest FROM small_blobs ORDER BY digest"));
  std::vector<Digest> out;
  Query q(*list);
  int rc;
  while ((rc = q.Step()) == SQLITE_ROW) {
    auto digest = Digest::Parse(q.TextAt(0));
    if (!digest.ok()) return MakeError(ErrorCode::kIo, "blobs.sqlite holds a malformed digest");
    out.push_back(*digest);
  }
  if (rc != SQLITE_DONE) return SqliteError(db_.get(), "listing blobs");
  return out;
}

}  // namespace scitt::storage::embedded
