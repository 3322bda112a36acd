// Opening a log store from one setting (DESIGN.md §4): the backends behind
// log::LogStore, chosen by a string an operator writes in a configuration.
//
//   file:DIR         the embedded store in data directory DIR (SQLite + files)
//   DIR              the same (a bare path)
//   postgres://…     PostgreSQL (not built yet: kUnsupported)
//
// Every backend passes the conformance suite in tests/storage/.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "base/bytes.h"
#include "base/clock.h"
#include "base/result.h"
#include "crypto/hash.h"
#include "evidence/evidence_store.h"
#include "log/log_store.h"
#include "registry/blob_store.h"
#include "registry/registry_store.h"

namespace scitt::storage {

struct StoreOptions {
  // For auditors and `scitt log fsck`: the store changes nothing where it
  // lives, refuses a place that holds no log (kNotFound) instead of creating
  // one, and answers every write with kUnsupported.
  bool read_only = false;
  // Monotonic time for the store's periodic work; steady_clock when empty.
  MonotonicClock clock;
  // Embedded: how often a batch also fdatasyncs the Merkle node files.
  // Longer means less work per batch and more nodes to recompute after a
  // crash.
  std::chrono::milliseconds node_sync_interval{1000};
  // Embedded: how often the lookups of new entries (by entry hash and by
  // signed content) move from memory to lookup.sqlite, and how many entries
  // may wait in memory; beyond, appends wait for them (and fail while they
  // cannot be written). A crash loses them from lookup.sqlite, and the next
  // read-write open recomputes them from the entries.
  std::chrono::milliseconds lookup_write_interval{1000};
  size_t max_lookups_in_memory = 1 << 18;
  // Embedded: once lookup.sqlite's tables hold this many entries, their rows
  // move to a sorted run (format.h: lookups/), so that the tables stay small
  // and a batch's random keys share their pages.
  size_t lookup_rows_per_run = 1 << 16;
  // For tests: called on the thread that merges runs, before each merge it
  // writes (a test holds it to show that appends do not wait for merges).
  std::function<void()> before_run_merge;
  // How to compute an entry's signed content (log::LogEntry::signed_content)
  // from its registered statement: log::SignedContentOf. The embedded store
  // needs it to upgrade a directory written before signed contents were
  // recorded (format 1), and to recompute the lookups of entries a crash
  // kept out of lookup.sqlite; without it, such a directory refuses to open
  // read-write, and read-only it cannot find those entries by signed
  // content. Stores never interpret statements otherwise.
  std::function<Result<crypto::Sha256Digest>(ByteView statement)> signed_content_of;
};

// Opens (read-write: creating when new) the store `setting` names.
// kInvalidArgument for a setting that names no backend, kUnsupported for a
// backend this build lacks; otherwise what the backend's Open answers.
Result<std::unique_ptr<log::LogStore>> OpenStore(const std::string& setting,
                                                 StoreOptions options = {});

// The registry's stores in the place `setting` names (the same setting as
// OpenStore): for file:DIR, blob files under DIR/blobs and DIR/uploads (small
// blobs in DIR/blobs.sqlite) and the metadata in DIR/registry.kv, or in
// DIR/registry.sqlite for a directory an older build began (store.cc).
struct RegistryStores {
  std::unique_ptr<registry::BlobStore> blobs;
  std::unique_ptr<registry::RegistryStore> metadata;
};
struct RegistryStoreOptions {
  size_t max_uploads = 1024;                    // upload sessions open at once
  std::chrono::seconds upload_expiry{3600};     // an idle session is dropped after this
  uint64_t max_blob_bytes = uint64_t{64} << 30;  // bytes one upload may hold
};
Result<RegistryStores> OpenRegistryStores(const std::string& setting, RegistryStoreOptions options = {});
// The same for audits: reads the place and never writes it. What must be
// recovered, upgraded or moved first is, in `scratch` (a directory of the
// caller's, kept while the stores are open). Every change fails, or lands
// in `scratch`.
Result<RegistryStores> OpenRegistryStoresForAudit(const std::string& setting, const std::string& scratch);

// The evidence store in the place `setting` names: for file:DIR,
// DIR/evidence.sqlite.
Result<std::unique_ptr<evidence::EvidenceStore>> OpenEvidenceStore(const std::string& setting);

// `scitt index rebuild`: indexes every entry of the log in `setting` again,
// from the log alone, into a new evidence store, and puts it in place of the
// old one at the end (for file:DIR, DIR/evidence.sqlite.rebuild renamed over
// DIR/evidence.sqlite once complete: an interrupted rebuild leaves the old
// index whole). The log is opened read-only, so a running service on the
// same directory makes it fail with kConflict. `progress` is called after
// each chunk of entries with the number indexed so far. Hash envelopes'
// preimages are read from the registry in the same place, recognising the
// locations under `base_urls` (the service's --url) as the service does;
// the registry's files are only read (after a crash or from an older
// format, a copy of them in a temporary directory, recovered there).
//
// With `check`, the new index is compared with the one in place instead of
// replacing it (an auditor's "would the log alone give this index?");
// `differences` says how many rows either holds alone. A check writes
// nothing in the data directory: the new index, and copies of live files
// that must be recovered or upgraded to be read, are made in a temporary
// directory and removed.
struct EvidenceRebuild {
  uint64_t entries = 0;     // log entries read
  uint64_t statements = 0;  // of them, statements indexed
  uint64_t edges = 0;       // graph edges their payloads gave
  uint64_t errors = 0;      // payloads that broke their format (indexing_error)
  // The URLs under which payload-locations were this registry's: those
  // given, else those the replaced index was derived with.
  std::vector<std::string> base_urls;
  struct Differences {
    uint64_t compared_size = 0;  // entries below it were compared
    uint64_t statements_only_in_live = 0, statements_only_in_rebuilt = 0;
    uint64_t edges_only_in_live = 0, edges_only_in_rebuilt = 0;
  };
  std::optional<Differences> differences;  // with `check`
};
Result<EvidenceRebuild> RebuildEvidenceStore(const std::string& setting, std::vector<std::string> base_urls,
                                             const std::function<void(uint64_t)>& progress = {},
                                             bool check = false);

}  // namespace scitt::storage
