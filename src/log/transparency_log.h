// The append-only log: a pool of pending entries, the sequencer that turns
// them into batches, and the read side (receipts, tiles, checkpoints).
//
// DESIGN.md §3: the sequencer takes up to max_batch_size entries or waits at
// most max_batch_delay, appends them, makes the batch durable with one
// LogStore::AppendBatch (one commit/fsync), signs the new tree head once
// (receipt form, ES256 by default) and once as a C2SP checkpoint (Ed25519),
// and only then completes every submission of the batch with its receipt:
// release threads build the receipts (each its own proof, under the one
// signature) and run the callbacks while the sequencer takes the next batch.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/key.h"
#include "log/log_store.h"
#include "merkle/tile.h"

namespace scitt::log {

struct LogKeys {
  crypto::PrivateKey receipt_key;  // signs receipts (tree heads in RFC 9942 form)
  crypto::Algorithm receipt_alg = crypto::Algorithm::kES256;
  Bytes receipt_kid;               // RFC 9679 thumbprint of receipt_key
  crypto::PrivateKey checkpoint_key;  // Ed25519, signs C2SP checkpoints
};

struct LogOptions {
  std::string origin;          // checkpoint origin, note key name, receipt CWT sub
  std::string issuer;          // receipt CWT iss: the service's identity
  std::chrono::microseconds max_batch_delay{2000};
  size_t max_batch_size = 4096;
  // Seconds since the epoch for receipt iat and registration times.
  std::function<int64_t()> clock;
  // Test hook: extra delay before each commit, to force the slow (303) path.
  std::chrono::milliseconds commit_delay{0};
};

// What a submission became.
struct Appended {
  uint64_t index = 0;
  bool existed = false;  // its signed content was already registered (dedup)
  Bytes receipt;         // inclusion receipt against the tree head of its batch
                         // (the latest one when it existed)
};

// Counters for /metrics. Monotonic unless noted.
struct LogStats {
  uint64_t batches = 0;
  uint64_t entries = 0;
  uint64_t last_batch_size = 0;        // gauge
  double commit_seconds_total = 0;     // time spent in AppendBatch
  // The sequencer's serial time: from taking a batch to handing its
  // receipts to the release threads (duplicate checks, hashing, signing,
  // the commit), not counting waits for those threads.
  double sequence_seconds_total = 0;
  double sequence_cpu_seconds_total = 0;  // the sequencer thread's CPU time in it
  uint64_t queue_length = 0;           // gauge: pending submissions
};

// LogEntry::signed_content of a registered statement (cose::SignedContent);
// kMalformed when it is not a COSE_Sign1. For stores that must compute it for
// entries they hold from before it was recorded
// (storage::StoreOptions::signed_content_of).
Result<crypto::Sha256Digest> SignedContentOf(ByteView registered_statement);

class TransparencyLog {
 public:
  using Callback = std::function<void(Result<Appended>)>;

  // Opens the log in `store`, creating it (empty) when new. Recovery, in
  // O(log n): the root of the stored tree's right edge must equal the root
  // of the latest signed tree head, whose checkpoint must name this origin,
  // size and root, and the stored origin must equal options.origin;
  // otherwise the log refuses to open with a message saying what differs
  // (never a silent fork). Damage elsewhere in the stored nodes is found by
  // CheckStore (log/store_check.h, `scitt log fsck`). Starts the sequencer.
  static Result<std::unique_ptr<TransparencyLog>> Open(std::unique_ptr<LogStore> store, LogKeys keys,
                                                       LogOptions options);
  ~TransparencyLog();  // Stop()

  // Queues `entry` (its index is assigned here, and registered_at is set to
  // the batch's clock()). `done` runs exactly once, on one of the log's
  // release threads (the sequencer's, for a batch refused before its
  // commit), after the batch is durable and signed, or with the error that failed the
  // batch (kIo from the store; its entries are then not in the log unless
  // the store later proves the commit happened, in which case a resubmission
  // completes with existed = true; kConflict when another writer appended to
  // the store, after which every submission fails so: this log never appends
  // again, and keeps serving reads). `entry.signed_content` must be set: an
  // entry whose signed content is already registered or queued (the same
  // statement, or another signature over the same content) completes with
  // that entry's index and existed = true, and is not appended.
  // Callbacks run concurrently on the release threads (one per core, at
  // most 8), while the sequencer goes on with the next batch; a slow one holds
  // up the others of its slice and, two batches later, the sequencer: they
  // must be quick (hand work to another thread) and must not wait for
  // another submission. After Stop(), `done` runs at once on the caller's
  // thread with the error.
  void Submit(LogEntry entry, Callback done);

  // Stops accepting (later Submit calls fail with kUnavailable-like
  // kInternal "log is stopping"), finishes the batch in flight and
  // everything queued, then joins the log's threads. Idempotent. Called from a
  // callback it only stops accepting; the destructor joins.
  void Stop();

  uint64_t size() const;
  // Blocks until the log holds more than `size` entries (they are then
  // durable and signed), `timeout` passes or Stop() is called; returns the
  // size then. For followers of the log (log/log_follower.h).
  uint64_t WaitForGrowth(uint64_t size, std::chrono::milliseconds timeout) const;
  Result<TreeHead> LatestTreeHead() const;
  // The signed note of the latest tree head (C2SP tlog-checkpoint). Like
  // LatestTreeHead(), kNotFound until the first batch is appended: an empty
  // log has signed nothing.
  Result<std::string> Checkpoint() const;
  // The checkpoint verifier key string "<origin>+<id>+<base64>".
  std::string CheckpointVerifierKey() const;

  // Inclusion receipt for entry `index` against the signed tree head at
  // `tree_size` (default: the latest). kNotFound for an unknown index or an
  // unsigned size; kInvalidArgument when index >= tree_size.
  Result<Bytes> InclusionReceipt(uint64_t index, std::optional<uint64_t> tree_size = std::nullopt) const;
  // RFC 9942 consistency receipt from signed size `size1` to signed size
  // `size2` (default: the latest). kNotFound when either size is unsigned;
  // kInvalidArgument unless 0 < size1 <= size2.
  Result<Bytes> ConsistencyReceipt(uint64_t size1, std::optional<uint64_t> size2 = std::nullopt) const;

  Result<LogEntry> Entry(uint64_t index) const;
  Result<std::optional<uint64_t>> FindEntry(const crypto::Sha256Digest& entry_hash) const;
  // The entry registered with this signed content (LogEntry::signed_content).
  Result<std::optional<uint64_t>> FindSignedContent(const crypto::Sha256Digest& signed_content) const;

  // C2SP tlog-tiles resources: full tiles up to the latest checkpoint and
  // the partial tiles of every signed size; a hash tile (concatenated
  // 32-byte hashes) or an entry bundle (uint16 BE length ‖ entry, where an
  // entry is its 32-byte entry hash). kNotFound for tiles beyond the latest
  // checkpoint, and for partial tiles whose width matches no signed size.
  Result<Bytes> Tile(const merkle::TileCoord& coord) const;

  // The store's small persistent settings (LogStore::GetMeta/PutMeta), for
  // what the layers above record beside the log (e.g. the digest of the
  // registered trust configuration). PutMeta is durable when it returns OK.
  Result<std::optional<std::string>> Meta(const std::string& key) const;
  Status PutMeta(const std::string& key, const std::string& value);

  LogStats stats() const;
  const LogStore& store() const;

 private:
  TransparencyLog() = default;
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace scitt::log
