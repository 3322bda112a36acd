#include "storage/embedded_store.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "base/file.h"
#include "merkle/compact_range.h"
#include "merkle/hash.h"

namespace scitt::storage {
namespace {

constexpr int kFormatVersion = 1;
constexpr uint8_t kLevels = 64;  // a 64-bit tree has Merkle levels 0..63
constexpr uint64_t kNodeSize = 32;
constexpr size_t kMaxIdleReaders = 8;
// meta key: the tree size up to which nodes/NN are on stable storage.
constexpr const char* kNodesSyncedKey = "nodes_synced_size";

// One statement per line; the whole schema is created in one transaction.
constexpr const char* kSchema = R"sql(
CREATE TABLE entries(
  idx INTEGER PRIMARY KEY,
  hash BLOB NOT NULL UNIQUE,
  offset INTEGER NOT NULL,
  length INTEGER NOT NULL,
  registered_at INTEGER NOT NULL,
  policy_index INTEGER NOT NULL,
  collateral BLOB);
CREATE TABLE tree_heads(
  tree_size INTEGER PRIMARY KEY,
  root BLOB NOT NULL,
  timestamp INTEGER NOT NULL,
  receipt_protected BLOB NOT NULL,
  receipt_signature BLOB NOT NULL,
  checkpoint TEXT NOT NULL);
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
PRAGMA user_version = 1;
)sql";

constexpr const char* kHeadColumns =
    "tree_size, root, timestamp, receipt_protected, receipt_signature, checkpoint";

Error Io(std::string message) { return MakeError(ErrorCode::kIo, std::move(message)); }

Error Errno(const std::string& what) {
  return Io(what + ": " + std::error_code(errno, std::generic_category()).message());
}

Error NotFound(std::string message) { return MakeError(ErrorCode::kNotFound, std::move(message)); }

Error SqliteError(sqlite3* db, const std::string& what) {
  return Io("embedded store: " + what + ": " + sqlite3_errmsg(db));
}

// An owned file descriptor.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    std::swap(fd_, other.fd_);
    return *this;
  }
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_ = -1;
};

Status WriteAt(int fd, ByteView data, uint64_t offset, const std::string& name) {
  while (!data.empty()) {
    const ssize_t n = ::pwrite(fd, data.data(), data.size(), static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno("writing " + name);
    }
    data = data.subspan(static_cast<size_t>(n));
    offset += static_cast<uint64_t>(n);
  }
  return Status::Ok();
}

// pread of exactly `size` bytes. `name` makes the error message, and is only
// called on failure: node reads are the hot path of every proof.
template <typename Name>
Status ReadAt(int fd, uint8_t* out, size_t size, uint64_t offset, const Name& name) {
  while (size != 0) {
    const ssize_t n = ::pread(fd, out, size, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno("reading " + name());
    }
    if (n == 0) return Io("reading " + name() + ": the file ends before a committed record");
    out += n;
    size -= static_cast<size_t>(n);
    offset += static_cast<uint64_t>(n);
  }
  return Status::Ok();
}

Result<uint64_t> FileSize(int fd, const std::string& name) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return Errno("stat " + name);
  return static_cast<uint64_t>(st.st_size);
}

Status SyncFile(int fd, const std::string& name) {
  if (::fdatasync(fd) != 0) return Errno("fdatasync " + name);
  return Status::Ok();
}

// fdatasync of every file at once, one thread each: the file system then
// commits its journal once for all of them (ext4 measured: 9 files in ~2 ms
// instead of ~30 ms one after the other), which is most of a batch's cost.
Status SyncFiles(const std::vector<std::pair<int, std::string>>& files) {
  std::vector<Status> results(files.size());
  std::vector<std::thread> threads;
  threads.reserve(files.size());
  for (size_t i = 1; i < files.size(); ++i) {
    threads.emplace_back([&, i] { results[i] = SyncFile(files[i].first, files[i].second); });
  }
  if (!files.empty()) results[0] = SyncFile(files[0].first, files[0].second);
  for (auto& thread : threads) thread.join();
  for (const Status& result : results) SCITT_RETURN_IF_ERROR(result);
  return Status::Ok();
}

// Open(): the file must hold at least `committed` bytes, and bytes beyond that
// are an uncommitted batch's leftovers, cut off here (a read-only store leaves
// them: every read is bounded by the committed size).
Status TrimToCommitted(int fd, uint64_t committed, const std::string& name, uint64_t tree_size,
                       bool read_only) {
  SCITT_ASSIGN_OR_RETURN(const uint64_t length, FileSize(fd, name));
  if (length < committed) {
    return Io("embedded store: " + name + " holds " + std::to_string(length) +
              " bytes but the committed log (size " + std::to_string(tree_size) + ") needs " +
              std::to_string(committed) +
              ": the file was truncated or replaced; refusing to open (restore the data "
              "directory from a backup)");
  }
  if (length > committed && !read_only) {
    if (::ftruncate(fd, static_cast<off_t>(committed)) != 0) return Errno("truncate " + name);
    SCITT_RETURN_IF_ERROR(SyncFile(fd, name));
  }
  return Status::Ok();
}

class Statement {
 public:
  Statement() = default;
  Statement(Statement&& other) noexcept : stmt_(std::exchange(other.stmt_, nullptr)) {}
  Statement& operator=(Statement&& other) noexcept {
    std::swap(stmt_, other.stmt_);
    return *this;
  }
  ~Statement() { sqlite3_finalize(stmt_); }

  static Result<Statement> Prepare(sqlite3* db, const std::string& sql) {
    Statement s;
    if (sqlite3_prepare_v3(db, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &s.stmt_, nullptr) !=
        SQLITE_OK) {
      return SqliteError(db, "preparing \"" + sql + "\"");
    }
    return s;
  }
  sqlite3_stmt* get() const { return stmt_; }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

// One use of a prepared statement. Resetting it when done ends the read
// transaction it opened; a reader left open would stop WAL checkpoints.
class Query {
 public:
  explicit Query(const Statement& statement) : stmt_(statement.get()) {}
  ~Query() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;

  Query& Int(int index, int64_t value) {
    sqlite3_bind_int64(stmt_, index, value);
    return *this;
  }
  Query& Blob(int index, ByteView value) {
    if (value.empty()) {
      sqlite3_bind_null(stmt_, index);
    } else {
      sqlite3_bind_blob64(stmt_, index, value.data(), value.size(), SQLITE_STATIC);
    }
    return *this;
  }
  Query& Text(int index, std::string_view value) {
    sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_STATIC, SQLITE_UTF8);
    return *this;
  }

  // SQLITE_ROW, SQLITE_DONE or an error code.
  int Step() { return sqlite3_step(stmt_); }

  int64_t IntAt(int column) const { return sqlite3_column_int64(stmt_, column); }
  ByteView BlobAt(int column) const {
    const void* data = sqlite3_column_blob(stmt_, column);
    const int size = sqlite3_column_bytes(stmt_, column);
    return ByteView(static_cast<const uint8_t*>(data), data == nullptr ? 0 : size);
  }
  std::string TextAt(int column) const {
    const auto* data = sqlite3_column_text(stmt_, column);
    const int size = sqlite3_column_bytes(stmt_, column);
    return data == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(data), size);
  }

 private:
  sqlite3_stmt* stmt_;
};

// An owned SQLite connection, used by one thread at a time (SQLITE_OPEN_NOMUTEX).
class Connection {
 public:
  Connection() = default;
  Connection(Connection&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}
  Connection& operator=(Connection&& other) noexcept {
    std::swap(db_, other.db_);
    return *this;
  }
  ~Connection() { sqlite3_close_v2(db_); }

  static Result<Connection> Open(const std::string& path) {
    Connection c;
    const int rc =
        sqlite3_open_v2(path.c_str(), &c.db_,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
      return Io("embedded store: opening " + path + ": " +
                (c.db_ != nullptr ? sqlite3_errmsg(c.db_) : sqlite3_errstr(rc)));
    }
    sqlite3_extended_result_codes(c.db_, 1);
    // WAL readers never wait; this only covers WAL recovery by another connection.
    sqlite3_busy_timeout(c.db_, 10000);
    return c;
  }

  // A connection that never writes, locks or creates a file, not even the
  // -wal and -shm files a read-only WAL open would create: SQLite's immutable
  // mode, which reads the database file alone (see State::OpenIndexReadOnly
  // for when that is the whole committed state).
  static Result<Connection> OpenImmutable(const std::string& path) {
    // RFC 8089 file URI; SQLite decodes %HH, and '?' and '#' would end the path.
    std::string uri = "file://";
    for (const char c : std::filesystem::absolute(path).string()) {
      if (c == '%' || c == '?' || c == '#') {
        char escaped[4];
        std::snprintf(escaped, sizeof(escaped), "%%%02X", static_cast<unsigned>(c));
        uri += escaped;
      } else {
        uri += c;
      }
    }
    uri += "?mode=ro&immutable=1";
    Connection c;
    const int rc = sqlite3_open_v2(uri.c_str(), &c.db_,
                                   SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
      return Io("embedded store: opening " + path + " read-only: " +
                (c.db_ != nullptr ? sqlite3_errmsg(c.db_) : sqlite3_errstr(rc)));
    }
    sqlite3_extended_result_codes(c.db_, 1);
    return c;
  }

  Status Exec(const char* sql) const {
    if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
      return SqliteError(db_, std::string("executing \"") + sql + "\"");
    }
    return Status::Ok();
  }

  sqlite3* get() const { return db_; }

 private:
  sqlite3* db_ = nullptr;
};

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

// PRAGMA user_version: 0 for a new (empty) database.
Result<int64_t> FormatVersion(const Connection& conn, const std::string& path) {
  SCITT_ASSIGN_OR_RETURN(Statement pragma, Statement::Prepare(conn.get(), "PRAGMA user_version"));
  Query q(pragma);
  if (q.Step() != SQLITE_ROW) return SqliteError(conn.get(), "reading the format version of " + path);
  return q.IntAt(0);
}

Error UnknownVersion(const std::string& path, int64_t version) {
  return Io("embedded store: " + path + " has format version " + std::to_string(version) +
            "; this build reads version " + std::to_string(kFormatVersion));
}

constexpr const char* kEntryHashesSql =
    "SELECT hash FROM entries WHERE idx >= ? AND idx < ? ORDER BY idx";

// Entry hashes [start, start + count) through `query` (kEntryHashesSql).
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

std::string LevelName(uint8_t level) {
  char name[16];
  std::snprintf(name, sizeof(name), "nodes/%02u", static_cast<unsigned>(level));
  return name;
}

}  // namespace

struct EmbeddedStore::State {
  // A read connection with its prepared queries.
  struct Reader {
    Connection conn;  // declared first: destroyed after its statements
    Statement entry, entry_hashes, find, head_at, size_at_or_after, meta;
  };

  // Returns a borrowed Reader to the pool when the read is done.
  class Lease {
   public:
    Lease(const State& state, std::unique_ptr<Reader> reader)
        : state_(&state), reader_(std::move(reader)) {}
    Lease(Lease&&) = default;
    ~Lease() {
      if (reader_ == nullptr) return;
      std::lock_guard lock(state_->pool_mu);
      if (state_->idle_readers.size() < kMaxIdleReaders) {
        state_->idle_readers.push_back(std::move(reader_));
      }
    }
    Reader* operator->() const { return reader_.get(); }

   private:
    const State* state_;
    std::unique_ptr<Reader> reader_;
  };

  // nodes(): pread of nodes/NN, never beyond the committed size.
  class LevelNodes final : public merkle::NodeSource {
   public:
    explicit LevelNodes(const State& state) : state_(state) {}
    Result<merkle::Hash> Node(uint8_t level, uint64_t index) const override {
      const uint64_t committed = state_.size.load(std::memory_order_acquire);
      if (level >= kLevels || index >= (committed >> level)) {
        return NotFound("merkle node (" + std::to_string(level) + ", " + std::to_string(index) +
                        ") is not complete at the committed size " + std::to_string(committed));
      }
      // A read-only store recomputed its unsynced nodes in memory (see Open).
      if (state_.read_only && index >= (state_.nodes_synced >> level)) {
        return state_.unsynced[level][index - (state_.nodes_synced >> level)];
      }
      // Published (release) before the size that made this node visible.
      const int fd = state_.level_fds[level].load(std::memory_order_acquire);
      merkle::Hash hash;
      SCITT_RETURN_IF_ERROR(ReadAt(fd, hash.data(), hash.size(), kNodeSize * index,
                                   [&] { return state_.Path(LevelName(level)); }));
      return hash;
    }

   private:
    const State& state_;
  };

  State() : level_nodes(*this) {
    for (auto& fd : level_fds) fd.store(-1, std::memory_order_relaxed);
  }
  ~State() {
    for (auto& fd : level_fds) {
      const int raw = fd.load(std::memory_order_relaxed);
      if (raw >= 0) ::close(raw);
    }
  }

  std::string Path(const std::string& name) const { return dir + "/" + name; }

  Result<Lease> Borrow() const;
  Status OpenLevel(uint8_t level, bool create);
  // Open(), read-write: creates the directory and the index when missing,
  // locks the directory for this process alone and prepares the writer.
  Status OpenIndexForWriting();
  // Open(), read-only: locks the directory shared and picks what the
  // connections read (index_path), changing nothing in the directory.
  Status OpenIndexReadOnly();
  // Open(): the committed state (latest tree head, statements_end,
  // nodes_synced) as SQLite holds it; returns the committed size.
  Result<uint64_t> LoadCommittedState();
  // Open(): opens the statements and node files and checks (read-write:
  // trims) them against the committed state.
  Status OpenFiles(uint64_t committed);
  // Open(): recomputes the nodes of entries [nodes_synced, committed) from
  // their entry hashes, rewrites them, syncs, and records them as synced; a
  // read-only store keeps them in `unsynced` instead.
  Status RebuildUnsyncedNodes(uint64_t committed);
  // Cuts the files back to the committed state (writer, under write_mu).
  Status DiscardUncommitted();
  // The refusal of every write to a read-only store.
  Error ReadOnly(const std::string& what) const {
    return MakeError(ErrorCode::kUnsupported,
                     "embedded store: " + what + ": " + dir + " is open read-only");
  }

  // A private copy of the index for a read-only store (see OpenIndexReadOnly),
  // removed at close. Declared first: destroyed after every connection.
  struct PrivateCopy {
    std::string dir;
    ~PrivateCopy() {
      std::error_code ec;
      if (!dir.empty()) std::filesystem::remove_all(dir, ec);
    }
  } private_copy;

  std::string dir;
  bool read_only = false;  // set once by Open
  std::string index_path;  // what connections open: index.sqlite or its private copy
  Fd lock_file;   // flock()ed for the lifetime of the store (shared when read-only)
  Fd statements;  // the statements file, read with pread by any thread
  // nodes/NN descriptors, -1 until the level exists. Set by the writer before
  // the size that first makes a node of that level visible is published.
  std::array<std::atomic<int>, kLevels> level_fds;

  // Held by AppendBatch, Recover and PutMeta for their whole duration: they
  // are the only users of `writer` and the statements below, and the only
  // writers of the files.
  std::mutex write_mu;
  Connection writer;
  Statement begin, commit, rollback, insert_entry, insert_head, put_meta, find_for_append;
  uint64_t statements_end = 0;  // committed length of the statements file
  // nodes/NN are fdatasynced only every node_sync_interval (they can be
  // recomputed from the entry hashes; see Open): nodes_synced is the size
  // they are durable up to, recorded in meta in the batch that synced them.
  std::chrono::milliseconds node_sync_interval{1000};
  MonotonicClock clock;
  uint64_t nodes_synced = 0;
  // When the nodes were last synced; empty until the first batch after Open,
  // which always syncs (the rule never depends on the clock's epoch).
  std::optional<std::chrono::steady_clock::time_point> last_node_sync;
  // Set when a COMMIT failed: SQLite may or may not replay that batch at the
  // next open, so nothing may be appended before then.
  std::string poisoned;

  // The committed size: every read is bounded by it, so a batch is invisible
  // until its commit has returned and this moves (release).
  std::atomic<uint64_t> size{0};
  // Read-only: nodes [nodes_synced >> L, size >> L) of each level L,
  // recomputed at Open and constant after.
  std::array<std::vector<merkle::Hash>, kLevels> unsynced;
  mutable std::mutex head_mu;  // guards `latest`; held only to copy it
  std::optional<log::TreeHead> latest;

  mutable std::mutex pool_mu;  // guards idle_readers
  mutable std::vector<std::unique_ptr<Reader>> idle_readers;

  LevelNodes level_nodes;
};

Result<EmbeddedStore::State::Lease> EmbeddedStore::State::Borrow() const {
  {
    std::lock_guard lock(pool_mu);
    if (!idle_readers.empty()) {
      std::unique_ptr<Reader> reader = std::move(idle_readers.back());
      idle_readers.pop_back();
      return Lease(*this, std::move(reader));
    }
  }
  auto reader = std::make_unique<Reader>();
  if (read_only) {
    SCITT_ASSIGN_OR_RETURN(reader->conn, Connection::OpenImmutable(index_path));
  } else {
    SCITT_ASSIGN_OR_RETURN(reader->conn, Connection::Open(index_path));
    SCITT_RETURN_IF_ERROR(reader->conn.Exec("PRAGMA query_only = 1"));
  }
  sqlite3* db = reader->conn.get();
  SCITT_ASSIGN_OR_RETURN(reader->entry,
                         Statement::Prepare(db,
                                            "SELECT hash, offset, length, registered_at, "
                                            "policy_index, collateral FROM entries WHERE idx = ?"));
  SCITT_ASSIGN_OR_RETURN(reader->entry_hashes, Statement::Prepare(db, kEntryHashesSql));
  SCITT_ASSIGN_OR_RETURN(reader->find,
                         Statement::Prepare(db, "SELECT idx FROM entries WHERE hash = ?"));
  SCITT_ASSIGN_OR_RETURN(reader->head_at,
                         Statement::Prepare(db, std::string("SELECT ") + kHeadColumns +
                                                    " FROM tree_heads WHERE tree_size = ?"));
  SCITT_ASSIGN_OR_RETURN(reader->size_at_or_after,
                         Statement::Prepare(db,
                                            "SELECT tree_size FROM tree_heads WHERE tree_size >= ? "
                                            "ORDER BY tree_size LIMIT 1"));
  SCITT_ASSIGN_OR_RETURN(reader->meta,
                         Statement::Prepare(db, "SELECT value FROM meta WHERE key = ?"));
  return Lease(*this, std::move(reader));
}

Status EmbeddedStore::State::OpenLevel(uint8_t level, bool create) {
  const std::string path = Path(LevelName(level));
  Fd fd(::open(path.c_str(), (read_only ? O_RDONLY : O_RDWR | (create ? O_CREAT : 0)) | O_CLOEXEC,
               0644));
  if (fd.get() < 0) return Errno("open " + path);
  if (create) SCITT_RETURN_IF_ERROR(SyncDirectory(Path("nodes")));
  level_fds[level].store(fd.release(), std::memory_order_release);
  return Status::Ok();
}

Status EmbeddedStore::State::DiscardUncommitted() {
  const uint64_t committed = size.load(std::memory_order_relaxed);
  if (::ftruncate(statements.get(), static_cast<off_t>(statements_end)) != 0) {
    return Errno("truncate " + Path("statements"));
  }
  for (uint8_t level = 0; level < kLevels; ++level) {
    const int fd = level_fds[level].load(std::memory_order_relaxed);
    if (fd >= 0 && ::ftruncate(fd, static_cast<off_t>(kNodeSize * (committed >> level))) != 0) {
      return Errno("truncate " + Path(LevelName(level)));
    }
  }
  return Status::Ok();
}

EmbeddedStore::EmbeddedStore() : state_(std::make_unique<State>()) {}

EmbeddedStore::~EmbeddedStore() = default;

Result<std::unique_ptr<EmbeddedStore>> EmbeddedStore::Open(const std::string& data_dir,
                                                          EmbeddedStoreOptions options) {
  std::unique_ptr<EmbeddedStore> store(new EmbeddedStore());
  State& s = *store->state_;
  s.dir = data_dir;
  s.read_only = options.read_only;
  s.node_sync_interval = options.node_sync_interval;
  s.clock = options.clock ? std::move(options.clock) : SystemMonotonicClock();

  SCITT_RETURN_IF_ERROR(s.read_only ? s.OpenIndexReadOnly() : s.OpenIndexForWriting());
  SCITT_ASSIGN_OR_RETURN(const uint64_t committed, s.LoadCommittedState());
  SCITT_RETURN_IF_ERROR(s.OpenFiles(committed));
  if (s.nodes_synced < committed) SCITT_RETURN_IF_ERROR(s.RebuildUnsyncedNodes(committed));

  s.size.store(committed, std::memory_order_release);
  return store;
}

Status EmbeddedStore::State::OpenIndexForWriting() {
  // A new directory must survive a crash with the log it will hold.
  SCITT_RETURN_IF_ERROR(CreateDirectories(Path("nodes")));

  lock_file = Fd(::open(Path("LOCK").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (lock_file.get() < 0) return Errno("open " + Path("LOCK"));
  if (::flock(lock_file.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      return Io("embedded store: " + dir + " is in use by another process");
    }
    return Errno("lock " + Path("LOCK"));
  }

  // The index: WAL so that readers never wait for the writer; FULL so that a
  // commit is on stable storage when it returns (the durability point).
  index_path = Path("index.sqlite");
  SCITT_ASSIGN_OR_RETURN(writer, Connection::Open(index_path));
  sqlite3* db = writer.get();
  {
    SCITT_ASSIGN_OR_RETURN(Statement wal, Statement::Prepare(db, "PRAGMA journal_mode = WAL"));
    Query q(wal);
    if (q.Step() != SQLITE_ROW || q.TextAt(0) != "wal") {
      return SqliteError(db, "switching " + index_path + " to WAL mode");
    }
  }
  SCITT_RETURN_IF_ERROR(writer.Exec("PRAGMA synchronous = FULL"));
  SCITT_ASSIGN_OR_RETURN(const int64_t version, FormatVersion(writer, index_path));
  if (version == 0) {
    SCITT_RETURN_IF_ERROR(writer.Exec("BEGIN IMMEDIATE"));
    Status created = writer.Exec(kSchema);
    if (!created.ok()) {
      (void)writer.Exec("ROLLBACK");
      return created.error();
    }
    SCITT_RETURN_IF_ERROR(writer.Exec("COMMIT"));
  } else if (version != kFormatVersion) {
    return UnknownVersion(index_path, version);
  }

  // The writer keeps the hash index pages its duplicate checks and inserts
  // touch (random, one per entry) in a larger cache than SQLite's 2 MiB.
  SCITT_RETURN_IF_ERROR(writer.Exec("PRAGMA cache_size = -65536"));
  SCITT_ASSIGN_OR_RETURN(begin, Statement::Prepare(db, "BEGIN IMMEDIATE"));
  SCITT_ASSIGN_OR_RETURN(find_for_append,
                         Statement::Prepare(db, "SELECT idx FROM entries WHERE hash = ?"));
  SCITT_ASSIGN_OR_RETURN(commit, Statement::Prepare(db, "COMMIT"));
  SCITT_ASSIGN_OR_RETURN(rollback, Statement::Prepare(db, "ROLLBACK"));
  SCITT_ASSIGN_OR_RETURN(
      insert_entry,
      Statement::Prepare(db,
                         "INSERT INTO entries(idx, hash, offset, length, registered_at, "
                         "policy_index, collateral) VALUES(?, ?, ?, ?, ?, ?, ?)"));
  SCITT_ASSIGN_OR_RETURN(
      insert_head, Statement::Prepare(db, std::string("INSERT INTO tree_heads(") + kHeadColumns +
                                              ") VALUES(?, ?, ?, ?, ?, ?)"));
  SCITT_ASSIGN_OR_RETURN(
      put_meta, Statement::Prepare(db,
                                   "INSERT INTO meta(key, value) VALUES(?, ?) "
                                   "ON CONFLICT(key) DO UPDATE SET value = excluded.value"));
  return Status::Ok();
}

Status EmbeddedStore::State::OpenIndexReadOnly() {
  // An auditor must never change what it audits: nothing here creates,
  // writes, truncates or locks for writing anything in the directory.
  auto no_log = [&](const std::string& why) {
    return NotFound(dir + " holds no scitt log (" + why + ")");
  };
  std::error_code ec;
  if (!std::filesystem::exists(Path("index.sqlite"), ec)) return no_log("no index.sqlite");
  lock_file = Fd(::open(Path("LOCK").c_str(), O_RDONLY | O_CLOEXEC));
  if (lock_file.get() < 0) {
    if (errno == ENOENT) return no_log("no LOCK file");
    return Errno("open " + Path("LOCK"));
  }
  // Shared: other readers may read along, a running service may not write.
  if (::flock(lock_file.get(), LOCK_SH | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      return Io("embedded store: " + dir +
                " is in use by another process (stop the service to read its data directory)");
    }
    return Errno("lock " + Path("LOCK"));
  }

  // SQLite cannot read a WAL database read-only without writing: a plain
  // read-only open (mode=ro) creates the -wal and -shm files when they are
  // missing and writes the wal-index in -shm when the process may (always as
  // root); immutable=1 writes nothing but ignores the -wal file. So:
  // - no -wal file, or an empty one (the service stopped cleanly: closing
  //   checkpointed everything into index.sqlite): index.sqlite alone is the
  //   committed state, read with immutable=1. Sound because the shared lock
  //   above keeps every scitt writer out while we read.
  // - a -wal file with frames (the service was killed, or the machine lost
  //   power): committed batches may live only there. index.sqlite and its WAL
  //   are copied into a private temporary directory, SQLite recovers and
  //   checkpoints the copy there, and the copy is read with immutable=1. The
  //   originals are only read.
  index_path = Path("index.sqlite");
  struct stat wal;
  if (::stat(Path("index.sqlite-wal").c_str(), &wal) == 0 && wal.st_size > 0) {
    std::string pattern = (std::filesystem::temp_directory_path(ec) / "scitt-index-XXXXXX").string();
    if (ec || ::mkdtemp(pattern.data()) == nullptr) {
      return Io("embedded store: creating a private copy of " + Path("index.sqlite") +
                " (its WAL holds committed batches): " + (ec ? ec.message() : std::strerror(errno)));
    }
    private_copy.dir = pattern;
    const std::string copy = private_copy.dir + "/index.sqlite";
    std::filesystem::copy_file(Path("index.sqlite"), copy, ec);
    if (!ec) std::filesystem::copy_file(Path("index.sqlite-wal"), copy + "-wal", ec);
    if (ec) return Io("embedded store: copying " + Path("index.sqlite") + " to " + copy + ": " + ec.message());
    SCITT_ASSIGN_OR_RETURN(Connection recovering, Connection::Open(copy));
    SCITT_RETURN_IF_ERROR(recovering.Exec("PRAGMA wal_checkpoint(TRUNCATE)"));
    index_path = copy;
  }

  SCITT_ASSIGN_OR_RETURN(Connection conn, Connection::OpenImmutable(index_path));
  SCITT_ASSIGN_OR_RETURN(const int64_t version, FormatVersion(conn, index_path));
  if (version == 0) return no_log("index.sqlite is empty");
  if (version != kFormatVersion) return UnknownVersion(Path("index.sqlite"), version);
  return Status::Ok();
}

Result<uint64_t> EmbeddedStore::State::LoadCommittedState() {
  SCITT_ASSIGN_OR_RETURN(auto reader, Borrow());
  sqlite3* db = reader->conn.get();
  // The committed state is what SQLite says: the latest tree head, whose
  // entries rows were committed in the same transaction.
  uint64_t committed = 0;
  {
    SCITT_ASSIGN_OR_RETURN(
        Statement query,
        Statement::Prepare(db, std::string("SELECT ") + kHeadColumns +
                                   " FROM tree_heads ORDER BY tree_size DESC LIMIT 1"));
    Query q(query);
    const int rc = q.Step();
    if (rc == SQLITE_ROW) {
      SCITT_ASSIGN_OR_RETURN(latest, HeadFromRow(q));
      committed = latest->tree_size;
    } else if (rc != SQLITE_DONE) {
      return SqliteError(db, "reading the latest tree head");
    }
  }
  {
    SCITT_ASSIGN_OR_RETURN(
        Statement last,
        Statement::Prepare(db,
                           "SELECT idx, offset + length FROM entries ORDER BY idx DESC LIMIT 1"));
    Query q(last);
    const int rc = q.Step();
    const uint64_t entries = rc == SQLITE_ROW ? static_cast<uint64_t>(q.IntAt(0)) + 1 : 0;
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return SqliteError(db, "reading the last entry");
    if (entries != committed) {
      return Io("embedded store: " + Path("index.sqlite") + " holds " + std::to_string(entries) +
                " entries but its latest tree head has size " + std::to_string(committed) +
                "; refusing to open");
    }
    if (rc == SQLITE_ROW) statements_end = static_cast<uint64_t>(q.IntAt(1));
  }
  // A store without the meta row synced its nodes with every batch (older builds).
  nodes_synced = committed;
  Query q(reader->meta);
  q.Text(1, kNodesSyncedKey);
  const int rc = q.Step();
  if (rc == SQLITE_ROW) {
    nodes_synced = std::min<uint64_t>(committed, std::strtoull(q.TextAt(0).c_str(), nullptr, 10));
  } else if (rc != SQLITE_DONE) {
    return SqliteError(db, "reading meta " + std::string(kNodesSyncedKey));
  }
  return committed;
}

Status EmbeddedStore::State::OpenFiles(uint64_t committed) {
  // Files: exactly what the committed state covers.
  const std::string statements_path = Path("statements");
  if (read_only) {
    statements = Fd(::open(statements_path.c_str(), O_RDONLY | O_CLOEXEC));
    // An empty log may not have written its statements file yet.
    if (statements.get() < 0 && !(errno == ENOENT && statements_end == 0)) {
      return Errno("open " + statements_path);
    }
  } else {
    statements = Fd(::open(statements_path.c_str(),
                           O_RDWR | O_CLOEXEC | (committed == 0 ? O_CREAT : 0), 0644));
    if (statements.get() < 0) return Errno("open " + statements_path);
    // New files (statements, index.sqlite, nodes/) must survive a crash too.
    if (committed == 0) SCITT_RETURN_IF_ERROR(SyncDirectory(dir));
  }
  if (statements.get() >= 0) {
    SCITT_RETURN_IF_ERROR(
        TrimToCommitted(statements.get(), statements_end, statements_path, committed, read_only));
  }
  // Nodes: the synced ones must be there; the rest are recomputed.
  for (uint8_t level = 0; level < kLevels; ++level) {
    const uint64_t nodes = nodes_synced >> level;
    const std::string path = Path(LevelName(level));
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) {
      if (nodes == 0) continue;  // not written yet, or rebuilt below
      return Io("embedded store: " + path + " is missing but the committed log (size " +
                std::to_string(committed) + ") has " + std::to_string(nodes) +
                " durable nodes at that level; refusing to open (restore the data directory "
                "from a backup)");
    }
    SCITT_RETURN_IF_ERROR(OpenLevel(level, /*create=*/false));
    SCITT_RETURN_IF_ERROR(TrimToCommitted(level_fds[level].load(std::memory_order_relaxed),
                                          kNodeSize * nodes, path, committed, read_only));
  }
  return Status::Ok();
}

Status EmbeddedStore::State::RebuildUnsyncedNodes(uint64_t committed) {
  // The right edge at nodes_synced, from its (durable) nodes.
  SCITT_ASSIGN_OR_RETURN(
      merkle::CompactRange range,
      merkle::CompactRange::Load(nodes_synced, [&](uint8_t level, uint64_t index) -> Result<merkle::Hash> {
        merkle::Hash hash;
        SCITT_RETURN_IF_ERROR(ReadAt(level_fds[level].load(std::memory_order_relaxed), hash.data(),
                                     hash.size(), kNodeSize * index,
                                     [&] { return Path(LevelName(level)); }));
        return hash;
      }));

  std::vector<crypto::Sha256Digest> hashes;
  {
    SCITT_ASSIGN_OR_RETURN(auto reader, Borrow());
    SCITT_ASSIGN_OR_RETURN(hashes, ReadEntryHashes(reader->entry_hashes, reader->conn.get(),
                                                   nodes_synced, committed - nodes_synced));
  }
  if (read_only) {
    for (const auto& entry_hash : hashes) {
      range.Append(merkle::HashLeaf(entry_hash), [&](uint8_t level, uint64_t, const merkle::Hash& node) {
        unsynced[level].push_back(node);
      });
    }
    return Status::Ok();
  }
  std::array<Bytes, kLevels> level_bytes;
  for (const auto& entry_hash : hashes) {
    range.Append(merkle::HashLeaf(entry_hash), [&](uint8_t level, uint64_t, const merkle::Hash& node) {
      level_bytes[level].insert(level_bytes[level].end(), node.begin(), node.end());
    });
  }

  std::vector<std::pair<int, std::string>> files;
  for (uint8_t level = 0; level < kLevels; ++level) {
    if (level_bytes[level].empty()) continue;
    if (level_fds[level].load(std::memory_order_relaxed) < 0) {
      SCITT_RETURN_IF_ERROR(OpenLevel(level, /*create=*/true));
    }
    const int fd = level_fds[level].load(std::memory_order_relaxed);
    SCITT_RETURN_IF_ERROR(
        WriteAt(fd, level_bytes[level], kNodeSize * (nodes_synced >> level), Path(LevelName(level))));
    files.emplace_back(fd, Path(LevelName(level)));
  }
  SCITT_RETURN_IF_ERROR(SyncFiles(files));
  const std::string synced = std::to_string(committed);  // bound SQLITE_STATIC: outlives Step()
  Query q(put_meta);
  q.Text(1, kNodesSyncedKey).Text(2, synced);
  if (q.Step() != SQLITE_DONE) {
    return SqliteError(writer.get(), "writing meta " + std::string(kNodesSyncedKey));
  }
  nodes_synced = committed;
  return Status::Ok();
}

Status EmbeddedStore::AppendBatch(std::span<const log::LogEntry> entries,
                                  std::span<const log::NodeWrite> nodes,
                                  const log::TreeHead& head) {
  State& s = *state_;
  if (s.read_only) return s.ReadOnly("append");
  std::lock_guard write_lock(s.write_mu);
  if (!s.poisoned.empty()) return Io(s.poisoned);

  const uint64_t old_size = s.size.load(std::memory_order_relaxed);
  const uint64_t new_size = old_size + entries.size();
  if (entries.empty() || head.tree_size != new_size) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "append: a batch needs entries and a tree head at size " +
                         std::to_string(new_size) + ", got " + std::to_string(entries.size()) +
                         " entries and a head at " + std::to_string(head.tree_size));
  }

  // Statements, back to back after the committed end.
  Bytes statements;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (entries[i].index != old_size + i) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "append: entry " + std::to_string(i) + " of the batch has index " +
                           std::to_string(entries[i].index) + ", expected " +
                           std::to_string(old_size + i));
    }
    statements.insert(statements.end(), entries[i].statement.begin(), entries[i].statement.end());
  }

  // Nodes: for each level, exactly the ones from (old_size >> L) up to
  // (new_size >> L), in order, so that node i always lands at 32·i.
  std::array<Bytes, kLevels> level_bytes;
  for (const log::NodeWrite& node : nodes) {
    const uint64_t expected =
        node.level < kLevels ? (old_size >> node.level) + level_bytes[node.level].size() / kNodeSize
                             : 0;
    if (node.level >= kLevels || node.index != expected) {
      return MakeError(ErrorCode::kInvalidArgument, "append: unexpected merkle node (" +
                                                        std::to_string(node.level) + ", " +
                                                        std::to_string(node.index) + ")");
    }
    level_bytes[node.level].insert(level_bytes[node.level].end(), node.hash.begin(),
                                   node.hash.end());
  }
  for (uint8_t level = 0; level < kLevels; ++level) {
    if (level_bytes[level].size() / kNodeSize != (new_size >> level) - (old_size >> level)) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "append: the batch does not complete exactly the nodes of level " +
                           std::to_string(level) + " between sizes " + std::to_string(old_size) +
                           " and " + std::to_string(new_size));
    }
  }

  // Everything the commit will point at goes to stable storage first. The
  // nodes only every node_sync_interval: fdatasync of ~10 level files per
  // batch was a third of the sequencer's CPU, and Open() recomputes unsynced
  // nodes from the entry hashes, which this commit makes durable.
  const auto now = s.clock();
  const bool sync_nodes =
      !s.last_node_sync || now - *s.last_node_sync >= s.node_sync_interval;
  auto write_files = [&]() -> Status {
    const std::string statements_path = s.Path("statements");
    SCITT_RETURN_IF_ERROR(
        WriteAt(s.statements.get(), statements, s.statements_end, statements_path));
    for (uint8_t level = 0; level < kLevels; ++level) {
      if (level_bytes[level].empty()) continue;
      if (s.level_fds[level].load(std::memory_order_relaxed) < 0) {
        SCITT_RETURN_IF_ERROR(s.OpenLevel(level, /*create=*/true));
      }
      SCITT_RETURN_IF_ERROR(WriteAt(s.level_fds[level].load(std::memory_order_relaxed),
                                    level_bytes[level], kNodeSize * (old_size >> level),
                                    s.Path(LevelName(level))));
    }
    std::vector<std::pair<int, std::string>> files = {{s.statements.get(), statements_path}};
    for (uint8_t level = 0; sync_nodes && level < kLevels; ++level) {
      if ((new_size >> level) == (s.nodes_synced >> level)) continue;  // nothing new there
      files.emplace_back(s.level_fds[level].load(std::memory_order_relaxed),
                         s.Path(LevelName(level)));
    }
    return SyncFiles(files);
  };
  Status written = write_files();
  if (!written.ok()) {
    (void)s.DiscardUncommitted();  // best effort: Open() trims them anyway
    return written;
  }

  sqlite3* db = s.writer.get();
  auto insert_rows = [&]() -> Status {
    {
      Query q(s.begin);
      if (q.Step() != SQLITE_DONE) return SqliteError(db, "beginning a batch");
    }
    uint64_t offset = s.statements_end;
    for (const log::LogEntry& entry : entries) {
      Query q(s.insert_entry);
      q.Int(1, static_cast<int64_t>(entry.index))
          .Blob(2, entry.entry_hash)
          .Int(3, static_cast<int64_t>(offset))
          .Int(4, static_cast<int64_t>(entry.statement.size()))
          .Int(5, entry.registered_at)
          .Int(6, static_cast<int64_t>(entry.policy_index))
          .Blob(7, entry.collateral);
      if (q.Step() != SQLITE_DONE) {
        return SqliteError(db, "inserting entry " + std::to_string(entry.index));
      }
      offset += entry.statement.size();
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
    if (sync_nodes) {
      const std::string synced = std::to_string(new_size);  // bound SQLITE_STATIC: outlives Step()
      Query meta(s.put_meta);
      meta.Text(1, kNodesSyncedKey).Text(2, synced);
      if (meta.Step() != SQLITE_DONE) return SqliteError(db, "recording the synced Merkle nodes");
    }
    return Status::Ok();
  };
  Status inserted = insert_rows();
  if (!inserted.ok()) {
    if (!sqlite3_get_autocommit(db)) {
      Query q(s.rollback);
      (void)q.Step();
    }
    (void)s.DiscardUncommitted();
    return inserted;
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
      if (!sqlite3_get_autocommit(db)) {
        Query r(s.rollback);
        (void)r.Step();
      }
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

  s.statements_end += statements.size();
  if (sync_nodes) {
    s.nodes_synced = new_size;
    s.last_node_sync = now;
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
  return s.DiscardUncommitted();
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
  SCITT_ASSIGN_OR_RETURN(auto reader, state_->Borrow());
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
  SCITT_ASSIGN_OR_RETURN(auto reader, state_->Borrow());
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
  SCITT_ASSIGN_OR_RETURN(auto reader, state_->Borrow());
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
                               [&] { return state_->Path("statements"); }));
  entry.registered_at = q.IntAt(3);
  entry.policy_index = static_cast<uint64_t>(q.IntAt(4));
  const ByteView collateral = q.BlobAt(5);
  entry.collateral.assign(collateral.begin(), collateral.end());
  return entry;
}

Result<std::vector<crypto::Sha256Digest>> EmbeddedStore::EntryHashes(uint64_t start,
                                                                     uint64_t count) const {
  const uint64_t committed = size();
  if (start > committed || count > committed - start) {
    return NotFound("entries [" + std::to_string(start) + ", +" + std::to_string(count) +
                    ") go beyond the log size " + std::to_string(committed));
  }
  SCITT_ASSIGN_OR_RETURN(auto reader, state_->Borrow());
  return ReadEntryHashes(reader->entry_hashes, reader->conn.get(), start, count);
}

Result<std::optional<uint64_t>> EmbeddedStore::FindEntry(
    const crypto::Sha256Digest& entry_hash) const {
  const uint64_t committed = size();
  SCITT_ASSIGN_OR_RETURN(auto reader, state_->Borrow());
  Query q(reader->find);
  q.Blob(1, entry_hash);
  const int rc = q.Step();
  if (rc == SQLITE_ROW) {
    const auto index = static_cast<uint64_t>(q.IntAt(0));
    // A row committed a moment ago is not part of the log until size() says so.
    if (index < committed) return std::optional<uint64_t>(index);
    return std::optional<uint64_t>();
  }
  if (rc != SQLITE_DONE) return SqliteError(reader->conn.get(), "looking up an entry hash");
  return std::optional<uint64_t>();
}

Result<std::vector<std::optional<uint64_t>>> EmbeddedStore::FindEntriesToAppend(
    std::span<const crypto::Sha256Digest> hashes) const {
  State& s = *state_;
  if (s.read_only) return s.ReadOnly("looking up entries to append");
  std::lock_guard write_lock(s.write_mu);
  std::vector<std::optional<uint64_t>> found;
  found.reserve(hashes.size());
  for (const auto& hash : hashes) {
    Query q(s.find_for_append);
    q.Blob(1, hash);
    const int rc = q.Step();
    if (rc == SQLITE_ROW) {
      found.push_back(static_cast<uint64_t>(q.IntAt(0)));
    } else if (rc == SQLITE_DONE) {
      found.push_back(std::nullopt);
    } else {
      return SqliteError(s.writer.get(), "looking up an entry hash");
    }
  }
  return found;
}

const merkle::NodeSource& EmbeddedStore::nodes() const { return state_->level_nodes; }

Result<std::optional<std::string>> EmbeddedStore::GetMeta(const std::string& key) const {
  SCITT_ASSIGN_OR_RETURN(auto reader, state_->Borrow());
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
