#include "storage/embedded/embedded_store.h"

#include <unistd.h>

#include <cstring>
#include <thread>
#include <utility>
#include <vector>

#include "base/logging.h"
#include "base/text.h"
#include "storage/embedded/store_state.h"

namespace scitt::storage {
namespace {

// Batches from this size write their files beside the row inserts.
constexpr size_t kParallelWriteEntries = 256;
// Most statement bytes Entries() reads in one piece.
constexpr uint64_t kMaxEntriesReadBytes = 16 << 20;

}  // namespace

namespace embedded {

Error NotFound(std::string message) { return MakeError(ErrorCode::kNotFound, std::move(message)); }

Result<log::TreeHead> HeadFromRow(const Query& q) {
  log::TreeHead head;
  head.tree_size = static_cast<uint64_t>(q.IntAt(0));
  const ByteView root = q.BlobAt(1);
  if (root.size() != head.root.size()) {
    return Io("embedded store: the tree head at size " + std::to_string(head.tree_size) +
              " has a root of " + std::to_string(root.size()) + " bytes");
  }
  std::memcpy(head.root.data(), root.data(), root.size());
  head.timestamp = q.IntAt(2);
  const ByteView prot = q.BlobAt(3);
  head.receipt_protected.assign(prot.begin(), prot.end());
  const ByteView sig = q.BlobAt(4);
  head.receipt_signature.assign(sig.begin(), sig.end());
  head.checkpoint = q.TextAt(5);
  return head;
}

Result<std::vector<crypto::Sha256Digest>> ReadEntryHashes(const Statement& query, sqlite3* db,
                                                          uint64_t start, uint64_t count) {
  Query q(query);
  q.Int(1, static_cast<int64_t>(start)).Int(2, static_cast<int64_t>(start + count));
  std::vector<crypto::Sha256Digest> hashes;
  hashes.reserve(count);
  int rc;
  while ((rc = q.Step()) == SQLITE_ROW) {
    const ByteView hash = q.BlobAt(0);
    crypto::Sha256Digest digest{};
    if (hash.size() != digest.size()) {
      return Io("embedded store: entry " + std::to_string(start + hashes.size()) +
                " has a malformed hash");
    }
    std::memcpy(digest.data(), hash.data(), digest.size());
    hashes.push_back(digest);
  }
  if (rc != SQLITE_DONE || hashes.size() != count) return SqliteError(db, "reading entry hashes");
  return hashes;
}

}  // namespace embedded

using namespace embedded;  // NOLINT: this file is the embedded backend

Status EmbeddedStore::State::DiscardUncommitted() {
  if (::ftruncate(statements.get(), static_cast<off_t>(statements_end)) != 0) {
    return Errno("truncate " + Path(kStatementsFile));
  }
  return node_files.Discard(size.load(std::memory_order_relaxed));
}

EmbeddedStore::EmbeddedStore() = default;

EmbeddedStore::~EmbeddedStore() {
  // What waits in memory goes to lookup.sqlite before the connections close.
  if (state_ != nullptr) state_->StopLookupWriter();
}

Status EmbeddedStore::State::RecordNodesSynced(uint64_t synced) {
  const std::string value = std::to_string(synced);  // bound SQLITE_STATIC: outlives Step()
  Query q(put_meta);
  q.Text(1, kNodesSyncedKey).Text(2, value);
  if (q.Step() != SQLITE_DONE) {
    return SqliteError(writer.get(), "recording the synced Merkle nodes");
  }
  return Status::Ok();
}

Status EmbeddedStore::AppendBatch(std::span<const log::LogEntry> entries,
                                  std::span<const log::NodeWrite> nodes,
                                  const log::TreeHead& head) {
  State& s = *state_;
  if (s.read_only) return s.ReadOnly("append");
  std::lock_guard write_lock(s.write_mu);
  if (!s.poisoned.empty()) return Io(s.poisoned);

  if (entries.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "append: a batch needs at least one entry");
  }
  const uint64_t first = entries[0].index;
  const uint64_t new_size = first + entries.size();
  if (new_size < first || head.tree_size != new_size) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "append: a batch of " + std::to_string(entries.size()) + " entries from " +
                         std::to_string(first) + " needs a tree head at size " +
                         std::to_string(new_size) + ", got one at " + std::to_string(head.tree_size));
  }
  // Statements, back to back after the committed end.
  std::vector<ByteView> statements;
  statements.reserve(entries.size());
  uint64_t statement_bytes = 0;
  std::vector<State::LookupRow> lookups;
  lookups.reserve(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    if (entries[i].index != first + i) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "append: entry " + std::to_string(i) + " of the batch has index " +
                           std::to_string(entries[i].index) + ", expected " +
                           std::to_string(first + i));
    }
    statements.push_back(entries[i].statement_bytes());
    statement_bytes += statements.back().size();
    lookups.push_back({entries[i].entry_hash, entries[i].signed_content, entries[i].index});
  }
  SCITT_ASSIGN_OR_RETURN(const LevelBytes level_bytes,
                         NodeFiles::Arrange(nodes, first, new_size));
  {
    // Room in memory for the batch's lookups: wait for the lookup writer to
    // move older ones to lookup.sqlite, unless it cannot.
    std::unique_lock lock(s.lookups_mu);
    while (s.recent_rows != 0 && s.recent_rows + lookups.size() > s.max_lookups_in_memory) {
      if (s.lookup_failure) {
        return Io("embedded store: " + std::to_string(s.recent_rows) +
                  " entries wait in memory for " + s.Path(kLookupFile) +
                  ", which cannot be written: " + s.lookup_failure->message);
      }
      s.write_now = true;
      s.lookups_cv.notify_all();
      s.lookups_cv.wait(lock);
    }
  }

  sqlite3* db = s.writer.get();
  auto roll_back = [&] {
    if (!sqlite3_get_autocommit(db)) {
      Query q(s.rollback);
      (void)q.Step();
    }
  };
  {
    Query q(s.begin);
    if (q.Step() != SQLITE_DONE) return SqliteError(db, "beginning a batch");
  }
  // Compare-and-swap on the durable size, inside the transaction that will
  // commit the batch (BEGIN IMMEDIATE holds the database's write lock until
  // then): a writer whose idea of the log is stale never appends, and
  // nothing has been written yet when it is told.
  const uint64_t old_size = s.size.load(std::memory_order_relaxed);
  uint64_t durable = 0;
  {
    Query q(s.durable_size);
    if (q.Step() != SQLITE_ROW) {
      Error error = SqliteError(db, "reading the durable size");
      roll_back();
      return error;
    }
    durable = static_cast<uint64_t>(q.IntAt(0));
  }
  if (durable != first || durable != old_size) {
    roll_back();
    // The directory lock keeps other processes out, so a database that moved
    // under this store means one got in anyway: its files can no longer be
    // trusted to end where this store thinks.
    if (durable != old_size) {
      s.poisoned = "embedded store: the log in " + s.dir + " grew to size " +
                   std::to_string(durable) + " under this store (size " +
                   std::to_string(old_size) + "): another process appended; reopen the store";
    }
    return MakeError(ErrorCode::kConflict,
                     "append at index " + std::to_string(first) + ": the log's durable size is " +
                         std::to_string(durable) + " (another writer appended)");
  }
  if (Status fresh = s.CheckNewKeys(lookups); !fresh.ok()) {
    roll_back();
    return fresh;
  }

  // Everything the commit will point at goes to stable storage first. The
  // nodes only every node_sync_interval: fdatasync of ~10 level files per
  // batch was a third of the sequencer's CPU, and Open() recomputes unsynced
  // nodes from the entry hashes, which this commit makes durable.
  const auto now = s.clock();
  const bool sync_nodes = !s.last_node_sync || now - *s.last_node_sync >= s.node_sync_interval;
  auto write_files = [&]() -> Status {
    const std::string statements_path = s.Path(kStatementsFile);
    SCITT_RETURN_IF_ERROR(
        WriteAllAt(s.statements.get(), statements, s.statements_end, statements_path));
    SCITT_RETURN_IF_ERROR(s.node_files.Write(level_bytes, old_size));
    std::vector<std::pair<int, std::string>> files = {{s.statements.get(), statements_path}};
    if (sync_nodes) s.node_files.AddUnsynced(new_size, &files);
    return SyncFiles(files);
  };
  auto insert_rows = [&]() -> Status {
    uint64_t offset = s.statements_end;
    for (const log::LogEntry& entry : entries) {
      Query q(s.insert_entry);
      q.Int(1, static_cast<int64_t>(entry.index))
          .Blob(2, entry.entry_hash)
          .Int(3, static_cast<int64_t>(offset))
          .Int(4, static_cast<int64_t>(entry.statement_bytes().size()))
          .Int(5, entry.registered_at)
          .Int(6, static_cast<int64_t>(entry.policy_index))
          .Blob(7, entry.collateral);
      if (q.Step() != SQLITE_DONE) {
        return SqliteError(db, "inserting entry " + std::to_string(entry.index));
      }
      offset += entry.statement_bytes().size();
    }
    Query q(s.insert_head);
    q.Int(1, static_cast<int64_t>(head.tree_size))
        .Blob(2, head.root)
        .Int(3, head.timestamp)
        .Blob(4, head.receipt_protected)
        .Blob(5, head.receipt_signature)
        .Text(6, head.checkpoint);
    if (q.Step() != SQLITE_DONE) {
      return SqliteError(db, "inserting the tree head at size " + std::to_string(head.tree_size));
    }
    return sync_nodes ? s.RecordNodesSynced(new_size) : Status::Ok();
  };
  // The files on a thread of their own while the rows go in, when the batch
  // is large enough to pay for the thread: the commit below needs both, and
  // neither needs the other.
  Status files_written = Status::Ok();
  std::thread files_thread;
  if (entries.size() >= kParallelWriteEntries) {
    files_thread = std::thread([&] { files_written = write_files(); });
  } else {
    files_written = write_files();
  }
  Status written = files_written.ok() ? insert_rows() : Status::Ok();
  if (files_thread.joinable()) files_thread.join();
  if (written.ok()) written = files_written;
  if (!written.ok()) {
    roll_back();
    (void)s.DiscardUncommitted();  // best effort: Open() trims them anyway
    return written;
  }

  // The durability point. DANGEROUS EDGE: when COMMIT fails, SQLite may still
  // have written the whole transaction to the WAL, and the next open would
  // replay it. Until then we cannot know whether this tree head is the log's,
  // so the store stops appending: a different batch at this size, signed by the
  // caller, could otherwise become a second root for one tree size.
  {
    Query q(s.commit);
    if (q.Step() != SQLITE_DONE) {
      Error error =
          SqliteError(db, "committing the batch ending at size " + std::to_string(new_size));
      const bool disk_full = (sqlite3_extended_errcode(db) & 0xff) == SQLITE_FULL;
      roll_back();
      // SQLITE_FULL means the WAL frames, the commit frame last, could not all
      // be written: a torn commit frame fails its checksum at recovery, so the
      // batch is certainly not durable and appending may resume once space
      // returns. Any other failure (an fsync error) leaves it unknown.
      if (disk_full) {
        (void)s.DiscardUncommitted();
        return error;
      }
      s.poisoned = error.message +
                   "; whether that batch is durable is unknown until the store is reopened, so "
                   "nothing more is appended: restart the service";
      return error;
    }
  }
  s.statements_end += statement_bytes;
  if (sync_nodes) {
    s.node_files.MarkSynced(new_size);
    s.last_node_sync = now;
  }
  // The lookups go to memory (lookup.sqlite, derived data, follows: format.h),
  // before readers may see the batch: each entry they see is found by its keys.
  {
    for (const State::LookupRow& row : lookups) {
      s.entry_hash_filter.Add(row.entry_hash);
      s.signed_content_filter.Add(row.signed_content);
    }
    std::lock_guard lock(s.lookups_mu);
    for (const State::LookupRow& row : lookups) s.recent.back().Add(row);
    s.recent_rows += lookups.size();
    if (s.recent_rows >= s.WriteEarlyAt()) s.lookups_cv.notify_all();
  }
  {
    std::lock_guard head_lock(s.head_mu);
    s.latest = head;
    s.size.store(new_size, std::memory_order_release);
  }
  return Status::Ok();
}

Status EmbeddedStore::Recover() {
  State& s = *state_;
  if (s.read_only) return s.ReadOnly("recover");
  std::lock_guard write_lock(s.write_mu);
  if (!s.poisoned.empty()) return Io(s.poisoned);
  SCITT_RETURN_IF_ERROR(s.DiscardUncommitted());
  // When lookup.sqlite could not be written, the lookup writer tries again
  // now; until it can, appending stops here (memory would only fill up).
  std::unique_lock lock(s.lookups_mu);
  if (!s.lookup_failure) return Status::Ok();
  const uint64_t attempts = s.lookup_attempts;
  s.write_now = true;
  s.lookups_cv.notify_all();
  s.lookups_cv.wait(lock, [&] { return s.lookup_attempts != attempts || s.stopping; });
  if (s.lookup_failure) {
    return Io("embedded store: " + std::to_string(s.recent_rows) + " entries wait in memory for " +
              s.Path(kLookupFile) + ", which cannot be written: " + s.lookup_failure->message);
  }
  return Status::Ok();
}

uint64_t EmbeddedStore::size() const { return state_->size.load(std::memory_order_acquire); }

Result<log::TreeHead> EmbeddedStore::LatestTreeHead() const {
  std::lock_guard lock(state_->head_mu);
  if (!state_->latest) return NotFound("the log is empty: no tree head has been signed");
  return *state_->latest;
}

Result<log::TreeHead> EmbeddedStore::TreeHeadAt(uint64_t tree_size) const {
  if (tree_size > size()) {
    return NotFound("no tree head at size " + std::to_string(tree_size) + " (beyond the log)");
  }
  SCITT_ASSIGN_OR_RETURN(auto reader, state_->readers.Borrow());
  Query q(reader->head_at);
  q.Int(1, static_cast<int64_t>(tree_size));
  const int rc = q.Step();
  if (rc == SQLITE_DONE) {
    return NotFound("no tree head was signed at size " + std::to_string(tree_size));
  }
  if (rc != SQLITE_ROW) return SqliteError(reader->conn.get(), "reading a tree head");
  return HeadFromRow(q);
}

Result<uint64_t> EmbeddedStore::SignedSizeAtOrAfter(uint64_t tree_size) const {
  const uint64_t committed = size();
  // Beyond the log, nothing is signed. This also keeps sizes of 2^63 and
  // more away from SQLite's signed 64-bit integers, where they would read as
  // negative numbers and match every tree head (issue 10 #5).
  if (tree_size > committed) {
    return NotFound("no tree head was signed at size " + std::to_string(tree_size) +
                    " or later (the log has size " + std::to_string(committed) + ")");
  }
  SCITT_ASSIGN_OR_RETURN(auto reader, state_->readers.Borrow());
  Query q(reader->size_at_or_after);
  q.Int(1, static_cast<int64_t>(tree_size));
  const int rc = q.Step();
  if (rc == SQLITE_ROW && static_cast<uint64_t>(q.IntAt(0)) <= committed) {
    return static_cast<uint64_t>(q.IntAt(0));
  }
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
    return SqliteError(reader->conn.get(), "reading signed tree sizes");
  }
  return NotFound("no tree head was signed at size " + std::to_string(tree_size) + " or later");
}

Result<log::LogEntry> EmbeddedStore::Entry(uint64_t index) const {
  if (index >= size()) return NotFound("no entry at index " + std::to_string(index));
  SCITT_ASSIGN_OR_RETURN(auto reader, state_->readers.Borrow());
  Query q(reader->entry);
  q.Int(1, static_cast<int64_t>(index));
  const int rc = q.Step();
  if (rc != SQLITE_ROW) {
    return SqliteError(reader->conn.get(), "reading entry " + std::to_string(index));
  }
  log::LogEntry entry;
  entry.index = index;
  const ByteView hash = q.BlobAt(0);
  if (hash.size() != entry.entry_hash.size()) {
    return Io("embedded store: entry " + std::to_string(index) + " has a malformed hash");
  }
  std::memcpy(entry.entry_hash.data(), hash.data(), hash.size());
  entry.statement.resize(static_cast<size_t>(q.IntAt(2)));
  SCITT_RETURN_IF_ERROR(ReadAt(state_->statements.get(), entry.statement.data(),
                               entry.statement.size(), static_cast<uint64_t>(q.IntAt(1)),
                               [&] { return state_->Path(kStatementsFile); }));
  entry.registered_at = q.IntAt(3);
  entry.policy_index = static_cast<uint64_t>(q.IntAt(4));
  const ByteView collateral = q.BlobAt(5);
  entry.collateral.assign(collateral.begin(), collateral.end());
  return entry;
}

Result<std::vector<log::LogEntry>> EmbeddedStore::Entries(uint64_t start, uint64_t count,
                                                         size_t map_statements_from) const {
  const uint64_t committed = size();
  if (start > committed || count > committed - start) {
    return NotFound("entries [" + std::to_string(start) + ", +" + std::to_string(count) +
                    ") go beyond the log size " + std::to_string(committed));
  }
  std::vector<log::LogEntry> out;
  out.reserve(static_cast<size_t>(count));
  std::vector<uint64_t> offsets;  // of each statement in the statements file
  bool mapped = false;            // some statements are mapped, not read
  {
    SCITT_ASSIGN_OR_RETURN(auto reader, state_->readers.Borrow());
    Query q(reader->entries);
    q.Int(1, static_cast<int64_t>(start)).Int(2, static_cast<int64_t>(start + count));
    int rc;
    while ((rc = q.Step()) == SQLITE_ROW) {
      log::LogEntry entry;
      entry.index = start + out.size();
      const ByteView hash = q.BlobAt(0);
      if (hash.size() != entry.entry_hash.size()) {
        return Io("embedded store: entry " + std::to_string(entry.index) + " has a malformed hash");
      }
      std::memcpy(entry.entry_hash.data(), hash.data(), hash.size());
      offsets.push_back(static_cast<uint64_t>(q.IntAt(1)));
      const auto size = static_cast<size_t>(q.IntAt(2));
      if (size >= map_statements_from) {
        mapped = true;
        SCITT_ASSIGN_OR_RETURN(entry.mapped_statement, MappedBytes::Map(state_->statements.get(), offsets.back(), size));
      } else {
        entry.statement.resize(size);
      }
      entry.registered_at = q.IntAt(3);
      entry.policy_index = static_cast<uint64_t>(q.IntAt(4));
      const ByteView collateral = q.BlobAt(5);
      entry.collateral.assign(collateral.begin(), collateral.end());
      out.push_back(std::move(entry));
    }
    if (rc != SQLITE_DONE) return SqliteError(reader->conn.get(), "reading entries from " + std::to_string(start));
  }
  if (out.size() != count) return Io("embedded store: entries from " + std::to_string(start) + " are missing");
  if (out.empty()) return out;
  auto name = [&] { return state_->Path(kStatementsFile); };
  // Statements are appended in index order: one read covers a range whose
  // statements lie end to end (always, short of a format change), else one
  // read each.
  const uint64_t first = offsets.empty() ? 0 : offsets.front();
  uint64_t end = first;
  bool contiguous = !mapped;
  for (size_t i = 0; i < out.size() && contiguous; ++i) {
    contiguous = offsets[i] == end;
    end += out[i].statement.size();
  }
  if (contiguous && end - first <= kMaxEntriesReadBytes) {
    Bytes span(static_cast<size_t>(end - first));
    SCITT_RETURN_IF_ERROR(ReadAt(state_->statements.get(), span.data(), span.size(), first, name));
    size_t at = 0;
    for (log::LogEntry& entry : out) {
      if (entry.statement.empty()) continue;  // memcpy wants real pointers even for nothing
      std::memcpy(entry.statement.data(), span.data() + at, entry.statement.size());
      at += entry.statement.size();
    }
    return out;
  }
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i].mapped_statement) continue;
    SCITT_RETURN_IF_ERROR(ReadAt(state_->statements.get(), out[i].statement.data(), out[i].statement.size(),
                                 offsets[i], name));
  }
  return out;
}

Result<std::vector<crypto::Sha256Digest>> EmbeddedStore::EntryHashes(uint64_t start,
                                                                     uint64_t count) const {
  const uint64_t committed = size();
  if (start > committed || count > committed - start) {
    return NotFound("entries [" + std::to_string(start) + ", +" + std::to_string(count) +
                    ") go beyond the log size " + std::to_string(committed));
  }
  SCITT_ASSIGN_OR_RETURN(auto reader, state_->readers.Borrow());
  return ReadEntryHashes(reader->entry_hashes, reader->conn.get(), start, count);
}

const merkle::NodeSource& EmbeddedStore::nodes() const { return state_->node_files; }

Result<std::optional<std::string>> EmbeddedStore::GetMeta(const std::string& key) const {
  SCITT_ASSIGN_OR_RETURN(auto reader, state_->readers.Borrow());
  Query q(reader->meta);
  q.Text(1, key);
  const int rc = q.Step();
  if (rc == SQLITE_ROW) return std::optional<std::string>(q.TextAt(0));
  if (rc != SQLITE_DONE) return SqliteError(reader->conn.get(), "reading meta " + key);
  return std::optional<std::string>();
}

Status EmbeddedStore::PutMeta(const std::string& key, const std::string& value) {
  State& s = *state_;
  if (s.read_only) return s.ReadOnly("writing meta " + key);
  std::lock_guard write_lock(s.write_mu);
  Query q(s.put_meta);
  q.Text(1, key).Text(2, value);
  if (q.Step() != SQLITE_DONE) return SqliteError(s.writer.get(), "writing meta " + key);
  return Status::Ok();
}

}  // namespace scitt::storage
