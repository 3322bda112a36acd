#include "storage/store.h"

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "base/file.h"
#include "base/logging.h"
#include "evidence/preimages.h"
#include "evidence/statement_indexer.h"
#include "log/log_follower.h"

#include "storage/embedded/blob_files.h"
#include "storage/embedded/embedded_store.h"
#include "storage/embedded/evidence_db.h"
#include "storage/embedded/registry_db.h"
#include "storage/embedded/kv_store.h"
#include "storage/embedded/registry_kv.h"
#include "storage/embedded/store_state.h"

namespace scitt::storage {
namespace {

bool StartsWith(const std::string& text, const char* prefix) { return text.rfind(prefix, 0) == 0; }

// RFC 3986 §3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), then "://".
bool HasUrlScheme(const std::string& setting) {
  const size_t end = setting.find("://");
  if (end == std::string::npos || end == 0 || !std::isalpha(static_cast<unsigned char>(setting[0]))) {
    return false;
  }
  for (size_t i = 0; i < end; ++i) {
    const char c = setting[i];
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') return false;
  }
  return true;
}

// The directory of a file: setting (kUnsupported for PostgreSQL, which
// this build lacks).
Result<std::string> EmbeddedDirectory(const std::string& setting) {
  if (setting.empty()) return MakeError(ErrorCode::kInvalidArgument, "the store setting is empty");
  if (StartsWith(setting, "postgres://") || StartsWith(setting, "postgresql://")) {
    return MakeError(ErrorCode::kUnsupported,
                     "store " + setting.substr(0, setting.find("://") + 3) +
                         "…: PostgreSQL storage is not available in this build; use file:DIR");
  }
  std::string dir = setting;
  if (StartsWith(setting, "file://")) {
    dir = setting.substr(7);  // file:///abs/dir: an empty authority, then the path
    if (!StartsWith(dir, "/")) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "store " + setting + ": a file store is file:DIR or file:///absolute/dir");
    }
  } else if (StartsWith(setting, "file:")) {
    dir = setting.substr(5);
  } else if (HasUrlScheme(setting)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "store " + setting + ": unknown kind of store (file:DIR or postgres://…)");
  }
  if (dir.empty()) return MakeError(ErrorCode::kInvalidArgument, "store " + setting + " names no directory");
  return dir;
}

}  // namespace

Result<std::unique_ptr<log::LogStore>> OpenStore(const std::string& setting, StoreOptions options) {
  SCITT_ASSIGN_OR_RETURN(const std::string dir, EmbeddedDirectory(setting));
  SCITT_ASSIGN_OR_RETURN(std::unique_ptr<EmbeddedStore> store, EmbeddedStore::Open(dir, std::move(options)));
  return std::unique_ptr<log::LogStore>(std::move(store));
}

namespace {

// Registry format 4 keeps the metadata in DIR/registry.kv (RocksDB:
// registry_kv.h). DIR/registry.sqlite is then an empty database whose
// user_version 4 makes the builds before, which read format 3 at most,
// refuse the directory rather than start an empty registry in it. A
// registry.sqlite of an older format is moved into registry.kv at open.
constexpr int64_t kRegistryKvFormat = 4;

// Moves DIR/registry.sqlite (format 3 or older) into a new DIR/registry.kv,
// then puts the format 4 marker in its place. A crash before the marker is
// in place leaves registry.sqlite as it was, moved again at the next open.
Result<std::unique_ptr<RegistryKv>> MoveRegistrySqlite(const std::string& dir) {
  const std::string path = dir + "/registry.sqlite";
  SCITT_ASSIGN_OR_RETURN(std::unique_ptr<RegistryKv> kv, RegistryKv::OpenEmpty(dir + "/registry.kv"));
  const auto start = std::chrono::steady_clock::now();
  RegistryDb::Moved moved;
  {
    SCITT_ASSIGN_OR_RETURN(const std::unique_ptr<RegistryDb> old, RegistryDb::Open(path));
    SCITT_ASSIGN_OR_RETURN(moved, old->MoveInto(*kv));
  }  // closed: checkpointed, its WAL gone
  SCITT_RETURN_IF_ERROR(embedded::PutFormatMarker(path, kRegistryKvFormat));
  logging::Info("registry.sqlite moved into registry.kv",
                {{"blob_links", moved.blob_links},
                 {"manifests", moved.manifests},
                 {"tags", moved.tags},
                 {"log_entries", moved.log_entries},
                 {"seconds", std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()}});
  return kv;
}

Result<std::unique_ptr<registry::RegistryStore>> OpenRegistryMetadata(const std::string& dir) {
  SCITT_ASSIGN_OR_RETURN(const std::optional<int64_t> format,
                         embedded::SqliteFormat(dir + "/registry.sqlite", /*read_only=*/false));
  if (format && *format != kRegistryKvFormat) {
    SCITT_ASSIGN_OR_RETURN(std::unique_ptr<RegistryKv> moved, MoveRegistrySqlite(dir));
    return std::unique_ptr<registry::RegistryStore>(std::move(moved));
  }
  SCITT_ASSIGN_OR_RETURN(std::unique_ptr<RegistryKv> kv, RegistryKv::Open(dir + "/registry.kv"));
  if (!format) {  // a new directory (or one from before the registry): marked once the store exists
    SCITT_RETURN_IF_ERROR(embedded::PutFormatMarker(dir + "/registry.sqlite", kRegistryKvFormat));
  }
  return std::unique_ptr<registry::RegistryStore>(std::move(kv));
}

// Read-only, as audits are: a registry.sqlite of an older format is moved
// into a store in `scratch`, from a copy there when it needs upgrading.
Result<std::unique_ptr<registry::RegistryStore>> OpenRegistryMetadataForAudit(const std::string& dir,
                                                                              const std::string& scratch) {
  SCITT_ASSIGN_OR_RETURN(const std::optional<int64_t> format,
                         embedded::SqliteFormat(dir + "/registry.sqlite", /*read_only=*/true));
  std::error_code ec;
  if (format && *format == kRegistryKvFormat && std::filesystem::exists(dir + "/registry.kv", ec)) {
    SCITT_ASSIGN_OR_RETURN(std::unique_ptr<RegistryKv> kv, RegistryKv::OpenForAudit(dir + "/registry.kv"));
    return std::unique_ptr<registry::RegistryStore>(std::move(kv));
  }
  // No registry yet, or one to move: a store of the scratch directory.
  SCITT_ASSIGN_OR_RETURN(std::unique_ptr<RegistryKv> kv, RegistryKv::OpenEmpty(scratch + "/registry.kv"));
  if (format && *format != kRegistryKvFormat) {
    SCITT_ASSIGN_OR_RETURN(const std::unique_ptr<RegistryDb> old,
                           RegistryDb::OpenForAudit(dir + "/registry.sqlite", scratch));
    if (auto moved = old->MoveInto(*kv); !moved.ok()) return moved.error();
  }
  return std::unique_ptr<registry::RegistryStore>(std::move(kv));
}

}  // namespace

Result<RegistryStores> OpenRegistryStores(const std::string& setting, RegistryStoreOptions options) {
  SCITT_ASSIGN_OR_RETURN(const std::string dir, EmbeddedDirectory(setting));
  RegistryStores stores;
  BlobFilesOptions blob_options;
  blob_options.max_uploads = options.max_uploads;
  blob_options.upload_expiry = options.upload_expiry;
  blob_options.max_upload_bytes = options.max_blob_bytes;
  SCITT_ASSIGN_OR_RETURN(stores.blobs, BlobFiles::Open(dir, blob_options));
  SCITT_ASSIGN_OR_RETURN(stores.metadata, OpenRegistryMetadata(dir));
  return stores;
}

Result<RegistryStores> OpenRegistryStoresForAudit(const std::string& setting, const std::string& scratch) {
  SCITT_ASSIGN_OR_RETURN(const std::string dir, EmbeddedDirectory(setting));
  RegistryStores stores;
  SCITT_ASSIGN_OR_RETURN(stores.blobs, BlobFiles::OpenForAudit(dir, scratch));
  SCITT_ASSIGN_OR_RETURN(stores.metadata, OpenRegistryMetadataForAudit(dir, scratch));
  return stores;
}

Result<std::unique_ptr<evidence::EvidenceStore>> OpenEvidenceStore(const std::string& setting) {
  SCITT_ASSIGN_OR_RETURN(const std::string dir, EmbeddedDirectory(setting));
  SCITT_ASSIGN_OR_RETURN(std::unique_ptr<EvidenceDb> store, EvidenceDb::Open(dir + "/evidence.sqlite"));
  return std::unique_ptr<evidence::EvidenceStore>(std::move(store));
}

Result<EvidenceRebuild> RebuildEvidenceStore(const std::string& setting, std::vector<std::string> base_urls,
                                             const std::function<void(uint64_t)>& progress, bool check) {
  SCITT_ASSIGN_OR_RETURN(const std::string dir, EmbeddedDirectory(setting));
  StoreOptions options;
  options.read_only = true;  // shares the directory lock: refused while a service writes there
  SCITT_ASSIGN_OR_RETURN(std::unique_ptr<log::LogStore> log, OpenStore(setting, options));
  const std::string target = dir + "/evidence.sqlite";
  // The registry's files are only read, and --check is an audit: it writes
  // nothing in the data directory. What needs recovering or upgrading
  // before it can be read is copied to a private directory
  // (embedded::PathForAudit), and --check builds its index there too.
  if (check && !std::filesystem::exists(target)) return MakeError(ErrorCode::kNotFound, "no evidence index in " + dir);
  SCITT_ASSIGN_OR_RETURN(const std::unique_ptr<TemporaryDirectory> scratch, TemporaryDirectory::Make("scitt-rebuild-"));
  const std::string fresh = check ? scratch->path() + "/evidence.sqlite.rebuild" : target + ".rebuild";
  for (const char* suffix : {"", "-wal", "-shm"}) {
    if (std::remove((fresh + suffix).c_str()) != 0 && errno != ENOENT) {
      return MakeError(ErrorCode::kIo, "cannot remove " + fresh + suffix + ": " + std::strerror(errno));
    }
  }
  EvidenceRebuild out;
  std::string live = target;  // what --check compares the rebuild with
  // Without URLs given, the ones the index being replaced was derived with
  // (a service's --url), so that the same log gives the same index.
  if (check || (base_urls.empty() && std::filesystem::exists(target))) {
    SCITT_ASSIGN_OR_RETURN(std::unique_ptr<EvidenceDb> current,
                           check ? EvidenceDb::OpenForAudit(target, scratch->path(), &live) : EvidenceDb::Open(target));
    if (base_urls.empty()) {
      SCITT_ASSIGN_OR_RETURN(const std::string derivation, current->Derivation());
      base_urls = evidence::StatementIndexer::BaseUrlsOf(derivation);
    }
  }
  out.base_urls = base_urls;
  {
    SCITT_ASSIGN_OR_RETURN(std::unique_ptr<EvidenceDb> store, EvidenceDb::Open(fresh));
    SCITT_ASSIGN_OR_RETURN(const RegistryStores registry, OpenRegistryStoresForAudit(dir, scratch->path()));
    const evidence::RegistryPreimages preimages(*registry.blobs, *registry.metadata, std::move(base_urls));
    evidence::StatementIndexer indexer(*store, &preimages);
    SCITT_RETURN_IF_ERROR(indexer.Prepare());  // records what derives it
    constexpr uint64_t kChunk = 1000;  // entries read (and indexed, and saved) together
    const uint64_t size = log->size();
    for (uint64_t start = 0; start < size; start += kChunk) {
      const uint64_t count = std::min(kChunk, size - start);
      SCITT_ASSIGN_OR_RETURN(std::vector<log::LogEntry> entries, log->Entries(start, count, log::kMapStatementsFrom));
      for (log::LogEntry& entry : entries) SCITT_RETURN_IF_ERROR(indexer.Consume(std::move(entry)));
      SCITT_RETURN_IF_ERROR(indexer.SaveCursor(start + count));
      out.entries = start + count;
      if (progress) progress(out.entries);
    }
    SCITT_ASSIGN_OR_RETURN(const EvidenceDb::Counts counts, store->CountRows());
    out.statements = counts.statements;
    out.edges = counts.edges;
    out.errors = counts.indexing_errors;
  }  // closed: its WAL is checkpointed into the file and removed
  if (check) {
    SCITT_ASSIGN_OR_RETURN(const EvidenceDb::Differences compared, EvidenceDb::Compare(live, fresh));
    out.differences = EvidenceRebuild::Differences{compared.compared_size, compared.statements_only_in_live,
                                                   compared.statements_only_in_rebuilt,
                                                   compared.edges_only_in_live, compared.edges_only_in_rebuilt};
    return out;
  }
  // The old index's WAL must not outlive it: a new file under its name would
  // read the stale frames as its own. Opening and closing it checkpoints
  // the WAL into it and removes it; then the new file takes the name.
  if (std::filesystem::exists(target)) {
    SCITT_ASSIGN_OR_RETURN(std::unique_ptr<EvidenceDb> old, EvidenceDb::Open(target));
  }
  for (const char* suffix : {"-wal", "-shm"}) std::remove((target + suffix).c_str());
  if (std::rename(fresh.c_str(), target.c_str()) != 0) {
    return MakeError(ErrorCode::kIo, "cannot rename " + fresh + " to " + target + ": " + std::strerror(errno));
  }
  SCITT_RETURN_IF_ERROR(SyncDirectory(dir));
  return out;
}

}  // namespace scitt::storage
