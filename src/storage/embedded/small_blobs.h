// Small blobs (manifests, statements, receipts, configs: up to
// BlobFilesOptions::small_blob_bytes) kept as rows of blobs.sqlite instead
// of one file each. A statement pushed to the registry writes four such
// blobs; as files, each cost an inode, a rename and two fsyncs, and the
// filesystem's metadata work was most of the push's CPU time (perf: ext4
// inode allocation and block lookups). Here they cost a row each and share
// one group-committed transaction and fsync (group_commit.h). Private to blob_files.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "registry/reference.h"
#include "storage/embedded/group_commit.h"
#include "storage/embedded/sqlite.h"

namespace scitt::storage::embedded {

class SmallBlobs {
 public:
  static Result<std::unique_ptr<SmallBlobs>> Open(const std::string& path);
  // For audits: reads `path` and never writes it (PathForAudit). Every
  // change fails.
  static Result<std::unique_ptr<SmallBlobs>> OpenForAudit(const std::string& path, const std::string& scratch);

  // Durable when it returns; storing a digest again changes nothing.
  Status Put(const registry::Digest& digest, ByteView content);
  // The same for several, in one transaction.
  Status PutAll(std::span<const std::pair<registry::Digest, ByteView>> blobs);
  Result<std::optional<Bytes>> Get(const registry::Digest& digest) const;
  Result<std::optional<uint64_t>> Size(const registry::Digest& digest) const;
  Status Remove(const registry::Digest& digest);
  Result<std::vector<registry::Digest>> List() const;

 private:
  SmallBlobs(Connection db, std::string wal_path)
      : db_(std::move(db)), commits_(&db_, &mu_, std::move(wal_path)) {}
  Result<const Statement*> Sql(const char* sql) const;  // caller holds mu_

  mutable std::mutex mu_;
  Connection db_;
  mutable std::unordered_map<const char*, Statement> statements_;
  GroupCommit commits_;  // every change goes through it
};

}  // namespace scitt::storage::embedded
