// Runs callbacks after a delay on one background thread (for the 2 s
// registration bound: answer 303 when the receipt is not ready in time).
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

namespace scitt::api {

class Scheduler {
 public:
  Scheduler();
  ~Scheduler();  // Stop()

  // Runs `fn` on the scheduler thread once `delay` has passed (up to 5 ms
  // later: nearby deadlines share a wake-up), unless Stop() comes first
  // (then it is dropped).
  void After(std::chrono::milliseconds delay, std::function<void()> fn);
  void Stop();

 private:
  using Clock = std::chrono::steady_clock;
  struct Timer {
    Clock::time_point due;
    std::function<void()> fn;
  };
  using Queues = std::map<std::chrono::milliseconds, std::deque<Timer>>;

  void Run();
  // The queue whose first timer is due first; end() when all are empty.
  Queues::iterator EarliestLocked();

  std::mutex mu_;  // guards queues_ and stopping_
  std::condition_variable wake_;
  // One FIFO per delay: deadlines taken under mu_ from a monotonic clock
  // are in order within each, so a timer costs an append, not a tree node
  // (about 24,000 live at 12,000 registrations/s, one delay).
  Queues queues_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace scitt::api
