#include "storage/embedded/registry_kv.h"

#include <rocksdb/iterator.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <set>

namespace scitt::storage {

using registry::Descriptor;
using registry::Digest;
using registry::ManifestRecord;
using registry::RegistryWrite;
using embedded::FromRocks;
using embedded::KvStore;

namespace {

// ---- keys (registry_kv.h)
std::string Key(char kind, std::string_view first) {
  std::string key(1, kind);
  key += first;
  return key;
}
std::string Key(char kind, std::string_view first, std::string_view second) {
  std::string key = Key(kind, first);
  key += '\0';
  key += second;
  return key;
}
std::string Key(char kind, std::string_view first, std::string_view second, std::string_view third) {
  std::string key = Key(kind, first, second);
  key += '\0';
  key += third;
  return key;
}
std::string EntryKey(std::string_view repository, uint64_t entry) {
  char be[8];
  for (int i = 0; i < 8; ++i) be[i] = static_cast<char>(entry >> (56 - 8 * i));
  return Key('e', repository, std::string_view(be, 8));
}

// ---- a manifest's record: a format byte (1), flags (1 protected, 2 a
// subject, 4 an artifact type), then the media type, the size (u64), the
// subject and artifact type when flagged, the annotations (a u32 count of
// key and value) and the references (a u32 count of digest texts); strings
// as a u32 length and their bytes, integers little-endian.
constexpr uint8_t kRecordFormat = 1;

void PutU32(std::string& out, uint32_t value) {
  for (int i = 0; i < 4; ++i) out += static_cast<char>(value >> (8 * i));
}
void PutU64(std::string& out, uint64_t value) {
  for (int i = 0; i < 8; ++i) out += static_cast<char>(value >> (8 * i));
}
void PutString(std::string& out, std::string_view text) {
  PutU32(out, static_cast<uint32_t>(text.size()));
  out += text;
}

std::string EncodeRecord(const ManifestRecord& record) {
  std::string out;
  out += static_cast<char>(kRecordFormat);
  out += static_cast<char>((record.protected_by_log ? 1 : 0) | (record.subject ? 2 : 0) |
                           (record.artifact_type ? 4 : 0));
  PutString(out, record.media_type);
  PutU64(out, record.size);
  if (record.subject) PutString(out, record.subject->ToString());
  if (record.artifact_type) PutString(out, *record.artifact_type);
  PutU32(out, static_cast<uint32_t>(record.annotations.size()));
  for (const auto& [key, value] : record.annotations) {
    PutString(out, key);
    PutString(out, value);
  }
  // Sorted without repeats, as registry.sqlite kept them.
  std::vector<std::string> references;
  references.reserve(record.references.size());
  for (const Digest& reference : record.references) references.push_back(reference.ToString());
  std::sort(references.begin(), references.end());
  references.erase(std::unique(references.begin(), references.end()), references.end());
  PutU32(out, static_cast<uint32_t>(references.size()));
  for (const std::string& reference : references) PutString(out, reference);
  return out;
}

// Reads a record's fields in order; any read past the end fails the decode.
class RecordReader {
 public:
  explicit RecordReader(std::string_view bytes) : rest_(bytes) {}
  bool U8(uint8_t& out) {
    if (rest_.empty()) return false;
    out = static_cast<uint8_t>(rest_[0]);
    rest_.remove_prefix(1);
    return true;
  }
  bool U32(uint32_t& out) { return Fixed(out, 4); }
  bool U64(uint64_t& out) { return Fixed(out, 8); }
  bool String(std::string& out) {
    uint32_t size = 0;
    if (!U32(size) || size > rest_.size()) return false;
    out.assign(rest_.substr(0, size));
    rest_.remove_prefix(size);
    return true;
  }
  bool done() const { return rest_.empty(); }

 private:
  template <typename Int>
  bool Fixed(Int& out, size_t bytes) {
    if (rest_.size() < bytes) return false;
    out = 0;
    for (size_t i = 0; i < bytes; ++i) out |= static_cast<Int>(static_cast<uint8_t>(rest_[i])) << (8 * i);
    rest_.remove_prefix(bytes);
    return true;
  }
  std::string_view rest_;
};

Error Malformed(std::string_view what) {
  return MakeError(ErrorCode::kIo, "registry.kv holds a malformed " + std::string(what));
}

Result<Digest> StoredDigest(std::string_view text) {
  auto digest = Digest::Parse(text);
  if (!digest.ok()) return Malformed("digest \"" + std::string(text) + "\"");
  return *digest;
}

Result<ManifestRecord> DecodeRecord(const Digest& digest, std::string_view bytes) {
  RecordReader in(bytes);
  ManifestRecord out;
  out.digest = digest;
  uint8_t format = 0;
  uint8_t flags = 0;
  if (!in.U8(format) || format != kRecordFormat || !in.U8(flags) || !in.String(out.media_type) ||
      !in.U64(out.size)) {
    return Malformed("manifest record");
  }
  out.protected_by_log = (flags & 1) != 0;
  std::string text;
  if ((flags & 2) != 0) {
    if (!in.String(text)) return Malformed("manifest record");
    SCITT_ASSIGN_OR_RETURN(out.subject, StoredDigest(text));
  }
  if ((flags & 4) != 0) {
    if (!in.String(text)) return Malformed("manifest record");
    out.artifact_type = text;
  }
  uint32_t count = 0;
  if (!in.U32(count)) return Malformed("manifest record");
  for (uint32_t i = 0; i < count; ++i) {
    std::string key;
    std::string value;
    if (!in.String(key) || !in.String(value)) return Malformed("manifest record");
    out.annotations.emplace(std::move(key), std::move(value));
  }
  if (!in.U32(count)) return Malformed("manifest record");
  for (uint32_t i = 0; i < count; ++i) {
    if (!in.String(text)) return Malformed("manifest record");
    SCITT_ASSIGN_OR_RETURN(Digest reference, StoredDigest(text));
    out.references.push_back(std::move(reference));
  }
  if (!in.done()) return Malformed("manifest record");
  return out;
}

}  // namespace

Result<std::unique_ptr<RegistryKv>> RegistryKv::Open(const std::string& path) {
  SCITT_ASSIGN_OR_RETURN(std::unique_ptr<KvStore> kv, KvStore::Open(path));
  return std::unique_ptr<RegistryKv>(new RegistryKv(std::move(kv)));
}

Result<std::unique_ptr<RegistryKv>> RegistryKv::OpenForAudit(const std::string& path) {
  SCITT_ASSIGN_OR_RETURN(std::unique_ptr<KvStore> kv, KvStore::OpenForAudit(path));
  return std::unique_ptr<RegistryKv>(new RegistryKv(std::move(kv)));
}

Result<std::unique_ptr<RegistryKv>> RegistryKv::OpenEmpty(const std::string& path) {
  SCITT_ASSIGN_OR_RETURN(std::unique_ptr<KvStore> kv, KvStore::OpenEmpty(path));
  return std::unique_ptr<RegistryKv>(new RegistryKv(std::move(kv)));
}

// ---------------------------------------------------------------- writing

template <typename ChangeFn>
Status RegistryKv::Change(ChangeFn&& change) {
  uint64_t upto = 0;
  {
    std::lock_guard lock(change_mu_);
    rocksdb::WriteBatch batch;
    SCITT_RETURN_IF_ERROR(change(batch));
    SCITT_ASSIGN_OR_RETURN(upto, kv_->Apply(batch));
  }
  return kv_->Sync(upto);
}

Status RegistryKv::LinkBlob(std::string_view repository, const Digest& digest) {
  return Change([&](rocksdb::WriteBatch& batch) {
    return FromRocks(batch.Put(Key('l', repository, digest.ToString()), ""), "linking a blob");
  });
}

void RegistryKv::LinkBlobAsync(std::string_view repository, const Digest& digest,
                               std::function<void(Status)> done) {
  Result<uint64_t> upto = 0;
  {
    std::lock_guard lock(change_mu_);  // a link reads nothing, but changes apply in turn
    rocksdb::WriteBatch batch;
    Status put = FromRocks(batch.Put(Key('l', repository, digest.ToString()), ""), "linking a blob");
    upto = put.ok() ? kv_->Apply(batch) : Result<uint64_t>(put.error());
  }
  if (!upto.ok()) return done(upto.error());
  kv_->SyncThen(*upto, std::move(done));
}

Result<bool> RegistryKv::UnlinkBlob(std::string_view repository, const Digest& digest) {
  bool unlinked = false;
  SCITT_RETURN_IF_ERROR(Change([&](rocksdb::WriteBatch& batch) -> Status {
    const std::string key = Key('l', repository, digest.ToString());
    SCITT_ASSIGN_OR_RETURN(const std::optional<std::string> link, kv_->Get(key));
    unlinked = link.has_value();
    return unlinked ? FromRocks(batch.Delete(key), "unlinking a blob") : Status::Ok();
  }));
  return unlinked;
}

Result<bool> RegistryKv::PutManifest(std::string_view repository, const ManifestRecord& manifest,
                                     std::span<const std::string> tags) {
  bool stored_now = false;
  SCITT_RETURN_IF_ERROR(Change([&](rocksdb::WriteBatch& batch) {
    return PutManifestLocked(batch, repository, manifest, tags, &stored_now);
  }));
  return stored_now;
}

Status RegistryKv::Write(std::string_view repository, const RegistryWrite& write) {
  return Change([&](rocksdb::WriteBatch& batch) { return WriteLocked(batch, repository, write); });
}

std::vector<Status> RegistryKv::ApplyAll(std::span<const RepositoryWrite> writes, uint64_t& upto) {
  std::vector<Status> out;
  out.reserve(writes.size());
  // Each applied on its own (so a later one reads what an earlier one
  // wrote, and each fails alone), all made durable by one sync.
  std::lock_guard lock(change_mu_);
  for (const RepositoryWrite& each : writes) {
    rocksdb::WriteBatch batch;
    Status written = WriteLocked(batch, each.repository, *each.write);
    if (written.ok()) {
      auto applied = kv_->Apply(batch);
      if (applied.ok()) {
        upto = *applied;
      } else {
        written = applied.error();
      }
    }
    out.push_back(std::move(written));
  }
  return out;
}

namespace {

void FailUnsynced(std::vector<Status>& written, const Status& synced) {
  for (Status& each : written) {
    if (each.ok() && !synced.ok()) each = synced;
  }
}

}  // namespace

std::vector<Status> RegistryKv::WriteAll(std::span<const RepositoryWrite> writes) {
  uint64_t upto = 0;
  std::vector<Status> out = ApplyAll(writes, upto);
  FailUnsynced(out, kv_->Sync(upto));
  return out;
}

void RegistryKv::WriteAllAsync(std::span<const RepositoryWrite> writes,
                               std::function<void(std::vector<Status>)> done) {
  uint64_t upto = 0;
  std::vector<Status> applied = ApplyAll(writes, upto);
  kv_->SyncThen(upto, [out = std::move(applied), done = std::move(done)](Status synced) mutable {
    FailUnsynced(out, synced);
    done(std::move(out));
  });
}

Status RegistryKv::WriteLocked(rocksdb::WriteBatch& batch, std::string_view repository,
                               const RegistryWrite& write) {
  for (const Digest& blob : write.blob_links) {
    SCITT_RETURN_IF_ERROR(FromRocks(batch.Put(Key('l', repository, blob.ToString()), ""), "linking a blob"));
  }
  for (size_t i = 0; i < write.manifests.size(); ++i) {
    const bool last = i + 1 == write.manifests.size();
    bool stored_now = false;
    SCITT_RETURN_IF_ERROR(PutManifestLocked(batch, repository, write.manifests[i],
                                            last ? std::span<const std::string>(write.tags)
                                                 : std::span<const std::string>(),
                                            &stored_now));
  }
  if (write.entry) {
    const std::string key = EntryKey(repository, write.entry->first);
    SCITT_ASSIGN_OR_RETURN(const std::optional<std::string> recorded, kv_->Get(key));
    if (!recorded) {
      SCITT_RETURN_IF_ERROR(FromRocks(batch.Put(key, write.entry->second.ToString()), "recording a log entry"));
    }
  }
  return Status::Ok();
}

Status RegistryKv::PutManifestLocked(rocksdb::WriteBatch& batch, std::string_view repository,
                                     const ManifestRecord& manifest, std::span<const std::string> tags,
                                     bool* stored_now) {
  const std::string digest = manifest.digest.ToString();
  const std::string key = Key('m', repository, digest);
  SCITT_ASSIGN_OR_RETURN(const std::optional<std::string> stored, kv_->Get(key));
  *stored_now = !stored.has_value();
  std::optional<ManifestRecord> record;
  if (!stored) {
    record = manifest;
    SCITT_RETURN_IF_ERROR(FromRocks(batch.Put(Key('d', digest, repository), ""), "storing manifest " + digest));
  } else if (manifest.protected_by_log) {  // stored before: what it says stays, protection is added
    SCITT_ASSIGN_OR_RETURN(ManifestRecord before, DecodeRecord(manifest.digest, *stored));
    if (!before.protected_by_log) {
      before.protected_by_log = true;
      record = std::move(before);
    }
  }
  if (record) {
    const std::string encoded = EncodeRecord(*record);
    SCITT_RETURN_IF_ERROR(FromRocks(batch.Put(key, encoded), "storing manifest " + digest));
    if (record->subject) {
      SCITT_RETURN_IF_ERROR(FromRocks(batch.Put(Key('r', repository, record->subject->ToString(), digest), encoded),
                                      "storing manifest " + digest));
    }
  }
  for (const std::string& tag : tags) {
    const std::string tag_key = Key('t', repository, tag);
    SCITT_ASSIGN_OR_RETURN(const std::optional<std::string> before, kv_->Get(tag_key));
    if (before && *before != digest) {
      SCITT_RETURN_IF_ERROR(FromRocks(batch.Delete(Key('T', repository, *before, tag)), "moving a tag"));
    }
    SCITT_RETURN_IF_ERROR(FromRocks(batch.Put(tag_key, digest), "tagging manifest " + digest));
    SCITT_RETURN_IF_ERROR(FromRocks(batch.Put(Key('T', repository, digest, tag), ""), "tagging manifest " + digest));
  }
  return Status::Ok();
}

Result<bool> RegistryKv::DeleteManifest(std::string_view repository, const Digest& digest,
                                        bool even_if_protected) {
  const std::string text = digest.ToString();
  bool deleted = false;
  SCITT_RETURN_IF_ERROR(Change([&](rocksdb::WriteBatch& batch) -> Status {
    const std::string key = Key('m', repository, text);
    SCITT_ASSIGN_OR_RETURN(const std::optional<std::string> stored, kv_->Get(key));
    if (!stored) return Status::Ok();
    SCITT_ASSIGN_OR_RETURN(const ManifestRecord record, DecodeRecord(digest, *stored));
    if (record.protected_by_log && !even_if_protected) {
      return MakeError(ErrorCode::kUnsupported,
                       "manifest " + text + " is referred to by a log entry and cannot be deleted");
    }
    const std::string what = "deleting manifest " + text;
    SCITT_RETURN_IF_ERROR(FromRocks(batch.Delete(key), what));
    SCITT_RETURN_IF_ERROR(FromRocks(batch.Delete(Key('d', text, repository)), what));
    if (record.subject) {
      SCITT_RETURN_IF_ERROR(FromRocks(batch.Delete(Key('r', repository, record.subject->ToString(), text)), what));
    }
    // Every tag pointing at it goes with it.
    const std::string tags = Key('T', repository, text) + '\0';
    const std::unique_ptr<rocksdb::Iterator> it = kv_->Iterate();
    for (it->Seek(tags); it->Valid() && it->key().starts_with(tags); it->Next()) {
      const std::string_view tag(it->key().data() + tags.size(), it->key().size() - tags.size());
      SCITT_RETURN_IF_ERROR(FromRocks(batch.Delete(Key('t', repository, tag)), what));
      SCITT_RETURN_IF_ERROR(FromRocks(batch.Delete(it->key()), what));
    }
    SCITT_RETURN_IF_ERROR(FromRocks(it->status(), what));
    deleted = true;
    return Status::Ok();
  }));
  return deleted;
}

Result<bool> RegistryKv::DeleteTag(std::string_view repository, std::string_view tag) {
  bool deleted = false;
  SCITT_RETURN_IF_ERROR(Change([&](rocksdb::WriteBatch& batch) -> Status {
    const std::string key = Key('t', repository, tag);
    SCITT_ASSIGN_OR_RETURN(const std::optional<std::string> digest, kv_->Get(key));
    if (!digest) return Status::Ok();
    SCITT_RETURN_IF_ERROR(FromRocks(batch.Delete(key), "deleting a tag"));
    SCITT_RETURN_IF_ERROR(FromRocks(batch.Delete(Key('T', repository, *digest, tag)), "deleting a tag"));
    deleted = true;
    return Status::Ok();
  }));
  return deleted;
}

Status RegistryKv::ProtectManifest(std::string_view repository, const Digest& digest) {
  return Change([&](rocksdb::WriteBatch& batch) -> Status {
    const std::string text = digest.ToString();
    SCITT_ASSIGN_OR_RETURN(const std::optional<std::string> stored, kv_->Get(Key('m', repository, text)));
    if (!stored) return MakeError(ErrorCode::kNotFound, "no manifest " + text);
    SCITT_ASSIGN_OR_RETURN(ManifestRecord record, DecodeRecord(digest, *stored));
    if (record.protected_by_log) return Status::Ok();
    record.protected_by_log = true;
    bool stored_now = false;
    // Stored before, so only the protection changes.
    return PutManifestLocked(batch, repository, record, {}, &stored_now);
  });
}

Status RegistryKv::RecordEntry(std::string_view repository, uint64_t entry, const Digest& statement) {
  RegistryWrite write;
  write.entry.emplace(entry, statement);
  return Write(repository, write);
}

Status RegistryKv::SaveFollowerCursor(std::string_view follower, uint64_t next) {
  return Change([&](rocksdb::WriteBatch& batch) {
    return FromRocks(batch.Put(Key('c', follower), std::to_string(next)), "saving a follower's cursor");
  });
}

// ---------------------------------------------------------------- reading

Result<bool> RegistryKv::HasBlob(std::string_view repository, const Digest& digest) const {
  SCITT_ASSIGN_OR_RETURN(const std::optional<std::string> link, kv_->Get(Key('l', repository, digest.ToString())));
  return link.has_value();
}

Result<std::optional<ManifestRecord>> RegistryKv::GetManifest(std::string_view repository,
                                                              const Digest& digest) const {
  SCITT_ASSIGN_OR_RETURN(const std::optional<std::string> stored, kv_->Get(Key('m', repository, digest.ToString())));
  if (!stored) return std::optional<ManifestRecord>();
  SCITT_ASSIGN_OR_RETURN(ManifestRecord record, DecodeRecord(digest, *stored));
  return std::optional<ManifestRecord>(std::move(record));
}

Result<std::optional<Digest>> RegistryKv::ResolveTag(std::string_view repository, std::string_view tag) const {
  SCITT_ASSIGN_OR_RETURN(const std::optional<std::string> digest, kv_->Get(Key('t', repository, tag)));
  if (!digest) return std::optional<Digest>();
  SCITT_ASSIGN_OR_RETURN(Digest parsed, StoredDigest(*digest));
  return std::optional<Digest>(std::move(parsed));
}

Result<std::vector<std::string>> RegistryKv::ListTags(std::string_view repository, std::string_view after,
                                                      size_t limit) const {
  const std::string prefix = Key('t', repository) + '\0';
  std::vector<std::string> out;
  const std::unique_ptr<rocksdb::Iterator> it = kv_->Iterate();
  for (it->Seek(prefix + std::string(after)); it->Valid() && it->key().starts_with(prefix) && out.size() < limit;
       it->Next()) {
    std::string tag(it->key().data() + prefix.size(), it->key().size() - prefix.size());
    if (tag > after) out.push_back(std::move(tag));
  }
  SCITT_RETURN_IF_ERROR(FromRocks(it->status(), "listing tags"));
  return out;
}

Result<std::vector<Descriptor>> RegistryKv::ListReferrers(std::string_view repository, const Digest& subject,
                                                          std::optional<std::string_view> artifact_type,
                                                          std::string_view after, size_t limit) const {
  const std::string prefix = Key('r', repository, subject.ToString()) + '\0';
  std::vector<Descriptor> out;
  const std::unique_ptr<rocksdb::Iterator> it = kv_->Iterate();
  for (it->Seek(prefix + std::string(after)); it->Valid() && it->key().starts_with(prefix) && out.size() < limit;
       it->Next()) {
    const std::string_view text(it->key().data() + prefix.size(), it->key().size() - prefix.size());
    if (text <= after) continue;
    SCITT_ASSIGN_OR_RETURN(Digest digest, StoredDigest(text));
    SCITT_ASSIGN_OR_RETURN(ManifestRecord record, DecodeRecord(digest, it->value().ToStringView()));
    if (artifact_type && record.artifact_type != *artifact_type) continue;
    out.push_back(Descriptor{std::move(record.media_type), std::move(record.digest),
                             static_cast<int64_t>(record.size), std::move(record.artifact_type),
                             std::move(record.annotations), {}});
  }
  SCITT_RETURN_IF_ERROR(FromRocks(it->status(), "listing referrers"));
  return out;
}

Result<bool> RegistryKv::RepositoryExists(std::string_view repository) const {
  for (const char kind : {'l', 'm', 't'}) {
    SCITT_ASSIGN_OR_RETURN(const bool found, kv_->AnyWithPrefix(Key(kind, repository) + '\0'));
    if (found) return true;
  }
  return false;
}

Result<std::vector<std::string>> RegistryKv::RepositoriesWithManifest(const Digest& digest, size_t limit) const {
  const std::string prefix = Key('d', digest.ToString()) + '\0';
  std::vector<std::string> out;
  const std::unique_ptr<rocksdb::Iterator> it = kv_->Iterate();
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix) && out.size() < limit; it->Next()) {
    out.emplace_back(it->key().data() + prefix.size(), it->key().size() - prefix.size());
  }
  SCITT_RETURN_IF_ERROR(FromRocks(it->status(), "finding the repositories of " + digest.ToString()));
  return out;
}

Result<bool> RegistryKv::HoldsManifests() const { return kv_->AnyWithPrefix("m"); }

Result<std::optional<Digest>> RegistryKv::FindEntry(std::string_view repository, uint64_t entry) const {
  SCITT_ASSIGN_OR_RETURN(const std::optional<std::string> statement, kv_->Get(EntryKey(repository, entry)));
  if (!statement) return std::optional<Digest>();
  SCITT_ASSIGN_OR_RETURN(Digest digest, StoredDigest(*statement));
  return std::optional<Digest>(std::move(digest));
}

Result<uint64_t> RegistryKv::FollowerCursor(std::string_view follower) const {
  SCITT_ASSIGN_OR_RETURN(const std::optional<std::string> next, kv_->Get(Key('c', follower)));
  if (!next) return uint64_t{0};
  uint64_t value = 0;
  for (const char c : *next) {
    if (c < '0' || c > '9') return Malformed("follower cursor");
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  return value;
}

Result<std::vector<Digest>> RegistryKv::LiveDigests() const {
  std::set<std::string> live;
  const std::unique_ptr<rocksdb::Iterator> it = kv_->Iterate();
  // The digest is the last field of a link's and a manifest's key.
  const auto last_field = [](const rocksdb::Slice& key) {
    const std::string_view view = key.ToStringView();
    return std::string(view.substr(view.rfind('\0') + 1));
  };
  for (it->Seek("l"); it->Valid() && it->key().starts_with("l"); it->Next()) live.insert(last_field(it->key()));
  for (it->Seek("m"); it->Valid() && it->key().starts_with("m"); it->Next()) {
    std::string text = last_field(it->key());
    SCITT_ASSIGN_OR_RETURN(Digest digest, StoredDigest(text));
    SCITT_ASSIGN_OR_RETURN(const ManifestRecord record, DecodeRecord(digest, it->value().ToStringView()));
    for (const Digest& reference : record.references) live.insert(reference.ToString());
    live.insert(std::move(text));
  }
  SCITT_RETURN_IF_ERROR(FromRocks(it->status(), "listing live digests"));
  std::vector<Digest> out;
  out.reserve(live.size());
  for (const std::string& text : live) {
    SCITT_ASSIGN_OR_RETURN(Digest digest, StoredDigest(text));
    out.push_back(std::move(digest));
  }
  return out;
}

}  // namespace scitt::storage
