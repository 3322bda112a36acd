// The embedded store's lookups by entry hash and by signed content
// (format.h: lookup.sqlite, derived data kept out of the synced commit, with
// the newest entries' lookups in memory): written in the background and at
// close, caught up after a crash, rebuilt when missing or unreadable, kept
// in memory while lookup.sqlite cannot be written, read read-only when it
// lags, checked by `scitt log fsck`; and the upgrades of formats 1 and 2.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <thread>

#include "crypto/hash.h"
#include "faulty_vfs.h"
#include "log/pages.h"
#include "log/store_check.h"
#include "log/transparency_log.h"
#include "storage/embedded/embedded_store.h"
#include "store_test_util.h"
#include "support/test_log.h"

namespace scitt::storage {
namespace {

namespace fs = std::filesystem;
using testing::Batch;
using testing::Batches;
using testing::CheckContents;
using testing::ScopedWriteFailure;
using testing::SignedContentFor;
using testing::Snapshot;
using testing::Statement;
using testing::TempDir;
using testing::WithSignedContents;

std::unique_ptr<EmbeddedStore> MustOpen(const std::string& dir, StoreOptions options = {}) {
  auto store = EmbeddedStore::Open(dir, std::move(options));
  EXPECT_TRUE(store.ok()) << store.error().message;
  return store.ok() ? std::move(*store) : nullptr;
}

StoreOptions ReadOnly(StoreOptions options = {}) {
  options.read_only = true;
  return options;
}

// Lookups written only when the store closes (or memory runs out).
StoreOptions Rarely(StoreOptions options = {}) {
  options.lookup_write_interval = std::chrono::hours(1);
  return options;
}

// Runs `sql` on `database` (read-write); its first column of its first row.
std::string Sql(const std::string& database, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(database.c_str(), &db), SQLITE_OK);
  std::string value;
  char* error = nullptr;
  const int rc = sqlite3_exec(
      db, sql.c_str(),
      [](void* out, int columns, char** values, char**) {
        auto* text = static_cast<std::string*>(out);
        if (text->empty() && columns > 0 && values[0] != nullptr) *text = values[0];
        return 0;
      },
      &value, &error);
  EXPECT_EQ(rc, SQLITE_OK) << sql << ": " << (error != nullptr ? error : "");
  sqlite3_free(error);
  sqlite3_close(db);
  return value;
}

std::string Covered(const TempDir& dir) {
  return Sql(dir / "lookup.sqlite", "SELECT value FROM meta WHERE key = 'covered_size'");
}

// A process appends `batches` sizes with lookups kept in memory and dies
// without closing the store, as kill -9 would.
void AppendAndCrash(const TempDir& dir, Batches* batches, std::initializer_list<uint64_t> sizes) {
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto store = EmbeddedStore::Open(dir.path(), Rarely());
    Batches copy = *batches;
    bool ok = store.ok();
    for (const uint64_t n : sizes) ok = ok && copy.Append(**store, n).ok();
    ::_exit(ok ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  for (const uint64_t n : sizes) batches->Expect(n);
}

// A batch whose first entry repeats the signed content of entry `index`.
Batch RepeatingSignedContent(const Batches& batches, uint64_t index) {
  Batch batch = batches.Next(2);
  batch.entries[0].signed_content = SignedContentFor(crypto::Sha256(Statement(index)));
  return batch;
}

log::StoreCheckOptions CheckOptions() {
  log::StoreCheckOptions options;
  options.signed_content_of = testing::SignedContentOf;
  return options;
}

TEST(EmbeddedLookups, WaitInMemoryThenGoToTheLookupFileAtClose) {
  TempDir dir;
  Batches batches;
  {
    auto store = MustOpen(dir.path(), Rarely());
    for (uint64_t n : {7, 64, 1}) ASSERT_TRUE(batches.Append(*store, n).ok());
    CheckContents(*store, batches);  // found in memory
    EXPECT_EQ(Covered(dir), "0");
    Batch again = RepeatingSignedContent(batches, 30);
    EXPECT_EQ(store->AppendBatch(again.entries, again.nodes, again.head).error().code,
              ErrorCode::kInvalidArgument);
    EXPECT_TRUE(store->Recover().ok());
  }
  EXPECT_EQ(Covered(dir), "72");
  EXPECT_EQ(Sql(dir / "lookup.sqlite", "SELECT COUNT(*) FROM by_entry_hash"), "72");
  EXPECT_EQ(Sql(dir / "lookup.sqlite", "SELECT COUNT(*) FROM by_signed_content"), "72");
  auto store = MustOpen(dir.path());  // nothing to catch up: no function needed
  CheckContents(*store, batches);
  Batch again = RepeatingSignedContent(batches, 71);
  EXPECT_EQ(store->AppendBatch(again.entries, again.nodes, again.head).error().code,
            ErrorCode::kInvalidArgument);
  // The keys of the lookup file reach the writer's filters at open: an entry
  // hash it holds is refused too.
  EXPECT_TRUE(store->Recover().ok());
  again = batches.Next(2);
  again.entries[1].entry_hash = crypto::Sha256(Statement(5));
  EXPECT_EQ(store->AppendBatch(again.entries, again.nodes, again.head).error().code,
            ErrorCode::kInvalidArgument);
}

// The lookup writer moves them every lookup_write_interval, and early when
// memory fills; an append waits for room rather than exceed it.
TEST(EmbeddedLookups, AppendsWaitForRoomInMemory) {
  TempDir dir;
  Batches batches;
  StoreOptions small = Rarely();
  small.max_lookups_in_memory = 16;
  auto store = MustOpen(dir.path(), small);
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(batches.Append(*store, 5).ok());
  ASSERT_TRUE(batches.Append(*store, 40).ok());  // more than fits: waits for an empty memory
  CheckContents(*store, batches);
  EXPECT_GE(std::stoull(Covered(dir)), 100u - 16u);
  store.reset();

  StoreOptions often;
  often.lookup_write_interval = std::chrono::milliseconds(1);
  store = MustOpen(dir.path(), often);
  ASSERT_TRUE(batches.Append(*store, 3).ok());
  for (int i = 0; i < 2000 && Covered(dir) != "143"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(Covered(dir), "143");
  CheckContents(*store, batches);
}

// While lookup.sqlite cannot be written, lookups stay in memory and appends
// go on until it is full; then appends fail, nothing of them stays, and
// Recover() fails until it can be written again. A close that
// cannot write them (as a crash right after the commit) leaves them to the
// next open, which computes them from the entries.
TEST(EmbeddedLookups, KeptInMemoryWhileTheLookupFileCannotBeWritten) {
  testing::FaultyVfs::Installed();  // before the store opens its connections
  TempDir dir;
  Batches batches;
  StoreOptions options = WithSignedContents();
  options.lookup_write_interval = std::chrono::milliseconds(5);
  options.max_lookups_in_memory = 32;
  {
    auto store = MustOpen(dir.path(), options);
    ASSERT_TRUE(batches.Append(*store, 10).ok());
    const int failed_before = testing::FaultyVfs::Installed().failed_writes();
    ScopedWriteFailure failing("lookup.sqlite");
    Status st = Status::Ok();
    for (int i = 0; i < 10 && st.ok(); ++i) {
      st = batches.Append(*store, 8);
      CheckContents(*store, batches);  // every appended entry is found
    }
    ASSERT_FALSE(st.ok()) << "appends must stop once memory is full";
    EXPECT_EQ(st.error().code, ErrorCode::kIo);
    EXPECT_NE(st.message().find("cannot be written"), std::string::npos) << st.message();
    EXPECT_GT(testing::FaultyVfs::Installed().failed_writes(), failed_before);
    const uint64_t size = store->size();
    EXPECT_EQ(store->Entry(size).error().code, ErrorCode::kNotFound);
    const Status recovered = store->Recover();
    EXPECT_FALSE(recovered.ok()) << "Recover() must not succeed while nothing can be written";
    CheckContents(*store, batches);
    store.reset();  // cannot write them either
  }
  const uint64_t kept = std::stoull(Covered(dir));
  EXPECT_LT(kept, batches.leaves().size());
  {
    auto without = EmbeddedStore::Open(dir.path());
    ASSERT_FALSE(without.ok());
    EXPECT_EQ(without.error().code, ErrorCode::kUnsupported) << without.error().message;
    EXPECT_NE(without.error().message.find("cannot compute the signed contents"), std::string::npos)
        << without.error().message;
  }
  auto store = MustOpen(dir.path(), options);
  EXPECT_EQ(Covered(dir), std::to_string(batches.leaves().size()));
  CheckContents(*store, batches);
  // Duplicates of the entries that were only in memory are still refused.
  Batch again = RepeatingSignedContent(batches, batches.leaves().size() - 1);
  EXPECT_EQ(store->AppendBatch(again.entries, again.nodes, again.head).error().code,
            ErrorCode::kInvalidArgument);
  ASSERT_TRUE(store->Recover().ok());

  // Failing again, then healed: Recover() retries, and appending goes on.
  {
    ScopedWriteFailure failing("lookup.sqlite");
    Status st = Status::Ok();
    for (int i = 0; i < 10 && st.ok(); ++i) st = batches.Append(*store, 8);
    ASSERT_FALSE(st.ok());
  }
  ASSERT_TRUE(store->Recover().ok());
  ASSERT_TRUE(batches.Append(*store, 8).ok());
  CheckContents(*store, batches);
  auto check = log::CheckStore(*store, CheckOptions());
  ASSERT_TRUE(check.ok());
  EXPECT_EQ(check->damage_count, 0u) << ::testing::PrintToString(check->damage);
  EXPECT_EQ(check->lookups, batches.leaves().size());
}

// The log over such a store: batches fail only once memory is full, and the
// log goes on by itself once lookup.sqlite can be written again (it calls
// Recover() before its next batch).
TEST(EmbeddedLookups, TheLogGoesOnAfterTheLookupFileHeals) {
  testing::FaultyVfs::Installed();  // before the store opens its connections
  TempDir dir;
  StoreOptions options = WithSignedContents();
  options.lookup_write_interval = std::chrono::milliseconds(5);
  options.max_lookups_in_memory = 8;
  log::LogOptions log_options;
  log_options.origin = "example.com/log";
  log_options.issuer = "https://example.com";
  log_options.max_batch_delay = std::chrono::microseconds(0);
  auto log = log::TransparencyLog::Open(MustOpen(dir.path(), options), scitt::testing::MakeLogKeys(),
                                        log_options);
  ASSERT_TRUE(log.ok()) << log.error().message;
  auto submit = [&](uint64_t i) {
    log::LogEntry entry;
    entry.statement = Statement(i);
    entry.entry_hash = crypto::Sha256(entry.statement);
    entry.signed_content = SignedContentFor(entry.entry_hash);
    std::promise<Result<log::Appended>> done;
    (*log)->Submit(entry, [&](Result<log::Appended> r) { done.set_value(std::move(r)); });
    return done.get_future().get();
  };
  ASSERT_TRUE(submit(0).ok());
  uint64_t refused = 0;
  {
    ScopedWriteFailure failing("lookup.sqlite");
    for (uint64_t i = 1; i < 20; ++i) {
      auto r = submit(i);
      if (!r.ok()) {
        refused = i;
        break;
      }
    }
    ASSERT_NE(refused, 0u) << "a full memory must refuse a batch";
  }
  auto again = submit(refused);  // Recover() first, then appended
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_FALSE(again->existed);
  auto first = submit(0);
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(first->existed);
  EXPECT_EQ(first->index, 0u);
}

// A crashed writer leaves lookup.sqlite behind the log: a reader finds the
// rest from the entries without writing anything; the next writer catches
// it up (computing signed contents) and refuses duplicates of those entries.
TEST(EmbeddedLookups, ACrashLeavesThemToCatchUp) {
  TempDir dir;
  Batches batches;
  {
    auto store = MustOpen(dir.path());
    ASSERT_TRUE(batches.Append(*store, 20).ok());
  }
  AppendAndCrash(dir, &batches, {7, 30});
  ASSERT_EQ(Covered(dir), "20");

  const auto before = Snapshot(dir.path());
  {
    auto store = MustOpen(dir.path(), ReadOnly());
    auto found = store->FindEntry(crypto::Sha256(Statement(40)));
    ASSERT_TRUE(found.ok()) << found.error().message;
    EXPECT_EQ(*found, std::optional<uint64_t>(40));
    EXPECT_EQ(**store->FindEntry(crypto::Sha256(Statement(3))), 3u);
    EXPECT_FALSE(store->FindEntry(crypto::Sha256(Statement(57)))->has_value());
    EXPECT_EQ(**store->FindSignedContent(SignedContentFor(crypto::Sha256(Statement(3)))), 3u);
    EXPECT_EQ(store->FindSignedContent(SignedContentFor(crypto::Sha256(Statement(40)))).error().code,
              ErrorCode::kUnsupported);
  }
  {
    auto store = MustOpen(dir.path(), ReadOnly(WithSignedContents()));
    CheckContents(*store, batches);
    auto page = log::ReadEntryPage(*store, 0, {1000, 1 << 20});  // what the auditor reads
    ASSERT_TRUE(page.ok());
    EXPECT_EQ(page->entries.size(), 57u);
    auto check = log::CheckStore(*store, CheckOptions());
    ASSERT_TRUE(check.ok());
    EXPECT_EQ(check->damage_count, 0u) << ::testing::PrintToString(check->damage);
    EXPECT_EQ(check->lookups, 57u);
    ASSERT_EQ(check->notes.size(), 1u);
    EXPECT_NE(check->notes[0].find("cover the entries up to size 20; the other 37"),
              std::string::npos)
        << check->notes[0];
  }
  EXPECT_EQ(Snapshot(dir.path()), before) << "a reader changed the directory";

  auto store = MustOpen(dir.path(), WithSignedContents());
  EXPECT_EQ(Covered(dir), "57");
  CheckContents(*store, batches);
  Batch again = RepeatingSignedContent(batches, 50);
  EXPECT_EQ(store->AppendBatch(again.entries, again.nodes, again.head).error().code,
            ErrorCode::kInvalidArgument);
}

// lookup.sqlite is derived data: missing, unreadable or ahead of the log, it
// is rebuilt (or cut back) rather than refused.
TEST(EmbeddedLookups, AMissingOrDamagedLookupFileIsRebuilt) {
  TempDir dir;
  Batches batches;
  {
    auto store = MustOpen(dir.path());
    for (uint64_t n : {9, 30}) ASSERT_TRUE(batches.Append(*store, n).ok());
  }
  auto remove_lookups = [&] {
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(dir / ("lookup.sqlite" + std::string(suffix)));
  };
  remove_lookups();
  {
    auto store = MustOpen(dir.path(), ReadOnly(WithSignedContents()));  // found from the entries
    CheckContents(*store, batches);
  }
  EXPECT_FALSE(fs::exists(dir / "lookup.sqlite"));
  EXPECT_FALSE(EmbeddedStore::Open(dir.path()).ok()) << "cannot compute the signed contents";
  {
    auto store = MustOpen(dir.path(), WithSignedContents());
    CheckContents(*store, batches);
    ASSERT_TRUE(batches.Append(*store, 4).ok());
  }
  EXPECT_EQ(Covered(dir), "43");

  remove_lookups();
  {
    std::ofstream garbage(dir / "lookup.sqlite", std::ios::binary);
    garbage << std::string(5000, 'x');
  }
  {
    auto store = MustOpen(dir.path(), WithSignedContents());
    CheckContents(*store, batches);
  }
  EXPECT_EQ(Covered(dir), "43");

  // Ahead of the log (an older index.sqlite restored beside it): rows beyond
  // the log are dropped.
  Sql(dir / "lookup.sqlite",
      "INSERT INTO by_entry_hash VALUES(x'00', 50); INSERT INTO by_signed_content VALUES(x'00', 60);"
      "UPDATE meta SET value = '61' WHERE key = 'covered_size'");
  {
    auto store = MustOpen(dir.path());
    CheckContents(*store, batches);
    EXPECT_FALSE(store->FindEntry(crypto::Sha256Digest{})->has_value());
  }
  EXPECT_EQ(Covered(dir), "43");
  EXPECT_EQ(Sql(dir / "lookup.sqlite", "SELECT COUNT(*) FROM by_entry_hash"), "43");
  EXPECT_EQ(Sql(dir / "lookup.sqlite", "SELECT COUNT(*) FROM by_signed_content"), "43");
}

// `scitt log fsck` finds each way the lookups can disagree with the entries.
TEST(EmbeddedLookups, FsckFindsLookupsThatDisagreeWithTheEntries) {
  struct Damage {
    const char* sql;
    const char* reported;
  };
  const Damage damages[] = {
      {"DELETE FROM by_signed_content WHERE idx = 5",
       "entry 5: its signed content finds no entry"},
      {"UPDATE by_entry_hash SET idx = 7 WHERE idx = 6", "entry 6: its entry hash finds entry 7"},
      {"INSERT INTO by_entry_hash VALUES(x'0102', 3)",
       "the entry-hash lookup holds 13 keys for the 12 entries it covers"},
      {"INSERT INTO by_signed_content VALUES(x'0102', 30)",  // an entry not there yet
       "the signed-content lookup holds 13 keys for the 12 signed contents"},
  };
  for (const Damage& damage : damages) {
    SCOPED_TRACE(damage.sql);
    TempDir dir;
    Batches batches;
    {
      auto store = MustOpen(dir.path());
      ASSERT_TRUE(batches.Append(*store, 12).ok());
    }
    {
      auto store = MustOpen(dir.path(), ReadOnly());
      auto check = log::CheckStore(*store, CheckOptions());
      ASSERT_TRUE(check.ok());
      EXPECT_EQ(check->damage_count, 0u) << ::testing::PrintToString(check->damage);
      EXPECT_EQ(check->lookups, 12u);
      EXPECT_TRUE(check->notes.empty()) << ::testing::PrintToString(check->notes);
    }
    Sql(dir / "lookup.sqlite", damage.sql);
    auto store = MustOpen(dir.path(), ReadOnly());
    auto check = log::CheckStore(*store, CheckOptions());
    ASSERT_TRUE(check.ok());
    ASSERT_FALSE(check->damage.empty());
    EXPECT_NE(check->damage[0].find(damage.reported), std::string::npos)
        << ::testing::PrintToString(check->damage);
  }
}

// Formats 1 and 2 kept the lookups in index.sqlite (format.h). Turns a
// directory written by this build into format 2: entries.hash UNIQUE, the
// signed contents in signed_contents, no lookup.sqlite.
void MakeFormat2(const TempDir& dir) {
  Sql(dir / "index.sqlite",
      "ATTACH '" + (dir / "lookup.sqlite") + "' AS lookups;"
      "BEGIN;"
      "ALTER TABLE entries RENAME TO entries_v3;"
      "CREATE TABLE entries(idx INTEGER PRIMARY KEY, hash BLOB NOT NULL UNIQUE, "
      "  offset INTEGER NOT NULL, length INTEGER NOT NULL, registered_at INTEGER NOT NULL, "
      "  policy_index INTEGER NOT NULL, collateral BLOB);"
      "INSERT INTO entries SELECT * FROM entries_v3;"
      "DROP TABLE entries_v3;"
      "CREATE TABLE signed_contents(hash BLOB PRIMARY KEY, idx INTEGER NOT NULL) WITHOUT ROWID;"
      "INSERT INTO signed_contents SELECT hash, idx FROM lookups.by_signed_content;"
      "PRAGMA user_version = 2;"
      "COMMIT;"
      "DETACH lookups;");
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(dir / ("lookup.sqlite" + std::string(suffix)));
}

// Format 1: format 2 without signed_contents.
void MakeFormat1(const TempDir& dir) {
  MakeFormat2(dir);
  Sql(dir / "index.sqlite", "DROP TABLE signed_contents; PRAGMA user_version = 1;");
}

// After an upgrade: format 3, with the lookups in lookup.sqlite only.
void ExpectFormat3(const TempDir& dir, uint64_t size) {
  EXPECT_EQ(Sql(dir / "index.sqlite", "PRAGMA user_version"), "3");
  EXPECT_EQ(Sql(dir / "index.sqlite",
                "SELECT COUNT(*) FROM sqlite_master WHERE name = 'signed_contents' OR "
                "(type = 'index' AND tbl_name = 'entries')"),
            "0");
  EXPECT_EQ(Covered(dir), std::to_string(size));
}

// A format-2 directory (the last one with lookups in index.sqlite) opens:
// read-only as it is, read-write upgraded in place, its signed contents
// copied (no function needed).
TEST(EmbeddedLookups, UpgradesAFormat2Directory) {
  TempDir dir;
  Batches batches;
  {
    auto store = MustOpen(dir.path());
    for (uint64_t n : {4, 8}) ASSERT_TRUE(batches.Append(*store, n).ok());
  }
  MakeFormat2(dir);
  {  // Read-only: read as it is, changing nothing.
    const auto before = Snapshot(dir.path());
    auto store = MustOpen(dir.path(), ReadOnly());
    CheckContents(*store, batches);
    auto check = log::CheckStore(*store, CheckOptions());
    ASSERT_TRUE(check.ok());
    EXPECT_EQ(check->damage_count, 0u) << ::testing::PrintToString(check->damage);
    EXPECT_EQ(check->lookups, 12u);
    store.reset();
    EXPECT_EQ(Snapshot(dir.path()), before);
  }
  // A crash during an earlier upgrade left a partial lookup.sqlite: rebuilt.
  {
    std::ofstream partial(dir / "lookup.sqlite", std::ios::binary);
    partial << "partial";
  }
  {
    auto store = MustOpen(dir.path());
    CheckContents(*store, batches);
    Batch again = RepeatingSignedContent(batches, 2);
    EXPECT_EQ(store->AppendBatch(again.entries, again.nodes, again.head).error().code,
              ErrorCode::kInvalidArgument);
    ASSERT_TRUE(store->Recover().ok());
    ASSERT_TRUE(batches.Append(*store, 5).ok());
  }
  ExpectFormat3(dir, 17);
  auto store = MustOpen(dir.path());
  CheckContents(*store, batches);
}

// A format-1 directory still opens: read-only as it is, read-write upgraded
// in place (signed contents computed from the stored statements, the first
// of two equal ones keeping it).
TEST(EmbeddedLookups, UpgradesAFormat1Directory) {
  TempDir dir;
  Batches batches;
  {
    auto store = MustOpen(dir.path());
    for (uint64_t n : {4, 8}) ASSERT_TRUE(batches.Append(*store, n).ok());
  }
  MakeFormat1(dir);
  // What log::SignedContentOf computes for real statements; here entry 5
  // repeats the signed content of entry 3 (format 1 let that in).
  auto content_of = [](ByteView statement) -> Result<crypto::Sha256Digest> {
    const std::string text(statement.begin(), statement.end());
    uint64_t index = std::stoull(text.substr(std::string("statement-").size()));
    if (index == 5) index = 3;
    return SignedContentFor(crypto::Sha256(Statement(index)));
  };

  {  // Read-only: read as it is, changing nothing.
    const auto before = Snapshot(dir.path());
    auto store = EmbeddedStore::Open(dir.path(), ReadOnly());
    ASSERT_TRUE(store.ok()) << store.error().message;
    EXPECT_EQ((*store)->size(), 12u);
    EXPECT_EQ((*store)->Entry(5)->statement, Statement(5));
    EXPECT_EQ(**(*store)->FindEntry(crypto::Sha256(Statement(5))), 5u);
    EXPECT_EQ((*store)->FindSignedContent(crypto::Sha256(AsBytes("x"))).error().code,
              ErrorCode::kUnsupported);
    store->reset();
    EXPECT_EQ(Snapshot(dir.path()), before);
  }
  {  // Read-write without a way to compute signed contents: refused.
    auto store = EmbeddedStore::Open(dir.path());
    ASSERT_FALSE(store.ok());
    EXPECT_NE(store.error().message.find("format version 1"), std::string::npos)
        << store.error().message;
  }
  {  // A statement the function cannot read: refused, and nothing upgraded.
    StoreOptions failing;
    failing.signed_content_of = [&](ByteView statement) -> Result<crypto::Sha256Digest> {
      if (Bytes(statement.begin(), statement.end()) == Statement(7)) return MakeError(ErrorCode::kMalformed, "not a COSE_Sign1");
      return content_of(statement);
    };
    auto store = EmbeddedStore::Open(dir.path(), failing);
    ASSERT_FALSE(store.ok());
    EXPECT_NE(store.error().message.find("entry 7: not a COSE_Sign1"), std::string::npos)
        << store.error().message;
    auto still_format1 = EmbeddedStore::Open(dir.path(), ReadOnly());
    ASSERT_TRUE(still_format1.ok());
    EXPECT_EQ((*still_format1)->FindSignedContent(crypto::Sha256(AsBytes("x"))).error().code,
              ErrorCode::kUnsupported);
  }
  StoreOptions upgrading;
  upgrading.signed_content_of = content_of;
  {
    auto store = EmbeddedStore::Open(dir.path(), upgrading);
    ASSERT_TRUE(store.ok()) << store.error().message;
    CheckContents(**store, batches);
    EXPECT_EQ(**(*store)->FindSignedContent(SignedContentFor(crypto::Sha256(Statement(3)))), 3u);
    EXPECT_FALSE((*store)->FindSignedContent(SignedContentFor(crypto::Sha256(Statement(5))))->has_value());
    EXPECT_EQ(**(*store)->FindEntry(crypto::Sha256(Statement(5))), 5u);  // the entry stays
    // The upgraded lookups keep signed contents unique.
    Batch again = batches.Next(1);
    again.entries[0].signed_content = SignedContentFor(crypto::Sha256(Statement(3)));
    EXPECT_FALSE((*store)->AppendBatch(again.entries, again.nodes, again.head).ok());
    EXPECT_TRUE((*store)->Recover().ok());
    ASSERT_TRUE(batches.Append(**store, 5).ok());
    CheckContents(**store, batches);
  }
  ExpectFormat3(dir, 17);
  // Upgraded once: a later open (even without the function) needs nothing,
  // and fsck knows the repeated content from before the rule.
  auto store = EmbeddedStore::Open(dir.path());
  ASSERT_TRUE(store.ok()) << store.error().message;
  CheckContents(**store, batches);
  store->reset();
  auto reader = MustOpen(dir.path(), ReadOnly());
  log::StoreCheckOptions check_options;
  check_options.signed_content_of = content_of;
  auto check = log::CheckStore(*reader, check_options);
  ASSERT_TRUE(check.ok());
  EXPECT_EQ(check->damage_count, 0u) << ::testing::PrintToString(check->damage);
  ASSERT_EQ(check->notes.size(), 1u) << ::testing::PrintToString(check->notes);
  EXPECT_NE(check->notes[0].find("1 entries repeat the signed content"), std::string::npos);
}

// Lookups moved to a run of 8 entries' rows and written every millisecond.
StoreOptions SmallRuns(StoreOptions options = {}) {
  options.lookup_rows_per_run = 8;
  options.lookup_write_interval = std::chrono::milliseconds(1);
  return options;
}

void WaitCovered(const TempDir& dir, const std::string& size) {
  for (int i = 0; i < 2000 && Covered(dir) != size; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  ASSERT_EQ(Covered(dir), size);
}

// `count` batches of `size` entries, each written to the lookups before the next.
void AppendEachWritten(const TempDir& dir, EmbeddedStore& store, Batches& batches, int count, uint64_t size) {
  for (int i = 0; i < count; ++i) {
    ASSERT_TRUE(batches.Append(store, size).ok());
    WaitCovered(dir, std::to_string(batches.leaves().size()));
  }
}

// Waits until the tables hold less than a run and no size of run
// (SmallRuns: 8 rows per run, four of a size merged) holds four runs: the
// lookup writer has moved, and the run merger merged, what was due.
void WaitMerged(const TempDir& dir) {
  const std::string due =
      "SELECT (SELECT COUNT(*) FROM by_entry_hash) >= 8 OR EXISTS (SELECT 1 FROM runs GROUP BY CASE "
      "WHEN entry_hashes < 32 THEN 0 WHEN entry_hashes < 128 THEN 1 WHEN entry_hashes < 512 THEN 2 ELSE 3 END "
      "HAVING COUNT(*) >= 4)";
  for (int i = 0; i < 2000 && Sql(dir / "lookup.sqlite", due) != "0"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ASSERT_EQ(Sql(dir / "lookup.sqlite", due), "0");
}

size_t RunFiles(const TempDir& dir) {
  size_t n = 0;
  for (const auto& file : fs::directory_iterator(dir / "lookups")) n += file.path().extension() == ".run";
  return n;
}

// Once the tables hold lookup_rows_per_run entries, their rows move to a
// sorted run (format.h: lookups/), and runs of a size merge four at a time:
// every entry is still found by both keys, read-write, after a reopen and
// read-only; duplicates are still refused; fsck counts each key once.
TEST(EmbeddedLookups, MoveToSortedRunsThatMerge) {
  TempDir dir;
  Batches batches;
  {
    auto store = MustOpen(dir.path(), SmallRuns());
    AppendEachWritten(dir, *store, batches, 40, 5);
    WaitMerged(dir);
    CheckContents(*store, batches);
    Batch again = RepeatingSignedContent(batches, 3);  // entry 3 is in a run by now
    EXPECT_EQ(store->AppendBatch(again.entries, again.nodes, again.head).error().code,
              ErrorCode::kInvalidArgument);
    EXPECT_TRUE(store->Recover().ok());
  }
  const std::string lookups = dir / "lookup.sqlite";
  const uint64_t runs = std::stoull(Sql(lookups, "SELECT COUNT(*) FROM runs"));
  EXPECT_GE(runs, 2u);
  EXPECT_LT(runs, 200u / 8u) << "runs were merged";
  EXPECT_NE(Sql(lookups, "SELECT COUNT(*) FROM runs WHERE entry_hashes >= 32"), "0");
  EXPECT_EQ(RunFiles(dir), runs);  // merged-away files are gone
  EXPECT_EQ(std::stoull(Sql(lookups, "SELECT SUM(entry_hashes) FROM runs")) +
                std::stoull(Sql(lookups, "SELECT COUNT(*) FROM by_entry_hash")),
            200u);
  EXPECT_EQ(Sql(lookups, "PRAGMA user_version"), "4");
  {
    auto store = MustOpen(dir.path(), SmallRuns());
    CheckContents(*store, batches);
    // The runs' keys reach the writer's filters at open.
    Batch again = batches.Next(2);
    again.entries[1].entry_hash = crypto::Sha256(Statement(17));
    EXPECT_EQ(store->AppendBatch(again.entries, again.nodes, again.head).error().code,
              ErrorCode::kInvalidArgument);
    EXPECT_TRUE(store->Recover().ok());
    ASSERT_TRUE(batches.Append(*store, 30).ok());
    CheckContents(*store, batches);
  }
  auto reader = MustOpen(dir.path(), ReadOnly());
  CheckContents(*reader, batches);
  auto check = log::CheckStore(*reader, CheckOptions());
  ASSERT_TRUE(check.ok());
  EXPECT_EQ(check->damage_count, 0u) << ::testing::PrintToString(check->damage);
  EXPECT_EQ(check->lookups, 230u);
}

// A merge rewrites every key of its runs (gigabytes at the largest sizes of
// a large log), so it runs on a thread of its own: while one is held,
// appends go on and their lookups are written and moved to runs.
TEST(EmbeddedLookups, AppendsDoNotWaitForAMerge) {
  TempDir dir;
  Batches batches;
  std::mutex mu;
  std::condition_variable cv;
  bool merging = false, release = false;
  StoreOptions options = SmallRuns();
  options.max_lookups_in_memory = 16;  // beyond, appends wait for the lookup writer
  options.before_run_merge = [&] {
    std::unique_lock lock(mu);
    merging = true;
    cv.notify_all();
    cv.wait(lock, [&] { return release; });
  };
  auto let_go = [&] {
    {
      std::lock_guard lock(mu);
      release = true;
    }
    cv.notify_all();
  };
  {
    auto store = MustOpen(dir.path(), options);
    // Destroyed before the store: a failed assertion does not leave the
    // merge held while the store closes.
    std::unique_ptr<void, std::function<void(void*)>> released(&mu, [&](void*) { let_go(); });
    AppendEachWritten(dir, *store, batches, 8, 4);  // four runs of 8: a merge is due
    {
      std::unique_lock lock(mu);
      ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return merging; }));
    }
    AppendEachWritten(dir, *store, batches, 20, 4);  // written and moved meanwhile
    // 112 entries: 13 or 14 runs (the last move may still be under way), none merged.
    EXPECT_GE(std::stoull(Sql(dir / "lookup.sqlite", "SELECT COUNT(*) FROM runs")), 13u);
    EXPECT_EQ(Sql(dir / "lookup.sqlite", "SELECT COUNT(*) FROM runs WHERE entry_hashes > 8"), "0");
    CheckContents(*store, batches);
    let_go();
    WaitMerged(dir);
    CheckContents(*store, batches);
  }
  EXPECT_EQ(Sql(dir / "lookup.sqlite", "SELECT COUNT(*) FROM runs"), std::to_string(RunFiles(dir)));
  EXPECT_LT(RunFiles(dir), 13u);
  CheckContents(*MustOpen(dir.path(), SmallRuns()), batches);
  CheckContents(*MustOpen(dir.path(), ReadOnly()), batches);
}

// Runs are derived data too: a damaged one gets the lookups rebuilt, a file
// no transaction recorded (a crash mid-move) is removed, and a format-3
// lookup.sqlite (no runs) is read as it is and upgraded at a read-write
// open, its rows moved to a run there if they are many.
TEST(EmbeddedLookups, ADamagedRunIsRebuiltAndAStrayOneRemoved) {
  TempDir dir;
  Batches batches;
  {
    auto store = MustOpen(dir.path(), SmallRuns());
    AppendEachWritten(dir, *store, batches, 6, 8);
  }
  ASSERT_GE(RunFiles(dir), 2u);
  const fs::path damaged = fs::directory_iterator(dir / "lookups")->path();
  fs::resize_file(damaged, fs::file_size(damaged) - 40);
  {
    auto reader = MustOpen(dir.path(), ReadOnly(WithSignedContents()));  // from the entries
    CheckContents(*reader, batches);
  }
  std::ofstream(dir / "lookups/999.run") << "left by a crash";
  {
    auto store = MustOpen(dir.path(), WithSignedContents(SmallRuns()));
    CheckContents(*store, batches);
  }
  EXPECT_FALSE(fs::exists(dir / "lookups/999.run"));
  EXPECT_EQ(Sql(dir / "lookup.sqlite", "SELECT COUNT(*) FROM runs"), std::to_string(RunFiles(dir)));
  ASSERT_GE(RunFiles(dir), 1u);

  // Ahead of the log (an older index.sqlite restored beside it), with runs:
  // computed again from the entries.
  Sql(dir / "lookup.sqlite", "UPDATE meta SET value = '60' WHERE key = 'covered_size'");
  {
    auto store = MustOpen(dir.path(), WithSignedContents(SmallRuns()));
    CheckContents(*store, batches);
  }
  EXPECT_EQ(Covered(dir), "48");

  TempDir old;
  Batches old_batches;
  {
    auto store = MustOpen(old.path());
    ASSERT_TRUE(old_batches.Append(*store, 12).ok());
  }
  Sql(old / "lookup.sqlite", "DROP TABLE runs; PRAGMA user_version = 3");
  // Free pages, as moving a large file's rows leaves: given back at the move.
  Sql(old / "lookup.sqlite",
      "CREATE TABLE pad(x); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500) "
      "INSERT INTO pad SELECT randomblob(1000) FROM n; DROP TABLE pad");
  ASSERT_NE(Sql(old / "lookup.sqlite", "PRAGMA freelist_count"), "0");
  CheckContents(*MustOpen(old.path(), ReadOnly()), old_batches);
  CheckContents(*MustOpen(old.path(), SmallRuns()), old_batches);
  EXPECT_EQ(Sql(old / "lookup.sqlite", "PRAGMA user_version"), "4");
  // Its tables held more than a run: moved at open.
  EXPECT_EQ(Sql(old / "lookup.sqlite", "SELECT COUNT(*) FROM by_entry_hash"), "0");
  EXPECT_EQ(Sql(old / "lookup.sqlite", "SELECT SUM(entry_hashes) FROM runs"), "12");
  EXPECT_EQ(Sql(old / "lookup.sqlite", "PRAGMA freelist_count"), "0");
}

}  // namespace
}  // namespace scitt::storage
