// A RocksDB database (Debian's librocksdb) as the embedded store uses it:
// registry.kv (registry_kv.h) and blobs.kv (small_blobs.h). RocksDB appends
// every change to its write-ahead log and sorts them into its files in the
// background, where SQLite's B-trees put each digest key on a page of its
// own. A change is applied at once (visible to readers) and made durable by
// Sync, which fsyncs the write-ahead log once for every change waiting.
// Private to storage/embedded.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/result.h"

namespace rocksdb {
class DB;
class Iterator;
class Status;
class WriteBatch;
}  // namespace rocksdb

namespace scitt::storage::embedded {

class KvStore {
 public:
  // Creates the database when `path` does not exist.
  static Result<std::unique_ptr<KvStore>> Open(const std::string& path);
  // For audits: RocksDB's read-only open (its write-ahead log replayed in
  // memory, nothing written). Every Apply fails.
  static Result<std::unique_ptr<KvStore>> OpenForAudit(const std::string& path);
  // The same, emptied first (what an interrupted move left).
  static Result<std::unique_ptr<KvStore>> OpenEmpty(const std::string& path);
  ~KvStore();

  // Applies `batch`: visible at once, durable once Sync(the answer)
  // returns. The answer counts the changes applied so far.
  Result<uint64_t> Apply(rocksdb::WriteBatch& batch);
  // Returns once the first `upto` changes applied are durable: the caller
  // that finds no sync running fsyncs the WAL for all the others waiting.
  Status Sync(uint64_t upto);
  // The same without holding the caller's thread: `then` gets Sync's
  // answer, at once when those changes are durable already, else on the
  // store's syncer thread, which syncs once for every change waiting. A
  // registry worker that waited for each upload's fsync slept and woke for
  // it: 11 context switches a statement push (perf, 2026-12-07). `then`
  // must not block; the syncer runs what is queued before the store closes.
  void SyncThen(uint64_t upto, std::function<void(Status)> then);

  Result<std::optional<std::string>> Get(const std::string& key) const;
  // Whether some key starts with `prefix`.
  Result<bool> AnyWithPrefix(const std::string& prefix) const;
  // An iterator over the keys in byte order (check its status() at the end).
  std::unique_ptr<rocksdb::Iterator> Iterate() const;

 private:
  KvStore(std::unique_ptr<rocksdb::DB> db, bool read_only);

  void RunSyncer();

  std::unique_ptr<rocksdb::DB> db_;
  const bool read_only_;
  std::mutex sync_mu_;
  std::condition_variable synced_;
  bool syncing_ = false;
  uint64_t applied_ = 0;  // changes applied
  uint64_t durable_ = 0;  // of which durable
  // SyncThen's: what waits, and the thread (started by the first) that
  // syncs for it.
  struct Waiting {
    uint64_t upto;
    std::function<void(Status)> then;
  };
  std::condition_variable waiting_added_;
  std::vector<Waiting> waiting_;
  bool closing_ = false;
  std::thread syncer_;
};

// kIo with RocksDB's message for a failed status.
Status FromRocks(const rocksdb::Status& status, std::string_view what);

// The format version (PRAGMA user_version) of the SQLite file `path`;
// nullopt when there is none.
Result<std::optional<int64_t>> SqliteFormat(const std::string& path, bool read_only);
// Puts an empty SQLite file of format `version` at `path`, in place of the
// database there (whose WAL and shared memory go first, so that none of its
// frames is ever read as the new file's), and fsyncs the directory. Where a
// KV store replaced a SQLite file, this keeps the builds before, which know
// lower versions only, from starting an empty store beside it.
Status PutFormatMarker(const std::string& path, int64_t version);

}  // namespace scitt::storage::embedded
