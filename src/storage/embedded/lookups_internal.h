// Helpers shared by lookups_write.cc and lookups_read.cc (lookup.sqlite,
// format.h). Internal to the embedded backend.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>

#include "base/result.h"
#include "base/text.h"
#include "crypto/hash.h"
#include "storage/embedded/file_io.h"
#include "storage/embedded/format.h"
#include "storage/embedded/sqlite.h"

namespace scitt::storage::embedded {

// The 32-byte hash in `column` of a row of entry `index`.
inline Result<crypto::Sha256Digest> DigestAt(const Query& q, int column, uint64_t index) {
  const ByteView bytes = q.BlobAt(column);
  crypto::Sha256Digest digest{};
  if (bytes.size() != digest.size()) {
    return Io("embedded store: entry " + std::to_string(index) + " has a malformed hash");
  }
  std::memcpy(digest.data(), bytes.data(), digest.size());
  return digest;
}

// covered_size of a lookup.sqlite connection (`query` is kReadCoveredSql).
inline Result<uint64_t> ReadCovered(const Statement& query, sqlite3* db, const std::string& path) {
  Query q(query);
  const int rc = q.Step();
  if (rc != SQLITE_ROW) {
    if (rc == SQLITE_DONE) return Io("embedded store: " + path + " has no covered_size");
    return SqliteError(db, "reading the covered size of " + path);
  }
  const std::optional<uint64_t> value = ParseDecimal(q.TextAt(0));
  if (!value) return Io("embedded store: " + path + " has a malformed covered_size");
  return *value;
}

inline const std::string kReadCoveredSql =
    std::string("SELECT value FROM meta WHERE key = '") + kCoveredKey + "'";
// index.sqlite: what the lookups of the entries [?1, ?2) are computed from.
constexpr const char* kEntryKeysSql =
    "SELECT idx, hash, offset, length FROM entries WHERE idx >= ? AND idx < ? ORDER BY idx";

}  // namespace scitt::storage::embedded
