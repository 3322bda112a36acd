// storage/embedded/group_commit.h: concurrent changes share transactions,
// a failed change is undone alone, and every change is visible (and
// durable: its call returned after the fsync) once Run returns.
#include "storage/embedded/group_commit.h"

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <stdexcept>
#include <thread>
#include <vector>

#include "storage/embedded/sqlite.h"
#include "store_test_util.h"

namespace scitt::storage::embedded {
namespace {

using testing::TempDir;

class GroupCommitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = Connection::Open(dir_ / "t.sqlite");
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    db_ = std::move(*opened);
    ASSERT_TRUE(GroupCommit::Prepare(db_, dir_ / "t.sqlite").ok());
    ASSERT_TRUE(db_.Exec("CREATE TABLE t(k INTEGER PRIMARY KEY)").ok());
    commits_ = std::make_unique<GroupCommit>(&db_, &mu_, dir_ / "t.sqlite-wal");
  }

  Status Insert(int64_t k) {
    std::string sql = "INSERT INTO t VALUES(" + std::to_string(k) + ")";
    return db_.Exec(sql.c_str());
  }

  int64_t Count(const char* where = "1") {
    std::lock_guard lock(mu_);
    std::string sql = std::string("SELECT count(*) FROM t WHERE ") + where;
    auto count = Statement::Prepare(db_.get(), sql);
    EXPECT_TRUE(count.ok());
    Query q(*count);
    EXPECT_EQ(q.Step(), SQLITE_ROW);
    return q.IntAt(0);
  }

  TempDir dir_;
  std::mutex mu_;
  Connection db_;
  std::unique_ptr<GroupCommit> commits_;
};

TEST_F(GroupCommitTest, AFailedChangeAloneIsRolledBack) {
  Status failed = commits_->Run([&]() -> Status {
    EXPECT_TRUE(Insert(1).ok());
    return MakeError(ErrorCode::kInvalidArgument, "refused");
  });
  EXPECT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().message, "refused");
  EXPECT_EQ(Count(), 0);
  EXPECT_TRUE(commits_->Run([&] { return Insert(2); }).ok());
  EXPECT_EQ(Count(), 1);
}

// A change that throws is a failed change, undone, and the queue goes on.
TEST_F(GroupCommitTest, AChangeThatThrowsFailsAlone) {
  Status failed = commits_->Run([&]() -> Status {
    EXPECT_TRUE(Insert(1).ok());
    throw std::runtime_error("boom");
  });
  EXPECT_FALSE(failed.ok());
  EXPECT_NE(failed.error().message.find("boom"), std::string::npos);
  EXPECT_EQ(Count(), 0);
  EXPECT_TRUE(commits_->Run([&] { return Insert(2); }).ok());
  EXPECT_EQ(Count(), 1);
}

// Many threads at once: each change commits or fails on its own, whatever
// group it shares; the failing ones leave nothing behind.
TEST_F(GroupCommitTest, ConcurrentChangesCommitOrFailEachOnItsOwn) {
  constexpr int kThreads = 8, kEach = 200;
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const int64_t k = t * kEach + i;
        const bool fail = k % 3 == 0;
        Status done = commits_->Run([&]() -> Status {
          // Two rows per change: a failing change must lose its first row too.
          SCITT_RETURN_IF_ERROR(Insert(k));
          SCITT_RETURN_IF_ERROR(Insert(100000 + k));
          if (fail) return MakeError(ErrorCode::kInvalidArgument, "refused");
          return Status::Ok();
        });
        if (done.ok() == fail) ++wrong;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
  const int64_t kept = kThreads * kEach - (kThreads * kEach + 2) / 3;
  EXPECT_EQ(Count("k < 100000"), kept);
  EXPECT_EQ(Count(), 2 * kept);
  EXPECT_EQ(Count("k < 100000 AND k % 3 = 0"), 0);
}

// A change that breaks a constraint fails; the rest of its group commits.
TEST_F(GroupCommitTest, AConstraintViolationFailsOnlyItsChange) {
  ASSERT_TRUE(commits_->Run([&] { return Insert(7); }).ok());
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      if (!commits_->Run([&] { return Insert(t == 0 ? 7 : 10 + t); }).ok()) ++failures;
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 1);
  EXPECT_EQ(Count(), 4);
}

// RunAll from one thread: each change's status in order, the failing ones
// undone alone, while other threads' Run calls share the groups.
TEST_F(GroupCommitTest, RunAllAnswersEachChangeInOrder) {
  std::atomic<bool> stop{false};
  std::atomic<int> others{0};
  std::thread other([&] {
    for (int64_t k = 500000; !stop.load(); ++k) {
      if (commits_->Run([&] { return Insert(k); }).ok()) ++others;
    }
  });
  for (int round = 0; round < 20; ++round) {
    std::vector<std::function<Status()>> changes;
    for (int i = 0; i < 50; ++i) {
      const int64_t k = round * 50 + i;
      changes.emplace_back([this, k]() -> Status {
        SCITT_RETURN_IF_ERROR(Insert(k));
        if (k % 7 == 0) return MakeError(ErrorCode::kInvalidArgument, "refused " + std::to_string(k));
        return Status::Ok();
      });
    }
    const std::vector<Status> done = commits_->RunAll(changes);
    ASSERT_EQ(done.size(), changes.size());
    for (int i = 0; i < 50; ++i) {
      const int64_t k = round * 50 + i;
      EXPECT_EQ(done[i].ok(), k % 7 != 0) << k;
      if (!done[i].ok()) {
        EXPECT_EQ(done[i].error().message, "refused " + std::to_string(k));
      }
    }
  }
  stop = true;
  other.join();
  EXPECT_EQ(Count("k < 1000"), 1000 - (1000 + 6) / 7);
  EXPECT_EQ(Count("k < 1000 AND k % 7 = 0"), 0);
  EXPECT_EQ(Count("k >= 500000"), others.load());
  EXPECT_TRUE(commits_->RunAll({}).empty());
}

}  // namespace
}  // namespace scitt::storage::embedded
