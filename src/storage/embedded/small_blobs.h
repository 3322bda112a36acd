// Small blobs (manifests, statements, receipts, configs: up to
// BlobFilesOptions::small_blob_bytes) kept in DIR/blobs.kv (kv_store.h: key
// the digest's text, value the bytes) instead of one file each. A statement
// pushed to the registry writes four such blobs; as files, each cost an
// inode, a rename and two fsyncs, and the filesystem's metadata work was
// most of the push's CPU time (perf: ext4 inode allocation and block
// lookups). Here they cost an append to the write-ahead log each and share
// its fsync with every change waiting.
//
// Directories written before 2026-12-07 kept them as rows of blobs.sqlite
// (format 1: a WITHOUT ROWID table; format 2: a rowid table, both
// small_blobs(digest, content)); the first open moves them into blobs.kv,
// then puts an empty blobs.sqlite of format 4 in its place, which the
// builds before refuse. Private to blob_files.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "registry/reference.h"
#include "storage/embedded/kv_store.h"

namespace scitt::storage::embedded {

class SmallBlobs {
 public:
  static Result<std::unique_ptr<SmallBlobs>> Open(const std::string& dir);
  // For audits: reads the blobs of `dir` and never writes there. Every
  // change fails, but for an older blobs.sqlite, which is moved into a
  // store in `scratch` (changes then land there).
  static Result<std::unique_ptr<SmallBlobs>> OpenForAudit(const std::string& dir, const std::string& scratch);

  // Durable when it returns; storing a digest again changes nothing.
  Status Put(const registry::Digest& digest, ByteView content);
  // The same for several, in one write.
  Status PutAll(std::span<const std::pair<registry::Digest, ByteView>> blobs);
  // The same, answered through `then` once durable (KvStore::SyncThen).
  void PutAllAsync(std::span<const std::pair<registry::Digest, ByteView>> blobs,
                   std::function<void(Status)> then);
  Result<std::optional<Bytes>> Get(const registry::Digest& digest) const;
  Result<std::optional<uint64_t>> Size(const registry::Digest& digest) const;
  Status Remove(const registry::Digest& digest);
  // In the order of their digests' text.
  Result<std::vector<registry::Digest>> List() const;

 private:
  explicit SmallBlobs(std::unique_ptr<KvStore> kv) : kv_(std::move(kv)) {}
  // Applies their write; the answer is Sync's argument.
  Result<uint64_t> Apply(std::span<const std::pair<registry::Digest, ByteView>> blobs);

  std::unique_ptr<KvStore> kv_;
};

}  // namespace scitt::storage::embedded
