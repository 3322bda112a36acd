#include "base/worker_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>

namespace scitt {
namespace {

TEST(WorkerPool, RunsTasksOffTheCallersThread) {
  std::promise<std::thread::id> ran;
  WorkerPool pool({"test", 2, 16, 1 << 20});  // declared last: joined before `ran` goes
  ASSERT_TRUE(pool.Post([&] { ran.set_value(std::this_thread::get_id()); }));
  EXPECT_NE(ran.get_future().get(), std::this_thread::get_id());
}

// The queue is bounded in tasks and in bytes; refusals are counted.
TEST(WorkerPool, RefusesWorkBeyondItsBounds) {
  std::promise<void> release;
  std::shared_future<void> gate = release.get_future().share();
  std::promise<void> started;
  WorkerPool pool({"test", 1, 2, 1000});  // declared last: joined before the gate goes
  ASSERT_TRUE(pool.Post([&] { started.set_value(); gate.wait(); }));
  started.get_future().wait();  // the only thread is busy from here on
  EXPECT_TRUE(pool.Post([] {}, 600));
  EXPECT_FALSE(pool.Post([] {}, 600));  // 1200 bytes queued would pass 1000
  EXPECT_TRUE(pool.Post([] {}, 100));
  EXPECT_FALSE(pool.Post([] {}, 0));    // two tasks already queued
  EXPECT_EQ(pool.stats().queued_tasks, 2u);
  EXPECT_EQ(pool.stats().queued_bytes, 700u);
  EXPECT_EQ(pool.stats().refused, 2u);
  release.set_value();
}

TEST(WorkerPool, AcceptsOneTaskLargerThanTheByteBoundWhenIdle) {
  std::promise<void> ran;
  WorkerPool pool({"test", 1, 4, 10});
  EXPECT_TRUE(pool.Post([&] { ran.set_value(); }, 1000));
  ran.get_future().wait();
}

TEST(WorkerPool, StopRunsWhatIsQueuedThenRefuses) {
  std::atomic<int> runs{0};
  WorkerPool pool({"test", 1, 100, 1 << 20});
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(pool.Post([&] { ++runs; }));
  pool.Stop();
  EXPECT_EQ(runs.load(), 50);
  EXPECT_FALSE(pool.Post([&] { ++runs; }));
}

}  // namespace
}  // namespace scitt
