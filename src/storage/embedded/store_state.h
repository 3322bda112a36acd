// The embedded store's state, shared by its source files: embedded_store.cc
// (appends and reads), embedded_store_open.cc (opening, recovery, the
// read-only mode) and lookups_write.cc and lookups_read.cc (lookup.sqlite). Internal to the backend.
#pragma once

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <cstring>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "storage/embedded/digest_filter.h"
#include "storage/embedded/embedded_store.h"
#include "storage/embedded/file_io.h"
#include "storage/embedded/format.h"
#include "storage/embedded/lookup_runs.h"
#include "storage/embedded/node_files.h"
#include "storage/embedded/sqlite.h"

namespace scitt::storage::embedded {

constexpr size_t kMaxIdleReaders = 8;

constexpr const char* kHeadColumns =
    "tree_size, root, timestamp, receipt_protected, receipt_signature, checkpoint";
constexpr const char* kEntryHashesSql =
    "SELECT hash FROM entries WHERE idx >= ? AND idx < ? ORDER BY idx";

// SHA-256 outputs: any 8 of their bytes are a good hash.
struct DigestHasher {
  size_t operator()(const crypto::Sha256Digest& digest) const {
    size_t h;
    std::memcpy(&h, digest.data(), sizeof(h));
    return h;
  }
};
using DigestIndex = std::unordered_map<crypto::Sha256Digest, uint64_t, DigestHasher>;

// The two lookups (format.h: lookup.sqlite).
enum class Lookup { kEntryHash, kSignedContent };

Error NotFound(std::string message);
// PRAGMA user_version of `conn` (0 for a new, empty database at `path`).
Result<int64_t> FormatVersion(const Connection& conn, const std::string& path);
// The refusal of a database whose format version this build does not know;
// `newest` is the newest version of that database it reads.
Error UnknownVersion(const std::string& path, int64_t version, int64_t newest);
// Where an audit (`scitt index rebuild --check`) reads the SQLite file
// `path`, which the service writes and nothing may write now: `path` itself
// when it holds format `format` and its -wal no frames (the service stopped
// cleanly), to be opened with Connection::OpenImmutable. Otherwise a copy
// in the directory `scratch` (with the -wal: SQLite recovers it there),
// brought up to date by `update` (a read-write open and close of the copy,
// which checkpoints the WAL and upgrades the format); a missing `path` gives
// an empty file there, made by `update` too. `path` is only read.
Result<std::string> PathForAudit(const std::string& path, const std::string& scratch, int64_t format,
                                 const std::function<Status(const std::string&)>& update);
// PathForAudit, where `update` is a read-write `Db::Open` of the copy,
// closed at once (closing it checkpoints the copy's WAL).
template <typename Db>
Result<std::string> PathForAudit(const std::string& path, const std::string& scratch, int64_t format) {
  return PathForAudit(path, scratch, format, [](const std::string& copy) -> Status {
    auto updated = Db::Open(copy);
    return updated.ok() ? Status::Ok() : Status(updated.error());
  });
}
// PRAGMA journal_mode = WAL: readers never wait for the writer.
Status UseWal(const Connection& conn, const std::string& path);
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
    embedded::Statement entry, entries, entry_hashes, head_at, size_at_or_after, meta;
    // The lookups, prepared at this reader's first lookup (PrepareLookups):
    // on lookup.sqlite (format 3), or on `conn` (older formats read as they
    // are). find_signed and count_signed stay empty for format 1.
    bool lookups_prepared = false;
    embedded::Connection lookup_conn;  // format 3: declared before its statements
    embedded::Statement find, find_signed, count_entry_hashes, count_signed, read_covered;
  };

  // A lookup row of an entry: its keys and its index.
  struct LookupRow {
    crypto::Sha256Digest entry_hash{};
    crypto::Sha256Digest signed_content{};
    uint64_t index = 0;
  };

  // Lookups held in memory, for entries lookup.sqlite does not hold (yet).
  struct RecentLookups {
    std::vector<LookupRow> rows;  // in index order
    embedded::DigestIndex entry_hashes, signed_contents;
    // Adds `row`; an earlier entry keeps a signed content a later one repeats.
    void Add(const LookupRow& row) {
      rows.push_back(row);
      entry_hashes.emplace(row.entry_hash, row.index);
      signed_contents.emplace(row.signed_content, row.index);
    }
  };

  // A read-only store's private copies of index.sqlite and lookup.sqlite
  // (see OpenIndexReadOnly), removed at close.
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
        lookup_write_interval(options.lookup_write_interval),
        max_lookups_in_memory(options.max_lookups_in_memory),
        lookup_rows_per_run(std::max<size_t>(1, options.lookup_rows_per_run)),
        before_run_merge(options.before_run_merge),
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
  // Open(), read-write, format 1 or 2 (`version`): builds lookup.sqlite
  // from the entries, then makes the index format 3 (format.h).
  Status UpgradeToVersion3(int64_t version);
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
  // Open(), read-only: a private, recovered copy of `name` and its WAL in
  // the temporary directory (see OpenIndexReadOnly); returns its path.
  Result<std::string> PrivateCopyOf(const std::string& name);

  // lookups_write.cc and lookups_read.cc.
  // Read-write: opens lookup.sqlite (lookup_writer), creating it when
  // missing and recreating it when unreadable, and reads `covered`.
  Status OpenLookupsForWriting();
  // Read-write, before the lookup writer starts: makes lookup.sqlite hold
  // exactly the `committed` entries, from the entries (signed contents
  // computed from the statements, unless `signed_contents_copied`: an
  // upgrade from format 2 copied them).
  Status CatchUpLookups(uint64_t committed, bool signed_contents_copied = false);
  // Read-write, after CatchUpLookups: every key of lookup.sqlite (then the
  // whole log) into the writer's filters.
  Status FillKeyFilters(uint64_t committed);
  // Read-write: starts the lookup writer thread, once Open() is done.
  void StartLookupWriter();
  // Read-write: writes what is in memory and stops the lookup writer.
  void StopLookupWriter();
  // The lookup writer thread: moves `recent` rows into lookup.sqlite.
  void LookupWriterLoop();
  // The lookup writer does not wait for lookup_write_interval once this many
  // rows wait: a write of everything at the limit would be one very large
  // transaction, and appends would wait for it.
  size_t WriteEarlyAt() const { return std::max<size_t>(1, max_lookups_in_memory / 4); }
  // Lookup writer: `rows` into lookup.sqlite in one transaction, with
  // covered_size = `covered_size`.
  Status WriteLookups(const std::vector<LookupRow>& rows, uint64_t covered_size);
  // Writer, before a batch: kInvalidArgument when an entry of `rows`
  // repeats an entry hash or a signed content of the batch or of the log
  // (LogStore::AppendBatch: both are unique).
  Status CheckNewKeys(std::span<const LookupRow> rows);
  // Writer, before a batch: the index of each key (of kind `lookup`) that is
  // in the log, on the writer's own connection; keys the filters rule out
  // are not looked up.
  Result<std::vector<std::optional<uint64_t>>> FindForAppend(
      embedded::Lookup lookup, std::span<const crypto::Sha256Digest> keys);
  // Read-only, format 3: settles, once, what answers lookups: lookup.sqlite
  // (read_only_lookup_path) up to `covered`, and `recent` beyond.
  Status LoadReadOnlyLookups();
  // lookups_write.cc: the sorted runs (format.h). The runs lookup.sqlite
  // `db` records, opened from lookups/; with `remove_others`, files there
  // it does not record (a move or merge a crash interrupted) are removed.
  Result<embedded::RunList> OpenRuns(sqlite3* db, bool remove_others) const;
  // Lookup writer (and Open): moves the tables' rows to a new run once they
  // are lookup_rows_per_run.
  Status MoveRowsToRunIfDue();
  // Open(), before the threads start: merges four runs of a size into one
  // while some are due.
  Status MergeRunsIfDue();
  // A merge written and not yet recorded: `merged` replaces `inputs`.
  struct WrittenMerge {
    embedded::RunList inputs;
    std::shared_ptr<const embedded::LookupRun> merged;
  };
  // Writes the merge of the first tier holding four runs, if one does
  // (nothing recorded yet); gives up, removing its file, once `stop` is set.
  Result<std::optional<WrittenMerge>> WriteDueMerge(const std::atomic<bool>* stop);
  // Records `merge` in lookup.sqlite (durably; under lookup_writer_mu), then
  // publishes it and removes the inputs' files.
  Status RecordMerge(const WrittenMerge& merge);
  // The run merger thread: merges while some are due, when woken. A merge
  // rewrites every key of its inputs (gigabytes at the largest tiers of a
  // log of tens of millions of entries): on the lookup writer, appends
  // would wait for it once max_lookups_in_memory rows had piled up.
  void RunMergerLoop();
  void WakeRunMerger() {
    {
      std::lock_guard lock(merge_mu);
      merge_wanted = true;
    }
    merge_cv.notify_all();
  }
  // The runs readers search now (after lookup.sqlite's tables: a move
  // publishes its run before it empties them).
  std::shared_ptr<const embedded::RunList> Runs() const {
    std::lock_guard lock(runs_mu);
    return runs;
  }
  void SetRuns(embedded::RunList list) {
    auto shared = std::make_shared<const embedded::RunList>(std::move(list));
    std::lock_guard lock(runs_mu);
    runs = std::move(shared);
  }
  // The earliest of `earliest` (what the tables said) and the entries
  // `key` names in `runs`.
  static std::optional<uint64_t> FindInRuns(const embedded::RunList& runs, embedded::Lookup lookup,
                                            const crypto::Sha256Digest& key,
                                            std::optional<uint64_t> earliest = std::nullopt);
  // Prepares `reader`'s lookups (its first lookup).
  Status PrepareLookups(Reader& reader) const;
  // FindEntry and FindSignedContent: the entry `key` names, if it is in the
  // log as readers see it.
  Result<std::optional<uint64_t>> Find(embedded::Lookup lookup, const crypto::Sha256Digest& key);

  PrivateCopy private_copy;  // declared first: removed after every connection closed
  const std::string dir;
  const bool read_only;
  const std::chrono::milliseconds node_sync_interval;
  const std::chrono::milliseconds lookup_write_interval;
  const size_t max_lookups_in_memory;
  const size_t lookup_rows_per_run;
  const std::function<void()> before_run_merge;
  const MonotonicClock clock;
  const std::function<Result<crypto::Sha256Digest>(ByteView)> signed_content_of;
  int64_t format_version = 0;  // of the index, set once by Open
  std::string index_path;  // what connections open: index.sqlite, or its private copy
  embedded::Fd lock_file;   // flock()ed while open (shared when read-only)
  embedded::Fd statements;  // the statements file, read with pread by any thread

  // Held by AppendBatch, Recover, PutMeta and FindEntriesToAppend for their
  // whole duration: they are the only users of `writer`, `lookup_reader` and
  // the statements below, and the only writers of the files.
  std::mutex write_mu;
  embedded::Connection writer;
  embedded::Statement begin, commit, rollback, durable_size, insert_entry, insert_head, put_meta;
  // lookup.sqlite, read by the writer for its duplicate checks; a larger
  // cache than a reader's keeps the pages they touch.
  embedded::Connection lookup_reader;
  embedded::Statement find_entry_hash_for_append, find_signed_content_for_append;
  // Every key of the log, both kinds, added at each commit: a key they do
  // not hold is in neither `recent` nor lookup.sqlite.
  embedded::DigestFilter entry_hash_filter, signed_content_filter;
  uint64_t statements_end = 0;  // committed length of the statements file
  // When the node files were last synced; empty until the first batch after
  // Open, which always syncs (the rule never depends on the clock's epoch).
  std::optional<std::chrono::steady_clock::time_point> last_node_sync;
  // Set when a COMMIT failed (SQLite may or may not replay that batch at the
  // next open) or the database moved under this store: nothing may be
  // appended before a reopen.
  std::string poisoned;

  // The committed size: every read is bounded by it, so a batch is invisible
  // until its commit has returned, its lookups are in `recent`, and this
  // moves (release).
  std::atomic<uint64_t> size{0};
  mutable std::mutex head_mu;  // guards `latest`; held only to copy it
  std::optional<log::TreeHead> latest;

  // The lookups (format.h). lookup.sqlite holds the entries [0, covered);
  // `recent` holds those beyond that readers may see. A reader looks in
  // `recent` first, then in lookup.sqlite: the lookup writer commits rows to
  // lookup.sqlite before it drops them from `recent`, so every entry is in
  // one of them whenever the reader looks.
  // - Read-write: the writer adds each batch's rows to recent.back() before
  //   publishing its size; the lookup writer thread (lookup_writer, its own
  //   connection) takes recent.front() (`writing` set, a new back for the
  //   writer), reads it without the lock (only the back changes), commits it
  //   to lookup.sqlite with covered_size, then pops it and moves `covered`.
  // - Read-only (format 3): the entries [covered, size()) of a lookup.sqlite
  //   that lags, indexed at the first lookup (LoadReadOnlyLookups), constant
  //   after; `read_only_signed_unknown` says why their signed contents are
  //   not there, if they are not.
  mutable std::mutex lookups_mu;  // guards the members below up to lookup_thread
  std::condition_variable lookups_cv;  // rows to write, a write done, stopping
  std::deque<RecentLookups> recent;    // oldest first; read-write: never empty
  bool writing = false;                // recent.front() is being written
  uint64_t covered = 0;
  size_t recent_rows = 0;              // rows in `recent`
  std::optional<Error> lookup_failure;  // the last write's error, until one works
  uint64_t lookup_attempts = 0;         // writes tried, for Recover() to wait on one
  bool write_now = false;               // Recover() asks for a write without delay
  bool stopping = false;
  std::optional<Error> read_only_signed_unknown;
  std::thread lookup_thread;
  embedded::Connection lookup_writer;  // lookup.sqlite: Open(), then only the lookup writer
  // After Open(), lookup_writer is used by the lookup writer thread and by
  // the run merger (to record a merge), each holding this; taken before
  // runs_change_mu.
  std::mutex lookup_writer_mu;
  // The sorted runs: set by Open(), then (read-write) by the lookup writer
  // (moves) and the run merger (merges), which hold runs_change_mu from
  // publishing a new run until the rows or runs it replaces are gone
  // (CountLookups holds it to count nothing twice).
  mutable std::mutex runs_mu;
  std::shared_ptr<const embedded::RunList> runs = std::make_shared<const embedded::RunList>();
  mutable std::mutex runs_change_mu;
  std::atomic<uint64_t> next_run_id{1};
  uint64_t table_rows = 0;   // rows of by_entry_hash (lookup writer)
  // The run merger thread (read-write, after Open()).
  std::thread merge_thread;
  std::mutex merge_mu;  // guards merge_wanted
  std::condition_variable merge_cv;
  bool merge_wanted = false;
  std::atomic<bool> merge_stopping{false};
  // Read-only, format 3: LoadReadOnlyLookups, once.
  std::once_flag read_only_lookups_loaded;
  Status read_only_lookups_status;
  std::string read_only_lookup_path;  // lookup.sqlite or its private copy; empty when unusable

  embedded::SessionPool<Reader> readers;
  embedded::NodeFiles node_files;  // reads bounded by `size`
};

}  // namespace scitt::storage
