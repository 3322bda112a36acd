// The OCI distribution registry (distribution-spec v1.1): pull, push,
// content discovery and content management over a BlobStore (bytes) and a
// RegistryStore (what each repository holds). Transport-free: api/oci turns
// HTTP into these calls and OciErrors into HTTP. Names, tags and digests
// reach it already parsed (registry/reference.h).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/hash.h"
#include "registry/blob_store.h"
#include "registry/errors.h"
#include "registry/manifest.h"
#include "registry/reference.h"
#include "registry/registry_store.h"
#include "registry/scitt_profile.h"

namespace scitt::registry {

struct RegistryOptions {
  // distribution-spec: registries SHOULD accept manifests of at least 4 MB.
  size_t max_manifest_bytes = 4 << 20;
  // An index whose children are not all stored is refused
  // (MANIFEST_BLOB_UNKNOWN) unless sparse indexes are allowed.
  bool allow_sparse_indexes = false;
  // Tags one manifest PUT may set (its reference and ?tag= values).
  size_t max_tags_per_push = 64;
  // Registers pushed statement manifests (scitt_profile.h); null stores
  // them as any other artifact. Must outlive the registry.
  StatementRegistrar* registrar = nullptr;
  // The largest statement layer read for registration (the registrar
  // refuses larger statements anyway).
  size_t max_statement_bytes = 1 << 20;
  // Repositories (shell globs, fnmatch without FNM_PATHNAME: "mirror/*"
  // covers "mirror/a/b") whose pushed statement manifests are stored as
  // any artifact, not registered.
  std::vector<std::string> unregistered_repositories;
  // Refuse to delete a manifest a log entry refers to (UNSUPPORTED).
  bool delete_protection = true;
  // Where a statement push continues once its receipt is there (the
  // registrar calls back on the log's thread, which must not wait on
  // disk): false when it cannot take the task (the push then answers
  // UNKNOWN/503, and pushing again finds the entry). Null: on the
  // registrar's thread (tests).
  std::function<bool(std::function<void()>)> continue_on;
  // Told of every manifest a push stored that the repository did not hold
  // (not the ones the registry writes itself), after it is stored: where statements registered before their
  // artifact was pushed get attached (LogAttacher). Called on the pushing
  // thread: it must not block.
  std::function<void(std::string_view repository, const Digest& digest)> on_manifest_stored;
};

// A manifest as it is served: its record and its exact bytes.
struct StoredManifest {
  ManifestRecord record;
  Bytes content;
};

// RFC 9110 §13.1.1-2 on a manifest PUT: the tag (or digest) of the route
// must currently name one of `if_match` (entity tags are the quoted
// digests GET answers as ETag; "*": any), and, with `if_none_match_any`,
// must name nothing yet. Clients keeping a referrers tag index (the tag
// schema) use it so that two updates do not lose one.
struct Precondition {
  std::optional<std::vector<std::string>> if_match;  // unquoted digests, or "*"
  bool if_none_match_any = false;
};

// What a manifest PUT stored.
struct PushedManifest {
  Digest digest;
  Manifest manifest;
  std::vector<std::string> tags;  // the tags now pointing at it
  // A statement manifest that was registered: its entry, and the receipt
  // manifest now listed among its referrers.
  std::optional<uint64_t> entry;
  std::optional<Digest> receipt_manifest;
};

// Thread-safe; every call may block on disk (run them on a worker pool).
class Registry {
 public:
  Registry(BlobStore& blobs, RegistryStore& store, RegistryOptions options = {});
  // Waits for what the stores still have to answer (uploads and pushes
  // finishing on their threads).
  ~Registry();

  // ---- blobs
  // The size of a blob the repository holds (BLOB_UNKNOWN otherwise).
  OciResult<uint64_t> BlobSize(std::string_view repository, const Digest& digest) const;
  OciResult<std::unique_ptr<BlobReader>> OpenBlob(std::string_view repository,
                                                 const Digest& digest) const;
  OciResult<std::string> StartUpload(std::string_view repository);
  // BLOB_UPLOAD_UNKNOWN for an unknown session, kUploadOutOfOrder when
  // `offset` is not where the upload ends. Returns the new size.
  OciResult<uint64_t> AppendUpload(std::string_view repository, const std::string& upload,
                                   uint64_t offset, ByteView bytes);
  OciResult<uint64_t> UploadSize(std::string_view repository, const std::string& upload);
  // Commits the upload as `digest` (DIGEST_INVALID when its bytes hash to
  // something else; the session ends either way) and adds the blob to the
  // repository. Returns its size. Waits for FinishUploadAsync's answer, so
  // never from a store's thread, where that answer runs.
  OciResult<uint64_t> FinishUpload(std::string_view repository, const std::string& upload,
                                   const Digest& digest);
  // The same, answered through `done` once the blob is linked, without
  // holding the caller's thread while the stores sync (`done` may run on
  // a store's thread: it must not block).
  void FinishUploadAsync(std::string_view repository, const std::string& upload, const Digest& digest,
                         std::function<void(OciResult<uint64_t>)> done);
  // A whole blob sent in one request (a single POST whose body the server
  // buffered): stored as `digest` once its bytes hash to it (DIGEST_INVALID
  // otherwise) and added to the repository, as FinishUploadAsync does, with
  // no upload session. `content` is read before this returns.
  void PutBlobAsync(std::string_view repository, const Digest& digest, ByteView content,
                    std::function<void(OciResult<uint64_t>)> done);
  OciResult<bool> CancelUpload(std::string_view repository, const std::string& upload);
  // Cross-repository mount: adds the stored blob `digest` to `repository`
  // when `from` holds it, or, with no `from`, when its bytes are stored at
  // all (distribution-spec: a registry MAY mount without `from`). False
  // (the client then uploads) when it cannot.
  OciResult<bool> Mount(std::string_view repository, const Digest& digest,
                        std::optional<std::string_view> from);
  // Removes the blob from the repository (its bytes go at `registry gc`).
  OciResult<bool> DeleteBlob(std::string_view repository, const Digest& digest);

  // ---- manifests
  OciResult<StoredManifest> GetManifest(std::string_view repository,
                                        const TagOrDigest& reference) const;
  // Stores `content` exactly as sent. `reference` is the tag or digest of
  // the route; `tags` the ?tag= values (which need a digest reference).
  // Refusals: kTooLarge; MANIFEST_INVALID (ParseManifest); DIGEST_INVALID
  // when the route's digest is not the content's; TAG_INVALID is the
  // caller's (tags arrive validated); MANIFEST_BLOB_UNKNOWN when the config,
  // a layer (unless it has urls: a non-distributable layer) or, unless
  // sparse indexes are allowed, an index's child is not in the repository.
  // A subject is never required to exist. A statement manifest
  // (scitt_profile.h), with a registrar, is registered first: the answer
  // comes once it is in the log, with its receipt manifest stored as its
  // referrer; a refused statement (DENIED) stores nothing. Both manifests
  // are then protected from deletion.
  // PRECONDITION_FAILED when `precondition` does not hold; conditional
  // pushes are serialized with each other.
  using PushDone = std::function<void(OciResult<PushedManifest>)>;
  void PutManifestAsync(std::string_view repository, const TagOrDigest& reference,
                        std::span<const std::string> tags, std::string_view content_type, ByteView content,
                        const Precondition& precondition, PushDone done);
  // The same, waiting for the answer: for callers that may block (tests,
  // tools), never on the thread `continue_on` runs tasks on.
  OciResult<PushedManifest> PutManifest(std::string_view repository, const TagOrDigest& reference,
                                        std::span<const std::string> tags,
                                        std::string_view content_type, ByteView content,
                                        const Precondition& precondition = {});
  // By digest: the manifest and its tags; by tag: the tag alone.
  // MANIFEST_UNKNOWN when there is none; UNSUPPORTED when a log entry
  // refers to the manifest.
  OciResult<bool> DeleteManifest(std::string_view repository, const TagOrDigest& reference);
  // Marks a stored manifest as referred to by a log entry.
  OciResult<bool> ProtectManifest(std::string_view repository, const Digest& digest);
  // Whether statement manifests pushed to `repository` are registered.
  bool RegistersPushes(std::string_view repository) const;

  // Registered statement pushes stored, and in how many batches (for
  // /metrics: their quotient is the mean batch).
  struct Stats {
    uint64_t stored_pushes = 0;
    uint64_t stored_batches = 0;
  };
  Stats stats() const { return {stored_pushes_.load(), stored_batches_.load()}; }

  // ---- statements registered by POST /entries (registry/log_attacher.h)
  // Attaches the registered statement `statement` (log entry `entry`,
  // whose hash is `entry_hash`) to `subject` in `repository`, as a push
  // would have: a statement manifest written by the service (with
  // `annotations`) and the receipt manifest, both protected. False, and
  // nothing written, when the entry is already attached there;
  // UNAVAILABLE when a push of it to `repository` is in progress (wait
  // for it first: WaitWhilePushing).
  OciResult<bool> AttachLoggedStatement(std::string_view repository, const Descriptor& subject,
                                        ByteView statement, const Annotations& annotations,
                                        uint64_t entry, const crypto::Sha256Digest& entry_hash,
                                        ByteView receipt);
  // Waits until no push of the statement whose entry hash is `entry_hash`
  // is being registered and stored in `repository`, or `timeout` passes;
  // true when none is. Such a push either stores the entry itself or fails
  // (a 412 after registering, a disk error, a crash), and then only the log
  // follower can attach it: it waits here instead of passing it over.
  bool WaitWhilePushing(std::string_view repository, const crypto::Sha256Digest& entry_hash,
                        std::chrono::milliseconds timeout) const;

  // ---- discovery
  // NAME_UNKNOWN for a repository that holds nothing.
  OciResult<std::vector<std::string>> ListTags(std::string_view repository, std::string_view after,
                                               size_t limit) const;
  // Never NAME_UNKNOWN: an unknown subject or repository has no referrers.
  OciResult<std::vector<Descriptor>> ListReferrers(std::string_view repository, const Digest& subject,
                                                   std::optional<std::string_view> artifact_type,
                                                   std::string_view after, size_t limit) const;

 private:
  OciResult<Digest> Resolve(std::string_view repository, const TagOrDigest& reference) const;
  // Stores a parsed manifest's bytes and record, and points `tags` at it.
  // True when the repository did not hold it before.
  OciResult<bool> Store(std::string_view repository, const Manifest& manifest, const Digest& digest,
                        ByteView content, std::vector<Digest> references,
                        std::span<const std::string> tags, bool protected_by_log);
  // A manifest push between its checks and its storing.
  struct Push {
    std::string repository;
    TagOrDigest reference;
    Precondition precondition;
    Bytes content;
    PushedManifest pushed;
    std::vector<Digest> references;
    bool already_registered = false;            // its receipt is a referrer already
    crypto::Sha256Digest entry_hash{};          // of the statement to register
    std::optional<StatementReceipt> registered;
    bool conditional() const { return precondition.if_match || precondition.if_none_match_any; }
  };
  std::optional<OciError> CheckPrecondition(std::string_view repository, const TagOrDigest& reference,
                                            const Precondition& precondition) const;
  // For a conditional push: takes conditional_mu_ into `lock` (the caller
  // holds it until the push is written) and checks the precondition under
  // it. Nothing for the others.
  std::optional<OciError> HoldPrecondition(const Push& push, std::unique_lock<std::mutex>& lock);
  // Every check of a push; fills `push`. Returns the statement to register
  // before storing it, if any.
  OciResult<std::optional<Bytes>> CheckPush(Push& push, std::span<const std::string> tags,
                                            std::string_view content_type);
  // Reads the statement in `layer` and checks it against the manifest.
  OciResult<std::optional<Bytes>> ReadStatement(Push& push, const Descriptor& layer) const;
  // What the service writes for a registered statement: the blobs (bytes
  // first) and one registry transaction.
  struct OwnWrite {
    std::vector<ByteView> blobs;  // the caller's buffers; receipt_manifest_bytes is added
    RegistryWrite write;
    std::string receipt_manifest_bytes;
    Digest receipt_manifest;
  };
  // The receipt manifest of the statement manifest `statement` (with the
  // empty config and the receipt as blobs, linked, and its record).
  OwnWrite ReceiptWrite(const Descriptor& statement, uint64_t entry, ByteView receipt) const;
  // A logged statement's attachment (AttachLoggedStatement).
  Status WriteOwn(std::string_view repository, const OwnWrite& own);
  static ManifestRecord Record(const Manifest& manifest, const Digest& digest, size_t size,
                               std::vector<Digest> references, bool protected_by_log);
  // Stores what a push that registers nothing checked.
  OciResult<PushedManifest> FinishPush(Push& push);
  // What storing a registered push writes: its statement manifest, with
  // the receipt manifest and the entry's record.
  OciResult<OwnWrite> RegisteredWrite(Push& push);
  // What a stored blob's answer goes through: links it in `repository`,
  // then answers `done` (counted in in_flight_ until then).
  std::function<void(Result<uint64_t>)> LinkOnceStored(std::string_view repository, const Digest& digest,
                                                       std::function<void(OciResult<uint64_t>)> done);
  // Registered pushes are stored a batch at a time, by one task on
  // `continue_on` that takes what has queued meanwhile: one blob commit and
  // one registry transaction for the batch (each push in its own
  // savepoint), instead of a task and two commits per push. The task
  // applies a batch and goes on to the next while the stores sync it. A
  // conditional push is a batch of its own (StoreRegisteredBatch).
  struct Registered {
    std::shared_ptr<Push> push;
    PushDone done;
  };
  void QueueRegistered(Registered registered);
  void StoreRegistered();  // the task: batches until none is queued
  void StoreRegisteredBatch(std::vector<Registered>& batch);

  BlobStore& blobs_;
  RegistryStore& store_;
  const RegistryOptions options_;

  // Statements being registered by a push, by (repository, entry hash):
  // the log follower waits for them (WaitWhilePushing), the push attaches
  // them itself.
  class PushesInFlight {
   public:
    void Add(std::string_view repository, const crypto::Sha256Digest& entry_hash);
    void Remove(std::string_view repository, const crypto::Sha256Digest& entry_hash);
    bool Contains(std::string_view repository, const crypto::Sha256Digest& entry_hash) const;
    // True once Contains is false, false if `timeout` passes first.
    bool WaitUntilGone(std::string_view repository, const crypto::Sha256Digest& entry_hash,
                       std::chrono::milliseconds timeout) const;

   private:
    mutable std::mutex mu_;
    mutable std::condition_variable removed_;
    std::multiset<std::pair<std::string, crypto::Sha256Digest>> pushes_;
  };
  PushesInFlight pushing_;
  // Uploads and registered batches the stores finish on their threads,
  // which call back into the registry: the destructor waits for them.
  class InFlight {
   public:
    void Add();
    void Done();
    void WaitForNone();

   private:
    std::mutex mu_;
    std::condition_variable none_;
    size_t count_ = 0;
  };
  InFlight in_flight_;
  std::mutex conditional_mu_;  // held through a conditional push
  std::mutex registered_mu_;   // guards the two below
  std::vector<Registered> registered_;
  bool storing_registered_ = false;  // a StoreRegistered task is posted or running
  std::atomic<uint64_t> stored_pushes_{0}, stored_batches_{0};
};

}  // namespace scitt::registry
