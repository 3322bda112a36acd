// KvStore (storage/embedded/kv_store.h): SyncThen's answers.
#include "storage/embedded/kv_store.h"

#include <gtest/gtest.h>
#include <rocksdb/write_batch.h>

#include <atomic>
#include <thread>
#include <vector>

#include "store_test_util.h"

namespace scitt::storage::embedded {
namespace {

using testing::TempDir;

uint64_t MustApply(KvStore& kv, const std::string& key) {
  rocksdb::WriteBatch batch;
  EXPECT_TRUE(batch.Put(key, "value").ok());
  auto applied = kv.Apply(batch);
  EXPECT_TRUE(applied.ok()) << applied.error().message;
  return applied.ok() ? *applied : 0;
}

// What is durable already is answered at once, on the caller's thread.
TEST(KvStore, SyncThenAnswersAtOnceWhatIsDurable) {
  TempDir dir;
  auto kv = KvStore::Open(dir.path() + "/kv");
  ASSERT_TRUE(kv.ok()) << kv.error().message;
  const uint64_t upto = MustApply(**kv, "a");
  ASSERT_TRUE((*kv)->Sync(upto).ok());
  bool answered = false;
  (*kv)->SyncThen(upto, [&](Status synced) {
    EXPECT_TRUE(synced.ok());
    answered = true;
  });
  EXPECT_TRUE(answered);
}

// Changes from many threads are each answered once, and a store closing
// with answers queued syncs and gives them first; the changes are there
// after reopening.
TEST(KvStore, SyncThenAnswersEveryChangeOnceEvenWhenTheStoreCloses) {
  TempDir dir;
  constexpr int kThreads = 8, kEach = 200;
  std::atomic<int> answered{0}, failed{0};
  {
    auto kv = KvStore::Open(dir.path() + "/kv");
    ASSERT_TRUE(kv.ok()) << kv.error().message;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kEach; ++i) {
          const uint64_t upto = MustApply(**kv, "k" + std::to_string(t) + "-" + std::to_string(i));
          (*kv)->SyncThen(upto, [&](Status synced) {
            if (!synced.ok()) failed.fetch_add(1);
            answered.fetch_add(1);
          });
        }
      });
    }
    for (std::thread& thread : threads) thread.join();
  }  // closes with answers possibly still queued
  EXPECT_EQ(answered.load(), kThreads * kEach);
  EXPECT_EQ(failed.load(), 0);
  auto kv = KvStore::OpenForAudit(dir.path() + "/kv");
  ASSERT_TRUE(kv.ok()) << kv.error().message;
  EXPECT_TRUE((*kv)->Get("k7-199")->has_value());
}

}  // namespace
}  // namespace scitt::storage::embedded
