// The embedded log store (DESIGN.md §4): one data directory, SQLite in WAL
// mode for the index, the lookups by hash and metadata, append-only files for
// statements and Merkle nodes (format.h). No server and no setup.
//
// Beyond log::LogStore's contract:
// - One writer per directory: Open() locks it (flock) for its process; a
//   second writer is refused (kConflict) and so can never append.
// - Durability: AppendBatch's commit is the durability point (format.h). The
//   node files are fdatasynced by the first batch after Open() and then by
//   the first batch at least node_sync_interval after the last sync
//   (options.clock decides); nodes a crash lost are recomputed at the next
//   Open() from the committed entry hashes.
// - Lookups (FindEntry, FindSignedContent, the duplicate check of
//   AppendBatch): a batch's go to memory before it becomes visible, and a
//   thread of the store moves them to lookup.sqlite every
//   options.lookup_write_interval (and when the store closes). At most
//   options.max_lookups_in_memory entries wait there: beyond, AppendBatch
//   waits for the thread, or fails (writing nothing) while lookup.sqlite
//   cannot be written; Recover() then fails until a retried write works.
//   Lookups a crash kept out of lookup.sqlite are recomputed at the next
//   Open() (options.signed_content_of; without it, such a directory is
//   refused read-write).
// - Open() believes SQLite alone: bytes past the committed state are cut off,
//   and a file shorter than its durable part is damage (Open refuses).
// - Format: format.h. An older directory is upgraded in place by a
//   read-write Open (format 1 needs options.signed_content_of), and read as
//   it is by a read-only one.
// - Concurrency: readers never wait for a commit; each reading thread
//   borrows a SQLite connection from a small pool and reads files with pread.
#pragma once

#include <memory>
#include <string>

#include "log/log_store.h"
#include "storage/store.h"

namespace scitt::storage {

class EmbeddedStore final : public log::LogStore {
 public:
  // Opens the store in `data_dir`, creating the directory and an empty log
  // when missing, and recovers it as described above. kConflict when another
  // process has the directory open; kIo when it is damaged or has an unknown
  // format version.
  //
  // Read-only (options.read_only): creates, writes, truncates, rebuilds and
  // locks for writing nothing. kNotFound when the directory holds no log;
  // kConflict while a writer has it open (other readers may read along).
  // Leftovers of an uncommitted batch are ignored, unsynced nodes are
  // recomputed in memory, and an index whose WAL holds frames (the writer
  // was killed) is read from a private copy in the temporary directory,
  // removed when the store closes. lookup.sqlite is read the same way at the
  // first lookup; the entries it lacks (or all, when it is missing or
  // unreadable) are then indexed in memory, their signed contents through
  // options.signed_content_of (without it, FindSignedContent answers
  // kUnsupported for a content it cannot rule out).
  static Result<std::unique_ptr<EmbeddedStore>> Open(const std::string& data_dir,
                                                     StoreOptions options = {});
  ~EmbeddedStore() override;

  EmbeddedStore(const EmbeddedStore&) = delete;
  EmbeddedStore& operator=(const EmbeddedStore&) = delete;

  // An entry hash or signed content already in the log or the batch:
  // kInvalidArgument, nothing written.
  Status AppendBatch(std::span<const log::LogEntry> entries, std::span<const log::NodeWrite> nodes,
                     const log::TreeHead& head) override;
  // Truncates what a failed batch wrote. Fails (and AppendBatch keeps failing)
  // after a commit whose outcome SQLite could not report: only a reopen, which
  // replays the WAL, tells whether that batch is durable. Fails too while
  // lookup.sqlite cannot be written (it tries again first).
  Status Recover() override;

  uint64_t size() const override;
  Result<log::TreeHead> LatestTreeHead() const override;
  Result<log::TreeHead> TreeHeadAt(uint64_t tree_size) const override;
  Result<uint64_t> SignedSizeAtOrAfter(uint64_t tree_size) const override;

  Result<log::LogEntry> Entry(uint64_t index) const override;
  Result<std::vector<log::LogEntry>> Entries(uint64_t start, uint64_t count,
                                             size_t map_statements_from = SIZE_MAX) const override;
  Result<std::vector<crypto::Sha256Digest>> EntryHashes(uint64_t start,
                                                        uint64_t count) const override;
  Result<std::optional<uint64_t>> FindEntry(const crypto::Sha256Digest& entry_hash) const override;
  // kUnsupported for a format-1 directory opened read-only (format 1 did not
  // record signed contents; a read-write open upgrades it).
  Result<std::optional<uint64_t>> FindSignedContent(
      const crypto::Sha256Digest& signed_content) const override;
  // On the writer's connection (its cache then serves the inserts).
  Result<std::vector<std::optional<uint64_t>>> FindEntriesToAppend(
      std::span<const crypto::Sha256Digest> signed_contents) const override;
  // The rows of lookup.sqlite (older formats: of index.sqlite's lookups)
  // below the size they cover.
  Result<log::LookupCounts> CountLookups() const override;

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
