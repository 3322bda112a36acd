// Where the registry keeps blob bytes: content-addressed, written through
// upload sessions that readers never see until committed under their
// digest. Defined here, by its user (DESIGN.md §2); storage/embedded
// implements it with files in the data directory.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "registry/reference.h"

namespace scitt::registry {

// An open committed blob, read with pread at any offset from any thread.
// Reading blocks on disk: never on an HTTP I/O thread.
class BlobReader {
 public:
  virtual ~BlobReader() = default;
  virtual uint64_t size() const = 0;
  // Up to `length` bytes at `offset` (fewer only at the end of the blob).
  virtual Result<Bytes> Read(uint64_t offset, size_t length) const = 0;
  // The same into `into`: how many bytes were put there (fewer only at the
  // end of the blob), without an allocation (streamed downloads).
  virtual Result<size_t> ReadInto(uint64_t offset, std::span<uint8_t> into) const = 0;
};

// Thread-safe. Every call may block on disk.
class BlobStore {
 public:
  virtual ~BlobStore() = default;

  // Starts an upload session for `owner` (the repository it pushes to) and
  // returns its id: unguessable, URL-safe. Every later call on the session
  // names the same owner; another owner gets kNotFound, as for an unknown
  // id. kUnavailable when too many sessions are open.
  virtual Result<std::string> StartUpload(std::string_view owner) = 0;
  // Appends `bytes` to the session at `offset`, which must be its current
  // size (kConflict otherwise: an out-of-order chunk, 416 on the wire), and
  // returns the new size. kNotFound for an unknown, expired or cancelled
  // session; kConflict too while another append to it is in progress;
  // kUnsupported when the session would exceed the store's size limit.
  virtual Result<uint64_t> Append(std::string_view owner, const std::string& upload, uint64_t offset,
                                  ByteView bytes) = 0;
  // The session's size so far (kNotFound as above).
  virtual Result<uint64_t> UploadSize(std::string_view owner, const std::string& upload) = 0;
  // Ends the session: its bytes must hash to `expected` (kInvalidArgument
  // otherwise, and the session is gone either way), then they are durably
  // the blob `expected` (a blob already stored keeps its bytes). Returns
  // its size. Once this returns OK the blob survives a crash.
  virtual Result<uint64_t> Commit(std::string_view owner, const std::string& upload,
                                  const Digest& expected) = 0;
  // Commit answered through `done`, which a store that can calls once the
  // blob is durable without holding the caller's thread meanwhile (on a
  // thread of its own: `done` must not block).
  virtual void CommitAsync(std::string_view owner, const std::string& upload, const Digest& expected,
                           std::function<void(Result<uint64_t>)> done) {
    done(Commit(owner, upload, expected));
  }
  // Drops the session and its bytes (kNotFound when unknown).
  virtual Status Cancel(std::string_view owner, const std::string& upload) = 0;

  // The size of a committed blob, nullopt when there is none.
  virtual Result<std::optional<uint64_t>> Size(const Digest& digest) const = 0;
  // kNotFound when there is no such blob.
  virtual Result<std::unique_ptr<BlobReader>> Open(const Digest& digest) const = 0;
  // Stores `content` as a blob directly (small documents: manifests) under
  // its digest with `algorithm`, and returns that digest. Durable once it
  // returns.
  virtual Result<Digest> Put(ByteView content,
                             crypto::HashAlgorithm algorithm = crypto::HashAlgorithm::kSha256) = 0;
  // Put of each (sha256), durable together once it returns: a store that
  // can commits them at once.
  virtual Result<std::vector<Digest>> PutAll(std::span<const ByteView> contents) {
    std::vector<Digest> out;
    for (ByteView content : contents) {
      auto digest = Put(content);
      if (!digest.ok()) return digest.error();
      out.push_back(*digest);
    }
    return out;
  }
  // PutAll answered through `done`, as CommitAsync; `contents` are read
  // before it returns.
  virtual void PutAllAsync(std::span<const ByteView> contents,
                           std::function<void(Result<std::vector<Digest>>)> done) {
    done(PutAll(contents));
  }
  // Removes a committed blob (OK when there is none). Readers that have it
  // open keep reading it.
  virtual Status Remove(const Digest& digest) = 0;
  // Every committed blob (for garbage collection).
  virtual Result<std::vector<Digest>> List() const = 0;
};

}  // namespace scitt::registry
