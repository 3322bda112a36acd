// The embedded store's state, shared by its two source files:
// embedded_store.cc (appends and reads) and embedded_store_open.cc (opening,
// recovery, the read-only mode). Internal to the backend.
#pragma once

#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "storage/embedded/embedded_store.h"
#include "storage/embedded/file_io.h"
#include "storage/embedded/format.h"
#include "storage/embedded/node_files.h"
#include "storage/embedded/sqlite.h"

namespace scitt::storage::embedded {

constexpr size_t kMaxIdleReaders = 8;

constexpr const char* kHeadColumns =
    "tree_size, root, timestamp, receipt_protected, receipt_signature, checkpoint";
constexpr const char* kEntryHashesSql =
    "SELECT hash FROM entries WHERE idx >= ? AND idx < ? ORDER BY idx";

Error NotFound(std::string message);
// A tree head from a row of kHeadColumns.
Result<log::TreeHead> HeadFromRow(const Query& q);
// Entry hashes [start, start + count) through `query` (kEntryHashesSql).
Result<std::vector<crypto::Sha256Digest>> ReadEntryHashes(const Statement& query, sqlite3* db,
                                                          uint64_t start, uint64_t count);

}  // namespace scitt::storage::embedded

namespace scitt::storage {

struct EmbeddedStore::State {
  // A reading thread's connection with its prepared queries.
  struct Reader {
    embedded::Connection conn;  // declared first: destroyed after its statements
    embedded::Statement entry, entry_hashes, find, head_at, size_at_or_after, meta;
    embedded::Statement find_signed;  // prepared when the format records signed contents
  };

  // A read-only store's private copy of the index (see OpenIndexReadOnly),
  // removed at close.
  struct PrivateCopy {
    std::string dir;
    ~PrivateCopy() {
      std::error_code ec;
      if (!dir.empty()) std::filesystem::remove_all(dir, ec);
    }
  };

  State(std::string dir_in, const StoreOptions& options)
      : dir(std::move(dir_in)),
        read_only(options.read_only),
        node_sync_interval(options.node_sync_interval),
        clock(options.clock ? options.clock : SystemMonotonicClock()),
        signed_content_of(options.signed_content_of),
        readers([this] { return OpenReader(); }, embedded::kMaxIdleReaders),
        node_files(dir, read_only, size) {}

  std::string Path(const std::string& name) const { return dir + "/" + name; }

  // Open(), read-write: creates the directory and the index when missing,
  // locks the directory for this process alone and prepares the writer.
  Status OpenIndexForWriting();
  // Open(), read-only: locks the directory shared and chooses what the
  // connections read (index_path), changing nothing in the directory.
  Status OpenIndexReadOnly();
  // Open(), read-write, format 1: fills signed_contents from the stored
  // statements and makes the index format 2, in one transaction.
  Status UpgradeFromVersion1();
  // Open(): the committed state as SQLite holds it (latest, statements_end,
  // the node files' synced size); returns the committed size.
  Result<uint64_t> LoadCommittedState(uint64_t* nodes_synced);
  // Open(): the statements file, checked (read-write: trimmed) against the
  // committed state.
  Status OpenStatements(uint64_t committed);
  // Open(): recomputes the nodes a crash may have lost and, read-write,
  // records them as synced.
  Status RebuildUnsyncedNodes(uint64_t committed);
  // A new reading session for the pool.
  Result<std::unique_ptr<Reader>> OpenReader() const;
  // Cuts the files back to the committed state (writer, under write_mu).
  Status DiscardUncommitted();
  // Writer: meta nodes_synced_size = `size`, in the transaction in progress
  // if there is one.
  Status RecordNodesSynced(uint64_t size);
  // The refusal of every write to a read-only store.
  Error ReadOnly(const std::string& what) const {
    return MakeError(ErrorCode::kUnsupported,
                     "embedded store: " + what + ": " + dir + " is open read-only");
  }

  PrivateCopy private_copy;  // declared first: removed after every connection closed
  const std::string dir;
  const bool read_only;
  const std::chrono::milliseconds node_sync_interval;
  const MonotonicClock clock;
  const std::function<Result<crypto::Sha256Digest>(ByteView)> signed_content_of;
  int64_t format_version = 0;  // of the index, set once by Open
  std::string index_path;  // what connections open: index.sqlite, or its private copy
  embedded::Fd lock_file;   // flock()ed while open (shared when read-only)
  embedded::Fd statements;  // the statements file, read with pread by any thread

  // Held by AppendBatch, Recover and PutMeta for their whole duration: they
  // are the only users of `writer` and the statements below, and the only
  // writers of the files.
  std::mutex write_mu;
  embedded::Connection writer;
  embedded::Statement begin, commit, rollback, durable_size, insert_entry, insert_signed_content,
      insert_head, put_meta, find_for_append;
  uint64_t statements_end = 0;  // committed length of the statements file
  // When the node files were last synced; empty until the first batch after
  // Open, which always syncs (the rule never depends on the clock's epoch).
  std::optional<std::chrono::steady_clock::time_point> last_node_sync;
  // Set when a COMMIT failed (SQLite may or may not replay that batch at the
  // next open) or the database moved under this store: nothing may be
  // appended before a reopen.
  std::string poisoned;

  // The committed size: every read is bounded by it, so a batch is invisible
  // until its commit has returned and this moves (release).
  std::atomic<uint64_t> size{0};
  mutable std::mutex head_mu;  // guards `latest`; held only to copy it
  std::optional<log::TreeHead> latest;

  embedded::SessionPool<Reader> readers;
  embedded::NodeFiles node_files;  // reads bounded by `size`
};

}  // namespace scitt::storage
