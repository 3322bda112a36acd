#include "log/transparency_log.h"

#include <pthread.h>
#include <time.h>

#include <algorithm>
#include <array>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <limits>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/logging.h"
#include "cose/receipt.h"
#include "cose/transparent_statement.h"
#include "log/checkpoint.h"
#include "log/tiles.h"
#include "merkle/compact_range.h"
#include "merkle/hash.h"
#include "merkle/tree.h"

namespace scitt::log {
namespace {

using Clock = std::chrono::steady_clock;

// A submission waiting for the sequencer.
struct Pending {
  LogEntry entry;
  TransparencyLog::Callback done;
  Clock::time_point queued_at;
};

// Signed contents are SHA-256 outputs: any 8 of their bytes are a good hash.
struct DigestHasher {
  size_t operator()(const crypto::Sha256Digest& digest) const {
    size_t h;
    std::memcpy(&h, digest.data(), sizeof(h));
    return h;
  }
};

Error NotFound(std::string message) { return MakeError(ErrorCode::kNotFound, std::move(message)); }
Error InvalidArgument(std::string message) {
  return MakeError(ErrorCode::kInvalidArgument, std::move(message));
}

cose::SignedTreeHead ReceiptHead(const TreeHead& head) {
  return cose::SignedTreeHead{head.tree_size, head.root, head.receipt_protected,
                              head.receipt_signature};
}

// Inclusion receipt for `index` against `head`, reusing the head's signature.
Result<Bytes> BuildReceipt(const TreeHead& head, uint64_t index, const merkle::NodeSource& nodes) {
  SCITT_ASSIGN_OR_RETURN(std::vector<merkle::Hash> path,
                         merkle::InclusionProof(index, head.tree_size, nodes));
  return cose::BuildInclusionReceipt(ReceiptHead(head),
                                     cose::InclusionProof{head.tree_size, index, std::move(path)});
}

// The nodes a committed batch's receipts read: those the batch completed,
// and the right edge of the tree before it, which holds every older node
// their proofs need (a sibling of a new leaf's ancestor that covers only old
// leaves is the left neighbour of an ancestor covering leaf old_size, i.e.
// the perfect subtree of a set bit of old_size). Constant once built, so the
// release threads share it; anything else is read from the store.
class BatchNodes final : public merkle::NodeSource {
 public:
  BatchNodes(const merkle::NodeSource& store, const merkle::CompactRange& old_edge)
      : store_(store) {
    const uint64_t old_size = old_edge.size();
    for (unsigned level = 0; level < first_.size(); ++level) first_[level] = old_size >> level;
    // roots() are largest first, one per set bit of old_size.
    size_t root = 0;
    for (int level = 63; level >= 0; --level) {
      if ((old_size >> level) & 1) {
        edge_[static_cast<size_t>(level)] = old_edge.roots()[root++];
      }
    }
  }

  // Nodes arrive in index order per level, starting at old_size >> level.
  void Add(uint8_t level, const merkle::Hash& hash) { added_[level].push_back(hash); }

  Result<merkle::Hash> Node(uint8_t level, uint64_t index) const override {
    if (level < first_.size()) {
      if (index >= first_[level] && index - first_[level] < added_[level].size()) {
        return added_[level][index - first_[level]];
      }
      if (edge_[level] && index + 1 == first_[level]) return *edge_[level];
    }
    return store_.Node(level, index);
  }

 private:
  const merkle::NodeSource& store_;
  std::array<uint64_t, 64> first_{};
  std::array<std::vector<merkle::Hash>, 64> added_;
  std::array<std::optional<merkle::Hash>, 64> edge_;  // per set bit of old_size
};

// What each submission of a batch became: a new entry, a duplicate of a new
// entry of the batch, an entry already in the log, or an error.
enum class Kind { kNew, kDuplicateInBatch, kStored, kFailed };
struct Outcome {
  Kind kind = Kind::kFailed;
  uint64_t index = 0;  // kNew, kDuplicateInBatch, kStored: the entry's
  Error error;         // kFailed
};

// A sequenced batch whose submissions are still to be completed, shared by
// the slices the release threads take.
struct Release {
  std::vector<TransparencyLog::Callback> callbacks;
  std::vector<Outcome> outcomes;
  Status appended = Status::Ok();  // the batch's commit, when it had new entries
  TreeHead head;                   // signed for the batch
  std::unique_ptr<BatchNodes> nodes;
  std::optional<Result<TreeHead>> latest;  // for kStored outcomes
  size_t slices_left = 0;                  // guarded by State::release_mu
  // The batch's entries, freed with the release, off the sequencer's path
  // (thousands of statement buffers).
  std::vector<LogEntry> entries;
};

// Submissions per release task: a few receipts' work, so that one batch
// spreads over every release thread.
constexpr size_t kReleaseSlice = 256;

double ThreadCpuSeconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

int64_t SystemClockSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The right edge of the stored tree, checked against the latest signed tree
// head and its checkpoint: a store whose nodes or head were damaged or
// swapped never gets a new head signed on top of it.
Result<merkle::CompactRange> LoadTree(const LogStore& store, const std::string& origin) {
  const uint64_t size = store.size();
  if (size == 0) return merkle::CompactRange();
  SCITT_ASSIGN_OR_RETURN(const TreeHead head, store.LatestTreeHead());
  if (head.tree_size != size) {
    return MakeError(ErrorCode::kVerificationFailed,
                     "the store holds " + std::to_string(size) +
                         " entries but its latest tree head has size " +
                         std::to_string(head.tree_size) + ": refusing to start");
  }
  SCITT_ASSIGN_OR_RETURN(
      merkle::CompactRange range,
      merkle::CompactRange::Load(size, [&](uint8_t level, uint64_t index) -> Result<merkle::Hash> {
        auto node = store.nodes().Node(level, index);
        if (!node.ok()) {
          return MakeError(node.error().code, "reading the stored tree at size " +
                                                  std::to_string(size) + ": " + node.error().message);
        }
        return *node;
      }));
  if (range.Root() != head.root) {
    return MakeError(ErrorCode::kVerificationFailed,
                     "stored tree (size " + std::to_string(size) + ", root " +
                         HexEncode(range.Root()) + ") does not match the last signed tree head " +
                         "(root " + HexEncode(head.root) + "): refusing to start");
  }
  // The checkpoint key may have been rotated since, so only its text is read.
  auto body = NoteText(head.checkpoint);
  auto checkpoint = body.ok() ? ParseCheckpoint(*body) : Result<Checkpoint>(body.error());
  if (!checkpoint.ok() || checkpoint->origin != origin || checkpoint->tree_size != size ||
      checkpoint->root != head.root) {
    return MakeError(ErrorCode::kVerificationFailed,
                     "the checkpoint of the last tree head (size " + std::to_string(size) +
                         ") does not name origin " + origin +
                         ", that size and that root: " + "refusing to start");
  }
  return range;
}

}  // namespace

struct TransparencyLog::State {
  State(std::unique_ptr<LogStore> store_in, LogKeys keys_in, LogOptions options_in)
      : store(std::move(store_in)),
        keys(std::move(keys_in)),
        options(std::move(options_in)),
        receipt_signer{&keys.receipt_key, keys.receipt_alg, keys.receipt_kid, options.issuer,
                       options.origin},
        note_signer(options.origin, keys.checkpoint_key),
        verifier_key(note_signer.VerifierKey()) {}

  void RunSequencer();
  void SequenceBatch(std::vector<Pending> batch);
  // Hands `release` to the release threads, in slices; waits while
  // kMaxReleasing batches are still being released.
  void QueueRelease(std::shared_ptr<Release> release);
  void RunReleaser();
  // Builds the results of submissions [begin, end) and runs their callbacks.
  void Complete(Release& release, size_t begin, size_t end);
  Status Recover();

  const std::unique_ptr<LogStore> store;
  const LogKeys keys;
  const LogOptions options;
  const cose::ReceiptSigner receipt_signer;  // points into `keys`
  const NoteSigner note_signer;
  const std::string verifier_key;

  // Guards the pool (queue), `stopping` and `stats`. Never held while a batch
  // is sequenced, committed or completed: Submit() only waits for a push.
  mutable std::mutex mu;
  std::condition_variable wake;  // the sequencer waits on it for entries or Stop()
  mutable std::condition_variable grown;  // notified after each appended batch and at Stop()
  std::deque<Pending> queue;
  bool stopping = false;
  LogStats stats;

  std::mutex stop_mu;  // serializes joining the sequencer
  std::thread sequencer;

  // The release stage: receipts built and callbacks run by these threads
  // while the sequencer goes on with the next batch. Guarded by release_mu.
  struct ReleaseTask {
    std::shared_ptr<Release> release;
    size_t begin = 0, end = 0;
  };
  static constexpr size_t kMaxReleasing = 2;  // batches: bounds their memory
  std::mutex release_mu;
  std::condition_variable release_ready;  // tasks queued, or the sequencer ended
  std::condition_variable release_room;   // a batch fully released
  std::deque<ReleaseTask> release_tasks;
  size_t releasing = 0;            // batches queued and not fully released
  bool sequencer_done = false;     // no more tasks will be queued
  std::vector<std::thread> releasers;

  // Sequencer thread only. `range` is the right edge of the committed tree;
  // `needs_recovery` is set when a batch failed and `range` may be stale;
  // `overtaken` is set when another writer appended to the store (kConflict),
  // after which this log never appends again.
  merkle::CompactRange range;
  bool needs_recovery = false;
  std::optional<Error> overtaken;
};

Result<std::unique_ptr<TransparencyLog>> TransparencyLog::Open(std::unique_ptr<LogStore> store,
                                                               LogKeys keys, LogOptions options) {
  if (store == nullptr) return InvalidArgument("transparency log: no store");
  if (options.origin.empty()) return InvalidArgument("transparency log: the origin is empty");
  // The origin is also the checkpoint's note key name (c2sp.org/signed-note:
  // no spaces, no '+').
  if (std::any_of(options.origin.begin(), options.origin.end(),
                  [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == '+'; })) {
    return InvalidArgument("transparency log: the origin \"" + options.origin +
                           "\" must not contain spaces, control characters or '+'");
  }
  if (options.max_batch_size == 0) {
    return InvalidArgument("transparency log: max_batch_size must be at least 1");
  }
  if (!keys.receipt_key.valid() || !keys.receipt_key.public_key().Fits(keys.receipt_alg)) {
    return InvalidArgument("transparency log: the receipt key does not fit " +
                           std::string(crypto::AlgorithmName(keys.receipt_alg)));
  }
  if (!keys.checkpoint_key.valid() ||
      keys.checkpoint_key.public_key().curve() != crypto::Curve::kEd25519) {
    return InvalidArgument("transparency log: the checkpoint key must be an Ed25519 key");
  }
  if (!options.clock) options.clock = SystemClockSeconds;

  std::unique_ptr<TransparencyLog> log(new TransparencyLog());
  log->state_ = std::make_unique<State>(std::move(store), std::move(keys), std::move(options));
  State& s = *log->state_;

  // The origin names the log in every checkpoint and receipt: a store made for
  // another origin must never be continued under this one.
  SCITT_ASSIGN_OR_RETURN(const std::optional<std::string> origin, s.store->GetMeta("origin"));
  if (!origin) {
    if (s.store->size() != 0) {
      return MakeError(ErrorCode::kVerificationFailed,
                       "the store holds entries but no origin: refusing to start");
    }
    SCITT_RETURN_IF_ERROR(s.store->PutMeta("origin", s.options.origin));
  } else if (*origin != s.options.origin) {
    return InvalidArgument("the store holds the log of origin \"" + *origin + "\", not \"" +
                           s.options.origin + "\": refusing to start");
  }
  // O(log n): the right edge against the last signed tree head. The O(n)
  // check of every stored node is `scitt log fsck` (log/store_check.h).
  SCITT_ASSIGN_OR_RETURN(s.range, LoadTree(*s.store, s.options.origin));

  s.sequencer = std::thread([&s] { s.RunSequencer(); });
  const unsigned threads = std::clamp(std::thread::hardware_concurrency(), 1u, 8u);
  for (unsigned i = 0; i < threads; ++i) s.releasers.emplace_back([&s] { s.RunReleaser(); });
  return log;
}

TransparencyLog::~TransparencyLog() {
  if (state_ != nullptr) Stop();
}

void TransparencyLog::Submit(LogEntry entry, Callback done) {
  State& s = *state_;
  {
    std::lock_guard lock(s.mu);
    if (!s.stopping) {
      s.queue.push_back(Pending{std::move(entry), std::move(done), Clock::now()});
      s.stats.queue_length = s.queue.size();
      // The sequencer waits either for a first entry or for a full batch.
      if (s.queue.size() == 1 || s.queue.size() == s.options.max_batch_size) s.wake.notify_one();
      return;
    }
  }
  done(MakeError(ErrorCode::kInternal, "log is stopping"));
}

void TransparencyLog::Stop() {
  State& s = *state_;
  {
    std::lock_guard lock(s.mu);
    s.stopping = true;
  }
  s.wake.notify_all();
  s.grown.notify_all();
  std::lock_guard stop_lock(s.stop_mu);
  // From a callback (on a release thread, or the sequencer's for a batch
  // refused before its commit) it can only ask; the destructor joins.
  const auto self = std::this_thread::get_id();
  if (s.sequencer.get_id() == self) return;
  for (const std::thread& t : s.releasers) {
    if (t.get_id() == self) return;
  }
  if (s.sequencer.joinable()) s.sequencer.join();  // it ends the release threads
  for (std::thread& t : s.releasers) {
    if (t.joinable()) t.join();
  }
}

void TransparencyLog::State::RunSequencer() {
  pthread_setname_np(pthread_self(), "scitt-sequencer");  // for top -H and perf
  std::unique_lock lock(mu);
  for (;;) {
    wake.wait(lock, [&] { return !queue.empty() || stopping; });
    if (queue.empty()) {  // stopping, and everything queued is sequenced
      std::lock_guard release_lock(release_mu);
      sequencer_done = true;
      release_ready.notify_all();
      return;
    }
    // Collect until the batch is full or the first entry has waited long enough.
    const Clock::time_point deadline = queue.front().queued_at + options.max_batch_delay;
    wake.wait_until(lock, deadline,
                    [&] { return stopping || queue.size() >= options.max_batch_size; });
    const size_t n = std::min(queue.size(), options.max_batch_size);
    std::vector<Pending> batch(std::make_move_iterator(queue.begin()),
                               std::make_move_iterator(queue.begin() + static_cast<ptrdiff_t>(n)));
    queue.erase(queue.begin(), queue.begin() + static_cast<ptrdiff_t>(n));
    stats.queue_length = queue.size();
    lock.unlock();
    SequenceBatch(std::move(batch));
    lock.lock();
  }
}

Status TransparencyLog::State::Recover() {
  SCITT_RETURN_IF_ERROR(store->Recover());
  SCITT_ASSIGN_OR_RETURN(range, LoadTree(*store, options.origin));
  needs_recovery = false;
  return Status::Ok();
}

void TransparencyLog::State::SequenceBatch(std::vector<Pending> batch) {
  const Clock::time_point taken = Clock::now();
  const double cpu_taken = ThreadCpuSeconds();
  if (overtaken) {
    for (Pending& p : batch) p.done(*overtaken);
    return;
  }
  if (needs_recovery) {
    Status recovered = Recover();
    if (!recovered.ok()) {
      logging::Error("log not recovered", {{"entries_refused", static_cast<uint64_t>(batch.size())},
                                           {"error", recovered.message()}});
      for (Pending& p : batch) p.done(recovered.error());
      return;
    }
    logging::Info("log recovered", {{"tree_size", store->size()}});
  }

  auto release = std::make_shared<Release>();
  std::vector<Outcome>& outcomes = release->outcomes;
  outcomes.resize(batch.size());
  const uint64_t old_size = range.size();
  const int64_t now = options.clock();
  std::vector<LogEntry> entries;
  // Duplicates are by signed content (profile: one registration per signed
  // content, whatever the signature), which submitters computed off this
  // thread. The sequencer is the only writer, so these answers stay true
  // until the batch commits.
  std::vector<crypto::Sha256Digest> signed_contents;
  signed_contents.reserve(batch.size());
  for (const Pending& p : batch) signed_contents.push_back(p.entry.signed_content);
  auto stored = store->FindEntriesToAppend(signed_contents);
  std::unordered_map<crypto::Sha256Digest, size_t, DigestHasher> in_batch;
  in_batch.reserve(batch.size());
  for (size_t i = 0; i < batch.size(); ++i) {
    LogEntry& entry = batch[i].entry;
    if (auto it = in_batch.find(entry.signed_content); it != in_batch.end()) {
      outcomes[i].kind = Kind::kDuplicateInBatch;
      outcomes[i].index = old_size + it->second;
      continue;
    }
    if (!stored.ok()) {
      outcomes[i].error = stored.error();
      continue;
    }
    if (const std::optional<uint64_t>& index = (*stored)[i]) {
      outcomes[i].kind = Kind::kStored;
      outcomes[i].index = *index;
      continue;
    }
    entry.index = old_size + entries.size();
    entry.registered_at = now;
    in_batch.emplace(entry.signed_content, entries.size());
    outcomes[i].kind = Kind::kNew;
    outcomes[i].index = entry.index;
    entries.push_back(std::move(entry));
  }

  // Integrate, sign once, commit once.
  merkle::CompactRange next = range;
  release->nodes = std::make_unique<BatchNodes>(store->nodes(), range);
  std::vector<NodeWrite> writes;
  for (const LogEntry& entry : entries) {
    next.Append(merkle::HashLeaf(entry.entry_hash),
                [&](uint8_t level, uint64_t index, const merkle::Hash& hash) {
                  writes.push_back(NodeWrite{level, index, hash});
                  release->nodes->Add(level, hash);
                });
  }
  Status& appended = release->appended;
  TreeHead& head = release->head;
  if (!entries.empty()) {
    head.tree_size = next.size();
    head.root = next.Root();
    head.timestamp = now;
    auto signed_head = cose::SignTreeHead(receipt_signer, now, head.tree_size, head.root);
    const std::string body =
        CheckpointBody(log::Checkpoint{options.origin, head.tree_size, head.root});
    auto checkpoint =
        signed_head.ok() ? note_signer.Sign(body) : Result<std::string>(signed_head.error());
    if (!checkpoint.ok()) {
      appended = checkpoint.error();  // nothing reached the store: state unchanged
    } else {
      head.receipt_protected = std::move(signed_head->protected_bytes);
      head.receipt_signature = std::move(signed_head->signature);
      head.checkpoint = std::move(*checkpoint);
      if (options.commit_delay.count() > 0) std::this_thread::sleep_for(options.commit_delay);
      const Clock::time_point start = Clock::now();
      appended = store->AppendBatch(entries, writes, head);
      const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
      std::lock_guard lock(mu);
      stats.commit_seconds_total += seconds;
      if (appended.ok()) {
        ++stats.batches;
        stats.entries += entries.size();
        stats.last_batch_size = entries.size();
        grown.notify_all();
      }
    }
    if (appended.ok()) {
      range = std::move(next);
    } else if (appended.error().code == ErrorCode::kConflict) {
      // Another writer appended at this size first (LogStore::AppendBatch is
      // a compare-and-swap on the durable size). The store changed nothing,
      // and the head signed above is never published. Stepping back for good
      // is the only safe answer: appending on top of what someone else wrote
      // would sign heads for a tree this sequencer never saw; reads go on.
      overtaken = MakeError(ErrorCode::kConflict,
                            "another writer appended to the log at size " +
                                std::to_string(old_size) +
                                ", so this service stopped appending (it still serves reads): " +
                                appended.error().message);
      appended = *overtaken;
      logging::Error("stopped appending", {{"reason", overtaken->message}, {"tree_size", old_size}});
    } else if (checkpoint.ok()) {  // (a signing failure wrote nothing: no recovery)
      // DANGEROUS EDGE: the head just signed for this size must never be
      // published, nor reused for other contents; and the failed batch may
      // still have reached the disk (a commit whose outcome is unknown). So
      // the in-memory tree is thrown away and rebuilt from what the store
      // says is durable. A store that cannot tell refuses to recover, and no
      // new head is signed until it can (Recover() is retried before every
      // batch). Only then may a later batch be signed at this size: the
      // failed head was never released and is provably durable nowhere.
      needs_recovery = true;
      const Status recovered = Recover();
      logging::Error("batch failed", {{"entries", static_cast<uint64_t>(entries.size())},
                                      {"tree_size", old_size},
                                      {"error", appended.error().message},
                                      {"recovered", recovered.ok()}});
    }
  }

  const bool any_stored = std::any_of(outcomes.begin(), outcomes.end(),
                                     [](const Outcome& o) { return o.kind == Kind::kStored; });
  if (any_stored) release->latest = store->LatestTreeHead();
  release->callbacks.reserve(batch.size());
  for (Pending& p : batch) release->callbacks.push_back(std::move(p.done));
  release->entries = std::move(entries);
  {
    std::lock_guard lock(mu);
    stats.sequence_seconds_total += std::chrono::duration<double>(Clock::now() - taken).count();
    stats.sequence_cpu_seconds_total += ThreadCpuSeconds() - cpu_taken;
  }
  QueueRelease(std::move(release));
}

void TransparencyLog::State::QueueRelease(std::shared_ptr<Release> release) {
  const size_t n = release->callbacks.size();
  std::unique_lock lock(release_mu);
  release_room.wait(lock, [&] { return releasing < kMaxReleasing; });
  ++releasing;
  release->slices_left = (n + kReleaseSlice - 1) / kReleaseSlice;
  for (size_t begin = 0; begin < n; begin += kReleaseSlice) {
    release_tasks.push_back(ReleaseTask{release, begin, std::min(n, begin + kReleaseSlice)});
  }
  release_ready.notify_all();
}

void TransparencyLog::State::RunReleaser() {
  pthread_setname_np(pthread_self(), "scitt-release");
  std::unique_lock lock(release_mu);
  for (;;) {
    release_ready.wait(lock, [&] { return !release_tasks.empty() || sequencer_done; });
    if (release_tasks.empty()) return;
    ReleaseTask task = std::move(release_tasks.front());
    release_tasks.pop_front();
    lock.unlock();
    Complete(*task.release, task.begin, task.end);
    lock.lock();
    if (--task.release->slices_left == 0) {
      --releasing;
      release_room.notify_one();
    }
    lock.unlock();
    task.release.reset();  // the last slice frees the batch, not under the lock
    lock.lock();
  }
}

void TransparencyLog::State::Complete(Release& release, size_t begin, size_t end) {
  // Receipts: one signature (the head's) and each entry's own proof.
  for (size_t i = begin; i < end; ++i) {
    Outcome& outcome = release.outcomes[i];
    Result<Appended> result = outcome.error;
    switch (outcome.kind) {
      case Kind::kFailed:
        break;
      case Kind::kNew:
      case Kind::kDuplicateInBatch: {
        if (!release.appended.ok()) {
          result = release.appended.error();
          break;
        }
        auto receipt = BuildReceipt(release.head, outcome.index, *release.nodes);
        if (!receipt.ok()) {
          result = receipt.error();
          break;
        }
        result = Appended{outcome.index, outcome.kind == Kind::kDuplicateInBatch,
                          std::move(*receipt)};
        break;
      }
      case Kind::kStored: {
        if (!release.latest->ok()) {
          result = release.latest->error();
          break;
        }
        auto receipt = BuildReceipt(**release.latest, outcome.index, store->nodes());
        if (!receipt.ok()) {
          result = receipt.error();
          break;
        }
        result = Appended{outcome.index, true, std::move(*receipt)};
        break;
      }
    }
    release.callbacks[i](std::move(result));
  }
}

uint64_t TransparencyLog::size() const { return state_->store->size(); }

uint64_t TransparencyLog::WaitForGrowth(uint64_t size, std::chrono::milliseconds timeout) const {
  State& s = *state_;
  std::unique_lock lock(s.mu);
  s.grown.wait_for(lock, timeout, [&] { return s.stopping || s.store->size() > size; });
  return s.store->size();
}

Result<TreeHead> TransparencyLog::LatestTreeHead() const { return state_->store->LatestTreeHead(); }

Result<std::string> TransparencyLog::Checkpoint() const {
  SCITT_ASSIGN_OR_RETURN(TreeHead head, state_->store->LatestTreeHead());
  return std::move(head.checkpoint);
}

std::string TransparencyLog::CheckpointVerifierKey() const { return state_->verifier_key; }

Result<Bytes> TransparencyLog::InclusionReceipt(uint64_t index,
                                                std::optional<uint64_t> tree_size) const {
  const LogStore& store = *state_->store;
  if (index >= store.size()) return NotFound("no entry at index " + std::to_string(index));
  SCITT_ASSIGN_OR_RETURN(const TreeHead head,
                         tree_size ? store.TreeHeadAt(*tree_size) : store.LatestTreeHead());
  if (index >= head.tree_size) {
    return InvalidArgument("entry " + std::to_string(index) + " is not in the tree of size " +
                           std::to_string(head.tree_size));
  }
  return BuildReceipt(head, index, store.nodes());
}

Result<Bytes> TransparencyLog::ConsistencyReceipt(uint64_t size1,
                                                  std::optional<uint64_t> size2) const {
  const LogStore& store = *state_->store;
  SCITT_ASSIGN_OR_RETURN(const TreeHead head,
                         size2 ? store.TreeHeadAt(*size2) : store.LatestTreeHead());
  if (size1 == 0 || size1 > head.tree_size) {
    return InvalidArgument("a consistency receipt needs 0 < size1 <= size2, got " +
                           std::to_string(size1) + " and " + std::to_string(head.tree_size));
  }
  SCITT_RETURN_IF_ERROR(store.TreeHeadAt(size1));  // the verifier holds a signed root there
  SCITT_ASSIGN_OR_RETURN(std::vector<merkle::Hash> path,
                         merkle::ConsistencyProof(size1, head.tree_size, store.nodes()));
  return cose::BuildConsistencyReceipt(
      ReceiptHead(head), cose::ConsistencyProof{size1, head.tree_size, std::move(path)});
}

Result<LogEntry> TransparencyLog::Entry(uint64_t index) const {
  return state_->store->Entry(index);
}

Result<std::optional<uint64_t>> TransparencyLog::FindEntry(
    const crypto::Sha256Digest& entry_hash) const {
  return state_->store->FindEntry(entry_hash);
}

Result<std::optional<uint64_t>> TransparencyLog::FindSignedContent(
    const crypto::Sha256Digest& signed_content) const {
  return state_->store->FindSignedContent(signed_content);
}

Result<crypto::Sha256Digest> SignedContentOf(ByteView registered_statement) {
  SCITT_ASSIGN_OR_RETURN(cose::Sign1 statement, cose::Sign1::Parse(registered_statement));
  return cose::SignedContent(statement);
}

Result<Bytes> TransparencyLog::Tile(const merkle::TileCoord& coord) const {
  return ReadTile(*state_->store, coord);
}

Result<std::optional<std::string>> TransparencyLog::Meta(const std::string& key) const {
  return state_->store->GetMeta(key);
}

Status TransparencyLog::PutMeta(const std::string& key, const std::string& value) {
  return state_->store->PutMeta(key, value);
}

LogStats TransparencyLog::stats() const {
  std::lock_guard lock(state_->mu);
  return state_->stats;
}

const LogStore& TransparencyLog::store() const { return *state_->store; }

}  // namespace scitt::log
