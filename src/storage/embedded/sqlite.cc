#include "storage/embedded/sqlite.h"

#include <cstdio>
#include <filesystem>

namespace scitt::storage::embedded {

Error SqliteError(sqlite3* db, const std::string& what) {
  return MakeError(ErrorCode::kIo, "embedded store: " + what + ": " + sqlite3_errmsg(db));
}

Connection::~Connection() { sqlite3_close_v2(db_); }

Result<Connection> Connection::Open(const std::string& path) {
  Connection c;
  const int rc = sqlite3_open_v2(path.c_str(), &c.db_,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                 nullptr);
  if (rc != SQLITE_OK) {
    return MakeError(ErrorCode::kIo, "embedded store: opening " + path + ": " +
                                         (c.db_ != nullptr ? sqlite3_errmsg(c.db_) : sqlite3_errstr(rc)));
  }
  sqlite3_extended_result_codes(c.db_, 1);
  // WAL readers never wait; this only covers WAL recovery by another connection.
  sqlite3_busy_timeout(c.db_, 10000);
  return c;
}

std::string ImmutableUri(const std::string& path) {
  // A file: URI (RFC 8089) of the absolute path. SQLite decodes %HH in it,
  // and '?' and '#' would end the path, so those three are escaped.
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
  return uri + "?mode=ro&immutable=1";
}

Result<Connection> Connection::OpenImmutable(const std::string& path) {
  const std::string uri = ImmutableUri(path);
  Connection c;
  const int rc = sqlite3_open_v2(uri.c_str(), &c.db_,
                                 SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    return MakeError(ErrorCode::kIo, "embedded store: opening " + path + " read-only: " +
                                         (c.db_ != nullptr ? sqlite3_errmsg(c.db_) : sqlite3_errstr(rc)));
  }
  sqlite3_extended_result_codes(c.db_, 1);
  return c;
}

Status Connection::Exec(const char* sql) const {
  if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
    return SqliteError(db_, std::string("executing \"") + sql + "\"");
  }
  return Status::Ok();
}

Result<Statement> Statement::Prepare(sqlite3* db, const std::string& sql) {
  Statement s;
  if (sqlite3_prepare_v3(db, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &s.stmt_, nullptr) !=
      SQLITE_OK) {
    return SqliteError(db, "preparing \"" + sql + "\"");
  }
  return s;
}

}  // namespace scitt::storage::embedded
