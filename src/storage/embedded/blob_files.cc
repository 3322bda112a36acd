#include "storage/embedded/blob_files.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "base/file.h"
#include "crypto/hash.h"
#include "crypto/random.h"
#include "storage/embedded/file_io.h"

namespace scitt::storage {

using embedded::Errno;
using embedded::Fd;
using registry::Digest;

namespace {

constexpr size_t kHashChunk = 1 << 20;  // re-reading an upload for sha512
constexpr uint64_t kWritebackBytes = 8 << 20;  // StartWriteback's step

// Whether the blob file `path` of `size` bytes is stored already. A blob
// file appears only whole, by rename after its fsync, and the same digest
// is the same bytes: storing it again would change nothing.
bool Stored(const std::string& path, uint64_t size) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && static_cast<uint64_t>(st.st_size) == size;
}

class FileBlobReader final : public registry::BlobReader {
 public:
  FileBlobReader(Fd fd, uint64_t size, std::string path)
      : fd_(std::move(fd)), size_(size), path_(std::move(path)) {}
  uint64_t size() const override { return size_; }
  Result<Bytes> Read(uint64_t offset, size_t length) const override {
    if (offset >= size_) return Bytes();
    Bytes out(static_cast<size_t>(std::min<uint64_t>(length, size_ - offset)));
    SCITT_ASSIGN_OR_RETURN(const size_t filled, ReadInto(offset, out));
    out.resize(filled);
    return out;
  }
  Result<size_t> ReadInto(uint64_t offset, std::span<uint8_t> into) const override {
    if (offset >= size_) return size_t{0};
    const size_t length = static_cast<size_t>(std::min<uint64_t>(into.size(), size_ - offset));
    SCITT_RETURN_IF_ERROR(embedded::ReadAt(fd_.get(), into.data(), length, offset, [&] { return path_; }));
    return length;
  }

 private:
  Fd fd_;
  uint64_t size_;
  std::string path_;
};

Error NoSession() {
  return MakeError(ErrorCode::kNotFound, "no such upload (unknown, expired, cancelled or finished)");
}

}  // namespace

// A blob already in memory (a small blob).
class MemoryBlobReader final : public registry::BlobReader {
 public:
  explicit MemoryBlobReader(Bytes content) : content_(std::move(content)) {}
  uint64_t size() const override { return content_.size(); }
  Result<Bytes> Read(uint64_t offset, size_t length) const override {
    if (offset >= content_.size()) return Bytes();
    const size_t n = static_cast<size_t>(std::min<uint64_t>(length, content_.size() - offset));
    return Bytes(content_.begin() + static_cast<ptrdiff_t>(offset),
                 content_.begin() + static_cast<ptrdiff_t>(offset + n));
  }
  Result<size_t> ReadInto(uint64_t offset, std::span<uint8_t> into) const override {
    if (offset >= content_.size()) return size_t{0};
    const size_t n = static_cast<size_t>(std::min<uint64_t>(into.size(), content_.size() - offset));
    std::copy_n(content_.begin() + static_cast<ptrdiff_t>(offset), n, into.begin());
    return n;
  }

 private:
  Bytes content_;
};

struct BlobFiles::Session {
  std::string owner;
  Fd fd;                 // -1 while the bytes fit in `memory`
  Bytes memory;
  uint64_t size = 0;
  uint64_t written_back = 0;  // bytes whose writeback StartWriteback started
  crypto::Sha256Hasher sha256;
  std::chrono::steady_clock::time_point last_used;
  bool busy = false;
};

BlobFiles::BlobFiles(std::string dir, BlobFilesOptions options)
    : dir_(std::move(dir)), options_(std::move(options)) {}

BlobFiles::~BlobFiles() = default;

Result<std::unique_ptr<BlobFiles>> BlobFiles::Open(const std::string& dir, BlobFilesOptions options) {
  std::unique_ptr<BlobFiles> files(new BlobFiles(dir, std::move(options)));
  SCITT_RETURN_IF_ERROR(CreateDirectories(dir + "/blobs"));
  SCITT_ASSIGN_OR_RETURN(files->small_, embedded::SmallBlobs::Open(dir));
  SCITT_RETURN_IF_ERROR(CreateDirectories(dir + "/uploads"));
  // Sessions of an earlier run: never committed, so never visible.
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir + "/uploads", ec)) {
    std::filesystem::remove(entry.path(), ec);
  }
  if (ec) return MakeError(ErrorCode::kIo, "emptying " + dir + "/uploads: " + ec.message());
  return files;
}

Result<std::unique_ptr<BlobFiles>> BlobFiles::OpenForAudit(const std::string& dir, const std::string& scratch) {
  BlobFilesOptions options;
  options.max_uploads = 0;
  options.small_blob_bytes = SIZE_MAX;  // every Put goes to the read-only blobs.kv, and fails
  std::unique_ptr<BlobFiles> files(new BlobFiles(dir, std::move(options)));
  SCITT_ASSIGN_OR_RETURN(files->small_, embedded::SmallBlobs::OpenForAudit(dir, scratch));
  return files;
}

std::string BlobFiles::BlobPath(const Digest& digest) const {
  return dir_ + "/blobs/" + std::string(digest.algorithm_name()) + "/" + digest.encoded().substr(0, 2) +
         "/" + digest.encoded();
}

std::string BlobFiles::UploadPath(const std::string& upload) const { return dir_ + "/uploads/" + upload; }

void BlobFiles::DropExpired() {
  const auto now = options_.clock();
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (!it->second->busy && now - it->second->last_used >= options_.upload_expiry) {
      ::unlink(UploadPath(it->first).c_str());
      it = sessions_.erase(it);
    } else {
      ++it;
    }
  }
}

Result<std::shared_ptr<BlobFiles::Session>> BlobFiles::Claim(std::string_view owner,
                                                             const std::string& upload) {
  DropExpired();
  const auto it = sessions_.find(upload);
  if (it == sessions_.end() || it->second->owner != owner) return NoSession();
  if (it->second->busy) {
    return MakeError(ErrorCode::kConflict, "another request is writing to this upload");
  }
  it->second->busy = true;
  return it->second;
}

Result<std::string> BlobFiles::StartUpload(std::string_view owner) {
  const std::string upload = HexEncode(crypto::RandomBytes(16));
  auto session = std::make_shared<Session>();
  session->owner = std::string(owner);
  std::lock_guard lock(mu_);
  DropExpired();
  if (sessions_.size() >= options_.max_uploads) {
    return MakeError(ErrorCode::kUnavailable,
                     "too many uploads in progress (" + std::to_string(options_.max_uploads) + ")");
  }
  session->last_used = options_.clock();
  sessions_.emplace(upload, std::move(session));
  return upload;
}

Result<uint64_t> BlobFiles::Append(std::string_view owner, const std::string& upload,
                                   uint64_t offset, ByteView bytes) {
  std::shared_ptr<Session> session;
  {
    std::lock_guard lock(mu_);
    SCITT_ASSIGN_OR_RETURN(session, Claim(owner, upload));
    if (offset != session->size) {
      session->busy = false;
      return MakeError(ErrorCode::kConflict, "the upload holds " + std::to_string(session->size) +
                                                 " bytes; a chunk must start there, not at " +
                                                 std::to_string(offset));
    }
    if (bytes.size() > options_.max_upload_bytes - session->size) {
      session->busy = false;
      return MakeError(ErrorCode::kUnsupported, "a blob may hold at most " +
                                                    std::to_string(options_.max_upload_bytes) + " bytes");
    }
  }
  // Written and hashed outside the lock: the session is ours while busy.
  Status written = Status::Ok();
  if (session->fd.get() < 0 && session->size + bytes.size() <= options_.small_blob_bytes) {
    session->memory.insert(session->memory.end(), bytes.begin(), bytes.end());
  } else {
    if (session->fd.get() < 0) written = Spill(*session, upload);
    if (written.ok()) written = embedded::WriteAt(session->fd.get(), bytes, session->size, UploadPath(upload));
    if (written.ok()) StartWriteback(*session, session->size + bytes.size());
    if (!written.ok() && session->fd.get() >= 0) {
      // The file may hold part of the chunk past `size`: harmless, the next
      // write at `size` overwrites it and commit reads `size` bytes only.
      (void)::ftruncate(session->fd.get(), static_cast<off_t>(session->size));
    }
  }
  if (written.ok()) {
    session->sha256.Update(bytes);
    session->size += bytes.size();
  }
  std::lock_guard lock(mu_);
  session->busy = false;
  session->last_used = options_.clock();
  if (!written.ok()) return written.error();
  return session->size;
}

void BlobFiles::StartWriteback(Session& session, uint64_t written) {
  // The commit's fdatasync then waits for the last few MiB only, not for a
  // whole large blob (RocksDB's bytes_per_sync does the same). Only starts
  // the disk writes: nothing here is durable, and a failure is the
  // fdatasync's to report.
  if (written - session.written_back < kWritebackBytes) return;
  (void)::sync_file_range(session.fd.get(), static_cast<off_t>(session.written_back),
                          static_cast<off_t>(written - session.written_back), SYNC_FILE_RANGE_WRITE);
  session.written_back = written;
}

Status BlobFiles::Spill(Session& session, const std::string& upload) const {
  const std::string path = UploadPath(upload);
  Fd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (fd.get() < 0) return Errno("create " + path);
  SCITT_RETURN_IF_ERROR(embedded::WriteAt(fd.get(), session.memory, 0, path));
  session.fd = std::move(fd);
  session.memory = Bytes();
  return Status::Ok();
}

Result<uint64_t> BlobFiles::UploadSize(std::string_view owner, const std::string& upload) {
  std::lock_guard lock(mu_);
  DropExpired();
  const auto it = sessions_.find(upload);
  if (it == sessions_.end() || it->second->owner != owner) return NoSession();
  return it->second->size;
}

Result<std::shared_ptr<BlobFiles::Session>> BlobFiles::EndChecked(std::string_view owner,
                                                                   const std::string& upload,
                                                                   const Digest& expected) {
  std::shared_ptr<Session> session;
  {
    std::lock_guard lock(mu_);
    SCITT_ASSIGN_OR_RETURN(session, Claim(owner, upload));
    sessions_.erase(upload);  // ends here, whatever happens next
  }
  const std::string path = UploadPath(upload);
  auto fail = [&](Error error) -> Error {
    ::unlink(path.c_str());
    return error;
  };
  Digest actual;
  if (expected.algorithm() == crypto::HashAlgorithm::kSha256) {
    actual = Digest::Of(crypto::HashAlgorithm::kSha256, session->sha256.Finish());
  } else if (session->fd.get() < 0) {
    actual = Digest::Of(expected.algorithm(), crypto::Digest(expected.algorithm(), session->memory));
  } else {
    // Rare: read the upload again with the algorithm the client named.
    crypto::Hasher hasher(expected.algorithm());
    Bytes chunk;
    for (uint64_t offset = 0; offset < session->size; offset += chunk.size()) {
      chunk.resize(static_cast<size_t>(std::min<uint64_t>(kHashChunk, session->size - offset)));
      Status read = embedded::ReadAt(session->fd.get(), chunk.data(), chunk.size(), offset, [&] { return path; });
      if (!read.ok()) return fail(read.error());
      hasher.Update(chunk);
    }
    actual = Digest::Of(expected.algorithm(), hasher.Finish());
  }
  if (actual != expected) {
    return fail(MakeError(ErrorCode::kInvalidArgument, "the uploaded content's digest is " +
                                                           actual.ToString() + ", not " +
                                                           expected.ToString()));
  }
  return session;
}

Result<uint64_t> BlobFiles::Commit(std::string_view owner, const std::string& upload,
                                   const Digest& expected) {
  SCITT_ASSIGN_OR_RETURN(const std::shared_ptr<Session> session, EndChecked(owner, upload, expected));
  if (session->fd.get() < 0) {  // small: a row, never a file
    SCITT_RETURN_IF_ERROR(small_->Put(expected, session->memory));
    return session->size;
  }
  return CommitFile(*session, upload, expected);
}

void BlobFiles::CommitAsync(std::string_view owner, const std::string& upload, const Digest& expected,
                            std::function<void(Result<uint64_t>)> done) {
  auto session = EndChecked(owner, upload, expected);
  if (!session.ok()) return done(session.error());
  if ((*session)->fd.get() >= 0) return done(CommitFile(**session, upload, expected));
  // Small: the bytes stay with the session until blobs.kv has them.
  const std::shared_ptr<Session> small = std::move(*session);
  const std::pair<Digest, ByteView> blob{expected, small->memory};
  small_->PutAllAsync(std::span(&blob, 1), [small, done = std::move(done)](Status stored) {
    if (!stored.ok()) return done(stored.error());
    done(small->size);
  });
}

Result<uint64_t> BlobFiles::CommitFile(Session& session, const std::string& upload, const Digest& expected) {
  const std::string path = UploadPath(upload);
  auto fail = [&](Error error) -> Error {
    ::unlink(path.c_str());
    return error;
  };
  const std::string blob = BlobPath(expected);
  // Stored already: the upload is dropped without its fsync, as
  // distribution drops one at its commit. A layer pushed again to another
  // repository costs no disk writes but the upload's own, which the kernel
  // may never make.
  if (Stored(blob, session.size)) {
    ::unlink(path.c_str());
    return session.size;
  }
  if (::ftruncate(session.fd.get(), static_cast<off_t>(session.size)) != 0 ||
      ::fdatasync(session.fd.get()) != 0) {
    return fail(Errno("sync " + path));
  }
  const std::string parent = std::filesystem::path(blob).parent_path();
  if (Status made = CreateDirectories(parent); !made.ok()) return fail(made.error());
  if (::rename(path.c_str(), blob.c_str()) != 0) return fail(Errno("rename " + path + " to " + blob));
  SCITT_RETURN_IF_ERROR(SyncDirectory(parent));
  return session.size;
}

Status BlobFiles::Cancel(std::string_view owner, const std::string& upload) {
  {
    std::lock_guard lock(mu_);
    SCITT_RETURN_IF_ERROR(Claim(owner, upload));
    sessions_.erase(upload);
  }
  ::unlink(UploadPath(upload).c_str());
  return Status::Ok();
}

Result<std::optional<uint64_t>> BlobFiles::Size(const Digest& digest) const {
  SCITT_ASSIGN_OR_RETURN(std::optional<uint64_t> small, small_->Size(digest));
  if (small) return small;
  struct stat st;
  const std::string path = BlobPath(digest);
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return std::optional<uint64_t>();
    return Errno("stat " + path);
  }
  return std::optional<uint64_t>(static_cast<uint64_t>(st.st_size));
}

Result<std::unique_ptr<registry::BlobReader>> BlobFiles::Open(const Digest& digest) const {
  SCITT_ASSIGN_OR_RETURN(std::optional<Bytes> small, small_->Get(digest));
  if (small) return std::unique_ptr<registry::BlobReader>(new MemoryBlobReader(std::move(*small)));
  const std::string path = BlobPath(digest);
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) return MakeError(ErrorCode::kNotFound, "no blob " + digest.ToString());
    return Errno("open " + path);
  }
  SCITT_ASSIGN_OR_RETURN(const uint64_t size, embedded::FileSize(fd.get(), path));
  return std::unique_ptr<registry::BlobReader>(new FileBlobReader(std::move(fd), size, path));
}

Result<Digest> BlobFiles::Put(ByteView content, crypto::HashAlgorithm algorithm) {
  const Digest digest = Digest::Of(algorithm, crypto::Digest(algorithm, content));
  if (content.size() <= options_.small_blob_bytes) {
    SCITT_RETURN_IF_ERROR(small_->Put(digest, content));
    return digest;
  }
  const std::string blob = BlobPath(digest);
  if (Stored(blob, content.size())) return digest;
  SCITT_RETURN_IF_ERROR(CreateDirectories(std::filesystem::path(blob).parent_path()));
  SCITT_RETURN_IF_ERROR(WriteFile(blob, content));
  return digest;
}

Result<std::vector<Digest>> BlobFiles::PutLarge(std::span<const ByteView> contents,
                                                std::vector<std::pair<Digest, ByteView>>& small) {
  std::vector<Digest> out;
  for (ByteView content : contents) {
    if (content.size() <= options_.small_blob_bytes) {
      out.push_back(Digest::Sha256Of(content));
      small.emplace_back(out.back(), content);
    } else {
      SCITT_ASSIGN_OR_RETURN(Digest digest, Put(content));
      out.push_back(std::move(digest));
    }
  }
  return out;
}

Result<std::vector<Digest>> BlobFiles::PutAll(std::span<const ByteView> contents) {
  std::vector<std::pair<Digest, ByteView>> small;
  SCITT_ASSIGN_OR_RETURN(std::vector<Digest> out, PutLarge(contents, small));
  if (!small.empty()) SCITT_RETURN_IF_ERROR(small_->PutAll(small));
  return out;
}

void BlobFiles::PutAllAsync(std::span<const ByteView> contents,
                            std::function<void(Result<std::vector<Digest>>)> done) {
  std::vector<std::pair<Digest, ByteView>> small;
  auto out = PutLarge(contents, small);
  if (!out.ok() || small.empty()) return done(std::move(out));
  small_->PutAllAsync(small, [out = std::move(*out), done = std::move(done)](Status stored) mutable {
    if (!stored.ok()) return done(stored.error());
    done(std::move(out));
  });
}

Status BlobFiles::Remove(const Digest& digest) {
  SCITT_RETURN_IF_ERROR(small_->Remove(digest));
  const std::string blob = BlobPath(digest);
  if (::unlink(blob.c_str()) != 0) {
    if (errno == ENOENT) return Status::Ok();
    return Errno("remove " + blob);
  }
  return SyncDirectory(std::filesystem::path(blob).parent_path());
}

Result<std::vector<Digest>> BlobFiles::List() const {
  SCITT_ASSIGN_OR_RETURN(std::vector<Digest> out, small_->List());
  std::error_code ec;
  for (const auto& algorithm : std::filesystem::directory_iterator(dir_ + "/blobs", ec)) {
    for (const auto& fanout : std::filesystem::directory_iterator(algorithm.path(), ec)) {
      for (const auto& file : std::filesystem::directory_iterator(fanout.path(), ec)) {
        // Only names that are digests: WriteFile's temporaries are not blobs.
        auto digest = Digest::Parse(algorithm.path().filename().string() + ":" +
                                    file.path().filename().string());
        if (digest.ok()) out.push_back(*digest);
      }
      if (ec) break;
    }
    if (ec) break;
  }
  if (ec) return MakeError(ErrorCode::kIo, "listing " + dir_ + "/blobs: " + ec.message());
  return out;
}

}  // namespace scitt::storage
