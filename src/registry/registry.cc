#include "registry/registry.h"

#include <fnmatch.h>

#include <algorithm>
#include <future>
#include <set>

#include "cose/sign1.h"
#include "cose/transparent_statement.h"
#include "crypto/hash.h"

namespace scitt::registry {
namespace {

OciError Refuse(OciCode code, std::string message) { return OciError{code, std::move(message)}; }

}  // namespace

Registry::Registry(BlobStore& blobs, RegistryStore& store, RegistryOptions options)
    : blobs_(blobs), store_(store), options_(options) {}

Registry::~Registry() { in_flight_.WaitForNone(); }

void Registry::InFlight::Add() {
  std::lock_guard lock(mu_);
  ++count_;
}

void Registry::InFlight::Done() {
  std::lock_guard lock(mu_);
  if (--count_ == 0) none_.notify_all();
}

void Registry::InFlight::WaitForNone() {
  std::unique_lock lock(mu_);
  none_.wait(lock, [&] { return count_ == 0; });
}

// ---------------------------------------------------------------- blobs

OciResult<uint64_t> Registry::BlobSize(std::string_view repository, const Digest& digest) const {
  auto linked = store_.HasBlob(repository, digest);
  if (!linked.ok()) return linked.error();
  if (*linked) {
    auto size = blobs_.Size(digest);
    if (!size.ok()) return size.error();
    if (size->has_value()) return **size;
  }
  return Refuse(OciCode::kBlobUnknown, "blob " + digest.ToString() + " is not in " + std::string(repository));
}

OciResult<std::unique_ptr<BlobReader>> Registry::OpenBlob(std::string_view repository,
                                                          const Digest& digest) const {
  auto size = BlobSize(repository, digest);
  if (!size.ok()) return size.error();
  auto reader = blobs_.Open(digest);
  if (!reader.ok()) {
    if (reader.error().code == ErrorCode::kNotFound) {
      return Refuse(OciCode::kBlobUnknown, reader.error().message);
    }
    return reader.error();
  }
  return std::move(*reader);
}

namespace {

OciError UploadError(const Error& error) {
  switch (error.code) {
    case ErrorCode::kNotFound: return Refuse(OciCode::kBlobUploadUnknown, error.message);
    case ErrorCode::kConflict: return Refuse(OciCode::kUploadOutOfOrder, error.message);
    case ErrorCode::kInvalidArgument: return Refuse(OciCode::kDigestInvalid, error.message);
    case ErrorCode::kUnsupported: return Refuse(OciCode::kTooLarge, error.message);
    default: return FromError(error);
  }
}

}  // namespace

OciResult<std::string> Registry::StartUpload(std::string_view repository) {
  auto upload = blobs_.StartUpload(repository);
  if (!upload.ok()) return upload.error();
  return *upload;
}

OciResult<uint64_t> Registry::AppendUpload(std::string_view repository, const std::string& upload,
                                           uint64_t offset, ByteView bytes) {
  auto size = blobs_.Append(repository, upload, offset, bytes);
  if (!size.ok()) return UploadError(size.error());
  return *size;
}

OciResult<uint64_t> Registry::UploadSize(std::string_view repository, const std::string& upload) {
  auto size = blobs_.UploadSize(repository, upload);
  if (!size.ok()) return UploadError(size.error());
  return *size;
}

OciResult<uint64_t> Registry::FinishUpload(std::string_view repository, const std::string& upload,
                                           const Digest& digest) {
  std::promise<OciResult<uint64_t>> answer;
  FinishUploadAsync(repository, upload, digest,
                    [&answer](OciResult<uint64_t> size) { answer.set_value(std::move(size)); });
  return answer.get_future().get();
}

std::function<void(Result<uint64_t>)> Registry::LinkOnceStored(std::string_view repository, const Digest& digest,
                                                              std::function<void(OciResult<uint64_t>)> done) {
  in_flight_.Add();
  auto finish = [this, done = std::move(done)](OciResult<uint64_t> size) {
    done(std::move(size));
    in_flight_.Done();
  };
  return [this, repository = std::string(repository), digest, finish](Result<uint64_t> size) {
    if (!size.ok()) return finish(UploadError(size.error()));
    // The blob is durable before it is linked: a crash in between leaves
    // bytes that `registry gc` removes, never a link to nothing.
    store_.LinkBlobAsync(repository, digest, [size = *size, finish](Status linked) {
      if (!linked.ok()) return finish(FromError(linked.error()));
      finish(size);
    });
  };
}

void Registry::FinishUploadAsync(std::string_view repository, const std::string& upload, const Digest& digest,
                                 std::function<void(OciResult<uint64_t>)> done) {
  blobs_.CommitAsync(repository, upload, digest, LinkOnceStored(repository, digest, std::move(done)));
}

void Registry::PutBlobAsync(std::string_view repository, const Digest& digest, ByteView content,
                            std::function<void(OciResult<uint64_t>)> done) {
  const Digest actual = Digest::Of(digest.algorithm(), crypto::Digest(digest.algorithm(), content));
  if (actual != digest) {
    return done(Refuse(OciCode::kDigestInvalid, "the uploaded content's digest is " + actual.ToString() +
                                                    ", not " + digest.ToString()));
  }
  auto stored = LinkOnceStored(repository, digest, std::move(done));
  const uint64_t size = content.size();
  if (digest.algorithm() != crypto::HashAlgorithm::kSha256) {  // PutAllAsync stores sha256 digests only
    auto put = blobs_.Put(content, digest.algorithm());
    return stored(put.ok() ? Result<uint64_t>(size) : Result<uint64_t>(put.error()));
  }
  blobs_.PutAllAsync(std::span(&content, 1), [size, stored = std::move(stored)](Result<std::vector<Digest>> put) {
    stored(put.ok() ? Result<uint64_t>(size) : Result<uint64_t>(put.error()));
  });
}

OciResult<bool> Registry::CancelUpload(std::string_view repository, const std::string& upload) {
  if (Status cancelled = blobs_.Cancel(repository, upload); !cancelled.ok()) {
    return UploadError(cancelled.error());
  }
  return true;
}

OciResult<bool> Registry::Mount(std::string_view repository, const Digest& digest,
                                std::optional<std::string_view> from) {
  if (from) {
    auto held = store_.HasBlob(*from, digest);
    if (!held.ok()) return held.error();
    if (!*held) return false;
  }
  auto size = blobs_.Size(digest);
  if (!size.ok()) return size.error();
  if (!size->has_value()) return false;
  if (Status linked = store_.LinkBlob(repository, digest); !linked.ok()) return linked.error();
  return true;
}

OciResult<bool> Registry::DeleteBlob(std::string_view repository, const Digest& digest) {
  auto unlinked = store_.UnlinkBlob(repository, digest);
  if (!unlinked.ok()) return unlinked.error();
  if (!*unlinked) {
    return Refuse(OciCode::kBlobUnknown, "blob " + digest.ToString() + " is not in " + std::string(repository));
  }
  return true;
}

// ---------------------------------------------------------------- manifests

OciResult<Digest> Registry::Resolve(std::string_view repository, const TagOrDigest& reference) const {
  if (reference.is_digest()) return reference.digest;
  auto digest = store_.ResolveTag(repository, reference.tag);
  if (!digest.ok()) return digest.error();
  if (!digest->has_value()) {
    return Refuse(OciCode::kManifestUnknown,
                  "no tag \"" + reference.tag + "\" in " + std::string(repository));
  }
  return **digest;
}

OciResult<StoredManifest> Registry::GetManifest(std::string_view repository,
                                                const TagOrDigest& reference) const {
  auto digest = Resolve(repository, reference);
  if (!digest.ok()) return digest.error();
  auto record = store_.GetManifest(repository, *digest);
  if (!record.ok()) return record.error();
  if (!record->has_value()) {
    return Refuse(OciCode::kManifestUnknown,
                  "no manifest " + digest->ToString() + " in " + std::string(repository));
  }
  auto reader = blobs_.Open(*digest);
  if (!reader.ok()) return reader.error();  // a stored manifest's bytes are missing: damage
  auto content = (*reader)->Read(0, static_cast<size_t>((*reader)->size()));
  if (!content.ok()) return content.error();
  return StoredManifest{std::move(**record), std::move(*content)};
}

std::optional<OciError> Registry::CheckPrecondition(std::string_view repository, const TagOrDigest& reference,
                                                   const Precondition& precondition) const {
  std::optional<Digest> current;
  if (reference.is_digest()) {
    auto stored = store_.GetManifest(repository, reference.digest);
    if (!stored.ok()) return FromError(stored.error());
    if (stored->has_value()) current = reference.digest;
  } else {
    auto tagged = store_.ResolveTag(repository, reference.tag);
    if (!tagged.ok()) return FromError(tagged.error());
    current = *tagged;
  }
  const std::string now = current ? current->ToString() : "nothing";
  if (precondition.if_none_match_any && current) {
    return Refuse(OciCode::kPreconditionFailed, "If-None-Match: * but the reference names " + now);
  }
  if (precondition.if_match) {
    const auto& allowed = *precondition.if_match;
    const bool any = std::find(allowed.begin(), allowed.end(), "*") != allowed.end();
    if (!current || (!any && std::find(allowed.begin(), allowed.end(), now) == allowed.end())) {
      return Refuse(OciCode::kPreconditionFailed, "If-Match does not hold: the reference names " + now);
    }
  }
  return std::nullopt;
}

OciResult<PushedManifest> Registry::PutManifest(std::string_view repository, const TagOrDigest& reference,
                                                std::span<const std::string> tags,
                                                std::string_view content_type, ByteView content,
                                                const Precondition& precondition) {
  std::promise<OciResult<PushedManifest>> done;
  auto answer = done.get_future();
  PutManifestAsync(repository, reference, tags, content_type, content, precondition,
                   [&done](OciResult<PushedManifest> pushed) { done.set_value(std::move(pushed)); });
  return answer.get();
}

void Registry::PutManifestAsync(std::string_view repository, const TagOrDigest& reference,
                                std::span<const std::string> tags, std::string_view content_type,
                                ByteView content, const Precondition& precondition, PushDone done) {
  auto push = std::make_shared<Push>();
  push->repository = std::string(repository);
  push->reference = reference;
  push->precondition = precondition;
  push->content.assign(content.begin(), content.end());
  auto statement = CheckPush(*push, tags, content_type);
  if (!statement.ok()) return done(statement.error());
  if (!*statement) {
    // Stored on `continue_on`'s pool, where waiting for the stores' syncs
    // holds no thread that other requests need (a manifest PUT is checked
    // on the pool that checks registrations too).
    if (!options_.continue_on) return done(FinishPush(*push));
    if (!options_.continue_on([this, push, done] { done(FinishPush(*push)); })) {
      done(Refuse(OciCode::kUnavailable, "the registry is busy; push again"));
    }
    return;
  }

  // A statement is in the log before anything is stored: a refusal stores
  // nothing, and a crash in between leaves an entry that pushing again
  // finds (the log returns the first entry of a signed content). The wait
  // for the log holds no thread: the rest runs when the receipt comes.
  pushing_.Add(repository, push->entry_hash);
  options_.registrar->Register(std::move(**statement), [this, push, done](OciResult<StatementReceipt> receipt) {
    if (!receipt.ok()) {
      pushing_.Remove(push->repository, push->entry_hash);
      return done(receipt.error());
    }
    push->registered = std::move(*receipt);
    if (options_.continue_on) return QueueRegistered({push, done});
    std::vector<Registered> alone{{push, done}};
    StoreRegisteredBatch(alone);
  });
}

std::optional<OciError> Registry::HoldPrecondition(const Push& push, std::unique_lock<std::mutex>& lock) {
  if (!push.conditional()) return std::nullopt;
  lock = std::unique_lock(conditional_mu_);
  return CheckPrecondition(push.repository, push.reference, push.precondition);
}

OciResult<std::optional<Bytes>> Registry::CheckPush(Push& push, std::span<const std::string> tags,
                                                    std::string_view content_type) {
  const std::string_view repository = push.repository;
  const TagOrDigest& reference = push.reference;
  const ByteView content = push.content;
  {
    std::unique_lock<std::mutex> conditional;  // released at once: storing checks again
    if (auto failed = HoldPrecondition(push, conditional)) return *failed;
  }
  if (content.size() > options_.max_manifest_bytes) {
    return Refuse(OciCode::kTooLarge, "a manifest may hold at most " +
                                          std::to_string(options_.max_manifest_bytes) + " bytes");
  }
  if (tags.size() + 1 > options_.max_tags_per_push) {
    return Refuse(OciCode::kTooLarge, "at most " + std::to_string(options_.max_tags_per_push) +
                                          " tags per manifest push");
  }
  auto manifest = ParseManifest(content_type, content);
  if (!manifest.ok()) return Refuse(OciCode::kManifestInvalid, manifest.error().message);
  // The digest is computed with the route's algorithm when it names one.
  const crypto::HashAlgorithm algorithm =
      reference.is_digest() ? reference.digest.algorithm() : crypto::HashAlgorithm::kSha256;
  const Digest digest = Digest::Of(algorithm, crypto::Digest(algorithm, content));
  if (reference.is_digest() && reference.digest != digest) {
    return Refuse(OciCode::kDigestInvalid, "the manifest's digest is " + digest.ToString() +
                                               ", not " + reference.digest.ToString());
  }

  // References must be in the repository; the subject never has to be.
  std::vector<Digest>& references = push.references;
  auto require = [&](const Descriptor& descriptor, bool is_manifest) -> std::optional<OciError> {
    references.push_back(descriptor.digest);
    if (is_manifest) {
      if (options_.allow_sparse_indexes) return std::nullopt;
      auto child = store_.GetManifest(repository, descriptor.digest);
      if (!child.ok()) return FromError(child.error());
      if (child->has_value()) return std::nullopt;
    } else {
      if (!descriptor.urls.empty()) return std::nullopt;  // a non-distributable layer
      auto linked = store_.HasBlob(repository, descriptor.digest);
      if (!linked.ok()) return FromError(linked.error());
      if (*linked) return std::nullopt;
    }
    return Refuse(OciCode::kManifestBlobUnknown, std::string(is_manifest ? "manifest " : "blob ") +
                                                     descriptor.digest.ToString() + " is not in " +
                                                     std::string(repository));
  };
  if (manifest->config) {
    if (auto missing = require(*manifest->config, false)) return *missing;
  }
  for (const Descriptor& layer : manifest->layers) {
    if (auto missing = require(layer, false)) return *missing;
  }
  for (const Descriptor& child : manifest->manifests) {
    if (auto missing = require(child, true)) return *missing;
  }
  PushedManifest& pushed = push.pushed;
  pushed = PushedManifest{digest, std::move(*manifest), {}, std::nullopt, std::nullopt};
  if (!reference.is_digest()) pushed.tags.push_back(reference.tag);
  for (const std::string& tag : tags) {
    if (std::find(pushed.tags.begin(), pushed.tags.end(), tag) == pushed.tags.end()) {
      pushed.tags.push_back(tag);
    }
  }

  const std::optional<Descriptor> layer =
      options_.registrar != nullptr && RegistersPushes(repository) ? StatementLayer(pushed.manifest)
                                                                   : std::nullopt;
  if (!layer) return std::optional<Bytes>();
  // Pushed and registered before: its receipt is already a referrer (a new
  // receipt for the same entry would only add another). A crash between
  // storing the two leaves none, and this push registers again.
  auto receipts = store_.ListReferrers(repository, digest, kReceiptArtifactType, "", 1);
  if (!receipts.ok()) return receipts.error();
  push.already_registered = !receipts->empty();
  if (push.already_registered) return std::optional<Bytes>();
  return ReadStatement(push, *layer);
}

OciResult<std::optional<Bytes>> Registry::ReadStatement(Push& push, const Descriptor& layer) const {
  if (layer.size < 0 || static_cast<uint64_t>(layer.size) > options_.max_statement_bytes) {
    return Refuse(OciCode::kTooLarge, "a statement may hold at most " +
                                          std::to_string(options_.max_statement_bytes) + " bytes");
  }
  // CheckPush found the layer linked in the repository: its bytes only.
  auto reader = blobs_.Open(layer.digest);
  if (!reader.ok()) {
    if (reader.error().code == ErrorCode::kNotFound) {
      return Refuse(OciCode::kManifestBlobUnknown, reader.error().message);
    }
    return reader.error();
  }
  if ((*reader)->size() != static_cast<uint64_t>(layer.size)) {
    return Refuse(OciCode::kManifestInvalid, "the statement layer's size is " + std::to_string(layer.size) +
                                                 " but its blob holds " + std::to_string((*reader)->size()) +
                                                 " bytes");
  }
  auto bytes = (*reader)->Read(0, static_cast<size_t>(layer.size));
  if (!bytes.ok()) return bytes.error();
  // What is not a COSE_Sign1 is left for the registrar to refuse. Parsed in
  // place: the parse is done with before the bytes move out.
  if (auto statement = cose::Sign1::ParseBorrowed(*bytes); statement.ok()) {
    if (auto contradiction = CheckStatementManifest(push.pushed.manifest, *statement)) return *contradiction;
    push.entry_hash = cose::LogEntry(*statement);
  }
  return std::optional<Bytes>(std::move(*bytes));
}

OciResult<PushedManifest> Registry::FinishPush(Push& push) {
  const std::string_view repository = push.repository;
  PushedManifest& pushed = push.pushed;
  std::unique_lock<std::mutex> conditional;
  if (auto failed = HoldPrecondition(push, conditional)) return *failed;
  auto stored = Store(repository, pushed.manifest, pushed.digest, push.content, std::move(push.references),
                      pushed.tags, /*protected_by_log=*/push.already_registered);
  if (!stored.ok()) return stored.error();
  // A manifest the repository held already had its earlier statements
  // attached then (and later ones by the log follower).
  if (*stored && options_.on_manifest_stored) options_.on_manifest_stored(repository, pushed.digest);
  return std::move(pushed);
}

OciResult<Registry::OwnWrite> Registry::RegisteredWrite(Push& push) {
  // Its manifest, its receipt manifest and the entry's record in one
  // registry transaction, so that no listing shows the statement without
  // its receipt and a crash leaves all or nothing.
  const PushedManifest& pushed = push.pushed;
  const StatementReceipt& registered = *push.registered;
  const Descriptor statement{std::string(pushed.manifest.media_type), pushed.digest,
                             static_cast<int64_t>(push.content.size()), std::nullopt, {}, {}};
  OwnWrite own = ReceiptWrite(statement, registered.index, registered.receipt);
  own.write.manifests.push_back(Record(pushed.manifest, pushed.digest, push.content.size(),
                                       std::move(push.references), /*protected_by_log=*/true));
  own.write.tags = pushed.tags;
  own.write.entry = {registered.index, pushed.digest};
  if (pushed.digest.algorithm() == crypto::HashAlgorithm::kSha256) {
    own.blobs.push_back(push.content);
  } else if (auto stored = blobs_.Put(push.content, pushed.digest.algorithm()); !stored.ok()) {
    return stored.error();
  }
  return own;
}

void Registry::QueueRegistered(Registered registered) {
  {
    std::lock_guard lock(registered_mu_);
    registered_.push_back(std::move(registered));
    if (storing_registered_) return;  // the running task takes it
    storing_registered_ = true;
  }
  if (options_.continue_on([this] { StoreRegistered(); })) return;
  std::vector<Registered> refused;
  {
    std::lock_guard lock(registered_mu_);
    refused.swap(registered_);
    storing_registered_ = false;
  }
  for (Registered& each : refused) {
    pushing_.Remove(each.push->repository, each.push->entry_hash);
    each.done(Refuse(OciCode::kUnavailable, "the statement is registered but the registry is busy; push again"));
  }
}

void Registry::StoreRegistered() {
  for (;;) {
    std::vector<Registered> taken;
    {
      std::lock_guard lock(registered_mu_);
      if (registered_.empty()) {
        storing_registered_ = false;
        return;
      }
      taken.swap(registered_);
    }
    std::vector<Registered> batch;
    for (Registered& each : taken) {
      if (!each.push->conditional()) {
        batch.push_back(std::move(each));
        continue;
      }
      std::vector<Registered> alone{std::move(each)};
      StoreRegisteredBatch(alone);
    }
    if (!batch.empty()) StoreRegisteredBatch(batch);
  }
}

void Registry::StoreRegisteredBatch(std::vector<Registered>& batch) {
  // A conditional push is stored alone, with its precondition checked again
  // under conditional_mu_, which it holds until its write is committed: two
  // in one batch would each pass the check before either is written.
  std::unique_lock<std::mutex> conditional;
  if (batch.size() == 1) {
    const Push& push = *batch.front().push;
    if (auto failed = HoldPrecondition(push, conditional)) {
      pushing_.Remove(push.repository, push.entry_hash);
      return batch.front().done(*failed);
    }
  }
  // Stored without holding this thread while the stores sync: the next
  // batch is applied meanwhile, and the stores' syncer threads finish this
  // one. A conditional push waits here, holding conditional_mu_.
  struct Storing {
    std::vector<Registered> batch;
    std::vector<std::optional<OciError>> failed;
    std::vector<OwnWrite> owns;
    std::promise<void> stored;
  };
  auto storing = std::make_shared<Storing>();
  storing->batch = std::move(batch);
  const size_t n = storing->batch.size();
  storing->failed.resize(n);
  storing->owns.resize(n);
  for (size_t i = 0; i < n; ++i) {
    auto own = RegisteredWrite(*storing->batch[i].push);
    if (own.ok()) {
      storing->owns[i] = std::move(*own);
    } else {
      storing->failed[i] = own.error();
    }
  }
  // Bytes first, then the records: a crash in between leaves unreferenced
  // blobs (gc removes them), never a record without its bytes.
  std::vector<ByteView> blobs;
  for (size_t i = 0; i < n; ++i) {
    if (storing->failed[i]) continue;
    blobs.insert(blobs.end(), storing->owns[i].blobs.begin(), storing->owns[i].blobs.end());
    blobs.push_back(AsBytes(storing->owns[i].receipt_manifest_bytes));
  }
  std::future<void> stored = storing->stored.get_future();
  in_flight_.Add();
  blobs_.PutAllAsync(blobs, [this, storing](Result<std::vector<Digest>> put) {
    std::vector<RegistryStore::RepositoryWrite> writes;
    std::vector<size_t> written_by;  // writes[k] is batch[written_by[k]]'s
    for (size_t i = 0; i < storing->batch.size(); ++i) {
      if (storing->failed[i]) continue;
      if (!put.ok()) {
        storing->failed[i] = FromError(put.error());
        continue;
      }
      writes.push_back({storing->batch[i].push->repository, &storing->owns[i].write});
      written_by.push_back(i);
    }
    store_.WriteAllAsync(writes, [this, storing, written_by](std::vector<Status> written) {
      stored_batches_.fetch_add(1);
      for (size_t k = 0; k < written.size(); ++k) {
        if (!written[k].ok()) storing->failed[written_by[k]] = FromError(written[k].error());
      }
      for (size_t i = 0; i < storing->batch.size(); ++i) {
        Push& push = *storing->batch[i].push;
        // The log follower, which waits for this push, finds the entry
        // recorded, or attaches it itself if the push failed.
        pushing_.Remove(push.repository, push.entry_hash);
        if (storing->failed[i]) {
          storing->batch[i].done(std::move(*storing->failed[i]));
          continue;
        }
        push.pushed.entry = push.registered->index;
        push.pushed.receipt_manifest = storing->owns[i].receipt_manifest;
        stored_pushes_.fetch_add(1);
        storing->batch[i].done(std::move(push.pushed));
      }
      storing->stored.set_value();
      in_flight_.Done();
    });
  });
  if (conditional.owns_lock()) stored.wait();
}

Registry::OwnWrite Registry::ReceiptWrite(const Descriptor& statement, uint64_t entry,
                                          ByteView receipt) const {
  OwnWrite out;
  const Descriptor layer{std::string(kReceiptArtifactType), Digest::Sha256Of(receipt),
                         static_cast<int64_t>(receipt.size()), std::nullopt, {}, {}};
  OwnManifest receipt_manifest = ReceiptManifest(statement, layer, entry);
  const Digest& empty = receipt_manifest.manifest.config->digest;
  out.receipt_manifest_bytes = std::move(receipt_manifest.bytes);
  out.receipt_manifest = Digest::Sha256Of(AsBytes(out.receipt_manifest_bytes));
  out.blobs = {AsBytes("{}"), receipt};  // and receipt_manifest_bytes (stored with them)
  out.write.blob_links = {empty, layer.digest};
  out.write.manifests.push_back(Record(receipt_manifest.manifest, out.receipt_manifest,
                                       out.receipt_manifest_bytes.size(), {empty, layer.digest},
                                       /*protected_by_log=*/true));
  return out;
}

Status Registry::WriteOwn(std::string_view repository, const OwnWrite& own) {
  // Bytes first, then the records: a crash in between leaves unreferenced
  // blobs (gc removes them), never a record without its bytes.
  std::vector<ByteView> blobs = own.blobs;
  blobs.push_back(AsBytes(own.receipt_manifest_bytes));
  if (auto stored = blobs_.PutAll(blobs); !stored.ok()) return stored.error();
  return store_.Write(repository, own.write);
}

OciResult<bool> Registry::AttachLoggedStatement(std::string_view repository, const Descriptor& subject,
                                                ByteView statement, const Annotations& annotations,
                                                uint64_t entry, const crypto::Sha256Digest& entry_hash,
                                                ByteView receipt) {
  if (pushing_.Contains(repository, entry_hash)) {
    return Refuse(OciCode::kUnavailable, "entry " + std::to_string(entry) + " is being pushed to " +
                                             std::string(repository));
  }
  auto attached = store_.FindEntry(repository, entry);
  if (!attached.ok()) return attached.error();
  if (attached->has_value()) return false;

  const Descriptor layer{std::string(kStatementArtifactType), Digest::Sha256Of(statement),
                         static_cast<int64_t>(statement.size()), std::nullopt, {}, {}};
  const OwnManifest own_manifest = StatementManifest(subject, layer, annotations);
  const std::string& manifest = own_manifest.bytes;
  const Digest digest = Digest::Sha256Of(AsBytes(manifest));
  const Descriptor described{std::string(kOciManifest), digest, static_cast<int64_t>(manifest.size()),
                             std::nullopt, {}, {}};
  // As for a push: both manifests and the entry's record in one transaction.
  OwnWrite own = ReceiptWrite(described, entry, receipt);
  own.blobs.push_back(statement);
  own.blobs.push_back(AsBytes(manifest));
  own.write.blob_links.push_back(layer.digest);
  own.write.manifests.push_back(Record(own_manifest.manifest, digest, manifest.size(),
                                       {own_manifest.manifest.config->digest, layer.digest},
                                       /*protected_by_log=*/true));
  own.write.entry = {entry, digest};
  if (Status written = WriteOwn(repository, own); !written.ok()) return written.error();
  return true;
}

bool Registry::RegistersPushes(std::string_view repository) const {
  const std::string name(repository);
  return std::none_of(options_.unregistered_repositories.begin(), options_.unregistered_repositories.end(),
                      [&](const std::string& glob) { return fnmatch(glob.c_str(), name.c_str(), 0) == 0; });
}

void Registry::PushesInFlight::Add(std::string_view repository, const crypto::Sha256Digest& entry_hash) {
  std::lock_guard lock(mu_);
  pushes_.emplace(std::string(repository), entry_hash);
}

void Registry::PushesInFlight::Remove(std::string_view repository, const crypto::Sha256Digest& entry_hash) {
  {
    std::lock_guard lock(mu_);
    if (auto it = pushes_.find({std::string(repository), entry_hash}); it != pushes_.end()) pushes_.erase(it);
  }
  removed_.notify_all();
}

bool Registry::PushesInFlight::WaitUntilGone(std::string_view repository, const crypto::Sha256Digest& entry_hash,
                                             std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  const std::pair<std::string, crypto::Sha256Digest> key{std::string(repository), entry_hash};
  return removed_.wait_for(lock, timeout, [&] { return pushes_.count(key) == 0; });
}

bool Registry::WaitWhilePushing(std::string_view repository, const crypto::Sha256Digest& entry_hash,
                                std::chrono::milliseconds timeout) const {
  return pushing_.WaitUntilGone(repository, entry_hash, timeout);
}

bool Registry::PushesInFlight::Contains(std::string_view repository,
                                        const crypto::Sha256Digest& entry_hash) const {
  std::lock_guard lock(mu_);
  return pushes_.count({std::string(repository), entry_hash}) > 0;
}

ManifestRecord Registry::Record(const Manifest& manifest, const Digest& digest, size_t size,
                               std::vector<Digest> references, bool protected_by_log) {
  std::sort(references.begin(), references.end());
  references.erase(std::unique(references.begin(), references.end()), references.end());
  const Descriptor listed = ReferrerDescriptor(manifest, digest, static_cast<int64_t>(size));
  ManifestRecord record;
  record.digest = digest;
  record.media_type = manifest.media_type;
  record.size = size;
  if (manifest.subject) record.subject = manifest.subject->digest;
  record.artifact_type = listed.artifact_type;
  record.annotations = manifest.annotations;
  record.references = std::move(references);
  record.protected_by_log = protected_by_log;
  return record;
}

OciResult<bool> Registry::Store(std::string_view repository, const Manifest& manifest, const Digest& digest,
                                ByteView content, std::vector<Digest> references,
                                std::span<const std::string> tags, bool protected_by_log) {
  // Bytes first, then the record: a crash in between leaves an unreferenced
  // blob (gc removes it), never a record without its bytes.
  auto stored = blobs_.Put(content, digest.algorithm());
  if (!stored.ok()) return stored.error();
  const ManifestRecord record = Record(manifest, digest, content.size(), std::move(references), protected_by_log);
  auto put = store_.PutManifest(repository, record, tags);
  if (!put.ok()) return put.error();
  return *put;
}

OciResult<bool> Registry::DeleteManifest(std::string_view repository, const TagOrDigest& reference) {
  if (!reference.is_digest()) {
    auto deleted = store_.DeleteTag(repository, reference.tag);
    if (!deleted.ok()) return deleted.error();
    if (!*deleted) {
      return Refuse(OciCode::kManifestUnknown,
                    "no tag \"" + reference.tag + "\" in " + std::string(repository));
    }
    return true;
  }
  auto deleted = store_.DeleteManifest(repository, reference.digest, !options_.delete_protection);
  if (!deleted.ok()) {
    if (deleted.error().code == ErrorCode::kUnsupported) {
      return Refuse(OciCode::kUnsupported, deleted.error().message);
    }
    return deleted.error();
  }
  if (!*deleted) {
    return Refuse(OciCode::kManifestUnknown,
                  "no manifest " + reference.digest.ToString() + " in " + std::string(repository));
  }
  return true;
}

OciResult<bool> Registry::ProtectManifest(std::string_view repository, const Digest& digest) {
  if (Status done = store_.ProtectManifest(repository, digest); !done.ok()) {
    if (done.error().code == ErrorCode::kNotFound) {
      return Refuse(OciCode::kManifestUnknown, done.error().message);
    }
    return done.error();
  }
  return true;
}

// ---------------------------------------------------------------- discovery

OciResult<std::vector<std::string>> Registry::ListTags(std::string_view repository,
                                                       std::string_view after, size_t limit) const {
  auto exists = store_.RepositoryExists(repository);
  if (!exists.ok()) return exists.error();
  if (!*exists) {
    return Refuse(OciCode::kNameUnknown, "no repository " + std::string(repository));
  }
  auto tags = store_.ListTags(repository, after, limit);
  if (!tags.ok()) return tags.error();
  return std::move(*tags);
}

OciResult<std::vector<Descriptor>> Registry::ListReferrers(
    std::string_view repository, const Digest& subject, std::optional<std::string_view> artifact_type,
    std::string_view after, size_t limit) const {
  auto referrers = store_.ListReferrers(repository, subject, artifact_type, after, limit);
  if (!referrers.ok()) return referrers.error();
  return std::move(*referrers);
}

}  // namespace scitt::registry
