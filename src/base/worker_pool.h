// A fixed set of threads for work that may block or take long (signature
// checks, policy scripts, many store reads), so that it never runs on an HTTP
// I/O thread: there, one slow request stalls every connection of the thread.
//
// The queue is bounded in tasks and in the bytes the tasks hold (a task
// carries e.g. a request body): Post refuses work beyond either bound instead
// of letting a client fill memory; callers answer "busy" (HTTP 503).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace scitt {

struct WorkerPoolOptions {
  std::string name = "worker";   // thread name prefix (top, gdb)
  int threads = 2;
  size_t max_queued_tasks = 4096;
  size_t max_queued_bytes = 256u << 20;
};

class WorkerPool {
 public:
  explicit WorkerPool(WorkerPoolOptions options);
  ~WorkerPool();  // Stop()

  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues `task`, which holds about `bytes` of memory until it has run.
  // False (and `task` dropped unrun) when the queue is full or the pool is
  // stopping. Thread-safe; never blocks on the work itself.
  bool Post(std::function<void()> task, size_t bytes = 0);

  // Runs what is queued, then joins the threads. Idempotent. Not from a task.
  void Stop();

  struct Stats {
    size_t queued_tasks = 0;
    size_t queued_bytes = 0;
    uint64_t refused = 0;  // Post calls that returned false
  };
  Stats stats() const;

 private:
  struct Task {
    std::function<void()> run;
    size_t bytes = 0;
  };
  void Run();

  const WorkerPoolOptions options_;
  mutable std::mutex mu_;  // guards queue_, queued_bytes_, refused_, stopping_
  std::condition_variable wake_;
  std::deque<Task> queue_;
  size_t queued_bytes_ = 0;
  uint64_t refused_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace scitt
