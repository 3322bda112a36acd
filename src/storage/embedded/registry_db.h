// The embedded registry::RegistryStore: registry.sqlite in the data
// directory (WAL; every change is fsynced before its call returns, so a
// manifest PUT answered 201 survives a crash; concurrent changes share one
// transaction and one fsync: group_commit.h).
//   blob_links(repository, digest)                 blobs each repository holds
//   manifests(repository, digest, media_type, size, subject, artifact_type,
//             annotations JSON, protected,         the referrers index is
//             refs: its references, a JSON array)  (repository, subject, digest)
//   tags(repository, tag, digest)
//   log_entries(repository, entry, statement)    statements attached per entry
//   follower_cursors(follower, next)
// Digests are stored as their text ("sha256:…"). One connection behind a
// mutex: every operation is a few indexed rows, far below what the HTTP
// layer can ask for; a pool of readers can come when a benchmark says so.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "registry/registry_store.h"
#include "storage/embedded/group_commit.h"
#include "storage/embedded/sqlite.h"

namespace scitt::storage {

class RegistryDb final : public registry::RegistryStore {
 public:
  static Result<std::unique_ptr<RegistryDb>> Open(const std::string& path);
  // For audits: reads `path` and never writes it (embedded::PathForAudit).
  // Every change fails.
  static Result<std::unique_ptr<RegistryDb>> OpenForAudit(const std::string& path, const std::string& scratch);

  Status LinkBlob(std::string_view repository, const registry::Digest& digest) override;
  Result<bool> HasBlob(std::string_view repository, const registry::Digest& digest) const override;
  Result<bool> UnlinkBlob(std::string_view repository, const registry::Digest& digest) override;
  Result<bool> PutManifest(std::string_view repository, const registry::ManifestRecord& manifest,
                           std::span<const std::string> tags) override;
  Status Write(std::string_view repository, const registry::RegistryWrite& write) override;
  std::vector<Status> WriteAll(std::span<const RepositoryWrite> writes) override;
  Result<std::optional<registry::ManifestRecord>> GetManifest(
      std::string_view repository, const registry::Digest& digest) const override;
  Result<std::optional<registry::Digest>> ResolveTag(std::string_view repository,
                                                     std::string_view tag) const override;
  Result<std::vector<std::string>> ListTags(std::string_view repository, std::string_view after,
                                            size_t limit) const override;
  Result<std::vector<registry::Descriptor>> ListReferrers(
      std::string_view repository, const registry::Digest& subject,
      std::optional<std::string_view> artifact_type, std::string_view after,
      size_t limit) const override;
  Result<bool> DeleteManifest(std::string_view repository, const registry::Digest& digest,
                              bool even_if_protected) override;
  Result<bool> DeleteTag(std::string_view repository, std::string_view tag) override;
  Status ProtectManifest(std::string_view repository, const registry::Digest& digest) override;
  Result<bool> RepositoryExists(std::string_view repository) const override;
  Result<std::vector<std::string>> RepositoriesWithManifest(const registry::Digest& digest,
                                                            size_t limit) const override;
  Result<bool> HoldsManifests() const override;
  Status RecordEntry(std::string_view repository, uint64_t entry,
                     const registry::Digest& statement) override;
  Result<std::optional<registry::Digest>> FindEntry(std::string_view repository,
                                                    uint64_t entry) const override;
  Result<uint64_t> FollowerCursor(std::string_view follower) const override;
  Status SaveFollowerCursor(std::string_view follower, uint64_t next) override;
  Result<std::vector<registry::Digest>> LiveDigests() const override;

 private:
  RegistryDb(embedded::Connection db, std::string wal_path)
      : db_(std::move(db)), commits_(&db_, &mu_, std::move(wal_path)) {}
  // The prepared statement for `sql` (a string literal), made on first use.
  // Caller holds mu_.
  Result<const embedded::Statement*> Sql(const char* sql) const;
  // The writes, for a change run by commits_ (mu_ held, a transaction open).
  Status LinkBlobLocked(std::string_view repository, const registry::Digest& digest);
  Status WriteLocked(std::string_view repository, const registry::RegistryWrite& write);
  // `stored_now`, when given, is set to whether the manifest was new there.
  Status PutManifestLocked(std::string_view repository, const registry::ManifestRecord& manifest,
                           std::span<const std::string> tags, bool* stored_now = nullptr);
  Status RecordEntryLocked(std::string_view repository, uint64_t entry, const registry::Digest& statement);
  // Runs a statement that returns no rows; caller holds mu_.
  Status Run(embedded::Query& query, const std::string& what) const;
  // The number of rows a statement changed.
  int Changes() const;

  mutable std::mutex mu_;
  embedded::Connection db_;
  mutable std::unordered_map<const char*, embedded::Statement> statements_;
  embedded::GroupCommit commits_;  // every change goes through it
};

}  // namespace scitt::storage
