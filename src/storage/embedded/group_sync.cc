#include "storage/embedded/group_sync.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>

namespace scitt::storage::embedded {

Status WalGroupSync::Sync() {
  const uint64_t target = commits_.fetch_add(1) + 1;  // this commit, and every one before it
  std::unique_lock lock(mu_);
  while (synced_ < target) {
    if (syncing_) {
      done_.wait(lock);
      continue;
    }
    syncing_ = true;
    const uint64_t covered = commits_.load();
    lock.unlock();
    Status synced = Status::Ok();
    if (wal_.get() < 0) wal_ = Fd(::open(wal_path_.c_str(), O_RDONLY | O_CLOEXEC));
    if (wal_.get() < 0 || ::fdatasync(wal_.get()) != 0) synced = Errno("sync " + wal_path_);
    lock.lock();
    syncing_ = false;
    done_.notify_all();
    if (!synced.ok()) return synced;
    synced_ = std::max(synced_, covered);
  }
  return Status::Ok();
}

}  // namespace scitt::storage::embedded
