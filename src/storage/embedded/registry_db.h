// registry.sqlite as builds before registry format 4 wrote it (formats 1 to
// 3), read once to move it into registry.kv (registry_kv.h; store.cc moves
// it at open, and an audit moves a copy in its scratch directory).
//   blob_links(repository, digest)                 blobs each repository holds
//   manifests(repository, digest, media_type, size, subject, artifact_type,
//             annotations JSON, protected,
//             refs: its references, a JSON array)
//   tags(repository, tag, digest)
//   log_entries(repository, entry, statement)    statements attached per entry
//   follower_cursors(follower, next)
// Digests are stored as their text ("sha256:…"). Formats 1 and 2 are
// brought to 3 first, in place (or in the audit's copy).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "registry/registry_store.h"
#include "storage/embedded/sqlite.h"

namespace scitt::storage {

class RegistryDb {
 public:
  static Result<std::unique_ptr<RegistryDb>> Open(const std::string& path);
  // For audits: reads `path` and never writes it (embedded::PathForAudit).
  static Result<std::unique_ptr<RegistryDb>> OpenForAudit(const std::string& path, const std::string& scratch);

  // What MoveInto wrote.
  struct Moved {
    uint64_t blob_links = 0;
    uint64_t manifests = 0;
    uint64_t tags = 0;
    uint64_t log_entries = 0;
  };
  // Writes everything this store holds into `target` (an empty store):
  // durable there once it returns.
  Result<Moved> MoveInto(registry::RegistryStore& target) const;

 private:
  RegistryDb(embedded::Connection db, std::string path) : db_(std::move(db)), path_(std::move(path)) {}

  embedded::Connection db_;
  std::string path_;
};

}  // namespace scitt::storage
