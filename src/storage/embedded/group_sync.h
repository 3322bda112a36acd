// Group commit for a SQLite database in WAL mode with synchronous=NORMAL:
// after its commit, each writer calls Sync(), and one fdatasync of the WAL
// file covers every commit made before it (the WAL is appended in commit
// order, and fsync flushes the file's pages whoever wrote them). A writer
// answers only after Sync() returns, so an acknowledged change survives a
// crash, and concurrent writers share the fsync instead of queueing for one
// each (synchronous=FULL syncs inside every commit, holding the connection).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>

#include "base/result.h"
#include "storage/embedded/file_io.h"

namespace scitt::storage::embedded {

class WalGroupSync {
 public:
  explicit WalGroupSync(std::string wal_path) : wal_path_(std::move(wal_path)) {}

  // Call after a commit, without holding the connection: returns once that
  // commit (and every one before it) is durable.
  Status Sync();

 private:
  const std::string wal_path_;
  std::atomic<uint64_t> commits_{0};
  std::mutex mu_;  // guards the four below
  std::condition_variable done_;
  bool syncing_ = false;
  uint64_t synced_ = 0;
  Fd wal_;  // opened at the first Sync: SQLite creates the file at its first commit
};

}  // namespace scitt::storage::embedded
