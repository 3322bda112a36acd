#include "storage/embedded/kv_store.h"

#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <pthread.h>

#include "base/file.h"
#include "storage/embedded/sqlite.h"
#include "storage/embedded/store_state.h"

namespace scitt::storage::embedded {

namespace {

rocksdb::Options KvOptions() {
  rocksdb::Options options;
  options.create_if_missing = true;
  options.IncreaseParallelism(2);
  // Writers queue behind one another without spinning: on 2 cores the spin
  // took 4% of the server's CPU during pushes and left 10% fewer pushes.
  options.enable_write_thread_adaptive_yield = false;
  // Digests (hex text) are most of every key; LZ4 is the cheapest of the
  // compressions Debian's build has.
  options.compression = rocksdb::kLZ4Compression;
  options.write_buffer_size = 16 << 20;
  options.max_write_buffer_number = 2;
  options.max_open_files = 512;
  options.info_log_level = rocksdb::WARN_LEVEL;
  options.keep_log_file_num = 2;
  // A change goes to the WAL's buffer, written to the file by the sync that
  // makes it durable (FlushWAL), not by a write(2) of its own: nothing is
  // answered before that sync anyway.
  options.manual_wal_flush = true;
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.block_cache = rocksdb::NewLRUCache(16 << 20);
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return options;
}

}  // namespace

Status FromRocks(const rocksdb::Status& status, std::string_view what) {
  if (status.ok()) return Status::Ok();
  return MakeError(ErrorCode::kIo, std::string(what) + ": " + status.ToString());
}

Result<std::unique_ptr<KvStore>> KvStore::Open(const std::string& path) {
  rocksdb::DB* db = nullptr;
  SCITT_RETURN_IF_ERROR(FromRocks(rocksdb::DB::Open(KvOptions(), path, &db), "opening " + path));
  return std::unique_ptr<KvStore>(new KvStore(std::unique_ptr<rocksdb::DB>(db), /*read_only=*/false));
}

Result<std::unique_ptr<KvStore>> KvStore::OpenForAudit(const std::string& path) {
  rocksdb::Options options = KvOptions();
  options.create_if_missing = false;
  rocksdb::DB* db = nullptr;
  SCITT_RETURN_IF_ERROR(FromRocks(rocksdb::DB::OpenForReadOnly(options, path, &db), "opening " + path));
  return std::unique_ptr<KvStore>(new KvStore(std::unique_ptr<rocksdb::DB>(db), /*read_only=*/true));
}

Result<std::unique_ptr<KvStore>> KvStore::OpenEmpty(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
  if (ec) return MakeError(ErrorCode::kIo, "cannot remove " + path + ": " + ec.message());
  return Open(path);
}

KvStore::KvStore(std::unique_ptr<rocksdb::DB> db, bool read_only) : db_(std::move(db)), read_only_(read_only) {}

KvStore::~KvStore() {
  {
    std::lock_guard lock(sync_mu_);
    closing_ = true;
  }
  waiting_added_.notify_all();
  if (syncer_.joinable()) syncer_.join();
  if (db_ && !read_only_) (void)db_->FlushWAL(/*sync=*/true);  // what was applied since the last sync
  if (db_) (void)db_->Close();
}

Result<uint64_t> KvStore::Apply(rocksdb::WriteBatch& batch) {
  if (read_only_) return MakeError(ErrorCode::kUnsupported, "the store is open for reading only");
  if (batch.Count() > 0) {
    rocksdb::WriteOptions unsynced;  // Sync makes it durable, for many changes at once
    SCITT_RETURN_IF_ERROR(FromRocks(db_->Write(unsynced, &batch), "writing the store"));
  }
  std::lock_guard lock(sync_mu_);
  if (batch.Count() > 0) ++applied_;
  return applied_;  // an empty batch waits for what it may have read to be durable
}

Status KvStore::Sync(uint64_t upto) {
  std::unique_lock lock(sync_mu_);
  while (durable_ < upto) {
    if (syncing_) {
      synced_.wait(lock);
      continue;
    }
    // Every change counted in applied_ is in the WAL already (Apply counts
    // it after its write), so this flush and sync make all of them durable.
    syncing_ = true;
    const uint64_t target = applied_;
    lock.unlock();
    const rocksdb::Status synced = db_->FlushWAL(/*sync=*/true);
    lock.lock();
    syncing_ = false;
    if (synced.ok()) durable_ = std::max(durable_, target);
    synced_.notify_all();
    if (!synced.ok()) return FromRocks(synced, "syncing the store");
  }
  return Status::Ok();
}

void KvStore::SyncThen(uint64_t upto, std::function<void(Status)> then) {
  {
    std::lock_guard lock(sync_mu_);
    if (durable_ < upto) {
      waiting_.push_back({upto, std::move(then)});
      if (!syncer_.joinable()) syncer_ = std::thread([this] { RunSyncer(); });
      waiting_added_.notify_one();
      return;
    }
  }
  then(Status::Ok());
}

void KvStore::RunSyncer() {
  pthread_setname_np(pthread_self(), "scitt-kv-sync");  // for top -H and perf
  std::unique_lock lock(sync_mu_);
  for (;;) {
    waiting_added_.wait(lock, [&] { return closing_ || !waiting_.empty(); });
    if (waiting_.empty()) return;  // closing, and nothing waits
    std::vector<Waiting> taken;
    taken.swap(waiting_);
    uint64_t upto = 0;
    for (const Waiting& each : taken) upto = std::max(upto, each.upto);
    lock.unlock();
    const Status synced = Sync(upto);
    for (Waiting& each : taken) each.then(synced);
    lock.lock();
  }
}

Result<std::optional<std::string>> KvStore::Get(const std::string& key) const {
  std::string value;
  const rocksdb::Status got = db_->Get(rocksdb::ReadOptions(), key, &value);
  if (got.IsNotFound()) return std::optional<std::string>();
  SCITT_RETURN_IF_ERROR(FromRocks(got, "reading the store"));
  return std::optional<std::string>(std::move(value));
}

Result<bool> KvStore::AnyWithPrefix(const std::string& prefix) const {
  const std::unique_ptr<rocksdb::Iterator> it = Iterate();
  it->Seek(prefix);
  const bool found = it->Valid() && it->key().starts_with(prefix);
  SCITT_RETURN_IF_ERROR(FromRocks(it->status(), "reading the store"));
  return found;
}

std::unique_ptr<rocksdb::Iterator> KvStore::Iterate() const {
  return std::unique_ptr<rocksdb::Iterator>(db_->NewIterator(rocksdb::ReadOptions()));
}

Result<std::optional<int64_t>> SqliteFormat(const std::string& path, bool read_only) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::optional<int64_t>();
  SCITT_ASSIGN_OR_RETURN(const Connection db, read_only ? Connection::OpenImmutable(path) : Connection::Open(path));
  SCITT_ASSIGN_OR_RETURN(const int64_t version, FormatVersion(db, path));
  return std::optional<int64_t>(version);
}

Status PutFormatMarker(const std::string& path, int64_t version) {
  const std::string marker = path + ".marker";
  std::error_code ec;
  std::filesystem::remove(marker, ec);
  {
    SCITT_ASSIGN_OR_RETURN(const Connection db, Connection::Open(marker));  // rollback journal: all in the file
    SCITT_RETURN_IF_ERROR(db.Exec(("PRAGMA user_version = " + std::to_string(version)).c_str()));
  }
  for (const char* suffix : {"-wal", "-shm"}) {
    if (std::remove((path + suffix).c_str()) != 0 && errno != ENOENT) {
      return MakeError(ErrorCode::kIo, "cannot remove " + path + suffix + ": " + std::strerror(errno));
    }
  }
  if (std::rename(marker.c_str(), path.c_str()) != 0) {
    return MakeError(ErrorCode::kIo, "cannot rename " + marker + ": " + std::strerror(errno));
  }
  return SyncDirectory(std::filesystem::path(path).parent_path().string());
}

}  // namespace scitt::storage::embedded
