// The embedded store's on-disk format (DESIGN.md §4), written down once: the
// store that writes a data directory and the read-only one that audits it
// both follow this file.
//
// Data directory layout (format version 3, PRAGMA user_version of both
// databases):
//   LOCK            flock()ed while a store has the directory open: exclusive
//                   by the one writer, shared by read-only readers
//   index.sqlite    (+ -wal, -shm), WAL mode, synchronous=FULL:
//                     entries(idx INTEGER PRIMARY KEY, hash, offset, length,
//                             registered_at, policy_index, collateral)
//                     tree_heads(tree_size INTEGER PRIMARY KEY, root, timestamp,
//                                receipt_protected, receipt_signature, checkpoint)
//                     meta(key PRIMARY KEY, value) WITHOUT ROWID
//   lookup.sqlite   (+ -wal, -shm), WAL mode, synchronous=NORMAL: the lookups
//                   by hash, derived from the entries:
//                     by_entry_hash(hash PRIMARY KEY, idx) WITHOUT ROWID:
//                             the entry with each entries.hash
//                     by_signed_content(hash PRIMARY KEY, idx) WITHOUT ROWID:
//                             the entry registered with each signed content
//                             (log::LogEntry::signed_content)
//                     meta(key PRIMARY KEY, value) WITHOUT ROWID: "covered_size",
//                             the tree size whose entries the tables and
//                             the runs hold
//                     runs(id INTEGER PRIMARY KEY, entry_hashes, signed_contents):
//                             the sorted runs that hold the rest (lookup
//                             format 4; format 3 had no runs)
//   lookups/RUN.run the sorted runs (lookup_runs.h), each holding rows moved out
//                   of the tables: a header ("SCITTRUN", u32 format 1, u32 0,
//                   u64 entry-hash count, u64 signed-content count, little-
//                   endian), then the (32-byte key, u64 index) records of each
//                   kind in key order. A key is in the tables or in a run, never
//                   in two (but while a move is in progress, when both name
//                   the same entry). Written whole and fsynced before the
//                   transaction that records it (synchronous=FULL, as is the
//                   one that drops merged runs, before their files go).
//   statements      the registered statements back to back; entry i is the bytes
//                   [offset, offset + length) of its entries row
//   nodes/NN        Merkle level NN (decimal, two digits): complete node i at byte
//                   32·i; a tree of size n has exactly n >> NN nodes there
//
// Durability: a batch writes statements and nodes past the committed ends of
// their files and fdatasyncs the statements, then commits the entries rows and
// the tree head in one SQLite transaction on index.sqlite. That commit is the
// durability point: the committed state is exactly what index.sqlite holds
// (the latest tree head, whose entries rows the same transaction committed).
// File bytes beyond it are the leftovers of a batch that never committed. The
// node files, derived data, are fdatasynced only now and then; meta
// "nodes_synced_size" is the tree size they are durable up to, and nodes
// beyond it are recomputed from the committed entry hashes. A file shorter
// than its durable part is damage.
//
// lookup.sqlite is derived data too, kept out of the synced commit: the
// lookups of committed entries are written there later (by the store's
// lookup writer, many batches per transaction), each transaction with its
// rows and covered_size, without fsync (SQLite's WAL with synchronous=NORMAL
// never corrupts, but a power loss may roll back its last transactions). So
// it never covers more than index.sqlite holds, and may cover less; opening
// read-write catches it up from the entries (entry hashes from entries.hash,
// signed contents computed from the statements by
// StoreOptions::signed_content_of), rebuilds it when it is missing or
// unreadable, and drops rows beyond the log. Entry hashes are unique in the
// log; so are signed contents, but for entries of a version-1 log that
// repeat an earlier one's (the earliest keeps its row).
//
// Versions 1 and 2 kept the lookups in index.sqlite: entries.hash was UNIQUE
// (its index served FindEntry), and version 2 added signed_contents(hash
// PRIMARY KEY, idx) WITHOUT ROWID there. Opening one read-write upgrades it in
// place: lookup.sqlite is built from the entries (version 1 computes the
// signed contents, and an earlier entry keeps a content that a later one
// repeats; version 2 copies signed_contents), then one index.sqlite
// transaction rebuilds entries without UNIQUE, drops signed_contents and sets
// user_version 3. A crash in between leaves version 1 or 2, upgraded again at
// the next open. A read-only store reads them as they are (version 1 without
// signed contents).
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace scitt::storage::embedded {

constexpr int kFormatVersion = 3;
// lookup.sqlite's own format: 4 records sorted runs (lookups/); 3, read as
// it is, has none and becomes 4 at a read-write open.
constexpr int kLookupFormatVersion = 4;
constexpr int kFirstSignedContentVersion = 2;  // version 1 lacks signed contents
constexpr int kFirstLookupFileVersion = 3;     // older versions keep lookups in index.sqlite

constexpr const char* kLockFile = "LOCK";
constexpr const char* kIndexFile = "index.sqlite";
constexpr const char* kLookupFile = "lookup.sqlite";
constexpr const char* kRunsDirectory = "lookups";
constexpr const char* kStatementsFile = "statements";
constexpr const char* kNodesDirectory = "nodes";

constexpr uint8_t kLevels = 64;     // a 64-bit tree has Merkle levels 0..63
constexpr uint64_t kNodeSize = 32;  // one SHA-256 node

// index.sqlite meta key: the tree size up to which nodes/NN are on stable storage.
constexpr const char* kNodesSyncedKey = "nodes_synced_size";
// lookup.sqlite meta key: the tree size whose entries its tables hold.
constexpr const char* kCoveredKey = "covered_size";

// index.sqlite's entries table.
constexpr const char* kCreateEntries = R"sql(
CREATE TABLE entries(
  idx INTEGER PRIMARY KEY,
  hash BLOB NOT NULL,
  offset INTEGER NOT NULL,
  length INTEGER NOT NULL,
  registered_at INTEGER NOT NULL,
  policy_index INTEGER NOT NULL,
  collateral BLOB);
)sql";

// The rest of index.sqlite, created in the transaction that creates entries.
constexpr const char* kIndexSchema = R"sql(
CREATE TABLE tree_heads(
  tree_size INTEGER PRIMARY KEY,
  root BLOB NOT NULL,
  timestamp INTEGER NOT NULL,
  receipt_protected BLOB NOT NULL,
  receipt_signature BLOB NOT NULL,
  checkpoint TEXT NOT NULL);
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
PRAGMA user_version = 3;
)sql";

// Versions 1 and 2 to 3, once lookup.sqlite holds every entry: around
// kCreateEntries, in one transaction.
constexpr const char* kUpgradeBeforeEntries = "ALTER TABLE entries RENAME TO entries_v2;";
constexpr const char* kUpgradeAfterEntries = R"sql(
INSERT INTO entries SELECT idx, hash, offset, length, registered_at, policy_index, collateral
  FROM entries_v2;
DROP TABLE entries_v2;
DROP TABLE IF EXISTS signed_contents;
PRAGMA user_version = 3;
)sql";

// lookup.sqlite, created in one transaction (covered_size 0 is its meta row).
constexpr const char* kLookupSchema = R"sql(
CREATE TABLE by_entry_hash(hash BLOB PRIMARY KEY, idx INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE by_signed_content(hash BLOB PRIMARY KEY, idx INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
INSERT INTO meta(key, value) VALUES('covered_size', '0');
CREATE TABLE runs(id INTEGER PRIMARY KEY, entry_hashes INTEGER NOT NULL, signed_contents INTEGER NOT NULL);
PRAGMA user_version = 4;
)sql";
// lookup.sqlite format 3 to 4, in one transaction.
constexpr const char* kLookupUpgrade = R"sql(
CREATE TABLE runs(id INTEGER PRIMARY KEY, entry_hashes INTEGER NOT NULL, signed_contents INTEGER NOT NULL);
PRAGMA user_version = 4;
)sql";

// "nodes/NN": the file of Merkle level `level`.
inline std::string LevelFileName(uint8_t level) {
  char name[16];
  std::snprintf(name, sizeof(name), "nodes/%02u", static_cast<unsigned>(level));
  return name;
}

}  // namespace scitt::storage::embedded
