#include "base/worker_pool.h"

#include <pthread.h>

#include <algorithm>

namespace scitt {

WorkerPool::WorkerPool(WorkerPoolOptions options) : options_(std::move(options)) {
  const int n = std::max(1, options_.threads);
  threads_.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    threads_.emplace_back([this, i] {
      // Linux limits thread names to 15 characters.
      std::string name = (options_.name + "-" + std::to_string(i)).substr(0, 15);
      pthread_setname_np(pthread_self(), name.c_str());
      Run();
    });
  }
}

WorkerPool::~WorkerPool() { Stop(); }

bool WorkerPool::Post(std::function<void()> task, size_t bytes) {
  {
    std::lock_guard lock(mu_);
    // A task larger than the whole byte budget still runs when the queue is
    // empty, so a single large request is never refused for its size alone.
    const bool over_bytes = queued_bytes_ > 0 && queued_bytes_ + bytes > options_.max_queued_bytes;
    if (stopping_ || queue_.size() >= options_.max_queued_tasks || over_bytes) {
      ++refused_;
      return false;
    }
    queue_.push_back(Task{std::move(task), bytes});
    queued_bytes_ += bytes;
  }
  wake_.notify_one();
  return true;
}

void WorkerPool::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (std::thread& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
  threads_.clear();
}

WorkerPool::Stats WorkerPool::stats() const {
  std::lock_guard lock(mu_);
  return Stats{queue_.size(), queued_bytes_, refused_};
}

void WorkerPool::Run() {
  std::unique_lock lock(mu_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and everything queued has run
    Task task = std::move(queue_.front());
    queue_.pop_front();
    queued_bytes_ -= task.bytes;
    lock.unlock();
    task.run();
    task.run = nullptr;  // release what the task holds outside the lock
    lock.lock();
  }
}

}  // namespace scitt
