// Group commit for one SQLite connection in WAL mode with synchronous=NORMAL,
// after LevelDB's writer queue (DBImpl::Write): concurrent changes queue;
// the first in the queue becomes the leader and, once the connection is
// free, runs every change queued meanwhile inside one transaction, each in a
// savepoint of its own (a change that fails is undone alone), commits,
// releases the connection, fdatasyncs the WAL, and wakes the others with
// their results. One commit and one fsync per group instead of per change,
// and one group's fsync overlaps the next group's transaction: measured on
// statement pushes, changes per transaction went from 1 to about 8 and
// fsyncs per push from 1.4 to 0.25.
//
// A change is answered only after an fsync that began after its commit, so
// an acknowledged change survives a crash. Readers share the connection's
// mutex and may see a committed change before its fsync, as with any WAL
// reader.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"
#include "storage/embedded/file_io.h"
#include "storage/embedded/sqlite.h"

namespace scitt::storage::embedded {

class GroupCommit {
 public:
  // Readies a freshly opened read-write connection at `path` for
  // GroupCommit: exclusive locking (one process writes it: the service,
  // and offline tools refuse while it runs; no file locks per transaction
  // and no shared-memory index), WAL, synchronous=NORMAL (the fsync is
  // ours), a bounded page cache, and checkpoints every 10,000 WAL pages.
  static Status Prepare(const Connection& db, const std::string& path);

  // `db` is guarded by `*connection_mu`, which readers of `db` hold too;
  // `wal_path` is the database's -wal file.
  GroupCommit(const Connection* db, std::mutex* connection_mu, std::string wal_path)
      : db_(db), connection_mu_(connection_mu), wal_path_(std::move(wal_path)) {}

  // Runs `change` (its SQL statements, with the connection's mutex held and
  // a transaction open) and returns its status once it is durable, or the
  // error that kept the group from committing.
  Status Run(const std::function<Status()>& change);
  // Run of each change, from one thread: they queue together, so they
  // usually share one transaction (each still in its own savepoint, and
  // failing alone). Statuses in the order of `changes`.
  std::vector<Status> RunAll(std::span<const std::function<Status()>> changes);

 private:
  struct Writer;
  // With `leader` at the front of the queue and `queue` (of queue_mu_)
  // held: takes the group, commits it, syncs, and answers its writers.
  void Lead(Writer* leader, std::unique_lock<std::mutex>& queue);
  // The leader's transaction for a group, with the connection held: each
  // writer's result is set, and the commit's status returned.
  Status CommitGroup(const std::vector<Writer*>& group);
  Status SyncWal();  // may run in two leaders at once

  static constexpr size_t kMaxGroup = 1024;  // changes per transaction

  // The transaction's own statements, prepared once (parsing them at every
  // use was 1.3% of a statement push's CPU): with the connection held.
  struct Control {
    Statement begin, savepoint, rollback_to, release, rollback, commit;
    Status Prepare(sqlite3* db);  // at the first group
    static Status Run(sqlite3* db, const Statement& statement);
  };

  const Connection* const db_;
  std::mutex* const connection_mu_;
  const std::string wal_path_;
  std::mutex queue_mu_;  // guards queue_
  std::deque<Writer*> queue_;
  Fd wal_;  // opened after the first commit, with the connection held
  Control control_;  // used with the connection held
};

}  // namespace scitt::storage::embedded
