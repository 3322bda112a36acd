// The embedded registry::BlobStore: blob files in the data directory.
//   blobs/<alg>/<first two hex digits>/<hex>   committed blobs, by digest
//   uploads/<id>                               open upload sessions
// An upload is appended to its own file, hashed (sha256) as it arrives, and
// at commit fdatasynced and renamed under its digest, then the directory is
// fsynced: a crash leaves either no blob or the whole one, and uploads/ is
// emptied at open (sessions do not survive a restart; clients start over).
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "base/clock.h"
#include "registry/blob_store.h"
#include "storage/embedded/small_blobs.h"

namespace scitt::storage {

struct BlobFilesOptions {
  // Open sessions at most; StartUpload beyond answers kUnavailable.
  size_t max_uploads = 1024;
  // A session nobody appended to for this long is dropped (distribution-spec:
  // registries SHOULD time out abandoned uploads).
  std::chrono::seconds upload_expiry{3600};
  // Bytes one session may hold; an append beyond is kUnsupported (the disk
  // is not a client's to fill).
  uint64_t max_upload_bytes = uint64_t{64} << 30;
  // Blobs up to this size are kept in blobs.kv (embedded/small_blobs.h),
  // and their uploads stay in memory: no file per manifest or statement.
  size_t small_blob_bytes = 64 << 10;
  MonotonicClock clock = SystemMonotonicClock();
};

class BlobFiles final : public registry::BlobStore {
 public:
  // Creates blobs/ and uploads/ under `dir` as needed and removes what
  // uploads/ holds.
  static Result<std::unique_ptr<BlobFiles>> Open(const std::string& dir, BlobFilesOptions options = {});
  // For audits: reads the blobs under `dir` and writes nothing there (no
  // directory made, uploads/ left as it is; blobs.kv through
  // SmallBlobs::OpenForAudit). Uploads and every change fail.
  static Result<std::unique_ptr<BlobFiles>> OpenForAudit(const std::string& dir, const std::string& scratch);
  ~BlobFiles() override;

  Result<std::string> StartUpload(std::string_view owner) override;
  Result<uint64_t> Append(std::string_view owner, const std::string& upload, uint64_t offset,
                          ByteView bytes) override;
  Result<uint64_t> UploadSize(std::string_view owner, const std::string& upload) override;
  Result<uint64_t> Commit(std::string_view owner, const std::string& upload,
                          const registry::Digest& expected) override;
  void CommitAsync(std::string_view owner, const std::string& upload, const registry::Digest& expected,
                   std::function<void(Result<uint64_t>)> done) override;
  Status Cancel(std::string_view owner, const std::string& upload) override;
  Result<std::optional<uint64_t>> Size(const registry::Digest& digest) const override;
  Result<std::unique_ptr<registry::BlobReader>> Open(const registry::Digest& digest) const override;
  Result<registry::Digest> Put(ByteView content,
                               crypto::HashAlgorithm algorithm = crypto::HashAlgorithm::kSha256) override;
  Result<std::vector<registry::Digest>> PutAll(std::span<const ByteView> contents) override;
  void PutAllAsync(std::span<const ByteView> contents,
                   std::function<void(Result<std::vector<registry::Digest>>)> done) override;
  Status Remove(const registry::Digest& digest) override;
  Result<std::vector<registry::Digest>> List() const override;

 private:
  struct Session;
  BlobFiles(std::string dir, BlobFilesOptions options);
  std::string BlobPath(const registry::Digest& digest) const;
  std::string UploadPath(const std::string& upload) const;
  // Takes the session for exclusive use (kNotFound, or kConflict when busy);
  // drops expired idle sessions first. Caller holds mu_.
  Result<std::shared_ptr<Session>> Claim(std::string_view owner, const std::string& upload);
  // Ends the session: it, when its bytes hash to `expected`.
  Result<std::shared_ptr<Session>> EndChecked(std::string_view owner, const std::string& upload,
                                              const registry::Digest& expected);
  // Puts the blobs of `contents` too large for blobs.kv (files, durable
  // when it returns) and adds the others to `small`: every digest, in order.
  Result<std::vector<registry::Digest>> PutLarge(std::span<const ByteView> contents,
                                                 std::vector<std::pair<registry::Digest, ByteView>>& small);
  // Commits an ended session that outgrew memory: its file, under its digest.
  Result<uint64_t> CommitFile(Session& session, const std::string& upload, const registry::Digest& expected);
  void DropExpired();

  // The session's file, created when its bytes outgrow memory.
  Status Spill(Session& session, const std::string& upload) const;
  // Starts writing the file's bytes up to `written` to disk, every
  // kWritebackBytes, as they arrive.
  static void StartWriteback(Session& session, uint64_t written);

  const std::string dir_;
  const BlobFilesOptions options_;
  std::unique_ptr<embedded::SmallBlobs> small_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<Session>> sessions_;
};

}  // namespace scitt::storage
