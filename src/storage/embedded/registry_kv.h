// The embedded registry::RegistryStore of data directories created from
// registry format 4 on: RocksDB (Debian's librocksdb) in DIR/registry.kv, a
// log-structured store whose writes append (a WAL, then sorted files merged
// in the background). registry.sqlite (registry_db.h) put every key of a push
// (all digests) at a random place of a B-tree, and a page of its own went to
// the WAL and again to the checkpoint: 116 KB written and ~300 µs of CPU per
// registered push, 60% of it (docs/performance.md). Here a change is one
// write batch; changes are fsynced together (one fdatasync of the WAL for all
// the changes waiting: kv_store.h), and each call returns once its change is
// durable.
//
// Keys (a kind byte, then fields separated by NUL, which no repository name,
// tag or digest holds; digests as their text, so byte order is the order
// registry.sqlite listed them in):
//   'l' repository NUL digest                  a blob the repository holds
//   'm' repository NUL digest                  a manifest: its record
//   'r' repository NUL subject NUL digest      a referrer: the same record
//   'd' digest NUL repository                  the repositories holding a manifest
//   't' repository NUL tag                     a tag: the manifest's digest
//   'T' repository NUL digest NUL tag          the tags pointing at a manifest
//   'e' repository NUL entry (8 bytes, big-endian)   an attached log entry:
//                                              its statement manifest's digest
//   'c' follower                               a follower's cursor (decimal)
// A record is EncodeRecord's bytes (registry_kv.cc).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "registry/registry_store.h"
#include "storage/embedded/kv_store.h"

namespace rocksdb {
class WriteBatch;
}  // namespace rocksdb

namespace scitt::storage {

class RegistryKv final : public registry::RegistryStore {
 public:
  // Creates the store when `path` does not exist.
  static Result<std::unique_ptr<RegistryKv>> Open(const std::string& path);
  // For audits: reads `path` and never writes it (KvStore::OpenForAudit).
  // Every change fails.
  static Result<std::unique_ptr<RegistryKv>> OpenForAudit(const std::string& path);
  // A new store at `path`, where an interrupted move may have left part of one.
  static Result<std::unique_ptr<RegistryKv>> OpenEmpty(const std::string& path);

  Status LinkBlob(std::string_view repository, const registry::Digest& digest) override;
  void LinkBlobAsync(std::string_view repository, const registry::Digest& digest,
                     std::function<void(Status)> done) override;
  Result<bool> HasBlob(std::string_view repository, const registry::Digest& digest) const override;
  Result<bool> UnlinkBlob(std::string_view repository, const registry::Digest& digest) override;
  Result<bool> PutManifest(std::string_view repository, const registry::ManifestRecord& manifest,
                           std::span<const std::string> tags) override;
  Status Write(std::string_view repository, const registry::RegistryWrite& write) override;
  std::vector<Status> WriteAll(std::span<const RepositoryWrite> writes) override;
  void WriteAllAsync(std::span<const RepositoryWrite> writes,
                     std::function<void(std::vector<Status>)> done) override;
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
  explicit RegistryKv(std::unique_ptr<embedded::KvStore> kv) : kv_(std::move(kv)) {}

  // Runs `change` (which reads what it needs and fills a batch) under
  // change_mu_, applies the batch, and returns once it is durable.
  template <typename ChangeFn>
  Status Change(ChangeFn&& change);
  // WriteAll's writes, each applied on its own; `upto` is what to sync.
  std::vector<Status> ApplyAll(std::span<const RepositoryWrite> writes, uint64_t& upto);

  Status WriteLocked(rocksdb::WriteBatch& batch, std::string_view repository,
                     const registry::RegistryWrite& write);
  // `stored_now` is set to whether the manifest was new in the repository.
  Status PutManifestLocked(rocksdb::WriteBatch& batch, std::string_view repository,
                           const registry::ManifestRecord& manifest, std::span<const std::string> tags,
                           bool* stored_now);

  std::unique_ptr<embedded::KvStore> kv_;
  std::mutex change_mu_;  // changes read, then write: one at a time
};

}  // namespace scitt::storage
