// Runs callbacks after a delay on one background thread (for the 2 s
// registration bound: answer 303 when the receipt is not ready in time).
#pragma once

#include <chrono>
#include <condition_variable>
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
  void Run();

  std::mutex mu_;  // guards queue_ and stopping_
  std::condition_variable wake_;
  std::multimap<std::chrono::steady_clock::time_point, std::function<void()>> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace scitt::api
