// lookups/: the embedded store's lookups by entry hash and by signed content
// (format.h), in a LevelDB database. Derived data: written without sync, and
// rebuilt from the entries whenever it is missing, unreadable or behind.
//
// LevelDB (Debian's libleveldb) rather than a SQLite B-tree: the keys are
// hashes, so each B-tree insert dirtied a page of its own once the table
// outgrew its cache, and the lookup writer's cost grew with the log
// (docs/performance.md, "Scale"); a log-structured merge tree appends.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "base/result.h"
#include "crypto/hash.h"

namespace leveldb {
class DB;
class Env;
}  // namespace leveldb

namespace scitt::storage::embedded {

// The two lookups.
enum class Lookup { kEntryHash, kSignedContent };

class LookupDb {
 public:
  // One key of a write.
  struct Row {
    Lookup lookup;
    crypto::Sha256Digest key;
    uint64_t index;
  };

  // Opens (creating when missing) the database in directory `path`. An
  // unreadable database, or one of an unknown format, is an error; the
  // caller rebuilds it (Destroy, then Open).
  static Result<std::unique_ptr<LookupDb>> Open(const std::string& path);
  // Removes the database in `path`, if any.
  static Status Destroy(const std::string& path);
  // Tests: the LevelDB environment later opens use (nullptr: the default),
  // so that a test can make its writes fail.
  static void UseEnvForTesting(leveldb::Env* env);

  ~LookupDb();
  LookupDb(const LookupDb&) = delete;
  LookupDb& operator=(const LookupDb&) = delete;

  // The tree size whose entries the database holds.
  Result<uint64_t> Covered() const;
  // The entry `key` names, if the database holds it.
  Result<std::optional<uint64_t>> Find(Lookup lookup, const crypto::Sha256Digest& key) const;
  // `rows` and covered size `covered_size`, atomically, without sync.
  Status Write(std::span<const Row> rows, uint64_t covered_size);

  // Removes every key naming an entry at or beyond `size` and sets the
  // covered size to `size`, reading every key.
  Status CutBackTo(uint64_t size);

  // What one consistent view of the database holds (a snapshot): its covered
  // size, and each key of `lookup` with its entry, in key order, to `each`
  // (when given). Returns the number of keys of each lookup.
  struct Counts {
    uint64_t covered = 0;
    uint64_t entry_hashes = 0;
    uint64_t signed_contents = 0;
  };
  Result<Counts> Scan(
      const std::function<void(Lookup, const crypto::Sha256Digest&, uint64_t)>& each = {}) const;

 private:
  struct Resources;
  LookupDb(std::unique_ptr<Resources> resources, std::string path);

  std::unique_ptr<Resources> resources_;  // options' cache and filter, then the DB
  const std::string path_;
};

}  // namespace scitt::storage::embedded
