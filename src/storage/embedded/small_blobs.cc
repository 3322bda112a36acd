#include "storage/embedded/small_blobs.h"

#include <rocksdb/iterator.h>
#include <rocksdb/write_batch.h>

#include <filesystem>

#include "storage/embedded/sqlite.h"
#include "storage/embedded/store_state.h"

namespace scitt::storage::embedded {

using registry::Digest;

namespace {

// blobs.sqlite's version once moved into blobs.kv: 4, not 3, since the
// builds before refuse any version they do not know with "this build reads
// version 3" (they named the log's format there), which would read as a
// contradiction.
constexpr int64_t kMovedFormat = 4;

// Moves every row of the blobs.sqlite at `path` (formats 1 and 2) into `kv`,
// durably, a batch of at most 64 MiB at a time.
Status MoveRows(const Connection& db, const std::string& path, KvStore& kv) {
  SCITT_ASSIGN_OR_RETURN(Statement rows, Statement::Prepare(db.get(), "SELECT digest, content FROM small_blobs"));
  Query q(rows);
  rocksdb::WriteBatch batch;
  uint64_t upto = 0;
  const auto apply = [&]() -> Status {
    SCITT_ASSIGN_OR_RETURN(upto, kv.Apply(batch));
    batch.Clear();
    return Status::Ok();
  };
  int rc;
  while ((rc = q.Step()) == SQLITE_ROW) {
    const ByteView content = q.BlobAt(1);
    SCITT_RETURN_IF_ERROR(FromRocks(
        batch.Put(q.TextAt(0), rocksdb::Slice(reinterpret_cast<const char*>(content.data()), content.size())),
        "moving " + path));
    if (batch.GetDataSize() >= (size_t{64} << 20)) SCITT_RETURN_IF_ERROR(apply());
  }
  if (rc != SQLITE_DONE) return SqliteError(db.get(), "reading " + path);
  SCITT_RETURN_IF_ERROR(apply());
  return kv.Sync(upto);
}

}  // namespace

Result<std::unique_ptr<SmallBlobs>> SmallBlobs::Open(const std::string& dir) {
  const std::string path = dir + "/blobs.sqlite";
  SCITT_ASSIGN_OR_RETURN(const std::optional<int64_t> format, SqliteFormat(path, /*read_only=*/false));
  if (format && *format == kMovedFormat) {
    SCITT_ASSIGN_OR_RETURN(std::unique_ptr<KvStore> kv, KvStore::Open(dir + "/blobs.kv"));
    return std::unique_ptr<SmallBlobs>(new SmallBlobs(std::move(kv)));
  }
  if (format && (*format < 0 || *format > 2)) return UnknownVersion(path, *format, kMovedFormat);
  // New, or rows to move (a crash in the middle leaves blobs.sqlite as it
  // was, moved again at the next open).
  SCITT_ASSIGN_OR_RETURN(std::unique_ptr<KvStore> kv, KvStore::OpenEmpty(dir + "/blobs.kv"));
  if (format && *format > 0) {
    SCITT_ASSIGN_OR_RETURN(const Connection db, Connection::Open(path));  // recovers its WAL
    SCITT_RETURN_IF_ERROR(MoveRows(db, path, *kv));
  }
  SCITT_RETURN_IF_ERROR(PutFormatMarker(path, kMovedFormat));
  return std::unique_ptr<SmallBlobs>(new SmallBlobs(std::move(kv)));
}

Result<std::unique_ptr<SmallBlobs>> SmallBlobs::OpenForAudit(const std::string& dir, const std::string& scratch) {
  const std::string path = dir + "/blobs.sqlite";
  SCITT_ASSIGN_OR_RETURN(const std::optional<int64_t> format, SqliteFormat(path, /*read_only=*/true));
  std::error_code ec;
  if (format && *format == kMovedFormat && std::filesystem::exists(dir + "/blobs.kv", ec)) {
    SCITT_ASSIGN_OR_RETURN(std::unique_ptr<KvStore> kv, KvStore::OpenForAudit(dir + "/blobs.kv"));
    return std::unique_ptr<SmallBlobs>(new SmallBlobs(std::move(kv)));
  }
  // None yet, or rows to move: into a store of the scratch directory, from
  // blobs.sqlite where it is, or from a copy recovered there after a crash.
  SCITT_ASSIGN_OR_RETURN(std::unique_ptr<KvStore> kv, KvStore::OpenEmpty(scratch + "/blobs.kv"));
  if (format && *format > 0 && *format < kMovedFormat) {
    SCITT_ASSIGN_OR_RETURN(const std::string readable,
                           PathForAudit(path, scratch, *format, [](const std::string& copy) -> Status {
                             SCITT_ASSIGN_OR_RETURN(const Connection db, Connection::Open(copy));
                             return FormatVersion(db, copy).ok() ? Status::Ok()  // a read recovers the WAL
                                                                 : MakeError(ErrorCode::kIo, "reading " + copy);
                           }));
    SCITT_ASSIGN_OR_RETURN(const Connection db, Connection::OpenImmutable(readable));
    SCITT_RETURN_IF_ERROR(MoveRows(db, readable, *kv));
  }
  return std::unique_ptr<SmallBlobs>(new SmallBlobs(std::move(kv)));
}

Status SmallBlobs::Put(const Digest& digest, ByteView content) {
  const std::pair<Digest, ByteView> one{digest, content};
  return PutAll(std::span(&one, 1));
}

Result<uint64_t> SmallBlobs::Apply(std::span<const std::pair<Digest, ByteView>> blobs) {
  // Content-addressed: writing a stored digest again writes the same bytes.
  rocksdb::WriteBatch batch;
  for (const auto& [digest, content] : blobs) {
    SCITT_RETURN_IF_ERROR(FromRocks(
        batch.Put(digest.ToString(), rocksdb::Slice(reinterpret_cast<const char*>(content.data()), content.size())),
        "storing blob " + digest.ToString()));
  }
  return kv_->Apply(batch);
}

Status SmallBlobs::PutAll(std::span<const std::pair<Digest, ByteView>> blobs) {
  SCITT_ASSIGN_OR_RETURN(const uint64_t upto, Apply(blobs));
  return kv_->Sync(upto);
}

void SmallBlobs::PutAllAsync(std::span<const std::pair<Digest, ByteView>> blobs,
                             std::function<void(Status)> then) {
  auto upto = Apply(blobs);
  if (!upto.ok()) return then(upto.error());
  kv_->SyncThen(*upto, std::move(then));
}

Result<std::optional<Bytes>> SmallBlobs::Get(const Digest& digest) const {
  SCITT_ASSIGN_OR_RETURN(const std::optional<std::string> content, kv_->Get(digest.ToString()));
  if (!content) return std::optional<Bytes>();
  return std::optional<Bytes>(Bytes(content->begin(), content->end()));
}

Result<std::optional<uint64_t>> SmallBlobs::Size(const Digest& digest) const {
  SCITT_ASSIGN_OR_RETURN(const std::optional<std::string> content, kv_->Get(digest.ToString()));
  if (!content) return std::optional<uint64_t>();
  return std::optional<uint64_t>(content->size());
}

Status SmallBlobs::Remove(const Digest& digest) {
  rocksdb::WriteBatch batch;
  SCITT_RETURN_IF_ERROR(FromRocks(batch.Delete(digest.ToString()), "removing blob " + digest.ToString()));
  SCITT_ASSIGN_OR_RETURN(const uint64_t upto, kv_->Apply(batch));
  return kv_->Sync(upto);
}

Result<std::vector<Digest>> SmallBlobs::List() const {
  std::vector<Digest> out;
  const std::unique_ptr<rocksdb::Iterator> it = kv_->Iterate();
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto digest = Digest::Parse(it->key().ToStringView());
    if (!digest.ok()) return MakeError(ErrorCode::kIo, "blobs.kv holds a malformed digest");
    out.push_back(*digest);
  }
  SCITT_RETURN_IF_ERROR(FromRocks(it->status(), "listing blobs"));
  return out;
}

}  // namespace scitt::storage::embedded
