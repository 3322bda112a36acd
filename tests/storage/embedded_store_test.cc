// The embedded store beyond the conformance suite (log_store_conformance.h):
// its files after failures, crash leftovers, damage, node syncing, read-only
// byte-identity, one writer per directory, disk use. Its lookups
// (lookup.sqlite) and format upgrades: embedded_lookups_test.cc.
#include "storage/embedded/embedded_store.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
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
#include "log/store_check.h"
#include "log/transparency_log.h"
#include "merkle/compact_range.h"
#include "merkle/proof.h"
#include "merkle/tree.h"
#include "store_test_util.h"
#include "support/manual_clock.h"
#include "support/test_log.h"

namespace scitt::storage {
namespace {

namespace fs = std::filesystem;
using testing::Batch;
using testing::Batches;
using testing::CheckContents;
using testing::Snapshot;
using testing::Statement;
using testing::TempDir;

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
  // A duplicate entry hash is refused, and nothing of it stays.
  entry.statement = Statement(0);
  entry.entry_hash = crypto::Sha256(entry.statement);
  nodes = {{0, 3, merkle::HashLeaf(entry.entry_hash)}, {1, 1, {}}, {2, 0, {}}};
  st = store->AppendBatch(std::span(&entry, 1), nodes, Batches::HeadAt(4, {}));
  EXPECT_EQ(st.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(st.message().find("entry 3 repeats the entry hash of entry 0"), std::string::npos)
      << st.message();
  EXPECT_TRUE(store->Recover().ok());
  // A batch at another index than the durable size is a conflict, refused
  // before anything is written.
  Batches ahead;
  ahead.Expect(5);
  const Batch beyond = ahead.Next(2);
  st = store->AppendBatch(beyond.entries, beyond.nodes, beyond.head);
  EXPECT_EQ(st.error().code, ErrorCode::kConflict);

  EXPECT_EQ(store->size(), 3u);
  EXPECT_EQ(FileBytes(dir / "statements"), 300u);
  EXPECT_EQ(FileBytes(dir / "nodes/00"), 3 * 32u);
  ASSERT_TRUE(batches.Append(*store, 10).ok());
  CheckContents(*store, batches);
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

using scitt::testing::ManualClock;

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
    StoreOptions rarely;
    rarely.node_sync_interval = std::chrono::hours(1);
    rarely.clock = clock.clock();
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
    StoreOptions options;
    options.node_sync_interval = std::chrono::seconds(10);
    options.clock = clock.clock();
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

// Read-only, computing the signed contents of the statements of these
// tests (for the entries a crash kept out of lookup.sqlite).
StoreOptions ReadOnly() {
  StoreOptions options = testing::WithSignedContents();
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
    StoreOptions rarely;
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
  for (const std::string& path : {dir / "missing", dir.path()}) {
    auto store = EmbeddedStore::Open(path, ReadOnly());
    ASSERT_FALSE(store.ok());
    EXPECT_EQ(store.error().code, ErrorCode::kNotFound);
    EXPECT_NE(store.error().message.find("holds no scitt log"), std::string::npos)
        << store.error().message;
  }
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

// Damage the stored hashes cannot reveal is caught one layer up: the log
// recomputes the root and compares it with the last signed tree head at
// start-up, and CheckStore (`scitt log fsck`) compares every node.
TEST(EmbeddedStore, CorruptNodeMakesTheLogRefuseToStart) {
  TempDir dir;
  log::LogOptions options;
  options.origin = "example.com/log";
  options.issuer = "https://example.com";
  options.max_batch_delay = std::chrono::microseconds(0);
  const log::LogKeys keys = scitt::testing::MakeLogKeys();
  {
    auto log = log::TransparencyLog::Open(MustOpen(dir.path()), keys, options);
    ASSERT_TRUE(log.ok()) << log.error().message;
    for (int i = 0; i < 5; ++i) {
      std::promise<Result<log::Appended>> done;
      log::LogEntry entry;
      entry.statement = Statement(i);
      entry.entry_hash = crypto::Sha256(entry.statement);
      entry.signed_content = testing::SignedContentFor(entry.entry_hash);
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

  // Restore it, then damage a node no root reads: start-up checks only the
  // right edge (O(log n)) and opens; the full check (`scitt log fsck`) finds it.
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
  auto store = MustOpen(dir.path());
  log::StoreCheckOptions check_options;
  check_options.signed_content_of = testing::SignedContentOf;
  auto check = log::CheckStore(*store, check_options);
  ASSERT_TRUE(check.ok()) << check.error().message;
  ASSERT_EQ(check->damage.size(), 1u) << ::testing::PrintToString(check->damage);
  EXPECT_NE(check->damage[0].find("stored Merkle node (level 0, index 1) differs"),
            std::string::npos)
      << check->damage[0];
  log = log::TransparencyLog::Open(std::move(store), keys, options);
  ASSERT_TRUE(log.ok()) << log.error().message;
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

namespace scitt::storage {
namespace {

// One setting names the store: file:DIR, a bare DIR or file:///DIR for the
// embedded store; postgres://… is not built yet; anything else is refused.
TEST(OpenStore, ReadsTheSetting) {
  testing::TempDir dir;
  testing::Batches batches;
  {
    auto store = OpenStore("file:" + dir.path());
    ASSERT_TRUE(store.ok()) << store.error().message;
    ASSERT_TRUE(batches.Append(**store, 3).ok());
  }
  for (const std::string& setting : {dir.path(), "file://" + dir.path()}) {
    auto store = OpenStore(setting);
    ASSERT_TRUE(store.ok()) << setting << ": " << store.error().message;
    testing::CheckContents(**store, batches);
  }
  for (const char* setting : {"postgres://db.example/scitt", "postgresql://u@h/db"}) {
    auto store = OpenStore(setting);
    ASSERT_FALSE(store.ok());
    EXPECT_EQ(store.error().code, ErrorCode::kUnsupported);
    EXPECT_NE(store.error().message.find("PostgreSQL"), std::string::npos) << store.error().message;
  }
  for (const char* setting : {"", "mysql://h/db", "file:", "file://relative/dir"}) {
    auto store = OpenStore(setting);
    ASSERT_FALSE(store.ok()) << setting;
    EXPECT_EQ(store.error().code, ErrorCode::kInvalidArgument) << setting;
  }
}

}  // namespace
}  // namespace scitt::storage
