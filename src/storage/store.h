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
#include "log/log_store.h"

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
  // How to compute an entry's signed content (log::LogEntry::signed_content)
  // from its registered statement: log::SignedContentOf. Needed only to
  // upgrade a store written before signed contents were recorded (embedded
  // format 1), which without it refuses to open read-write. Stores never
  // interpret statements otherwise.
  std::function<Result<crypto::Sha256Digest>(ByteView statement)> signed_content_of;
};

// Opens (read-write: creating when new) the store `setting` names.
// kInvalidArgument for a setting that names no backend, kUnsupported for a
// backend this build lacks; otherwise what the backend's Open answers.
Result<std::unique_ptr<log::LogStore>> OpenStore(const std::string& setting,
                                                 StoreOptions options = {});

}  // namespace scitt::storage
