// The embedded log store (DESIGN.md §4): SQLite in WAL mode for the index and
// metadata, append-only files for statements and Merkle nodes, all in one data
// directory. No server and no setup.
//
// Data directory layout (format version 1, PRAGMA user_version):
//   LOCK            flock()ed while the store is open: one process per directory
//   index.sqlite    (+ -wal, -shm), synchronous=FULL:
//                     entries(idx INTEGER PRIMARY KEY, hash UNIQUE, offset, length,
//                             registered_at, policy_index, collateral)
//                     tree_heads(tree_size INTEGER PRIMARY KEY, root, timestamp,
//                                receipt_protected, receipt_signature, checkpoint)
//                     meta(key PRIMARY KEY, value) WITHOUT ROWID
//   statements      the registered statements back to back; entry i is the bytes
//                   [offset, offset + length) of its entries row
//   nodes/NN        Merkle level NN (decimal, two digits): complete node i at byte
//                   32·i; a tree of size n has exactly n >> NN nodes there
//
// Durability: AppendBatch writes statements and nodes past the committed ends of
// their files and fdatasyncs the statements, then commits the entries rows and
// the tree head in one SQLite transaction. That commit is the durability point.
// The node files, derived data, are fdatasynced by the first batch after
// Open() and then by the first batch at least node_sync_interval after the
// last sync (options.clock decides), which records the size they are durable
// up to (meta "nodes_synced_size", in its own commit). Open() believes SQLite alone: file
// bytes beyond what the latest tree head covers are leftovers of a batch that
// never committed and are truncated; nodes beyond the synced size are
// recomputed from the committed entry hashes (the log then checks the root
// against the signed tree head); a file shorter than its durable part is
// damage, and Open refuses to start.
//
// Concurrency (log::LogStore's contract): readers never wait for a commit. Each
// reading thread borrows a SQLite connection from a small pool and reads files
// with pread; a batch becomes visible only when the committed size moves, which
// happens after its commit.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "base/clock.h"
#include "log/log_store.h"

namespace scitt::storage {

struct EmbeddedStoreOptions {
  // How often a batch also fdatasyncs the Merkle node files. Longer means
  // less work per batch and more nodes to recompute after a crash.
  std::chrono::milliseconds node_sync_interval{1000};
  // What "now" is for node_sync_interval; steady_clock::now() when empty.
  MonotonicClock clock;
  // For auditors: the store changes nothing in the directory (see Open).
  bool read_only = false;
};

class EmbeddedStore final : public log::LogStore {
 public:
  // Opens the store in `data_dir`, creating the directory and an empty log when
  // missing, and recovers it as described above. kIo when the directory is in
  // use by another process, is damaged, or has an unknown format version.
  //
  // Read-only (options.read_only): creates, writes, truncates and rebuilds
  // nothing. kNotFound when the directory holds no log; kIo when a service
  // has it open. Leftovers of an uncommitted batch are ignored, unsynced
  // nodes are recomputed in memory, and an index whose WAL holds committed
  // batches is read from a private copy in the temporary directory.
  // AppendBatch, Recover, PutMeta and FindEntriesToAppend answer kUnsupported.
  static Result<std::unique_ptr<EmbeddedStore>> Open(const std::string& data_dir,
                                                     EmbeddedStoreOptions options = {});
  ~EmbeddedStore() override;

  EmbeddedStore(const EmbeddedStore&) = delete;
  EmbeddedStore& operator=(const EmbeddedStore&) = delete;

  Status AppendBatch(std::span<const log::LogEntry> entries, std::span<const log::NodeWrite> nodes,
                     const log::TreeHead& head) override;
  // Truncates what a failed batch wrote. Fails (and AppendBatch keeps failing)
  // after a commit whose outcome SQLite could not report: only a reopen, which
  // replays the WAL, tells whether that batch is durable.
  Status Recover() override;

  uint64_t size() const override;
  Result<log::TreeHead> LatestTreeHead() const override;
  Result<log::TreeHead> TreeHeadAt(uint64_t tree_size) const override;
  Result<uint64_t> SignedSizeAtOrAfter(uint64_t tree_size) const override;

  Result<log::LogEntry> Entry(uint64_t index) const override;
  Result<std::vector<crypto::Sha256Digest>> EntryHashes(uint64_t start,
                                                        uint64_t count) const override;
  Result<std::optional<uint64_t>> FindEntry(const crypto::Sha256Digest& entry_hash) const override;
  // On the writer's connection (its cache then serves the inserts).
  Result<std::vector<std::optional<uint64_t>>> FindEntriesToAppend(
      std::span<const crypto::Sha256Digest> hashes) const override;

  // Reads nodes/NN with pread; kNotFound beyond the committed size.
  const merkle::NodeSource& nodes() const override;

  Result<std::optional<std::string>> GetMeta(const std::string& key) const override;
  // Committed (durable) when it returns OK.
  Status PutMeta(const std::string& key, const std::string& value) override;

 private:
  EmbeddedStore();
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace scitt::storage
