// The embedded store: read-back, reopen, crash leftovers, damage, concurrent readers.
#include "storage/embedded_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <random>
#include <thread>

#include "crypto/hash.h"
#include "crypto/key.h"
#include "log/transparency_log.h"
#include "merkle/compact_range.h"
#include "merkle/proof.h"
#include "merkle/tree.h"

namespace scitt::storage {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "scitt-store-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() { fs::remove_all(path_); }
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

Bytes Statement(uint64_t i, size_t size = 100) {
  std::string text = "statement-" + std::to_string(i) + "-";
  Bytes out;
  while (out.size() < size) out.insert(out.end(), text.begin(), text.end());
  out.resize(size);
  return out;
}

// Builds valid batches (entries, the nodes they complete, a tree head) the way
// the sequencer does, and remembers every leaf to check against.
class Batches {
 public:
  Status Append(EmbeddedStore& store, uint64_t n, size_t statement_size = 100) {
    return Append(&store, n, statement_size);
  }
  // The batch another process appended: only remembered.
  void Expect(uint64_t n) { (void)Append(nullptr, n, 100); }

 private:
  Status Append(EmbeddedStore* store, uint64_t n, size_t statement_size) {
    std::vector<log::LogEntry> entries;
    std::vector<log::NodeWrite> nodes;
    for (uint64_t k = 0; k < n; ++k) {
      log::LogEntry entry;
      entry.index = range_.size();
      entry.statement = Statement(entry.index, statement_size);
      entry.entry_hash = crypto::Sha256(entry.statement);
      entry.registered_at = 1700000000 + static_cast<int64_t>(entry.index);
      entry.policy_index = entry.index / 2;
      if (entry.index % 3 == 0) entry.collateral = Bytes{0xa1, 0x01, 0x02};
      const merkle::Hash leaf = merkle::HashLeaf(entry.entry_hash);
      range_.Append(leaf, [&](uint8_t level, uint64_t index, const merkle::Hash& hash) {
        nodes.push_back(log::NodeWrite{level, index, hash});
      });
      leaves_.push_back(leaf);
      entries.push_back(std::move(entry));
    }
    if (store == nullptr) return Status::Ok();
    log::TreeHead head = HeadAt(range_.size(), range_.Root());
    Status st = store->AppendBatch(entries, nodes, head);
    if (!st.ok()) {
      range_ = merkle::CompactRange();
      leaves_.resize(store->size());
      for (const auto& leaf : leaves_) range_.Append(leaf);
    }
    return st;
  }

 public:

  static log::TreeHead HeadAt(uint64_t size, const merkle::Hash& root) {
    log::TreeHead head;
    head.tree_size = size;
    head.root = root;
    head.timestamp = 1700000000 + static_cast<int64_t>(size);
    head.receipt_protected = Bytes(110, 0xa4);
    head.receipt_signature = Bytes(64, static_cast<uint8_t>(size));
    head.checkpoint = "example.com/log\n" + std::to_string(size) + "\n" + Base64Encode(root) +
                      "\n\n\xE2\x80\x94 example.com/log " + std::string(92, 'A') + "\n";
    return head;
  }

  const std::vector<merkle::Hash>& leaves() const { return leaves_; }
  merkle::Hash Root() const { return range_.Root(); }

 private:
  merkle::CompactRange range_;
  std::vector<merkle::Hash> leaves_;
};

std::unique_ptr<EmbeddedStore> MustOpen(const std::string& dir) {
  auto store = EmbeddedStore::Open(dir);
  EXPECT_TRUE(store.ok()) << store.error().message;
  return store.ok() ? std::move(*store) : nullptr;
}

uint64_t FileBytes(const std::string& path) { return fs::file_size(path); }

void AppendGarbage(const std::string& path, size_t n) {
  std::ofstream out(path, std::ios::binary | std::ios::app);
  out << std::string(n, '\x5a');
}

bool SameHead(const log::TreeHead& a, const log::TreeHead& b) {
  return a.tree_size == b.tree_size && a.root == b.root && a.timestamp == b.timestamp &&
         a.receipt_protected == b.receipt_protected && a.receipt_signature == b.receipt_signature &&
         a.checkpoint == b.checkpoint;
}

void CheckContents(const EmbeddedStore& store, const Batches& batches) {
  const uint64_t size = store.size();
  ASSERT_EQ(size, batches.leaves().size());
  auto latest = store.LatestTreeHead();
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(latest->tree_size, size);
  EXPECT_EQ(latest->root, batches.Root());
  EXPECT_TRUE(SameHead(*latest, Batches::HeadAt(size, batches.Root())));
  auto root = merkle::RootAt(size, store.nodes());
  ASSERT_TRUE(root.ok()) << root.error().message;
  EXPECT_EQ(*root, batches.Root());
  for (uint64_t i = 0; i < size; i += 7) {
    auto entry = store.Entry(i);
    ASSERT_TRUE(entry.ok()) << entry.error().message;
    EXPECT_EQ(entry->index, i);
    EXPECT_EQ(entry->statement, Statement(i));
    EXPECT_EQ(entry->entry_hash, crypto::Sha256(entry->statement));
    EXPECT_EQ(entry->registered_at, 1700000000 + static_cast<int64_t>(i));
    EXPECT_EQ(entry->policy_index, i / 2);
    EXPECT_EQ(entry->collateral, i % 3 == 0 ? Bytes({0xa1, 0x01, 0x02}) : Bytes());
    EXPECT_EQ(merkle::HashLeaf(entry->entry_hash), batches.leaves()[i]);
    auto found = store.FindEntry(entry->entry_hash);
    ASSERT_TRUE(found.ok());
    EXPECT_EQ(*found, std::optional<uint64_t>(i));
  }
}

TEST(EmbeddedStore, NewStoreIsEmpty) {
  TempDir dir;
  auto store = MustOpen(dir.path());
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
}

TEST(EmbeddedStore, AppendsAndReadsBack) {
  TempDir dir;
  auto store = MustOpen(dir.path());
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
  EXPECT_EQ(*store->SignedSizeAtOrAfter(0), 1u);
  EXPECT_EQ(*store->SignedSizeAtOrAfter(2), 6u);
  EXPECT_EQ(*store->SignedSizeAtOrAfter(306), 306u);
  EXPECT_EQ(*store->SignedSizeAtOrAfter(307), 308u);
  EXPECT_EQ(store->SignedSizeAtOrAfter(309).error().code, ErrorCode::kNotFound);

  // Nodes: every complete node at every level, nothing beyond.
  merkle::InMemoryTree tree;
  for (const auto& leaf : batches.leaves()) tree.Append(leaf);
  for (uint8_t level = 0; level < 10; ++level) {
    const uint64_t count = store->size() >> level;
    for (uint64_t i = 0; i < count; ++i)
      EXPECT_EQ(*store->nodes().Node(level, i), *tree.Node(level, i));
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
  EXPECT_EQ(store->Entry(308).error().code, ErrorCode::kNotFound);

  // Meta.
  EXPECT_FALSE(store->GetMeta("origin")->has_value());
  ASSERT_TRUE(store->PutMeta("origin", "example.com/log").ok());
  ASSERT_TRUE(store->PutMeta("policy", "1").ok());
  ASSERT_TRUE(store->PutMeta("policy", "2").ok());
  EXPECT_EQ(**store->GetMeta("origin"), "example.com/log");
  EXPECT_EQ(**store->GetMeta("policy"), "2");
}

TEST(EmbeddedStore, RejectsBatchesThatDoNotContinueTheLog) {
  TempDir dir;
  auto store = MustOpen(dir.path());
  Batches batches;
  ASSERT_TRUE(batches.Append(*store, 3).ok());

  log::LogEntry entry;
  entry.index = 4;  // should be 3
  entry.statement = Statement(3);
  entry.entry_hash = crypto::Sha256(entry.statement);
  std::vector<log::NodeWrite> nodes = {{0, 3, merkle::HashLeaf(entry.entry_hash)}};
  Status st = store->AppendBatch(std::span(&entry, 1), nodes, Batches::HeadAt(4, {}));
  EXPECT_EQ(st.error().code, ErrorCode::kInvalidArgument);
  entry.index = 3;
  st = store->AppendBatch(std::span(&entry, 1), {}, Batches::HeadAt(4, {}));  // level 0 missing
  EXPECT_EQ(st.error().code, ErrorCode::kInvalidArgument);
  st = store->AppendBatch(std::span(&entry, 1), nodes, Batches::HeadAt(5, {}));  // wrong size
  EXPECT_EQ(st.error().code, ErrorCode::kInvalidArgument);
  // A duplicate entry hash is refused by the index, and nothing of it stays.
  entry.statement = Statement(0);
  entry.entry_hash = crypto::Sha256(entry.statement);
  nodes = {{0, 3, merkle::HashLeaf(entry.entry_hash)}, {1, 1, {}}, {2, 0, {}}};
  st = store->AppendBatch(std::span(&entry, 1), nodes, Batches::HeadAt(4, {}));
  EXPECT_EQ(st.error().code, ErrorCode::kIo);
  EXPECT_TRUE(store->Recover().ok());

  EXPECT_EQ(store->size(), 3u);
  EXPECT_EQ(FileBytes(dir / "statements"), 300u);
  EXPECT_EQ(FileBytes(dir / "nodes/00"), 3 * 32u);
  ASSERT_TRUE(batches.Append(*store, 10).ok());
  CheckContents(*store, batches);
}

TEST(EmbeddedStore, ReopenKeepsEverything) {
  TempDir dir;
  Batches batches;
  {
    auto store = MustOpen(dir.path());
    for (uint64_t n : {7, 64, 1}) ASSERT_TRUE(batches.Append(*store, n).ok());
    ASSERT_TRUE(store->PutMeta("origin", "example.com/log").ok());
  }
  {
    auto store = MustOpen(dir.path());
    CheckContents(*store, batches);
    EXPECT_EQ(**store->GetMeta("origin"), "example.com/log");
    EXPECT_TRUE(store->TreeHeadAt(71).ok());
    ASSERT_TRUE(batches.Append(*store, 50).ok());
  }
  auto store = MustOpen(dir.path());
  CheckContents(*store, batches);
  EXPECT_EQ(store->size(), 122u);
}

TEST(EmbeddedStore, OneProcessPerDirectory) {
  TempDir dir;
  auto store = MustOpen(dir.path());
  auto second = EmbeddedStore::Open(dir.path());
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.error().message.find("in use"), std::string::npos) << second.error().message;
}

// A crash after the files were written but before the commit leaves bytes
// that no committed entry covers; Open() cuts them off.
TEST(EmbeddedStore, DiscardsWhatNoCommitCovers) {
  TempDir dir;
  Batches batches;
  {
    auto store = MustOpen(dir.path());
    ASSERT_TRUE(batches.Append(*store, 21).ok());
  }
  AppendGarbage(dir / "statements", 1000);
  for (const char* level : {"nodes/00", "nodes/01", "nodes/02", "nodes/03", "nodes/04"}) {
    AppendGarbage(dir / level, 96);
  }
  AppendGarbage(dir / "nodes/05", 64);  // a level the committed tree has not reached
  {
    auto store = MustOpen(dir.path());
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(FileBytes(dir / "statements"), 2100u);
    EXPECT_EQ(FileBytes(dir / "nodes/00"), 21 * 32u);
    EXPECT_EQ(FileBytes(dir / "nodes/04"), 1 * 32u);
    EXPECT_EQ(FileBytes(dir / "nodes/05"), 0u);
    CheckContents(*store, batches);
    ASSERT_TRUE(batches.Append(*store, 20).ok());  // reaches level 5
    CheckContents(*store, batches);
  }
  auto store = MustOpen(dir.path());
  CheckContents(*store, batches);
}

TEST(EmbeddedStore, RefusesFilesShorterThanTheCommittedLog) {
  for (const std::string file : {"statements", "nodes/00", "nodes/03"}) {
    TempDir dir;
    {
      auto store = MustOpen(dir.path());
      Batches batches;
      ASSERT_TRUE(batches.Append(*store, 9).ok());
    }
    fs::resize_file(dir / file, FileBytes(dir / file) - 1);
    auto store = EmbeddedStore::Open(dir.path());
    ASSERT_FALSE(store.ok()) << file;
    EXPECT_EQ(store.error().code, ErrorCode::kIo);
    EXPECT_NE(store.error().message.find(file), std::string::npos) << store.error().message;
    EXPECT_NE(store.error().message.find("refusing to open"), std::string::npos)
        << store.error().message;
  }
  TempDir dir;
  {
    auto store = MustOpen(dir.path());
    Batches batches;
    ASSERT_TRUE(batches.Append(*store, 9).ok());
  }
  fs::remove(dir / "nodes/01");
  auto store = EmbeddedStore::Open(dir.path());
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.error().message.find("nodes/01 is missing"), std::string::npos)
      << store.error().message;
}

// A clock the test moves by hand, starting at `start` after its epoch.
class ManualClock {
 public:
  explicit ManualClock(std::chrono::steady_clock::duration start)
      : now_(std::make_shared<std::chrono::steady_clock::time_point>(start)) {}
  MonotonicClock clock() const {
    return [now = now_] { return *now; };
  }
  void Advance(std::chrono::steady_clock::duration by) { *now_ += by; }

 private:
  std::shared_ptr<std::chrono::steady_clock::time_point> now_;
};

// A freshly booted machine (steady_clock near its epoch) and one up for
// months: the node sync rule must not depend on which.
const std::chrono::steady_clock::duration kUptimes[] = {std::chrono::seconds(1),
                                                        std::chrono::hours(24 * 200)};

// Node files are synced only every node_sync_interval; what a crash loses of
// them is recomputed from the committed entry hashes at the next open.
TEST(EmbeddedStore, RebuildsUnsyncedNodesFromTheEntries) {
  for (const auto uptime : kUptimes) {
    SCOPED_TRACE("uptime " + std::to_string(std::chrono::duration<double>(uptime).count()) + " s");
    TempDir dir;
    Batches batches;
    const ManualClock clock(uptime);
    const EmbeddedStoreOptions rarely{std::chrono::hours(1), clock.clock()};
    {
      auto store = EmbeddedStore::Open(dir.path(), rarely);
      ASSERT_TRUE(store.ok());
      ASSERT_TRUE(batches.Append(**store, 5).ok());  // the first batch syncs: durable up to 5
      for (int i = 0; i < 6; ++i) ASSERT_TRUE(batches.Append(**store, 7).ok());  // 47, unsynced
    }
    // A crash lost the unsynced node bytes: shorter files, garbage, a level gone.
    fs::resize_file(dir / "nodes/00", 5 * 32);
    fs::resize_file(dir / "nodes/01", 2 * 32 + 5);
    AppendGarbage(dir / "nodes/02", 40);
    fs::remove(dir / "nodes/05");
    {
      auto store = EmbeddedStore::Open(dir.path(), rarely);
      ASSERT_TRUE(store.ok()) << store.error().message;
      CheckContents(**store, batches);
      merkle::CompactRange expected;
      for (const auto& leaf : batches.leaves()) {
        expected.Append(leaf, [&](uint8_t level, uint64_t index, const merkle::Hash& hash) {
          auto stored = (*store)->nodes().Node(level, index);
          ASSERT_TRUE(stored.ok()) << stored.error().message;
          EXPECT_EQ(*stored, hash) << "level " << int{level} << " index " << index;
        });
      }
      EXPECT_EQ(FileBytes(dir / "nodes/00"), 47 * 32u);
      EXPECT_EQ(FileBytes(dir / "nodes/05"), 1 * 32u);
      auto synced = (*store)->GetMeta("nodes_synced_size");
      ASSERT_TRUE(synced.ok() && synced->has_value());
      EXPECT_EQ(**synced, "47");  // rebuilt nodes are synced and recorded
      ASSERT_TRUE(batches.Append(**store, 3).ok());
      CheckContents(**store, batches);
    }
    // Below the synced size, a short file is still damage.
    fs::resize_file(dir / "nodes/00", 40 * 32);
    auto store = EmbeddedStore::Open(dir.path(), rarely);
    ASSERT_FALSE(store.ok());
    EXPECT_NE(store.error().message.find("nodes/00"), std::string::npos) << store.error().message;
  }
}

// The rule, whatever the clock's reading: the first batch after Open syncs
// the node files, later ones only once node_sync_interval has passed since.
TEST(EmbeddedStore, SyncsNodesOnTheFirstBatchThenEveryInterval) {
  for (const auto uptime : kUptimes) {
    SCOPED_TRACE("uptime " + std::to_string(std::chrono::duration<double>(uptime).count()) + " s");
    TempDir dir;
    Batches batches;
    ManualClock clock(uptime);
    const EmbeddedStoreOptions options{std::chrono::seconds(10), clock.clock()};
    auto synced = [](const EmbeddedStore& store) {
      auto value = store.GetMeta("nodes_synced_size");
      return value.ok() && value->has_value() ? **value : std::string("none");
    };
    for (int open = 0; open < 2; ++open) {
      auto store = EmbeddedStore::Open(dir.path(), options);
      ASSERT_TRUE(store.ok()) << store.error().message;
      const uint64_t start = (*store)->size();
      ASSERT_TRUE(batches.Append(**store, 3).ok());
      EXPECT_EQ(synced(**store), std::to_string(start + 3)) << "the first batch after Open syncs";
      clock.Advance(std::chrono::seconds(9));
      ASSERT_TRUE(batches.Append(**store, 2).ok());
      EXPECT_EQ(synced(**store), std::to_string(start + 3)) << "within the interval: no sync";
      clock.Advance(std::chrono::seconds(1));
      ASSERT_TRUE(batches.Append(**store, 4).ok());
      EXPECT_EQ(synced(**store), std::to_string(start + 9)) << "the interval passed: sync";
      ASSERT_TRUE(batches.Append(**store, 1).ok());
      EXPECT_EQ(synced(**store), std::to_string(start + 9));
    }
  }
}

// Every file and directory under `dir` with its content and mtime: what an
// auditor must leave exactly as it found it.
std::map<std::string, std::string> Snapshot(const std::string& dir) {
  std::map<std::string, std::string> out;
  for (const auto& item : fs::recursive_directory_iterator(dir)) {
    const std::string name = fs::relative(item.path(), dir).string();
    struct stat st;
    EXPECT_EQ(::lstat(item.path().c_str(), &st), 0);
    std::string facts = std::to_string(st.st_mode) + " " + std::to_string(st.st_mtim.tv_sec) + "." +
                        std::to_string(st.st_mtim.tv_nsec);
    if (item.is_regular_file()) {
      std::ifstream in(item.path(), std::ios::binary);
      std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      facts += " " + HexEncode(crypto::Sha256(AsBytes(bytes)));
    }
    out[name] = facts;
  }
  return out;
}

EmbeddedStoreOptions ReadOnly() {
  EmbeddedStoreOptions options;
  options.read_only = true;
  return options;
}

// An auditor opens the store read-only: it reads everything and changes
// nothing, not even after a crash left leftovers, unsynced nodes and a WAL.
TEST(EmbeddedStore, ReadOnlyChangesNothing) {
  TempDir dir;
  Batches batches;
  {
    auto store = MustOpen(dir.path());
    for (uint64_t n : {7, 64, 1}) ASSERT_TRUE(batches.Append(*store, n).ok());
    ASSERT_TRUE(store->PutMeta("origin", "example.com/log").ok());
  }
  auto check_read_only = [&](const std::string& when) {
    SCOPED_TRACE(when);
    const auto before = Snapshot(dir.path());
    {
      auto store = EmbeddedStore::Open(dir.path(), ReadOnly());
      ASSERT_TRUE(store.ok()) << store.error().message;
      CheckContents(**store, batches);
      EXPECT_EQ(**(*store)->GetMeta("origin"), "example.com/log");
      merkle::InMemoryTree tree;
      for (const auto& leaf : batches.leaves()) tree.Append(leaf);
      for (uint64_t i = 0; i < (*store)->size(); ++i) EXPECT_EQ(*(*store)->nodes().Node(0, i), *tree.Node(0, i));
      for (uint64_t i = 0; i < ((*store)->size() >> 3); ++i) {
        EXPECT_EQ(*(*store)->nodes().Node(3, i), *tree.Node(3, i));
      }
      // Every write is refused, and refusing changes nothing.
      EXPECT_EQ((*store)->PutMeta("origin", "other").error().code, ErrorCode::kUnsupported);
      EXPECT_EQ((*store)->Recover().error().code, ErrorCode::kUnsupported);
      Batches more = batches;
      EXPECT_EQ(more.Append(**store, 2).error().code, ErrorCode::kUnsupported);
      const crypto::Sha256Digest hash = crypto::Sha256(AsBytes("x"));
      EXPECT_EQ((*store)->FindEntriesToAppend(std::span(&hash, 1)).error().code,
                ErrorCode::kUnsupported);
      // Another reader may read along; a writer may not start meanwhile.
      auto second = EmbeddedStore::Open(dir.path(), ReadOnly());
      EXPECT_TRUE(second.ok());
      auto writer = EmbeddedStore::Open(dir.path());
      EXPECT_FALSE(writer.ok());
    }
    EXPECT_EQ(Snapshot(dir.path()), before);
  };
  check_read_only("after a clean close");

  // A crash: a process appends with rare node syncs and dies without closing
  // (its WAL frames stay), leaving bytes no commit covers.
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    EmbeddedStoreOptions rarely;
    rarely.node_sync_interval = std::chrono::hours(1);
    auto store = EmbeddedStore::Open(dir.path(), rarely);
    Batches copy = batches;
    bool ok = store.ok() && copy.Append(**store, 1).ok();  // syncs nodes: the first batch
    for (int i = 0; ok && i < 5; ++i) ok = copy.Append(**store, 9).ok();
    ::_exit(ok ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  batches.Expect(1);
  for (int i = 0; i < 5; ++i) batches.Expect(9);
  ASSERT_GT(FileBytes(dir / "index.sqlite-wal"), 0u) << "the crash must leave WAL frames";
  AppendGarbage(dir / "statements", 300);
  AppendGarbage(dir / "nodes/00", 64);
  fs::resize_file(dir / "nodes/01", FileBytes(dir / "nodes/01") - 32);  // an unsynced node lost
  check_read_only("after a crash");
}

// A directory without a log is refused, and nothing is created.
TEST(EmbeddedStore, ReadOnlyRefusesADirectoryWithoutALog) {
  TempDir dir;
  for (const std::string path : {dir / "missing", dir.path()}) {
    auto store = EmbeddedStore::Open(path, ReadOnly());
    ASSERT_FALSE(store.ok());
    EXPECT_EQ(store.error().code, ErrorCode::kNotFound);
    EXPECT_NE(store.error().message.find("holds no scitt log"), std::string::npos)
        << store.error().message;
  }
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

// Damage the stored hashes cannot reveal is caught one layer up: the log
// recomputes the root and compares it with the last signed tree head.
TEST(EmbeddedStore, CorruptNodeMakesTheLogRefuseToStart) {
  TempDir dir;
  auto make_keys = [] {
    log::LogKeys keys;
    keys.receipt_key = *crypto::PrivateKey::Generate(crypto::Algorithm::kES256);
    const auto thumbprint = keys.receipt_key.public_key().Thumbprint();
    keys.receipt_kid = Bytes(thumbprint.begin(), thumbprint.end());
    keys.checkpoint_key = *crypto::PrivateKey::Generate(crypto::Algorithm::kEdDSA);
    return keys;
  };
  log::LogOptions options;
  options.origin = "example.com/log";
  options.issuer = "https://example.com";
  options.max_batch_delay = std::chrono::microseconds(0);
  const log::LogKeys keys = make_keys();
  {
    auto log = log::TransparencyLog::Open(MustOpen(dir.path()), keys, options);
    ASSERT_TRUE(log.ok()) << log.error().message;
    for (int i = 0; i < 5; ++i) {
      std::promise<Result<log::Appended>> done;
      log::LogEntry entry;
      entry.statement = Statement(i);
      entry.entry_hash = crypto::Sha256(entry.statement);
      (*log)->Submit(entry, [&](Result<log::Appended> r) { done.set_value(std::move(r)); });
      ASSERT_TRUE(done.get_future().get().ok());
    }
  }
  {
    auto log = log::TransparencyLog::Open(MustOpen(dir.path()), keys, options);
    ASSERT_TRUE(log.ok()) << log.error().message;
  }
  // Size 5 = 4 + 1: the root reads nodes (2, 0) and (0, 4). Flip a bit of (2, 0).
  char original = 0;
  {
    std::fstream f(dir / "nodes/02", std::ios::binary | std::ios::in | std::ios::out);
    f.seekg(3);
    original = static_cast<char>(f.get());
    f.seekp(3);
    f.put(static_cast<char>(original ^ 1));
  }
  auto log = log::TransparencyLog::Open(MustOpen(dir.path()), keys, options);
  ASSERT_FALSE(log.ok());
  // The cheap right-edge check runs first and names both roots.
  const std::string& why = log.error().message;
  EXPECT_NE(why.find("stored tree (size 5, root "), std::string::npos) << why;
  EXPECT_NE(why.find("does not match the last signed tree head (root "), std::string::npos);
  EXPECT_NE(why.find("refusing to start"), std::string::npos);

  // Restore it, then damage a node no root reads: the full check at start-up
  // finds it.
  {
    std::fstream f(dir / "nodes/02", std::ios::binary | std::ios::in | std::ios::out);
    f.seekp(3);
    f.put(original);
    std::fstream g(dir / "nodes/00", std::ios::binary | std::ios::in | std::ios::out);
    g.seekg(32 + 7);
    const char byte = static_cast<char>(g.get());
    g.seekp(32 + 7);
    g.put(static_cast<char>(byte ^ 1));
  }
  log = log::TransparencyLog::Open(MustOpen(dir.path()), keys, options);
  ASSERT_FALSE(log.ok());
  EXPECT_NE(log.error().message.find("stored Merkle node (level 0, index 1) differs"),
            std::string::npos)
      << log.error().message;
}

// Readers on many threads while the writer appends: each sees whole batches,
// and every proof it builds verifies against the head it read.
TEST(EmbeddedStore, ConcurrentReadersSeeWholeBatches) {
  TempDir dir;
  auto store = MustOpen(dir.path());
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

// DESIGN.md §4 budget: for 1 KiB statements the whole directory stays within
// 1.3× the statement bytes (index rows and 64 bytes of nodes per entry).
TEST(EmbeddedStore, DiskUseStaysNearTheStatementBytes) {
  TempDir dir;
  constexpr uint64_t kEntries = 4000;
  {
    auto store = MustOpen(dir.path());
    Batches batches;
    for (uint64_t i = 0; i < kEntries / 100; ++i)
      ASSERT_TRUE(batches.Append(*store, 100, 1024).ok());
  }  // closing checkpoints the WAL into index.sqlite
  uint64_t total = 0;
  for (const auto& file : fs::recursive_directory_iterator(dir.path())) {
    if (file.is_regular_file()) total += file.file_size();
  }
  const double ratio = static_cast<double>(total) / static_cast<double>(kEntries * 1024);
  EXPECT_LE(ratio, 1.3) << total << " bytes on disk";
  std::printf("disk use: %.3f x statement bytes (%llu bytes for %llu entries)\n", ratio,
              static_cast<unsigned long long>(total), static_cast<unsigned long long>(kEntries));
}

}  // namespace
}  // namespace scitt::storage
