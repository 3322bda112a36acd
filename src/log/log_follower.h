// Feeds every entry of the log, in order, to a consumer that keeps its own
// persisted cursor: what the layers above build from the log (the
// registry's referrers of statements registered by POST /entries, later the
// evidence index) is rebuilt from the log alone and resumes after a crash
// where it stopped. A consumer must be idempotent per entry: after a crash
// it sees again the entries after its last saved cursor.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "base/result.h"
#include "cose/sign1.h"
#include "log/log_store.h"
#include "log/transparency_log.h"

namespace scitt::log {

class EntryConsumer {
 public:
  virtual ~EntryConsumer() = default;
  // The index of the next entry to consume, as last saved.
  virtual Result<uint64_t> Cursor() = 0;
  // False when no entry below `size` can matter now (the consumer has
  // nothing to attach them to): the follower then moves the cursor to
  // `size` without reading them.
  virtual bool Wants(uint64_t size) { return true; }
  // Consumes one entry (the registered statement and what the log records
  // of it), which is the consumer's to keep: a statement may be hundreds
  // of megabytes, and the follower holds no copy. An error stops the run;
  // the entry is read and offered again later.
  virtual Status Consume(LogEntry entry) = 0;
  // Durably records that every entry below `next` is consumed (or passed
  // over).
  virtual Status SaveCursor(uint64_t next) = 0;
};

// Statements from this size on are mapped from the store's file, where it
// can, rather than read into the heap (LogStore::Entries): what reads the
// whole log holds no copy of a statement of hundreds of megabytes.
inline constexpr size_t kMapStatementsFrom = 1 << 20;

// The statement of `entry`, read or mapped (LogEntry::mapped_statement),
// parsed without a copy: taken out of `entry` and held by the result.
Result<cose::Sign1> TakeStatement(LogEntry& entry);

struct FollowerOptions {
  std::string name;                                  // for log lines
  // The cursor is saved after this many entries or this long, whichever
  // comes first, and at Stop(); and once the follower has caught up with
  // the log, as soon as idle_save_interval has passed since the last save,
  // so that what it builds shows soon when the log is quiet (a save is a
  // durable commit: under load they stay one a second).
  size_t entries_per_save = 4096;
  std::chrono::milliseconds save_interval{1000};
  std::chrono::milliseconds idle_save_interval{100};
  std::chrono::milliseconds retry_after{1000};       // after a failed run
  // Entries read from the store at once (each at most the statement size
  // limit: bounded in bytes too).
  size_t entries_per_read = 16;
  size_t map_statements_from = kMapStatementsFrom;
  // When set, entries at or above it wait even when the log holds them: a
  // follower that must stay behind another one (the registry's attacher
  // behind the evidence index, so that a manifest pushed meanwhile finds
  // in the index every statement the attacher has not yet seen).
  std::function<uint64_t()> ceiling;
  std::chrono::milliseconds ceiling_poll{20};  // how often a held-back follower looks again
};

class LogFollower {
 public:
  // `log` and `consumer` must outlive this. Starts following at once.
  LogFollower(const TransparencyLog& log, EntryConsumer& consumer, FollowerOptions options);
  ~LogFollower();  // Stop()
  LogFollower(const LogFollower&) = delete;
  LogFollower& operator=(const LogFollower&) = delete;

  // Finishes the entry in hand and joins. Idempotent.
  void Stop();
  // Blocks until every entry below `size` is consumed, or `timeout`
  // passes; true when it got there.
  bool WaitUntilConsumed(uint64_t size, std::chrono::milliseconds timeout);

 private:
  void Run();
  // Consumes [next, size) (less when stopping): returns the new cursor.
  Result<uint64_t> CatchUp(uint64_t next, uint64_t size);
  Status Save(uint64_t next);
  void Publish(uint64_t consumed);

  const TransparencyLog& log_;
  EntryConsumer& consumer_;
  const FollowerOptions options_;
  std::mutex mu_;
  std::condition_variable changed_;
  bool stopping_ = false;
  uint64_t consumed_ = 0;  // every entry below it is consumed
  // Follower thread only.
  uint64_t saved_ = 0;
  std::chrono::steady_clock::time_point last_save_;
  std::thread thread_;
};

}  // namespace scitt::log
