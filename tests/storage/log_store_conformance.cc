// The LogStore conformance suite: see log_store_conformance.h.
#include "log_store_conformance.h"

#include <atomic>
#include <limits>
#include <random>
#include <thread>
#include <vector>

#include "base/mapped_bytes.h"
#include "crypto/hash.h"
#include "merkle/proof.h"
#include "merkle/tree.h"
#include "store_test_util.h"

namespace scitt::storage::testing {

void LogStoreConformance::SetUp() { setting_ = GetParam().make_place(); }

void LogStoreConformance::TearDown() { GetParam().remove_place(setting_); }

Result<std::unique_ptr<log::LogStore>> LogStoreConformance::Open(StoreOptions options) const {
  return OpenStore(setting_, std::move(options));
}

std::unique_ptr<log::LogStore> LogStoreConformance::MustOpen(StoreOptions options) const {
  auto store = Open(std::move(options));
  EXPECT_TRUE(store.ok()) << store.error().message;
  return store.ok() ? std::move(*store) : nullptr;
}

StoreOptions LogStoreConformance::ReadOnly() {
  StoreOptions options;
  options.read_only = true;
  return options;
}

std::string BackendName(const ::testing::TestParamInfo<LogStoreBackend>& info) {
  return info.param.name;
}

void PrintTo(const LogStoreBackend& backend, std::ostream* out) { *out << backend.name; }

namespace {

constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();

// What a reader sees of a store, to compare before and after a refused write.
struct Visible {
  uint64_t size;
  std::optional<log::TreeHead> latest;
  bool operator==(const Visible& other) const {
    return size == other.size && latest.has_value() == other.latest.has_value() &&
           (!latest || SameHead(*latest, *other.latest));
  }
};

Visible Look(const log::LogStore& store) {
  auto latest = store.LatestTreeHead();
  return Visible{store.size(), latest.ok() ? std::optional<log::TreeHead>(*latest) : std::nullopt};
}

// Checks that nothing of `batch` is visible in `store`.
void ExpectNoneOf(const log::LogStore& store, const Batch& batch, const Visible& before) {
  EXPECT_TRUE(Look(store) == before);
  for (const auto& entry : batch.entries) {
    if (entry.index >= before.size) {
      EXPECT_EQ(store.Entry(entry.index).error().code, ErrorCode::kNotFound);
    }
    auto found = store.FindEntry(entry.entry_hash);
    ASSERT_TRUE(found.ok());
    if (found->has_value()) {
      EXPECT_LT(**found, before.size);
    }
  }
  if (batch.head.tree_size > before.size) {
    EXPECT_EQ(store.TreeHeadAt(batch.head.tree_size).error().code, ErrorCode::kNotFound);
  }
  EXPECT_EQ(store.nodes().Node(0, before.size).error().code, ErrorCode::kNotFound);
}

TEST_P(LogStoreConformance, NewStoreIsEmpty) {
  auto store = MustOpen();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->size(), 0u);
  EXPECT_EQ(store->LatestTreeHead().error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store->TreeHeadAt(0).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store->SignedSizeAtOrAfter(0).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store->Entry(0).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store->nodes().Node(0, 0).error().code, ErrorCode::kNotFound);
  auto found = store->FindEntry(crypto::Sha256(AsBytes("nothing")));
  ASSERT_TRUE(found.ok());
  EXPECT_FALSE(found->has_value());
  auto hashes = store->EntryHashes(0, 0);
  ASSERT_TRUE(hashes.ok());
  EXPECT_TRUE(hashes->empty());
  EXPECT_FALSE(store->GetMeta("origin")->has_value());
}

TEST_P(LogStoreConformance, AppendsAndReadsBack) {
  auto store = MustOpen();
  Batches batches;
  for (uint64_t n : {1, 5, 300, 2}) ASSERT_TRUE(batches.Append(*store, n).ok());
  CheckContents(*store, batches);

  // Tree heads by size.
  for (uint64_t size : {1, 6, 306, 308}) {
    auto head = store->TreeHeadAt(size);
    ASSERT_TRUE(head.ok()) << size;
    EXPECT_TRUE(SameHead(
        *head, Batches::HeadAt(size, merkle::RootOf(std::span(batches.leaves()).first(size)))));
  }
  EXPECT_EQ(store->TreeHeadAt(7).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store->TreeHeadAt(309).error().code, ErrorCode::kNotFound);

  // Nodes: every complete node at every level, nothing beyond.
  merkle::InMemoryTree tree;
  for (const auto& leaf : batches.leaves()) tree.Append(leaf);
  for (uint8_t level = 0; level < 10; ++level) {
    const uint64_t count = store->size() >> level;
    for (uint64_t i = 0; i < count; ++i) {
      EXPECT_EQ(*store->nodes().Node(level, i), *tree.Node(level, i));
    }
    EXPECT_EQ(store->nodes().Node(level, count).error().code, ErrorCode::kNotFound);
  }
  for (uint64_t size : {1, 6, 200, 306, 308}) {
    EXPECT_EQ(*merkle::RootAt(size, store->nodes()), *tree.RootAt(size));
    auto proof = merkle::InclusionProof(size / 2, size, store->nodes());
    ASSERT_TRUE(proof.ok());
    EXPECT_TRUE(merkle::VerifyInclusion(size / 2, size, batches.leaves()[size / 2], *proof,
                                        *tree.RootAt(size))
                    .ok());
  }

  // Entry hashes for tile bundles.
  auto hashes = store->EntryHashes(250, 58);
  ASSERT_TRUE(hashes.ok());
  ASSERT_EQ(hashes->size(), 58u);
  EXPECT_EQ((*hashes)[0], crypto::Sha256(Statement(250)));
  EXPECT_EQ((*hashes)[57], crypto::Sha256(Statement(307)));
  EXPECT_EQ(store->EntryHashes(250, 59).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store->EntryHashes(309, 0).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store->EntryHashes(kMax, 1).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store->Entry(308).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store->Entry(kMax).error().code, ErrorCode::kNotFound);

  // Entries read together are the entries read one by one, across batches.
  auto range = store->Entries(4, 300);
  ASSERT_TRUE(range.ok()) << range.error().message;
  ASSERT_EQ(range->size(), 300u);
  for (uint64_t i = 0; i < 300; ++i) {
    auto one = store->Entry(4 + i);
    ASSERT_TRUE(one.ok());
    const log::LogEntry& together = (*range)[i];
    EXPECT_EQ(together.index, 4 + i);
    EXPECT_EQ(together.entry_hash, one->entry_hash);
    EXPECT_EQ(together.statement, one->statement);
    EXPECT_EQ(together.statement, Statement(4 + i));
    EXPECT_EQ(together.collateral, one->collateral);
    EXPECT_EQ(together.registered_at, one->registered_at);
    EXPECT_EQ(together.policy_index, one->policy_index);
  }
  // A statement from a given size on may be mapped instead of read
  // (LogEntry::mapped_statement): the same bytes either way, in every
  // entry of a range, mapped or not.
  for (const size_t from : {size_t{1}, size_t{100}, SIZE_MAX}) {
    auto mapped = store->Entries(4, 300, from);
    ASSERT_TRUE(mapped.ok()) << mapped.error().message;
    ASSERT_EQ(mapped->size(), 300u);
    for (uint64_t i = 0; i < 300; ++i) {
      const log::LogEntry& entry = (*mapped)[i];
      const ByteView read = entry.mapped_statement ? entry.mapped_statement->bytes() : ByteView(entry.statement);
      const Bytes bytes(read.begin(), read.end());
      EXPECT_EQ(bytes, Statement(4 + i)) << "from " << from << ", entry " << 4 + i;
      EXPECT_TRUE(entry.mapped_statement == nullptr || entry.statement.empty());
      if (from == SIZE_MAX) {
        EXPECT_EQ(entry.mapped_statement, nullptr);
      }
      EXPECT_EQ(entry.entry_hash, (*range)[i].entry_hash);
      EXPECT_EQ(entry.collateral, (*range)[i].collateral);
    }
  }
  EXPECT_TRUE(store->Entries(308, 0)->empty());
  EXPECT_EQ(store->Entries(300, 9).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store->Entries(309, 0).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store->Entries(kMax, 1).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store->Entries(1, kMax).error().code, ErrorCode::kNotFound);
}

// A statement submitted in a file mapping (a large registration's scratch
// file: registration::Pipeline sets LogEntry::mapped_statement) is appended
// from there, beside entries held in memory in the same batch: the same
// bytes, hashes and proofs as from memory, and it survives a reopen.
TEST_P(LogStoreConformance, AppendsStatementsGivenAsMappings) {
  auto store = MustOpen();
  Batches batches;
  ASSERT_TRUE(batches.Append(*store, 2).ok());
  Batch batch = batches.Next(5);
  TempDir scratch;
  for (size_t i = 0; i < batch.entries.size(); i += 2) {
    log::LogEntry& entry = batch.entries[i];
    auto file = ScratchFile::Create(scratch.path());
    ASSERT_TRUE(file.ok()) << file.error().message;
    ASSERT_TRUE((*file)->Append(Bytes(16, 0xee)).ok());  // room in front, as the service leaves
    ASSERT_TRUE((*file)->Append(entry.statement).ok());
    auto mapped = (*file)->MapWritable();
    ASSERT_TRUE(mapped.ok()) << mapped.error().message;
    (*mapped)->Narrow(ByteView((*mapped)->writable()).subspan(16));
    entry.mapped_statement = std::move(*mapped);
    entry.statement.clear();
  }
  const Status appended = store->AppendBatch(batch.entries, batch.nodes, batch.head);
  ASSERT_TRUE(appended.ok()) << appended.message();
  batches.Expect(5);
  batch = Batch();  // the mappings go; the store has its own copy
  for (uint64_t i = 2; i < 7; ++i) {
    auto entry = store->Entry(i);
    ASSERT_TRUE(entry.ok()) << entry.error().message;
    EXPECT_EQ(entry->statement, Statement(i)) << "entry " << i;
  }
  CheckContents(*store, batches);
  store.reset();
  store = MustOpen();
  ASSERT_NE(store, nullptr);
  CheckContents(*store, batches);
}

TEST_P(LogStoreConformance, SignedSizeAtOrAfter) {
  auto store = MustOpen();
  Batches batches;
  for (uint64_t n : {1, 5, 300, 2}) ASSERT_TRUE(batches.Append(*store, n).ok());
  EXPECT_EQ(*store->SignedSizeAtOrAfter(0), 1u);
  EXPECT_EQ(*store->SignedSizeAtOrAfter(2), 6u);
  EXPECT_EQ(*store->SignedSizeAtOrAfter(306), 306u);
  EXPECT_EQ(*store->SignedSizeAtOrAfter(307), 308u);
  EXPECT_EQ(store->SignedSizeAtOrAfter(309).error().code, ErrorCode::kNotFound);
  // Sizes a signed 64-bit column cannot hold are beyond every tree, not
  // below it (issue 10 #5: 2^63 read as a negative number found size 1).
  for (uint64_t size : {uint64_t{1} << 63, (uint64_t{1} << 63) + 1, kMax - 1, kMax}) {
    auto found = store->SignedSizeAtOrAfter(size);
    ASSERT_FALSE(found.ok()) << size << " found " << *found;
    EXPECT_EQ(found.error().code, ErrorCode::kNotFound) << size;
    EXPECT_EQ(store->TreeHeadAt(size).error().code, ErrorCode::kNotFound) << size;
  }
}

// The sequencer's duplicate check is by signed content.
TEST_P(LogStoreConformance, FindsEntriesToAppendBySignedContent) {
  auto store = MustOpen();
  Batches batches;
  ASSERT_TRUE(batches.Append(*store, 10).ok());
  const std::vector<crypto::Sha256Digest> signed_contents = {
      SignedContentFor(crypto::Sha256(Statement(3))), crypto::Sha256(AsBytes("not registered")),
      SignedContentFor(crypto::Sha256(Statement(9))),
      crypto::Sha256(Statement(4))};  // an entry hash, not a signed content
  auto found = store->FindEntriesToAppend(signed_contents);
  ASSERT_TRUE(found.ok()) << found.error().message;
  EXPECT_EQ(*found, (std::vector<std::optional<uint64_t>>{3, std::nullopt, 9, std::nullopt}));
  auto one = store->FindSignedContent(SignedContentFor(crypto::Sha256(Statement(7))));
  ASSERT_TRUE(one.ok()) << one.error().message;
  EXPECT_EQ(*one, std::optional<uint64_t>(7));
  EXPECT_FALSE(store->FindSignedContent(crypto::Sha256(AsBytes("not registered")))->has_value());
}

// Signed contents are unique in the log: a batch that brings one again
// (another statement, the same signed content) fails and leaves nothing.
TEST_P(LogStoreConformance, RefusesASignedContentTwice) {
  auto store = MustOpen();
  Batches batches;
  ASSERT_TRUE(batches.Append(*store, 3).ok());
  const Visible before = Look(*store);
  Batch again = batches.Next(2);
  again.entries[1].signed_content = SignedContentFor(crypto::Sha256(Statement(1)));
  EXPECT_FALSE(store->AppendBatch(again.entries, again.nodes, again.head).ok());
  EXPECT_TRUE(store->Recover().ok());
  ExpectNoneOf(*store, again, before);
  Batch twice = batches.Next(2);
  twice.entries[1].signed_content = twice.entries[0].signed_content;
  EXPECT_FALSE(store->AppendBatch(twice.entries, twice.nodes, twice.head).ok());
  EXPECT_TRUE(store->Recover().ok());
  ExpectNoneOf(*store, twice, before);
  EXPECT_EQ(*store->FindSignedContent(twice.entries[0].signed_content), std::nullopt);
  ASSERT_TRUE(batches.Append(*store, 2).ok());
  CheckContents(*store, batches);
}

TEST_P(LogStoreConformance, MetaIsKeptAndReplaced) {
  {
    auto store = MustOpen();
    EXPECT_FALSE(store->GetMeta("origin")->has_value());
    ASSERT_TRUE(store->PutMeta("origin", "example.com/log").ok());
    ASSERT_TRUE(store->PutMeta("policy", "1").ok());
    ASSERT_TRUE(store->PutMeta("policy", "2").ok());
    EXPECT_EQ(**store->GetMeta("origin"), "example.com/log");
    EXPECT_EQ(**store->GetMeta("policy"), "2");
  }
  auto store = MustOpen();
  EXPECT_EQ(**store->GetMeta("origin"), "example.com/log");
  EXPECT_EQ(**store->GetMeta("policy"), "2");
  EXPECT_FALSE(store->GetMeta("other")->has_value());
}

// Batches that are not a valid continuation in themselves.
TEST_P(LogStoreConformance, RejectsMalformedBatches) {
  auto store = MustOpen();
  Batches batches;
  ASSERT_TRUE(batches.Append(*store, 3).ok());
  const Visible before = Look(*store);

  Batch good = batches.Next(2);
  Batch batch = good;
  batch.entries[1].index = 5;  // not consecutive
  EXPECT_EQ(store->AppendBatch(batch.entries, batch.nodes, batch.head).error().code,
            ErrorCode::kInvalidArgument);
  batch = good;
  batch.nodes.pop_back();  // a completed node missing
  EXPECT_EQ(store->AppendBatch(batch.entries, batch.nodes, batch.head).error().code,
            ErrorCode::kInvalidArgument);
  batch = good;
  batch.head.tree_size = 6;  // the head is not at the batch's end
  EXPECT_EQ(store->AppendBatch(batch.entries, batch.nodes, batch.head).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(store->AppendBatch({}, {}, good.head).error().code, ErrorCode::kInvalidArgument);
  ExpectNoneOf(*store, good, before);

  ASSERT_TRUE(batches.Append(*store, 2).ok());
  CheckContents(*store, batches);
}

// AppendBatch is a compare-and-swap on the durable size: a batch that does
// not start at it fails with kConflict and leaves nothing behind.
TEST_P(LogStoreConformance, AppendsOnlyAtTheDurableSize) {
  auto store = MustOpen();
  Batches batches;
  ASSERT_TRUE(batches.Append(*store, 3).ok());
  const Visible before = Look(*store);

  // A writer that believes the log is longer (index 4 while the size is 3).
  Batches ahead;
  ahead.Expect(4);
  const Batch beyond = ahead.Next(2);
  Status st = store->AppendBatch(beyond.entries, beyond.nodes, beyond.head);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kConflict) << st.message();
  ExpectNoneOf(*store, beyond, before);

  // A writer that believes the log is shorter (index 1: its view is stale).
  Batches behind;
  behind.Expect(1);
  const Batch stale = behind.Next(2);
  st = store->AppendBatch(stale.entries, stale.nodes, stale.head);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kConflict) << st.message();
  EXPECT_TRUE(Look(*store) == before);
  CheckContents(*store, batches);

  // The writer that knows the size appends.
  ASSERT_TRUE(batches.Append(*store, 4).ok());
  CheckContents(*store, batches);
}

// Two writers on one backing store can never both append at one size: the
// backend either keeps the second one out or lets exactly one batch win.
TEST_P(LogStoreConformance, TwoWritersNeverBothAppend) {
  auto first = MustOpen();
  Batches batches;
  ASSERT_TRUE(batches.Append(*first, 3).ok());
  auto second = Open();
  if (!second.ok()) {
    EXPECT_EQ(second.error().code, ErrorCode::kConflict) << second.error().message;
    ASSERT_TRUE(batches.Append(*first, 2).ok());
    CheckContents(*first, batches);
    return;
  }
  // Both believe the size is 3 and append different batches there.
  const Batch mine = batches.Next(2);
  Batch theirs = batches.Next(2, 150);  // other statements at the same indexes
  const Status a = first->AppendBatch(mine.entries, mine.nodes, mine.head);
  const Status b = (*second)->AppendBatch(theirs.entries, theirs.nodes, theirs.head);
  ASSERT_NE(a.ok(), b.ok()) << "exactly one of two writers at one size may append";
  EXPECT_EQ((a.ok() ? b : a).error().code, ErrorCode::kConflict);
}

// A batch the store refuses (here: an entry hash already in the log) fails
// as a whole; after Recover() nothing of it is visible and appending goes on.
TEST_P(LogStoreConformance, RecoversFromAFailedBatch) {
  Batches batches;
  {
    auto store = MustOpen();
    ASSERT_TRUE(batches.Append(*store, 3).ok());
    const Visible before = Look(*store);
    Batch duplicate = batches.Next(2);
    duplicate.entries[1].statement = Statement(0);
    duplicate.entries[1].entry_hash = crypto::Sha256(Statement(0));
    Status st = store->AppendBatch(duplicate.entries, duplicate.nodes, duplicate.head);
    ASSERT_FALSE(st.ok());
    EXPECT_TRUE(store->Recover().ok());
    EXPECT_TRUE(Look(*store) == before);
    EXPECT_EQ(store->Entry(3).error().code, ErrorCode::kNotFound);
    EXPECT_FALSE(store->FindEntry(duplicate.entries[0].entry_hash)->has_value());
    EXPECT_EQ(store->TreeHeadAt(5).error().code, ErrorCode::kNotFound);
    ASSERT_TRUE(batches.Append(*store, 10).ok());
    CheckContents(*store, batches);
  }
  auto store = MustOpen();
  CheckContents(*store, batches);
}

TEST_P(LogStoreConformance, ReopenKeepsEverything) {
  Batches batches;
  {
    auto store = MustOpen();
    for (uint64_t n : {7, 64, 1}) ASSERT_TRUE(batches.Append(*store, n).ok());
    ASSERT_TRUE(store->PutMeta("origin", "example.com/log").ok());
  }
  {
    auto store = MustOpen();
    CheckContents(*store, batches);
    EXPECT_EQ(**store->GetMeta("origin"), "example.com/log");
    EXPECT_TRUE(store->TreeHeadAt(71).ok());
    ASSERT_TRUE(batches.Append(*store, 50).ok());
  }
  auto store = MustOpen();
  CheckContents(*store, batches);
  EXPECT_EQ(store->size(), 122u);
}

// A store opened read-only reads everything and refuses every write; a
// place without a log is refused rather than created.
TEST_P(LogStoreConformance, ReadOnlyReadsAndRefusesWrites) {
  {
    auto missing = Open(ReadOnly());
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().code, ErrorCode::kNotFound) << missing.error().message;
  }
  Batches batches;
  {
    auto store = MustOpen();
    for (uint64_t n : {7, 64, 1}) ASSERT_TRUE(batches.Append(*store, n).ok());
    ASSERT_TRUE(store->PutMeta("origin", "example.com/log").ok());
  }
  {
    auto store = MustOpen(ReadOnly());
    ASSERT_NE(store, nullptr);
    CheckContents(*store, batches);
    EXPECT_EQ(**store->GetMeta("origin"), "example.com/log");
    EXPECT_EQ(*store->SignedSizeAtOrAfter(8), 71u);
    const Visible before = Look(*store);
    const Batch next = batches.Next(2);
    EXPECT_EQ(store->AppendBatch(next.entries, next.nodes, next.head).error().code,
              ErrorCode::kUnsupported);
    EXPECT_EQ(store->PutMeta("origin", "other").error().code, ErrorCode::kUnsupported);
    EXPECT_EQ(store->Recover().error().code, ErrorCode::kUnsupported);
    const crypto::Sha256Digest hash = crypto::Sha256(Statement(1));
    EXPECT_EQ(store->FindEntriesToAppend(std::span(&hash, 1)).error().code,
              ErrorCode::kUnsupported);
    EXPECT_TRUE(Look(*store) == before);
  }
  auto store = MustOpen();
  CheckContents(*store, batches);
  EXPECT_EQ(**store->GetMeta("origin"), "example.com/log");
}

// Readers on many threads while the writer appends: each sees whole batches,
// and every proof it builds verifies against the head it read.
TEST_P(LogStoreConformance, ConcurrentReadersSeeWholeBatches) {
  auto store = MustOpen();
  Batches batches;
  ASSERT_TRUE(batches.Append(*store, 1).ok());
  std::atomic<bool> done{false};
  std::atomic<int> failures{0};
  std::atomic<uint64_t> reads{0};
  auto reader = [&](unsigned seed) {
    std::mt19937_64 rng(seed);
    while (!done.load()) {
      auto head = store->LatestTreeHead();
      if (!head.ok()) {
        ++failures;
        continue;
      }
      const uint64_t size = head->tree_size;
      auto root = merkle::RootAt(size, store->nodes());
      if (!root.ok() || *root != head->root) ++failures;
      const uint64_t index = rng() % size;
      auto entry = store->Entry(index);
      if (!entry.ok() || entry->entry_hash != crypto::Sha256(entry->statement)) ++failures;
      auto proof = merkle::InclusionProof(index, size, store->nodes());
      if (!entry.ok() || !proof.ok() ||
          !merkle::VerifyInclusion(index, size, merkle::HashLeaf(entry->entry_hash), *proof,
                                   head->root)
               .ok()) {
        ++failures;
      }
      auto found = store->FindEntry(crypto::Sha256(Statement(index)));
      if (!found.ok() || *found != std::optional<uint64_t>(index)) ++failures;
      ++reads;
    }
  };
  std::vector<std::thread> readers;
  for (unsigned i = 0; i < 3; ++i) readers.emplace_back(reader, i);
  for (int b = 0; b < 150; ++b) ASSERT_TRUE(batches.Append(*store, 1 + b % 9).ok());
  done = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_GT(reads.load(), 0u);
  CheckContents(*store, batches);
}

}  // namespace
}  // namespace scitt::storage::testing
