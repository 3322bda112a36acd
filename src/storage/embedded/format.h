// The embedded store's on-disk format (DESIGN.md §4), written down once: the
// store that writes a data directory and the read-only one that audits it
// both follow this file.
//
// Data directory layout (format version 2, PRAGMA user_version):
//   LOCK            flock()ed while a store has the directory open: exclusive
//                   by the one writer, shared by read-only readers
//   index.sqlite    (+ -wal, -shm), WAL mode, synchronous=FULL:
//                     entries(idx INTEGER PRIMARY KEY, hash UNIQUE, offset, length,
//                             registered_at, policy_index, collateral)
//                     tree_heads(tree_size INTEGER PRIMARY KEY, root, timestamp,
//                                receipt_protected, receipt_signature, checkpoint)
//                     meta(key PRIMARY KEY, value) WITHOUT ROWID
//                     signed_contents(hash PRIMARY KEY, idx) WITHOUT ROWID:
//                             the entry registered with each signed content
//                             (log::LogEntry::signed_content)
//   statements      the registered statements back to back; entry i is the bytes
//                   [offset, offset + length) of its entries row
//   nodes/NN        Merkle level NN (decimal, two digits): complete node i at byte
//                   32·i; a tree of size n has exactly n >> NN nodes there
//
// Durability: a batch writes statements and nodes past the committed ends of
// their files and fdatasyncs the statements, then commits the entries rows and
// the tree head in one SQLite transaction. That commit is the durability point:
// the committed state is exactly what SQLite holds (the latest tree head, whose
// entries rows the same transaction committed). File bytes beyond it are the
// leftovers of a batch that never committed. The node files, derived data, are
// fdatasynced only now and then; meta "nodes_synced_size" is the tree size they
// are durable up to, and nodes beyond it are recomputed from the committed entry
// hashes. A file shorter than its durable part is damage.
//
// Version 1 is version 2 without signed_contents. Opening a version-1
// directory read-write upgrades it in place, in one transaction: the table is
// filled from the stored statements (StoreOptions::signed_content_of computes
// each entry's signed content; an earlier entry keeps a content that a later
// one repeats) and user_version becomes 2. A read-only store reads version 1
// as it is, without signed contents.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace scitt::storage::embedded {

constexpr int kFormatVersion = 2;
constexpr int kFirstSignedContentVersion = 2;  // older versions lack signed_contents

constexpr const char* kLockFile = "LOCK";
constexpr const char* kIndexFile = "index.sqlite";
constexpr const char* kStatementsFile = "statements";
constexpr const char* kNodesDirectory = "nodes";

constexpr uint8_t kLevels = 64;     // a 64-bit tree has Merkle levels 0..63
constexpr uint64_t kNodeSize = 32;  // one SHA-256 node

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
CREATE TABLE signed_contents(hash BLOB PRIMARY KEY, idx INTEGER NOT NULL) WITHOUT ROWID;
PRAGMA user_version = 2;
)sql";

// Version 1 to 2, before the table is filled (same transaction).
constexpr const char* kUpgradeFrom1 = R"sql(
CREATE TABLE signed_contents(hash BLOB PRIMARY KEY, idx INTEGER NOT NULL) WITHOUT ROWID;
PRAGMA user_version = 2;
)sql";

// "nodes/NN": the file of Merkle level `level`.
inline std::string LevelFileName(uint8_t level) {
  char name[16];
  std::snprintf(name, sizeof(name), "nodes/%02u", static_cast<unsigned>(level));
  return name;
}

}  // namespace scitt::storage::embedded
