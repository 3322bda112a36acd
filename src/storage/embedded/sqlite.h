// A small SQLite wrapper for the embedded store: an owned connection, a
// prepared statement, one use of it (Query), and a pool of sessions so that
// each reading thread has a connection of its own. Every error is kIo with
// SQLite's message.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"

namespace scitt::storage::embedded {

// kIo: "embedded store: <what>: <SQLite's message for db>".
Error SqliteError(sqlite3* db, const std::string& what);

// An owned connection, used by one thread at a time (SQLITE_OPEN_NOMUTEX).
class Connection {
 public:
  Connection() = default;
  Connection(Connection&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}
  Connection& operator=(Connection&& other) noexcept {
    std::swap(db_, other.db_);
    return *this;
  }
  ~Connection();

  // Read-write, creating the database file when missing.
  static Result<Connection> Open(const std::string& path);
  // Reads the database file alone and never writes, locks or creates a file
  // (SQLite's immutable=1): not even the -wal and -shm files that a read-only
  // open of a WAL database creates. Only correct while nobody writes the
  // database and its WAL holds no frames (see EmbeddedStore's read-only open).
  static Result<Connection> OpenImmutable(const std::string& path);

  Status Exec(const char* sql) const;
  sqlite3* get() const { return db_; }

 private:
  sqlite3* db_ = nullptr;
};

// The URI Connection::OpenImmutable opens `path` by: also the name to
// ATTACH another database that way from such a connection.
std::string ImmutableUri(const std::string& path);

// A prepared statement (SQLITE_PREPARE_PERSISTENT: kept for many uses).
class Statement {
 public:
  Statement() = default;
  Statement(Statement&& other) noexcept : stmt_(std::exchange(other.stmt_, nullptr)) {}
  Statement& operator=(Statement&& other) noexcept {
    std::swap(stmt_, other.stmt_);
    return *this;
  }
  ~Statement() { sqlite3_finalize(stmt_); }

  static Result<Statement> Prepare(sqlite3* db, const std::string& sql);
  sqlite3_stmt* get() const { return stmt_; }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

// One use of a prepared statement. Resetting it when done ends the read
// transaction it opened; a reader left open would stop WAL checkpoints.
// Bound blobs and text are SQLITE_STATIC: they must outlive Step().
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
  // An empty blob binds NULL.
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
  bool NullAt(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
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

// Sessions (a connection with its prepared statements) lent to one thread at
// a time. A borrowed session returns to the pool when its Lease ends; up to
// `max_idle` are kept for reuse. Thread-safe; sessions are made by `make`.
template <typename Session>
class SessionPool {
 public:
  using Factory = std::function<Result<std::unique_ptr<Session>>()>;

  class Lease {
   public:
    Lease(const SessionPool& pool, std::unique_ptr<Session> session)
        : pool_(&pool), session_(std::move(session)) {}
    Lease(Lease&&) = default;
    ~Lease() {
      if (session_ != nullptr) pool_->Return(std::move(session_));
    }
    Session* operator->() const { return session_.get(); }
    Session& operator*() const { return *session_; }

   private:
    const SessionPool* pool_;
    std::unique_ptr<Session> session_;
  };

  SessionPool(Factory make, size_t max_idle) : make_(std::move(make)), max_idle_(max_idle) {}

  Result<Lease> Borrow() const {
    {
      std::lock_guard lock(mu_);
      if (!idle_.empty()) {
        std::unique_ptr<Session> session = std::move(idle_.back());
        idle_.pop_back();
        return Lease(*this, std::move(session));
      }
    }
    SCITT_ASSIGN_OR_RETURN(std::unique_ptr<Session> session, make_());
    return Lease(*this, std::move(session));
  }

 private:
  void Return(std::unique_ptr<Session> session) const {
    std::lock_guard lock(mu_);
    if (idle_.size() < max_idle_) idle_.push_back(std::move(session));
  }

  const Factory make_;
  const size_t max_idle_;
  mutable std::mutex mu_;  // guards idle_
  mutable std::vector<std::unique_ptr<Session>> idle_;
};

}  // namespace scitt::storage::embedded
