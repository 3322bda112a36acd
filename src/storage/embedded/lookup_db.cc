#include "storage/embedded/lookup_db.h"

#include <leveldb/cache.h>
#include <leveldb/db.h>
#include <leveldb/env.h>
#include <leveldb/filter_policy.h>
#include <leveldb/write_batch.h>

#include <atomic>
#include <cstring>

#include "base/text.h"
#include "storage/embedded/file_io.h"

namespace scitt::storage::embedded {

namespace {

// Keys: one byte for the lookup, then the 32-byte hash; the value is the
// entry index, 8 bytes big-endian. Meta keys begin with '.', below both.
constexpr char kEntryHashTag = 'h';
constexpr char kSignedContentTag = 'c';
constexpr const char* kFormatKey = ".format";
constexpr const char* kCoveredKey = ".covered_size";
constexpr const char* kFormat = "1";

std::atomic<leveldb::Env*> env_for_testing{nullptr};

std::string KeyOf(Lookup lookup, const crypto::Sha256Digest& hash) {
  std::string key(1 + hash.size(), '\0');
  key[0] = lookup == Lookup::kEntryHash ? kEntryHashTag : kSignedContentTag;
  std::memcpy(key.data() + 1, hash.data(), hash.size());
  return key;
}

void PutIndex(char out[8], uint64_t index) {
  for (int i = 7; i >= 0; --i, index >>= 8) out[i] = static_cast<char>(index & 0xff);
}

std::optional<uint64_t> IndexOf(const leveldb::Slice& value) {
  if (value.size() != 8) return std::nullopt;
  uint64_t index = 0;
  for (size_t i = 0; i < 8; ++i) index = (index << 8) | static_cast<uint8_t>(value[i]);
  return index;
}

Error Failed(const std::string& path, const std::string& what, const leveldb::Status& status) {
  return Io("embedded store: " + what + " " + path + ": " + status.ToString());
}

}  // namespace

struct LookupDb::Resources {
  std::unique_ptr<leveldb::Cache> cache;
  std::unique_ptr<const leveldb::FilterPolicy> filter;
  std::unique_ptr<leveldb::DB> db;  // declared last: closed first
};

LookupDb::LookupDb(std::unique_ptr<Resources> resources, std::string path)
    : resources_(std::move(resources)), path_(std::move(path)) {}

LookupDb::~LookupDb() = default;

void LookupDb::UseEnvForTesting(leveldb::Env* env) { env_for_testing.store(env); }

Result<std::unique_ptr<LookupDb>> LookupDb::Open(const std::string& path) {
  auto resources = std::make_unique<Resources>();
  resources->cache.reset(leveldb::NewLRUCache(32 << 20));
  resources->filter.reset(leveldb::NewBloomFilterPolicy(10));  // a miss reads no block
  leveldb::Options options;
  options.create_if_missing = true;
  options.block_cache = resources->cache.get();
  options.filter_policy = resources->filter.get();
  options.compression = leveldb::kNoCompression;  // hashes do not compress
  options.write_buffer_size = 16 << 20;
  options.max_file_size = 8 << 20;
  if (leveldb::Env* env = env_for_testing.load()) options.env = env;
  leveldb::DB* db = nullptr;
  leveldb::Status opened = leveldb::DB::Open(options, path, &db);
  if (!opened.ok()) return Failed(path, "opening", opened);
  resources->db.reset(db);

  std::string format;
  leveldb::Status read = db->Get(leveldb::ReadOptions(), kFormatKey, &format);
  if (read.IsNotFound()) {
    // New: its format and covered size 0 in one write.
    leveldb::WriteBatch batch;
    batch.Put(kFormatKey, kFormat);
    batch.Put(kCoveredKey, "0");
    leveldb::Status created = db->Write(leveldb::WriteOptions(), &batch);
    if (!created.ok()) return Failed(path, "creating", created);
  } else if (!read.ok()) {
    return Failed(path, "reading the format of", read);
  } else if (format != kFormat) {
    return Io("embedded store: " + path + " has lookup format " + format + ", which this build does not know");
  }
  return std::unique_ptr<LookupDb>(new LookupDb(std::move(resources), path));
}

Status LookupDb::Destroy(const std::string& path) {
  leveldb::Options options;
  if (leveldb::Env* env = env_for_testing.load()) options.env = env;
  leveldb::Status destroyed = leveldb::DestroyDB(path, options);
  if (!destroyed.ok()) return Failed(path, "removing", destroyed);
  return Status::Ok();
}

Result<uint64_t> LookupDb::Covered() const {
  std::string value;
  leveldb::Status read = resources_->db->Get(leveldb::ReadOptions(), kCoveredKey, &value);
  if (!read.ok()) return Failed(path_, "reading the covered size of", read);
  const std::optional<uint64_t> covered = ParseDecimal(value);
  if (!covered) return Io("embedded store: " + path_ + " has a malformed covered size");
  return *covered;
}

Result<std::optional<uint64_t>> LookupDb::Find(Lookup lookup, const crypto::Sha256Digest& key) const {
  std::string value;
  leveldb::Status read = resources_->db->Get(leveldb::ReadOptions(), KeyOf(lookup, key), &value);
  if (read.IsNotFound()) return std::optional<uint64_t>();
  if (!read.ok()) return Failed(path_, "looking up an entry in", read);
  const std::optional<uint64_t> index = IndexOf(value);
  if (!index) return Io("embedded store: " + path_ + " has a malformed entry index");
  return index;
}

Status LookupDb::Write(std::span<const Row> rows, uint64_t covered_size) {
  leveldb::WriteBatch batch;
  char index[8];
  for (const Row& row : rows) {
    PutIndex(index, row.index);
    batch.Put(KeyOf(row.lookup, row.key), leveldb::Slice(index, sizeof(index)));
  }
  batch.Put(kCoveredKey, std::to_string(covered_size));
  leveldb::Status written = resources_->db->Write(leveldb::WriteOptions(), &batch);
  if (!written.ok()) return Failed(path_, "writing the lookups to", written);
  return Status::Ok();
}

Status LookupDb::CutBackTo(uint64_t size) {
  leveldb::WriteBatch batch;
  SCITT_ASSIGN_OR_RETURN(const Counts counts,
                         Scan([&](Lookup lookup, const crypto::Sha256Digest& key, uint64_t index) {
                           if (index >= size) batch.Delete(KeyOf(lookup, key));
                         }));
  (void)counts;
  batch.Put(kCoveredKey, std::to_string(size));
  leveldb::Status written = resources_->db->Write(leveldb::WriteOptions(), &batch);
  if (!written.ok()) return Failed(path_, "cutting back", written);
  return Status::Ok();
}

Result<LookupDb::Counts> LookupDb::Scan(
    const std::function<void(Lookup, const crypto::Sha256Digest&, uint64_t)>& each) const {
  leveldb::DB& db = *resources_->db;
  const leveldb::Snapshot* snapshot = db.GetSnapshot();
  leveldb::ReadOptions options;
  options.snapshot = snapshot;
  options.fill_cache = false;  // a scan must not evict what lookups read
  Counts counts;
  auto scan = [&]() -> Status {
    std::string value;
    leveldb::Status read = db.Get(options, kCoveredKey, &value);
    if (!read.ok()) return Failed(path_, "reading the covered size of", read);
    const std::optional<uint64_t> covered = ParseDecimal(value);
    if (!covered) return Io("embedded store: " + path_ + " has a malformed covered size");
    counts.covered = *covered;
    std::unique_ptr<leveldb::Iterator> it(db.NewIterator(options));
    crypto::Sha256Digest hash{};
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const leveldb::Slice key = it->key();
      if (key.starts_with(".")) continue;
      const std::optional<uint64_t> index = IndexOf(it->value());
      if (key.size() != 1 + hash.size() || (key[0] != kEntryHashTag && key[0] != kSignedContentTag) || !index) {
        return Io("embedded store: " + path_ + " holds a malformed lookup");
      }
      const Lookup lookup = key[0] == kEntryHashTag ? Lookup::kEntryHash : Lookup::kSignedContent;
      ++(lookup == Lookup::kEntryHash ? counts.entry_hashes : counts.signed_contents);
      if (each) {
        std::memcpy(hash.data(), key.data() + 1, hash.size());
        each(lookup, hash, *index);
      }
    }
    if (!it->status().ok()) return Failed(path_, "reading", it->status());
    return Status::Ok();
  };
  Status scanned = scan();
  db.ReleaseSnapshot(snapshot);
  if (!scanned.ok()) return scanned.error();
  return counts;
}

}  // namespace scitt::storage::embedded
