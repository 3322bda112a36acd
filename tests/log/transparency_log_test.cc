// The transparency log over the embedded store: batching, receipts, dedup,
// tiles, checkpoints, restart, Stop(), and failing appends. One file: the
// cases share one fixture that opens, restarts and breaks a real store.
#include "log/transparency_log.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "cose/receipt.h"
#include "crypto/hash.h"
#include "log/checkpoint.h"
#include "merkle/proof.h"
#include "merkle/tile.h"
#include "storage/store.h"
#include "support/test_log.h"

namespace scitt::log {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

using testing::TempDir;

LogEntry MakeEntry(const std::string& text) {
  LogEntry entry;
  entry.statement = ToBytes(text);
  entry.entry_hash = crypto::Sha256(entry.statement);
  // Not COSE: any digest that is equal exactly when the texts are.
  entry.signed_content = crypto::Sha256(ToBytes("signed content of " + text));
  return entry;
}

std::string Text(int i) { return "statement number " + std::to_string(i); }

Result<Appended> SubmitAndWait(TransparencyLog& log, const std::string& text) {
  std::promise<Result<Appended>> promise;
  auto future = promise.get_future();
  log.Submit(MakeEntry(text), [&](Result<Appended> r) { promise.set_value(std::move(r)); });
  return future.get();
}

// Collects callbacks that complete on the sequencer thread.
class Completions {
 public:
  explicit Completions(size_t n) : results_(n) {}
  TransparencyLog::Callback Slot(size_t i) {
    return [this, i](Result<Appended> r) {
      std::lock_guard lock(mu_);
      EXPECT_FALSE(results_[i].has_value()) << "callback " << i << " ran twice";
      results_[i].emplace(std::move(r));
      ++done_;
      cv_.notify_all();
    };
  }
  void Wait() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return done_ == results_.size(); });
  }
  size_t done() {
    std::lock_guard lock(mu_);
    return done_;
  }
  const Result<Appended>& operator[](size_t i) const { return *results_[i]; }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  size_t done_ = 0;
  std::vector<std::optional<Result<Appended>>> results_;
};

LogKeys MakeKeys() { return testing::MakeLogKeys(); }

// A store that forwards to another and fails on demand, recording every tree
// head it was asked to make durable.
class FaultyStore final : public LogStore {
 public:
  enum class Fault {
    kBeforeCommit,  // nothing reaches the inner store
    kAfterCommit,   // the inner store commits, the caller hears an error
    kConflict,      // another writer appended first: kConflict, nothing changes
  };
  struct SignedHead {
    uint64_t tree_size;
    merkle::Hash root;
    bool durable;
  };

  explicit FaultyStore(std::unique_ptr<LogStore> inner) : inner_(std::move(inner)) {}

  void FailAppends(int n, Fault fault) {
    std::lock_guard lock(mu_);
    fail_appends_ = n;
    fault_ = fault;
  }
  void FailRecovers(int n) {
    std::lock_guard lock(mu_);
    fail_recovers_ = n;
  }
  int append_calls() {
    std::lock_guard lock(mu_);
    return append_calls_;
  }
  std::vector<SignedHead> heads() {
    std::lock_guard lock(mu_);
    return heads_;
  }

  Status AppendBatch(std::span<const LogEntry> entries, std::span<const NodeWrite> nodes,
                     const TreeHead& head) override {
    std::lock_guard lock(mu_);
    ++append_calls_;
    Status st = Status::Ok();
    if (fail_appends_ > 0) {
      --fail_appends_;
      if (fault_ == Fault::kConflict) {
        heads_.push_back({head.tree_size, head.root, false});
        return MakeError(ErrorCode::kConflict, "injected: the durable size is no longer " +
                                                   std::to_string(entries[0].index));
      }
      if (fault_ == Fault::kAfterCommit) {
        EXPECT_TRUE(inner_->AppendBatch(entries, nodes, head).ok());
        heads_.push_back({head.tree_size, head.root, true});
        return MakeError(ErrorCode::kIo, "injected: commit outcome unknown");
      }
      st = MakeError(ErrorCode::kIo, "injected: no space left on device");
    } else {
      st = inner_->AppendBatch(entries, nodes, head);
    }
    heads_.push_back({head.tree_size, head.root, st.ok()});
    return st;
  }
  Status Recover() override {
    {
      std::lock_guard lock(mu_);
      if (fail_recovers_ > 0) {
        --fail_recovers_;
        return MakeError(ErrorCode::kIo, "injected: the disk is still unwell");
      }
    }
    return inner_->Recover();
  }
  uint64_t size() const override { return inner_->size(); }
  Result<TreeHead> LatestTreeHead() const override { return inner_->LatestTreeHead(); }
  Result<TreeHead> TreeHeadAt(uint64_t s) const override { return inner_->TreeHeadAt(s); }
  Result<uint64_t> SignedSizeAtOrAfter(uint64_t s) const override {
    return inner_->SignedSizeAtOrAfter(s);
  }
  Result<LogEntry> Entry(uint64_t index) const override { return inner_->Entry(index); }
  Result<std::vector<crypto::Sha256Digest>> EntryHashes(uint64_t start,
                                                        uint64_t count) const override {
    return inner_->EntryHashes(start, count);
  }
  Result<std::optional<uint64_t>> FindEntry(const crypto::Sha256Digest& h) const override {
    return inner_->FindEntry(h);
  }
  Result<std::optional<uint64_t>> FindSignedContent(const crypto::Sha256Digest& h) const override {
    return inner_->FindSignedContent(h);
  }
  const merkle::NodeSource& nodes() const override { return inner_->nodes(); }
  Result<std::optional<std::string>> GetMeta(const std::string& key) const override {
    return inner_->GetMeta(key);
  }
  Status PutMeta(const std::string& key, const std::string& value) override {
    return inner_->PutMeta(key, value);
  }

 private:
  std::unique_ptr<LogStore> inner_;
  std::mutex mu_;
  int fail_appends_ = 0;
  Fault fault_ = Fault::kBeforeCommit;
  int fail_recovers_ = 0;
  int append_calls_ = 0;
  std::vector<SignedHead> heads_;
};

class TransparencyLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    keys_ = MakeKeys();
    options_.origin = "example.com/log";
    options_.issuer = "https://ts.example";
    options_.max_batch_delay = milliseconds(1);
  }

  std::unique_ptr<LogStore> OpenStore() {
    auto store = storage::OpenStore("file:" + dir_.path());
    EXPECT_TRUE(store.ok()) << store.error().message;
    return std::move(*store);
  }

  std::unique_ptr<TransparencyLog> OpenLog(std::unique_ptr<LogStore> store = nullptr) {
    auto log = TransparencyLog::Open(store ? std::move(store) : OpenStore(), keys_, options_);
    EXPECT_TRUE(log.ok()) << log.error().message;
    return log.ok() ? std::move(*log) : nullptr;
  }

  // Verifies an inclusion receipt for `text` like a relying party would.
  Result<cose::VerifiedReceipt> Verify(const Bytes& receipt, const std::string& text) {
    SCITT_ASSIGN_OR_RETURN(cose::Receipt parsed, cose::Receipt::Parse(receipt));
    const crypto::Sha256Digest entry = crypto::Sha256(AsBytes(text));
    return cose::VerifyInclusionReceipt(parsed, entry, keys_.receipt_key.public_key());
  }

  TempDir dir_;
  LogKeys keys_;
  LogOptions options_;
};

TEST_F(TransparencyLogTest, EverySubmissionGetsAReceiptAndEachBatchOneSignature) {
  options_.max_batch_delay = milliseconds(3);
  auto log = OpenLog();
  constexpr int kThreads = 4, kPerThread = 100;
  Completions completions(kThreads * kPerThread);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const int n = t * kPerThread + i;
        log->Submit(MakeEntry(Text(n)), completions.Slot(n));
      }
    });
  }
  for (auto& t : threads) t.join();
  completions.Wait();

  std::set<uint64_t> indices;
  std::map<uint64_t, Bytes> signature_at;  // tree size → the one signature of that head
  std::map<uint64_t, merkle::Hash> root_at;
  for (int n = 0; n < kThreads * kPerThread; ++n) {
    const Result<Appended>& r = completions[n];
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_FALSE(r->existed);
    indices.insert(r->index);
    auto verified = Verify(r->receipt, Text(n));
    ASSERT_TRUE(verified.ok()) << verified.error().message;
    EXPECT_EQ(verified->leaf_index, r->index);
    EXPECT_EQ(verified->issuer, "https://ts.example");
    auto parsed = cose::Receipt::Parse(r->receipt);
    const Bytes signature(parsed->sign1.signature().begin(), parsed->sign1.signature().end());
    auto [it, fresh] = signature_at.emplace(verified->tree_size, signature);
    EXPECT_EQ(it->second, signature) << "two signatures at size " << verified->tree_size;
    auto [rit, rfresh] = root_at.emplace(verified->tree_size, verified->root);
    EXPECT_EQ(rit->second, verified->root);
    // The receipt's head is the stored one at that size.
    auto head = log->store().TreeHeadAt(verified->tree_size);
    ASSERT_TRUE(head.ok());
    EXPECT_EQ(head->root, verified->root);
    EXPECT_EQ(head->receipt_signature, signature);
  }
  EXPECT_EQ(indices.size(), static_cast<size_t>(kThreads * kPerThread));
  EXPECT_EQ(*indices.rbegin(), static_cast<uint64_t>(kThreads * kPerThread - 1));
  EXPECT_EQ(log->size(), static_cast<uint64_t>(kThreads * kPerThread));

  const LogStats stats = log->stats();
  EXPECT_EQ(stats.entries, static_cast<uint64_t>(kThreads * kPerThread));
  EXPECT_EQ(stats.batches, signature_at.size());
  EXPECT_LT(stats.batches, stats.entries) << "submissions were never batched";
  EXPECT_GT(stats.commit_seconds_total, 0.0);
  EXPECT_EQ(stats.queue_length, 0u);
}

TEST_F(TransparencyLogTest, DuplicatesCompleteWithTheExistingIndex) {
  auto log = OpenLog();
  auto first = SubmitAndWait(*log, "alpha");
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(SubmitAndWait(*log, "beta").ok());

  auto again = SubmitAndWait(*log, "alpha");
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->existed);
  EXPECT_EQ(again->index, first->index);
  auto verified = Verify(again->receipt, "alpha");
  ASSERT_TRUE(verified.ok()) << verified.error().message;
  EXPECT_EQ(verified->tree_size, 2u);  // against the latest head
  EXPECT_EQ(log->size(), 2u);

  // Twice in one batch: one new entry, one duplicate of it.
  options_.max_batch_delay = milliseconds(200);
  log.reset();
  log = OpenLog();
  Completions completions(3);
  log->Submit(MakeEntry("gamma"), completions.Slot(0));
  log->Submit(MakeEntry("gamma"), completions.Slot(1));
  log->Submit(MakeEntry("beta"), completions.Slot(2));
  completions.Wait();
  ASSERT_TRUE(completions[0].ok() && completions[1].ok() && completions[2].ok());
  EXPECT_FALSE(completions[0]->existed);
  EXPECT_TRUE(completions[1]->existed);
  EXPECT_EQ(completions[0]->index, 2u);
  EXPECT_EQ(completions[1]->index, 2u);
  EXPECT_TRUE(completions[2]->existed);
  EXPECT_EQ(completions[2]->index, 1u);
  for (int i : {0, 1}) EXPECT_TRUE(Verify(completions[i]->receipt, "gamma").ok());
  EXPECT_TRUE(Verify(completions[2]->receipt, "beta").ok());
  EXPECT_EQ(log->size(), 3u);
  EXPECT_EQ(**log->FindEntry(crypto::Sha256(AsBytes("gamma"))), 2u);
}

TEST_F(TransparencyLogTest, ReceiptsForLaterSizesAndConsistency) {
  auto log = OpenLog();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(SubmitAndWait(*log, Text(i)).ok());  // sizes 1, 2, 3
  Completions completions(10);
  for (int i = 3; i < 13; ++i) log->Submit(MakeEntry(Text(i)), completions.Slot(i - 3));
  completions.Wait();
  const uint64_t latest = log->size();
  ASSERT_EQ(latest, 13u);

  // Entry 1 against the latest head and against size 3.
  for (std::optional<uint64_t> size : {std::optional<uint64_t>(), std::optional<uint64_t>(3)}) {
    auto receipt = log->InclusionReceipt(1, size);
    ASSERT_TRUE(receipt.ok()) << receipt.error().message;
    auto verified = Verify(*receipt, Text(1));
    ASSERT_TRUE(verified.ok()) << verified.error().message;
    EXPECT_EQ(verified->tree_size, size.value_or(latest));
    EXPECT_EQ(verified->root, log->store().TreeHeadAt(size.value_or(latest))->root);
  }
  EXPECT_EQ(log->InclusionReceipt(13).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(log->InclusionReceipt(5, 3).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(log->InclusionReceipt(0, 14).error().code, ErrorCode::kNotFound);
  if (!log->store().TreeHeadAt(12).ok()) {
    EXPECT_EQ(log->InclusionReceipt(0, 12).error().code, ErrorCode::kNotFound);
  }

  // Consistency from each signed size to the latest, and between two old ones.
  for (uint64_t size1 : {1, 2, 3}) {
    auto receipt = log->ConsistencyReceipt(size1);
    ASSERT_TRUE(receipt.ok()) << receipt.error().message;
    auto parsed = cose::Receipt::Parse(*receipt);
    ASSERT_TRUE(parsed.ok());
    auto verified = cose::VerifyConsistencyReceipt(
        *parsed, size1, log->store().TreeHeadAt(size1)->root, keys_.receipt_key.public_key());
    ASSERT_TRUE(verified.ok()) << verified.error().message;
    EXPECT_EQ(verified->root, log->LatestTreeHead()->root);
  }
  auto old = log->ConsistencyReceipt(1, 3);
  ASSERT_TRUE(old.ok());
  auto verified = cose::VerifyConsistencyReceipt(*cose::Receipt::Parse(*old), 1,
                                                 log->store().TreeHeadAt(1)->root,
                                                 keys_.receipt_key.public_key());
  ASSERT_TRUE(verified.ok());
  EXPECT_EQ(verified->root, log->store().TreeHeadAt(3)->root);
  EXPECT_EQ(log->ConsistencyReceipt(0).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(log->ConsistencyReceipt(3, 2).error().code, ErrorCode::kInvalidArgument);
}

TEST_F(TransparencyLogTest, CheckpointVerifiesAndMatchesTheTreeHead) {
  auto log = OpenLog();
  EXPECT_EQ(log->Checkpoint().error().code, ErrorCode::kNotFound);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(SubmitAndWait(*log, Text(i)).ok());
  auto note = log->Checkpoint();
  ASSERT_TRUE(note.ok());
  const std::string vkey = log->CheckpointVerifierKey();
  EXPECT_EQ(vkey.substr(0, 16), "example.com/log+");
  auto body = VerifyNote(*note, vkey);
  ASSERT_TRUE(body.ok()) << body.error().message;
  auto checkpoint = ParseCheckpoint(*body);
  ASSERT_TRUE(checkpoint.ok());
  EXPECT_EQ(checkpoint->origin, "example.com/log");
  EXPECT_EQ(checkpoint->tree_size, 4u);
  EXPECT_EQ(checkpoint->root, log->LatestTreeHead()->root);
  // The receipt root at that size is the checkpoint root (tlog-tiles §7).
  auto verified = Verify(*log->InclusionReceipt(2), Text(2));
  ASSERT_TRUE(verified.ok());
  EXPECT_EQ(verified->root, checkpoint->root);
}

TEST_F(TransparencyLogTest, TilesRebuildTheTree) {
  // Batches are cut only when full: the signed sizes are 50, 100, …, 600.
  options_.max_batch_size = 50;
  options_.max_batch_delay = std::chrono::seconds(30);
  auto log = OpenLog();
  constexpr int kEntries = 600;
  Completions completions(kEntries);
  for (int i = 0; i < kEntries; ++i) log->Submit(MakeEntry(Text(i)), completions.Slot(i));
  completions.Wait();
  ASSERT_EQ(log->size(), 600u);
  ASSERT_EQ(log->stats().batches, 12u);

  auto tile = [&](bool entries, uint8_t level, uint64_t index, uint16_t width) {
    return log->Tile(merkle::TileCoord{entries, level, index, width});
  };
  auto hashes_of = [](const Bytes& tile) {
    std::vector<merkle::Hash> hashes(tile.size() / 32);
    std::memcpy(hashes.data(), tile.data(), tile.size());
    return hashes;
  };
  // Level 0 at size 600: tiles 0 and 1 full, tile 2 partial with 88 hashes.
  std::vector<merkle::Hash> leaves;
  for (auto [index, width] : {std::pair<uint64_t, uint16_t>{0, 0}, {1, 0}, {2, 88}}) {
    auto t = tile(false, 0, index, width);
    ASSERT_TRUE(t.ok()) << t.error().message;
    EXPECT_EQ(t->size(), (width == 0 ? 256u : width) * 32u);
    auto hashes = hashes_of(*t);
    auto bundle = tile(true, 0, index, width);
    ASSERT_TRUE(bundle.ok()) << bundle.error().message;
    ASSERT_EQ(bundle->size(), hashes.size() * 34);
    for (size_t i = 0; i < hashes.size(); ++i) {
      const uint8_t* framed = bundle->data() + 34 * i;
      ASSERT_EQ(framed[0], 0);
      ASSERT_EQ(framed[1], 32);
      const crypto::Sha256Digest expected = crypto::Sha256(AsBytes(Text(index * 256 + i)));
      EXPECT_EQ(std::memcmp(framed + 2, expected.data(), 32), 0);
      EXPECT_EQ(hashes[i], merkle::HashLeaf(expected));
    }
    leaves.insert(leaves.end(), hashes.begin(), hashes.end());
  }
  EXPECT_EQ(merkle::RootOf(leaves), log->LatestTreeHead()->root);
  // Level 1: one partial tile holding the roots of the two full level-0 tiles.
  auto level1 = tile(false, 1, 0, 2);
  ASSERT_TRUE(level1.ok());
  auto roots = hashes_of(*level1);
  EXPECT_EQ(roots[0], merkle::RootOf(std::span(leaves).subspan(0, 256)));
  EXPECT_EQ(roots[1], merkle::RootOf(std::span(leaves).subspan(256, 256)));

  // Older checkpoints' partial tiles are still served: size 300 is signed.
  auto old = tile(false, 0, 1, 44);
  ASSERT_TRUE(old.ok());
  std::vector<merkle::Hash> old_leaves(leaves.begin(), leaves.begin() + 256);
  for (const auto& h : hashes_of(*old)) old_leaves.push_back(h);
  EXPECT_EQ(merkle::RootOf(old_leaves), log->store().TreeHeadAt(300)->root);
  EXPECT_TRUE(tile(true, 0, 1, 44).ok());
  EXPECT_TRUE(tile(false, 1, 0, 1).ok());  // size 300 has one level-1 hash

  // Widths no signed size has, and tiles beyond the checkpoint, do not exist.
  for (auto [entries, level, index, width] :
       {std::tuple<bool, uint8_t, uint64_t, uint16_t>{false, 0, 1, 45},
        {false, 0, 2, 87},
        {false, 0, 2, 89},
        {false, 0, 2, 0},
        {false, 0, 3, 0},
        {true, 0, 2, 87},
        {true, 0, 3, 0},
        {false, 1, 0, 3},
        {false, 1, 0, 0},
        {false, 2, 0, 1}}) {
    auto t = tile(entries, level, index, width);
    EXPECT_EQ(t.ok() ? ErrorCode::kInternal : t.error().code, ErrorCode::kNotFound)
        << merkle::TilePath(level, index, width) << (entries ? " (entries)" : "");
  }
}

TEST_F(TransparencyLogTest, RestartKeepsTheTreeAndContinues) {
  merkle::Hash root;
  {
    auto log = OpenLog();
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(SubmitAndWait(*log, Text(i)).ok());
    root = log->LatestTreeHead()->root;
  }
  {
    auto log = OpenLog();
    ASSERT_NE(log, nullptr);
    EXPECT_EQ(log->size(), 10u);
    EXPECT_EQ(log->LatestTreeHead()->root, root);
    for (int i = 10; i < 15; ++i) {
      auto r = SubmitAndWait(*log, Text(i));
      ASSERT_TRUE(r.ok()) << r.error().message;
      EXPECT_EQ(r->index, static_cast<uint64_t>(i));
      EXPECT_TRUE(Verify(r->receipt, Text(i)).ok());
    }
    auto again = SubmitAndWait(*log, Text(3));  // dedup reaches across restarts
    ASSERT_TRUE(again.ok());
    EXPECT_TRUE(again->existed);
    EXPECT_EQ(again->index, 3u);
    auto consistency = log->ConsistencyReceipt(10);
    ASSERT_TRUE(consistency.ok());
    EXPECT_TRUE(cose::VerifyConsistencyReceipt(*cose::Receipt::Parse(*consistency), 10, root,
                                               keys_.receipt_key.public_key())
                    .ok());
  }
  // Another origin over the same store is refused.
  options_.origin = "example.com/other";
  auto other = TransparencyLog::Open(OpenStore(), keys_, options_);
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.error().message.find("example.com/log"), std::string::npos)
      << other.error().message;
}

TEST_F(TransparencyLogTest, OpenRefusesUnusableSettings) {
  LogKeys keys = keys_;
  keys.checkpoint_key = keys_.receipt_key;  // ECDSA cannot sign checkpoints
  EXPECT_EQ(TransparencyLog::Open(OpenStore(), keys, options_).error().code,
            ErrorCode::kInvalidArgument);
  keys = keys_;
  keys.receipt_alg = crypto::Algorithm::kES384;  // a P-256 key
  EXPECT_EQ(TransparencyLog::Open(OpenStore(), keys, options_).error().code,
            ErrorCode::kInvalidArgument);
  options_.origin = "has space";
  EXPECT_EQ(TransparencyLog::Open(OpenStore(), keys_, options_).error().code,
            ErrorCode::kInvalidArgument);
}

TEST_F(TransparencyLogTest, StopDrainsTheQueue) {
  options_.max_batch_size = 10;
  options_.max_batch_delay = std::chrono::seconds(30);
  options_.commit_delay = milliseconds(5);
  auto log = OpenLog();
  Completions completions(55);
  for (int i = 0; i < 55; ++i) log->Submit(MakeEntry(Text(i)), completions.Slot(i));
  log->Stop();
  ASSERT_EQ(completions.done(), 55u);  // Stop() returned after the last callback
  for (int i = 0; i < 55; ++i) EXPECT_TRUE(completions[i].ok());
  EXPECT_EQ(log->size(), 55u);
  auto late = SubmitAndWait(*log, "too late");
  ASSERT_FALSE(late.ok());
  EXPECT_NE(late.error().message.find("stopping"), std::string::npos);
  log->Stop();  // idempotent
}

// One batch larger than a release slice, whose last submissions repeat its
// first: each slice builds its receipts against the batch's one head, and a
// duplicate in another slice gets its entry's index and a receipt for it.
TEST_F(TransparencyLogTest, ReleaseThreadsCompleteALargeBatchWithItsDuplicates) {
  auto log = OpenLog();
  ASSERT_TRUE(SubmitAndWait(*log, "before").ok());  // receipts also need older nodes
  log.reset();
  options_.max_batch_delay = std::chrono::seconds(30);
  options_.max_batch_size = 700;
  log = OpenLog();
  Completions completions(700);
  std::mutex threads_mu;
  std::set<std::thread::id> threads;
  for (int i = 0; i < 700; ++i) {
    auto slot = completions.Slot(i);
    log->Submit(MakeEntry(Text(i < 600 ? i : i - 600)), [&, slot](Result<Appended> r) {
      {
        std::lock_guard lock(threads_mu);
        threads.insert(std::this_thread::get_id());
      }
      slot(std::move(r));
    });
  }
  completions.Wait();
  for (int i = 0; i < 700; ++i) {
    const Result<Appended>& r = completions[i];
    ASSERT_TRUE(r.ok()) << r.error().message;
    const int n = i < 600 ? i : i - 600;
    EXPECT_EQ(r->index, static_cast<uint64_t>(n + 1));
    EXPECT_EQ(r->existed, i >= 600);
    auto verified = Verify(r->receipt, Text(n));
    ASSERT_TRUE(verified.ok()) << i << ": " << verified.error().message;
    EXPECT_EQ(verified->tree_size, 601u);
  }
  EXPECT_EQ(log->stats().batches, 1u);
  EXPECT_GT(log->stats().sequence_seconds_total, 0.0);
  EXPECT_FALSE(threads.contains(std::this_thread::get_id()));
}

// Stop() from a callback only asks (it runs on a release thread, which
// Stop() would otherwise join); the destructor joins.
TEST_F(TransparencyLogTest, StopFromACallbackDoesNotWaitForItself) {
  auto log = OpenLog();
  std::promise<void> stopped;
  log->Submit(MakeEntry("alpha"), [&](Result<Appended> r) {
    EXPECT_TRUE(r.ok());
    log->Stop();
    stopped.set_value();
  });
  ASSERT_EQ(stopped.get_future().wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_FALSE(SubmitAndWait(*log, "beta").ok());
  log.reset();
}

TEST_F(TransparencyLogTest, FailedAppendsFailTheirBatchAndTheLogGoesOn) {
  auto faulty_owned = std::make_unique<FaultyStore>(OpenStore());
  FaultyStore* faulty = faulty_owned.get();
  auto log = OpenLog(std::move(faulty_owned));
  std::map<uint64_t, merkle::Hash> seen_roots;  // every root a receipt carried, by size
  auto check = [&](const Result<Appended>& r, const std::string& text) {
    ASSERT_TRUE(r.ok()) << r.error().message;
    auto verified = Verify(r->receipt, text);
    ASSERT_TRUE(verified.ok()) << verified.error().message;
    auto [it, fresh] = seen_roots.emplace(verified->tree_size, verified->root);
    EXPECT_EQ(it->second, verified->root) << "two roots released at size " << it->first;
  };

  check(SubmitAndWait(*log, "a"), "a");

  // The disk fills up: the batch fails, nothing of it stays.
  faulty->FailAppends(1, FaultyStore::Fault::kBeforeCommit);
  auto b = SubmitAndWait(*log, "b");
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.error().message.find("injected"), std::string::npos);
  EXPECT_EQ(log->size(), 1u);
  auto c = SubmitAndWait(*log, "c");
  check(c, "c");
  EXPECT_EQ(c->index, 1u);
  auto b2 = SubmitAndWait(*log, "b");
  check(b2, "b");
  EXPECT_FALSE(b2->existed);
  EXPECT_EQ(b2->index, 2u);

  // The commit happened but its caller heard an error: the log learns the
  // truth from the store and continues after the batch it thought failed.
  faulty->FailAppends(1, FaultyStore::Fault::kAfterCommit);
  ASSERT_FALSE(SubmitAndWait(*log, "d").ok());
  EXPECT_EQ(log->size(), 4u);
  auto e = SubmitAndWait(*log, "e");
  check(e, "e");
  EXPECT_EQ(e->index, 4u);
  auto d2 = SubmitAndWait(*log, "d");
  check(d2, "d");
  EXPECT_TRUE(d2->existed);
  EXPECT_EQ(d2->index, 3u);

  // A store that cannot recover yet: no head is signed until it can.
  faulty->FailAppends(1, FaultyStore::Fault::kBeforeCommit);
  faulty->FailRecovers(2);
  ASSERT_FALSE(SubmitAndWait(*log, "f").ok());  // append fails, first Recover fails
  const int calls = faulty->append_calls();
  auto g = SubmitAndWait(*log, "g");  // second Recover fails: nothing is signed
  ASSERT_FALSE(g.ok());
  EXPECT_NE(g.error().message.find("still unwell"), std::string::npos);
  EXPECT_EQ(faulty->append_calls(), calls);
  auto h = SubmitAndWait(*log, "h");
  check(h, "h");
  EXPECT_EQ(h->index, 5u);

  // Every head that became durable is the only root at its size, and it is
  // the one the store serves; failed heads never appear.
  std::map<uint64_t, merkle::Hash> durable;
  for (const auto& head : faulty->heads()) {
    if (!head.durable) continue;
    auto [it, fresh] = durable.emplace(head.tree_size, head.root);
    EXPECT_TRUE(fresh) << "two durable heads at size " << head.tree_size;
    EXPECT_EQ(log->store().TreeHeadAt(head.tree_size)->root, head.root);
  }
  for (const auto& head : faulty->heads()) {
    if (head.durable) continue;
    auto stored = log->store().TreeHeadAt(head.tree_size);
    EXPECT_TRUE(!stored.ok() || stored->root != head.root)
        << "a failed head at size " << head.tree_size << " is in the store";
  }
  for (const auto& [size, root] : seen_roots) EXPECT_EQ(durable.at(size), root);
  EXPECT_EQ(log->size(), 6u);

  // And a restart agrees with all of it.
  const merkle::Hash root = log->LatestTreeHead()->root;
  log.reset();
  auto reopened = OpenLog();
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(reopened->LatestTreeHead()->root, root);
}

// LogStore::AppendBatch is a compare-and-swap on the durable size: when
// another writer appended first, this log fails the batch, never appends
// again (a head it signed there would be for a tree it never saw) and keeps
// serving reads.
TEST_F(TransparencyLogTest, AnotherWriterStopsAppendingButNotReading) {
  auto faulty_owned = std::make_unique<FaultyStore>(OpenStore());
  FaultyStore* faulty = faulty_owned.get();
  auto log = OpenLog(std::move(faulty_owned));
  auto a = SubmitAndWait(*log, "a");
  ASSERT_TRUE(a.ok()) << a.error().message;

  faulty->FailAppends(1, FaultyStore::Fault::kConflict);
  auto b = SubmitAndWait(*log, "b");
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().code, ErrorCode::kConflict);
  EXPECT_NE(b.error().message.find("another writer appended to the log at size 1"), std::string::npos)
      << b.error().message;
  const int calls = faulty->append_calls();
  for (const char* text : {"c", "b"}) {
    auto later = SubmitAndWait(*log, text);
    ASSERT_FALSE(later.ok());
    EXPECT_EQ(later.error().code, ErrorCode::kConflict);
  }
  EXPECT_EQ(faulty->append_calls(), calls) << "the log appended after a conflict";

  // Reads go on, and the head signed for the refused batch is nowhere.
  EXPECT_EQ(log->size(), 1u);
  auto receipt = log->InclusionReceipt(0);
  ASSERT_TRUE(receipt.ok()) << receipt.error().message;
  EXPECT_TRUE(Verify(*receipt, "a").ok());
  EXPECT_EQ(log->store().TreeHeadAt(2).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(log->LatestTreeHead()->tree_size, 1u);
}

}  // namespace
}  // namespace scitt::log
