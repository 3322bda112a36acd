#include "storage/embedded/small_blobs.h"

#include "storage/embedded/store_state.h"

namespace scitt::storage::embedded {

using registry::Digest;

namespace {
constexpr int64_t kSmallBlobsFormat = 2;  // PRAGMA user_version
}  // namespace

Result<std::unique_ptr<SmallBlobs>> SmallBlobs::Open(const std::string& path) {
  SCITT_ASSIGN_OR_RETURN(Connection db, Connection::Open(path));
  SCITT_RETURN_IF_ERROR(GroupCommit::Prepare(db, path));
  SCITT_ASSIGN_OR_RETURN(const int64_t version, FormatVersion(db, path));
  // Format 2 keeps the contents in a rowid table, appended in the order
  // they come, and the digests in its primary-key index. Format 1 was a
  // WITHOUT ROWID table keyed by digest: kilobyte rows at random places,
  // three to a page, so every blob dirtied (and often split) a page of its
  // own: 6.6 WAL pages per change against 3.9 now. Format 1 is copied over.
  constexpr const char* kFormat2 =
      "CREATE TABLE small_blobs(digest TEXT PRIMARY KEY, content BLOB NOT NULL);"
      "PRAGMA user_version = 2;";
  if (version == 0) {
    SCITT_RETURN_IF_ERROR(db.Exec(kFormat2));
  } else if (version == 1) {
    SCITT_RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
    Status upgraded = db.Exec("ALTER TABLE small_blobs RENAME TO small_blobs_format1");
    if (upgraded.ok()) upgraded = db.Exec(kFormat2);
    if (upgraded.ok()) {
      upgraded = db.Exec("INSERT INTO small_blobs SELECT digest, content FROM small_blobs_format1;"
                         "DROP TABLE small_blobs_format1;");
    }
    if (!upgraded.ok()) {
      (void)db.Exec("ROLLBACK");
      return upgraded.error();
    }
    SCITT_RETURN_IF_ERROR(db.Exec("COMMIT"));
  } else if (version != kSmallBlobsFormat) {
    return UnknownVersion(path, version);
  }
  return std::unique_ptr<SmallBlobs>(new SmallBlobs(std::move(db), path + "-wal"));
}

Result<std::unique_ptr<SmallBlobs>> SmallBlobs::OpenForAudit(const std::string& path, const std::string& scratch) {
  SCITT_ASSIGN_OR_RETURN(const std::string readable, PathForAudit<SmallBlobs>(path, scratch, kSmallBlobsFormat));
  SCITT_ASSIGN_OR_RETURN(Connection db, Connection::OpenImmutable(readable));
  return std::unique_ptr<SmallBlobs>(new SmallBlobs(std::move(db), readable + "-wal"));
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
  return commits_.Run([&]() -> Status {
    SCITT_ASSIGN_OR_RETURN(
        const Statement* insert,
        Sql("INSERT OR IGNORE INTO small_blobs(digest, content) VALUES(?, coalesce(?, X''))"));  // empty binds NULL
    for (const auto& [digest, content] : blobs) {
      const std::string text = digest.ToString();
      Query q(*insert);
      q.Text(1, text).Blob(2, content);
      if (q.Step() != SQLITE_DONE) return SqliteError(db_.get(), "storing blob " + text);
    }
    return Status::Ok();
  });
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
  return commits_.Run([&]() -> Status {
    SCITT_ASSIGN_OR_RETURN(const Statement* remove, Sql("DELETE FROM small_blobs WHERE digest = ?"));
    const std::string text = digest.ToString();
    Query q(*remove);
    q.Text(1, text);
    if (q.Step() != SQLITE_DONE) return SqliteError(db_.get(), "removing blob " + text);
    return Status::Ok();
  });
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
