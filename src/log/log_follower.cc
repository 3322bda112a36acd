#include "log/log_follower.h"

#include <pthread.h>

#include <algorithm>

#include "base/logging.h"

namespace scitt::log {

Result<cose::Sign1> TakeStatement(LogEntry& entry) {
  if (entry.mapped_statement) {
    const ByteView bytes = entry.mapped_statement->bytes();
    return cose::Sign1::ParseShared(std::move(entry.mapped_statement), bytes);
  }
  return cose::Sign1::Parse(std::move(entry.statement));
}

LogFollower::LogFollower(const TransparencyLog& log, EntryConsumer& consumer, FollowerOptions options)
    : log_(log), consumer_(consumer), options_(std::move(options)),
      last_save_(std::chrono::steady_clock::now()) {
  thread_ = std::thread([this] { Run(); });
}

LogFollower::~LogFollower() { Stop(); }

void LogFollower::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool LogFollower::WaitUntilConsumed(uint64_t size, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return changed_.wait_for(lock, timeout, [&] { return consumed_ >= size; });
}

void LogFollower::Publish(uint64_t consumed) {
  {
    std::lock_guard lock(mu_);
    consumed_ = consumed;
  }
  changed_.notify_all();
}

Result<uint64_t> LogFollower::CatchUp(uint64_t next, uint64_t size) {
  // Entries nobody can use now are passed over without reading them; the
  // cursor is saved with the next consumed entry (a crash before that only
  // offers them again).
  if (!consumer_.Wants(size)) return size;
  while (next < size) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) break;
    }
    // Read together (LogStore::Entries): one store read per chunk.
    const uint64_t count = std::min<uint64_t>(size - next, options_.entries_per_read);
    SCITT_ASSIGN_OR_RETURN(std::vector<LogEntry> entries, log_.store().Entries(next, count, options_.map_statements_from));
    for (LogEntry& entry : entries) {
      SCITT_RETURN_IF_ERROR(consumer_.Consume(std::move(entry)));
      ++next;
      if (next - saved_ >= options_.entries_per_save) SCITT_RETURN_IF_ERROR(Save(next));
    }
  }
  return next;
}

Status LogFollower::Save(uint64_t next) {
  if (next == saved_) return Status::Ok();
  SCITT_RETURN_IF_ERROR(consumer_.SaveCursor(next));
  saved_ = next;
  last_save_ = std::chrono::steady_clock::now();
  return Status::Ok();
}

void LogFollower::Run() {
  // Named for top -H and perf (at most 15 bytes): "registry-attach", "evidence-index".
  pthread_setname_np(pthread_self(), options_.name.substr(0, 15).c_str());
  std::optional<uint64_t> next;
  for (;;) {
    bool stopping;
    {
      std::lock_guard lock(mu_);
      stopping = stopping_;
    }
    Result<uint64_t> done = next ? Result<uint64_t>(*next) : consumer_.Cursor();
    if (done.ok() && !next) saved_ = *done;
    const uint64_t size = options_.ceiling ? std::min(options_.ceiling(), log_.size()) : log_.size();
    if (done.ok() && !stopping) done = CatchUp(*done, size);
    // Saved at most once a second while entries keep coming (each save is a
    // durable commit), sooner once caught up, and before stopping.
    const auto since_save = std::chrono::steady_clock::now() - last_save_;
    const bool caught_up = done.ok() && *done >= size;
    if (done.ok() && (stopping || since_save >= options_.save_interval ||
                      (caught_up && since_save >= options_.idle_save_interval))) {
      if (Status saved = Save(*done); !saved.ok()) done = saved.error();
    }
    if (!done.ok()) {
      logging::Write(logging::Level::kError, "log follower failed",
                     {{"follower", options_.name}, {"error", done.error().message}});
      if (stopping) return;
      next.reset();  // re-read the saved cursor
      std::unique_lock lock(mu_);
      changed_.wait_for(lock, options_.retry_after, [&] { return stopping_; });
      continue;
    }
    next = *done;
    Publish(*next);
    if (stopping) return;
    // Short waits so that Stop() is noticed without a hook into the log.
    if (options_.ceiling && *next >= size && *next < log_.size()) {  // held back: the ceiling moves on its own
      std::unique_lock lock(mu_);
      changed_.wait_for(lock, options_.ceiling_poll, [&] { return stopping_; });
    } else {
      log_.WaitForGrowth(*next, std::chrono::milliseconds(200));
    }
  }
}

}  // namespace scitt::log
