// The registration timer: callbacks run once their delay has passed, never
// before, in deadline order across delays (each delay keeps its own FIFO);
// Stop() drops what has not run.
#include "api/scheduler.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

namespace scitt::api {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

TEST(Scheduler, RunsEachAfterItsDelayInDeadlineOrder) {
  Scheduler scheduler;
  std::mutex mu;
  std::vector<int> order;
  std::vector<milliseconds> late;  // how long after its start each ran
  const auto start = Clock::now();
  auto record = [&](int id) {
    return [&, id] {
      std::lock_guard lock(mu);
      order.push_back(id);
      late.push_back(std::chrono::duration_cast<milliseconds>(Clock::now() - start));
    };
  };
  // Two delays, added out of deadline order: 300 ms, then 100 ms twice, then
  // 300 ms, then 200 ms.
  scheduler.After(milliseconds(300), record(4));
  scheduler.After(milliseconds(100), record(1));
  scheduler.After(milliseconds(100), record(2));
  scheduler.After(milliseconds(300), record(5));
  scheduler.After(milliseconds(200), record(3));
  const auto deadline = Clock::now() + std::chrono::seconds(20);
  for (;;) {
    {
      std::lock_guard lock(mu);
      if (order.size() == 5 || Clock::now() > deadline) break;
    }
    std::this_thread::sleep_for(milliseconds(5));
  }
  std::lock_guard lock(mu);
  ASSERT_EQ(order, (std::vector<int>{1, 2, 3, 4, 5}));
  const milliseconds delays[] = {milliseconds(100), milliseconds(100), milliseconds(200), milliseconds(300),
                                 milliseconds(300)};
  for (size_t i = 0; i < 5; ++i) EXPECT_GE(late[i], delays[i]) << "callback " << order[i] << " ran early";
}

TEST(Scheduler, StopDropsWhatHasNotRun) {
  std::atomic<int> ran{0};
  {
    Scheduler scheduler;
    scheduler.After(milliseconds(0), [&] { ++ran; });
    for (int i = 0; i < 1000; ++i) scheduler.After(milliseconds(60'000), [&] { ++ran; });
    const auto deadline = Clock::now() + std::chrono::seconds(20);
    while (ran.load() == 0 && Clock::now() < deadline) std::this_thread::sleep_for(milliseconds(1));
    scheduler.Stop();
    scheduler.After(milliseconds(0), [&] { ++ran; });  // after Stop: dropped
  }
  EXPECT_EQ(ran.load(), 1);
}

}  // namespace
}  // namespace scitt::api
