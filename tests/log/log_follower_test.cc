// The log follower over a real log: every entry in order exactly once per
// run, the cursor saved and resumed, entries passed over when the consumer
// wants none, a failing consumer retried without skipping.
#include "log/log_follower.h"

#include <gtest/gtest.h>

#include <thread>

#include <mutex>

#include "crypto/hash.h"
#include "storage/store.h"
#include "support/test_log.h"

namespace scitt::log {
namespace {

using std::chrono::milliseconds;

// Consumes into a list; its "durable" cursor lives in the test.
class Recorder final : public EntryConsumer {
 public:
  Result<uint64_t> Cursor() override {
    std::lock_guard lock(mu);
    return saved;
  }
  bool Wants(uint64_t) override {
    std::lock_guard lock(mu);
    return wants;
  }
  Status Consume(LogEntry entry) override {
    std::lock_guard lock(mu);
    if (failures > 0) {
      --failures;
      return MakeError(ErrorCode::kIo, "injected");
    }
    seen.push_back(entry.index);
    EXPECT_EQ(ToString(entry.statement), "entry " + std::to_string(entry.index));
    return Status::Ok();
  }
  Status SaveCursor(uint64_t next) override {
    std::lock_guard lock(mu);
    saved = next;
    ++saves;
    return Status::Ok();
  }

  std::mutex mu;
  uint64_t saved = 0;
  int saves = 0;
  bool wants = true;
  int failures = 0;
  std::vector<uint64_t> seen;
};

class LogFollowerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.origin = "example.com/log";
    options_.issuer = "https://ts.example";
    options_.max_batch_delay = milliseconds(1);
    auto store = storage::OpenStore("file:" + dir_.path());
    ASSERT_TRUE(store.ok()) << store.error().message;
    auto log = TransparencyLog::Open(std::move(*store), testing::MakeLogKeys(), options_);
    ASSERT_TRUE(log.ok()) << log.error().message;
    log_ = std::move(*log);
  }

  void Append(int from, int to) {
    for (int i = from; i < to; ++i) {
      LogEntry entry;
      entry.statement = ToBytes("entry " + std::to_string(i));
      entry.entry_hash = crypto::Sha256(entry.statement);
      entry.signed_content = entry.entry_hash;
      ASSERT_TRUE(testing::Append(*log_, std::move(entry)).ok());
    }
  }

  static std::vector<uint64_t> Range(uint64_t from, uint64_t to) {
    std::vector<uint64_t> out;
    for (uint64_t i = from; i < to; ++i) out.push_back(i);
    return out;
  }

  testing::TempDir dir_;
  LogOptions options_;
  std::unique_ptr<TransparencyLog> log_;
};

TEST_F(LogFollowerTest, ConsumesEveryEntryInOrderAndResumesFromItsCursor) {
  Recorder recorder;
  Append(0, 5);
  {
    LogFollower follower(*log_, recorder, {.name = "test"});
    ASSERT_TRUE(follower.WaitUntilConsumed(5, milliseconds(5000)));
    Append(5, 9);  // entries that arrive while it follows
    ASSERT_TRUE(follower.WaitUntilConsumed(9, milliseconds(5000)));
  }  // Stop() saves the cursor
  EXPECT_EQ(recorder.seen, Range(0, 9));
  EXPECT_EQ(recorder.saved, 9u);

  Append(9, 12);
  LogFollower again(*log_, recorder, {.name = "test"});
  ASSERT_TRUE(again.WaitUntilConsumed(12, milliseconds(5000)));
  EXPECT_EQ(recorder.seen, Range(0, 12));  // nothing twice
}

TEST_F(LogFollowerTest, SavesEveryFewEntriesNotEveryEntry) {
  Recorder recorder;
  Append(0, 40);
  LogFollower follower(*log_, recorder,
                       {.name = "test", .entries_per_save = 16, .save_interval = milliseconds(60000),
                        .idle_save_interval = milliseconds(60000)});
  ASSERT_TRUE(follower.WaitUntilConsumed(40, milliseconds(5000)));
  std::lock_guard lock(recorder.mu);
  EXPECT_EQ(recorder.saved, 32u);  // after 16 and 32; the rest at Stop()
  EXPECT_EQ(recorder.saves, 2);
}

// Caught up with a quiet log, the follower saves soon, not a second later.
TEST_F(LogFollowerTest, SavesSoonOnceCaughtUp) {
  Recorder recorder;
  Append(0, 5);
  LogFollower follower(*log_, recorder,
                       {.name = "test", .save_interval = milliseconds(60000), .idle_save_interval = milliseconds(20)});
  ASSERT_TRUE(follower.WaitUntilConsumed(5, milliseconds(5000)));
  const auto deadline = std::chrono::steady_clock::now() + milliseconds(5000);
  while (std::chrono::steady_clock::now() < deadline) {
    {
      std::lock_guard lock(recorder.mu);
      if (recorder.saved == 5) break;
    }
    std::this_thread::sleep_for(milliseconds(5));
  }
  std::lock_guard lock(recorder.mu);
  EXPECT_EQ(recorder.saved, 5u);
}

TEST_F(LogFollowerTest, PassesOverEntriesNobodyWants) {
  Recorder recorder;
  recorder.wants = false;
  Append(0, 6);
  {
    LogFollower follower(*log_, recorder, {.name = "test"});
    ASSERT_TRUE(follower.WaitUntilConsumed(6, milliseconds(5000)));
  }
  EXPECT_TRUE(recorder.seen.empty());
  EXPECT_EQ(recorder.saved, 6u);
  recorder.wants = true;
  Append(6, 8);
  LogFollower follower(*log_, recorder, {.name = "test"});
  ASSERT_TRUE(follower.WaitUntilConsumed(8, milliseconds(5000)));
  EXPECT_EQ(recorder.seen, Range(6, 8));
}

TEST_F(LogFollowerTest, AFailingConsumerIsRetriedWithoutSkipping) {
  Recorder recorder;
  recorder.failures = 2;
  Append(0, 3);
  LogFollower follower(*log_, recorder, {.name = "test", .retry_after = milliseconds(10)});
  ASSERT_TRUE(follower.WaitUntilConsumed(3, milliseconds(5000)));
  std::lock_guard lock(recorder.mu);
  EXPECT_EQ(recorder.seen, Range(0, 3));
}

}  // namespace
}  // namespace scitt::log
