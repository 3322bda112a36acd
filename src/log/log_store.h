// The storage the transparency log needs, defined here and implemented by
// src/storage/ (embedded: SQLite + append-only files; opened by one setting,
// storage/store.h). Every backend passes the conformance suite in
// tests/storage/log_store_conformance.h unchanged.
//
// Durability contract: when AppendBatch returns OK, every entry, every node
// and the tree head of the batch are on stable storage (fsync/commit), and a
// crash at any later moment loses none of them. When it fails, the store may
// hold a partial batch on disk, but Open()/Recover() must discard it: nothing
// of a failed batch is ever visible to readers or survives a restart.
//
// Concurrency: one writer (the sequencer) calls AppendBatch/Recover/PutMeta;
// every const member may be called from any number of threads at the same
// time, and sees a batch entirely or not at all. Several writers may share
// one backing store (sequencers on one database): AppendBatch's
// compare-and-swap guarantees that they can never both append at one size.
//
// A store opened read-only (storage::StoreOptions::read_only) answers
// AppendBatch, Recover, PutMeta and FindEntriesToAppend with kUnsupported.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/mapped_bytes.h"
#include "base/result.h"
#include "crypto/hash.h"
#include "merkle/hash.h"
#include "merkle/tree.h"

namespace scitt::log {

// One registered statement as the log keeps it.
struct LogEntry {
  uint64_t index = 0;
  crypto::Sha256Digest entry_hash{};  // SHA-256(registered statement): the leaf input
  // SHA-256 of what the statement's signature covers (cose::SignedContent):
  // entries with equal values are one registration (docs/profile.md), so the
  // log and the store keep it unique. Set by the submitter, outside the
  // sequencer; LogStore::Entry leaves it zero.
  crypto::Sha256Digest signed_content{};
  Bytes statement;                    // the registered statement (unprotected = {})
  // Instead of `statement` (then empty): the statement mapped from a file.
  // Read: from the store's file, for a large one read by a caller that
  // asked (LogStore::Entries's map_statements_from; log::TakeStatement
  // parses either). Written: the scratch file a large statement was
  // submitted in (registration::Pipeline), which AppendBatch copies from.
  std::shared_ptr<const MappedBytes> mapped_statement;
  Bytes collateral;                   // CBOR map of what verification used beyond the
                                      // statement (e.g. an unprotected x5chain); may be empty
  int64_t registered_at = 0;          // seconds since the epoch
  uint64_t policy_index = 0;          // log index of the policy statement applied

  ByteView statement_bytes() const { return mapped_statement ? mapped_statement->bytes() : ByteView(statement); }
};

// A node of the Merkle tree that became complete in a batch.
struct NodeWrite {
  uint8_t level = 0;
  uint64_t index = 0;
  merkle::Hash hash{};
};

// A signed tree head: the receipt-form signature (RFC 9942 protected header
// and signature over the root) and the C2SP checkpoint for the same size.
struct TreeHead {
  uint64_t tree_size = 0;
  merkle::Hash root{};
  int64_t timestamp = 0;            // the receipt's CWT iat
  Bytes receipt_protected;          // serialized receipt protected header
  Bytes receipt_signature;          // over ["Signature1", protected, h'', root]
  std::string checkpoint;           // signed note text (tlog-checkpoint)
};

// What a store's lookups by entry hash and by signed content hold
// (LogStore::CountLookups).
struct LookupCounts {
  // The entries [0, covered) are in the stored lookups and counted below. A
  // store whose stored lookups lag behind the log (the embedded store keeps
  // the newest ones in memory for a while) finds the entries
  // [covered, size()) another way.
  uint64_t covered = 0;
  uint64_t entry_hashes = 0;     // keys of the stored entry-hash lookup
  uint64_t signed_contents = 0;  // keys of the stored signed-content lookup
};

class LogStore {
 public:
  virtual ~LogStore() = default;

  // Appends entries [first, first + n) with the nodes they complete and the
  // tree head at first + n, where first = entries[0].index and the indexes
  // are consecutive (kInvalidArgument otherwise, as for nodes that are not
  // exactly those the batch completes). Durable on OK (see file comment).
  // Entry hashes and signed contents are unique in the log: a batch that
  // repeats one (within itself or from the log) fails and leaves nothing.
  //
  // A compare-and-swap on the durable size: the batch is appended only if
  // the size of the log on stable storage is still `first`, checked inside
  // the same transaction that commits the batch. Otherwise it fails with
  // kConflict and changes nothing, visible or not: another writer appended
  // first. The caller must then stop appending (TransparencyLog does): its
  // tree is stale, and a head it signed for `first + n` would fork the log.
  virtual Status AppendBatch(std::span<const LogEntry> entries, std::span<const NodeWrite> nodes,
                             const TreeHead& head) = 0;

  // After a failed AppendBatch: settles what is durable and discards the
  // rest, so that size(), LatestTreeHead() and nodes() describe exactly what
  // a restart would find. Fails when the store cannot know whether the failed
  // batch reached stable storage (e.g. a commit whose outcome is unknown);
  // it then refuses every AppendBatch until reopened, because a caller that
  // signed another root at that size would fork the log.
  // The default suits stores whose failed AppendBatch never leaves anything.
  virtual Status Recover() { return Status::Ok(); }

  // Number of entries durably stored (== size of the latest tree head).
  virtual uint64_t size() const = 0;

  // The latest tree head; kNotFound for an empty log.
  virtual Result<TreeHead> LatestTreeHead() const = 0;
  // The tree head signed at exactly `tree_size`; kNotFound if none was.
  virtual Result<TreeHead> TreeHeadAt(uint64_t tree_size) const = 0;
  // The smallest signed tree size >= `tree_size`; kNotFound if none.
  virtual Result<uint64_t> SignedSizeAtOrAfter(uint64_t tree_size) const = 0;

  virtual Result<LogEntry> Entry(uint64_t index) const = 0;
  // Entries [start, start + count), in order: what a follower of the log
  // reads. kNotFound when the range goes beyond size(). A backend reads them
  // together where it can (the embedded store: one query and one read of
  // the statements file instead of one of each per entry). A statement of
  // `map_statements_from` bytes or more may be mapped instead of read
  // (LogEntry::mapped_statement), where the backend can: a follower then
  // holds no heap copy of a statement of hundreds of megabytes.
  virtual Result<std::vector<LogEntry>> Entries(uint64_t start, uint64_t count,
                                                [[maybe_unused]] size_t map_statements_from = SIZE_MAX) const {
    if (start > size() || count > size() - start) {
      return MakeError(ErrorCode::kNotFound, "entries [" + std::to_string(start) + ", +" + std::to_string(count) +
                                                 ") go beyond the log size " + std::to_string(size()));
    }
    std::vector<LogEntry> out;
    out.reserve(count);
    for (uint64_t i = 0; i < count; ++i) {
      SCITT_ASSIGN_OR_RETURN(LogEntry entry, Entry(start + i));
      out.push_back(std::move(entry));
    }
    return out;
  }
  // Entry hashes [start, start + count) for tile entry bundles.
  virtual Result<std::vector<crypto::Sha256Digest>> EntryHashes(uint64_t start, uint64_t count) const = 0;
  // The index of the entry with this hash, if registered.
  virtual Result<std::optional<uint64_t>> FindEntry(const crypto::Sha256Digest& entry_hash) const = 0;
  // The index of the entry registered with this signed content
  // (LogEntry::signed_content), if any.
  virtual Result<std::optional<uint64_t>> FindSignedContent(
      const crypto::Sha256Digest& signed_content) const = 0;
  // FindSignedContent for each signed content of a batch about to be
  // appended (the sequencer's duplicate check; only the appending thread
  // calls it). A store may answer from its writer's state, whose cache the
  // append then reuses.
  virtual Result<std::vector<std::optional<uint64_t>>> FindEntriesToAppend(
      std::span<const crypto::Sha256Digest> signed_contents) const {
    std::vector<std::optional<uint64_t>> found;
    found.reserve(signed_contents.size());
    for (const auto& signed_content : signed_contents) {
      SCITT_ASSIGN_OR_RETURN(std::optional<uint64_t> index, FindSignedContent(signed_content));
      found.push_back(index);
    }
    return found;
  }

  // For `scitt log fsck` (log/store_check.h), which checks through FindEntry
  // and FindSignedContent that every entry is found by both of its keys:
  // how many keys the lookups behind them hold, so that a key naming an
  // entry it does not belong to shows too. kUnsupported when the store
  // cannot count them.
  virtual Result<LookupCounts> CountLookups() const {
    return MakeError(ErrorCode::kUnsupported, "this store does not count its lookups");
  }

  // Complete nodes of the tree, for proofs and tiles. Thread-safe.
  virtual const merkle::NodeSource& nodes() const = 0;

  // Small persistent settings (origin, policy version, key ids): set once
  // at creation, read at every start.
  virtual Result<std::optional<std::string>> GetMeta(const std::string& key) const = 0;
  virtual Status PutMeta(const std::string& key, const std::string& value) = 0;
};

}  // namespace scitt::log
