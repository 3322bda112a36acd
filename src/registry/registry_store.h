// What the registry keeps about repositories besides blob bytes: which
// blobs each repository holds, its manifests (with what the referrers API
// lists for them and what they reference), and its tags. Defined here, by
// its user (DESIGN.md §2); storage/embedded implements it in SQLite, and the
// PostgreSQL backend will run the same conformance suite
// (tests/storage/registry_store_conformance.h).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "registry/manifest.h"
#include "registry/reference.h"

namespace scitt::registry {

// A manifest as stored in one repository. Its bytes are the blob `digest`
// of the BlobStore.
struct ManifestRecord {
  Digest digest;
  std::string media_type;
  uint64_t size = 0;
  // Set for a manifest with a subject: it is then a referrer of `subject`,
  // listed with `artifact_type` and `annotations` (ReferrerDescriptor).
  std::optional<Digest> subject;
  std::optional<std::string> artifact_type;
  Annotations annotations;
  // The blobs (config, layers) and manifests (an index's children) it
  // points to; never its subject. Kept alive by it (garbage collection).
  std::vector<Digest> references;
  // A log entry refers to it: deleting it is refused while this is set.
  bool protected_by_log = false;
};

// What one push (or one attachment of a logged statement) writes, in one
// transaction: after a crash, all of it or none of it.
struct RegistryWrite {
  std::vector<Digest> blob_links;          // blobs now part of the repository
  std::vector<ManifestRecord> manifests;   // stored in this order, as PutManifest does
  std::vector<std::string> tags;           // pointed at the last manifest
  std::optional<std::pair<uint64_t, Digest>> entry;  // as RecordEntry(first, second)
};

// Thread-safe. Calls may block on disk: never on an HTTP I/O thread.
class RegistryStore {
 public:
  virtual ~RegistryStore() = default;

  // Makes the blob `digest` part of `repository` (pushed or mounted there).
  virtual Status LinkBlob(std::string_view repository, const Digest& digest) = 0;
  // LinkBlob answered through `done`, as BlobStore::CommitAsync.
  virtual void LinkBlobAsync(std::string_view repository, const Digest& digest,
                             std::function<void(Status)> done) {
    done(LinkBlob(repository, digest));
  }
  virtual Result<bool> HasBlob(std::string_view repository, const Digest& digest) const = 0;
  // False when the repository did not hold it.
  virtual Result<bool> UnlinkBlob(std::string_view repository, const Digest& digest) = 0;

  // Stores `manifest` in `repository` and points every tag of `tags` at it,
  // in one transaction. Storing a digest again keeps its record (a
  // manifest's bytes, so what it says, never change) and moves the tags;
  // protected_by_log set now protects it (protection is never removed).
  // True when the repository did not hold the manifest before.
  virtual Result<bool> PutManifest(std::string_view repository, const ManifestRecord& manifest,
                             std::span<const std::string> tags) = 0;
  // Everything of `write` in one transaction.
  virtual Status Write(std::string_view repository, const RegistryWrite& write) = 0;
  // Write of each, durable once it returns; each succeeds or fails alone.
  // A store that can commits them together (registered statement pushes
  // are stored a batch at a time).
  struct RepositoryWrite {
    std::string_view repository;
    const RegistryWrite* write;
  };
  virtual std::vector<Status> WriteAll(std::span<const RepositoryWrite> writes) {
    std::vector<Status> out;
    out.reserve(writes.size());
    for (const RepositoryWrite& each : writes) out.push_back(Write(each.repository, *each.write));
    return out;
  }
  // WriteAll answered through `done`, as LinkBlobAsync. The writes are
  // applied before it returns: a later change sees them.
  virtual void WriteAllAsync(std::span<const RepositoryWrite> writes,
                             std::function<void(std::vector<Status>)> done) {
    done(WriteAll(writes));
  }
  virtual Result<std::optional<ManifestRecord>> GetManifest(std::string_view repository,
                                                            const Digest& digest) const = 0;
  virtual Result<std::optional<Digest>> ResolveTag(std::string_view repository,
                                                   std::string_view tag) const = 0;
  // Up to `limit` tags after `after` (exclusive; "" from the start), in
  // byte order (distribution-spec: lexical, as Go's sort.Strings).
  virtual Result<std::vector<std::string>> ListTags(std::string_view repository,
                                                    std::string_view after, size_t limit) const = 0;
  // The manifests of `repository` whose subject is `subject`, as the
  // referrers API lists them, ordered by digest, up to `limit` after
  // `after` (exclusive; empty from the start); only those with that
  // artifact type when `artifact_type` is set.
  virtual Result<std::vector<Descriptor>> ListReferrers(
      std::string_view repository, const Digest& subject,
      std::optional<std::string_view> artifact_type, std::string_view after, size_t limit) const = 0;
  // Removes the manifest, every tag pointing at it and its place in its
  // subject's referrers, at once. False when there was none;
  // kUnsupported (not allowed) when it is protected by the log, unless
  // `even_if_protected`.
  virtual Result<bool> DeleteManifest(std::string_view repository, const Digest& digest,
                                      bool even_if_protected = false) = 0;
  // False when there was no such tag.
  virtual Result<bool> DeleteTag(std::string_view repository, std::string_view tag) = 0;
  // Marks a stored manifest as referred to by a log entry (kNotFound when
  // there is none).
  virtual Status ProtectManifest(std::string_view repository, const Digest& digest) = 0;
  // Whether the repository holds any blob, manifest or tag.
  virtual Result<bool> RepositoryExists(std::string_view repository) const = 0;
  // The repositories holding a manifest with this digest, up to `limit`,
  // in byte order.
  virtual Result<std::vector<std::string>> RepositoriesWithManifest(const Digest& digest,
                                                                    size_t limit) const = 0;
  // Whether any repository holds any manifest.
  virtual Result<bool> HoldsManifests() const = 0;

  // ---- what the registry keeps of the log (registry/log_attacher.h)
  // Records that log entry `entry` is attached in `repository` as the
  // statement manifest `statement` (idempotent: the first record stays).
  virtual Status RecordEntry(std::string_view repository, uint64_t entry, const Digest& statement) = 0;
  // The statement manifest recorded for the entry, if any.
  virtual Result<std::optional<Digest>> FindEntry(std::string_view repository, uint64_t entry) const = 0;
  // A log follower's saved position (0 when it never saved) and its save.
  virtual Result<uint64_t> FollowerCursor(std::string_view follower) const = 0;
  virtual Status SaveFollowerCursor(std::string_view follower, uint64_t next) = 0;

  // Every digest some repository links, stores as a manifest or some
  // manifest references: what garbage collection must keep.
  virtual Result<std::vector<Digest>> LiveDigests() const = 0;
};

}  // namespace scitt::registry
