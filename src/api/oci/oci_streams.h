// Blob bytes streamed through the registry routes: upload bodies written to
// the BlobStore piece by piece as they arrive (never whole in memory), and
// blob downloads read from it piece by piece (http::BodySink,
// http::BodySource). Every disk access runs on the registry's worker pool.
#pragma once

#include <cstdint>
#include <mutex>
#include <span>
#include <utility>
#include <vector>
#include <memory>
#include <optional>
#include <string>

#include "base/worker_pool.h"
#include "http/message.h"
#include "registry/registry.h"

namespace scitt::api {

// The body of an upload request: a PATCH or PUT to an upload session
// (`upload` set), or a single POST that starts its own session (`upload`
// empty). The first piece goes at `start` (a Content-Range's start), or where
// the session ends.
class UploadSink final : public http::BodySink, public std::enable_shared_from_this<UploadSink> {
 public:
  UploadSink(registry::Registry& registry, WorkerPool& pool, std::string repository,
             std::optional<std::string> upload, std::optional<uint64_t> start, uint64_t max_bytes);

  uint64_t max_bytes() const noexcept override { return max_bytes_; }
  void Write(ByteView piece, Done done) override;
  void Abort() override;

  // After the whole body (the handler's side): the session, or nullopt when
  // no piece came (nothing was started).
  const std::optional<std::string>& upload() const { return upload_; }

 private:
  registry::Registry& registry_;
  WorkerPool& pool_;
  const std::string repository_;
  const uint64_t max_bytes_;
  // Written by one Write at a time (the server never overlaps them), read by
  // the handler after the last one.
  std::optional<std::string> upload_;
  bool started_here_ = false;
  std::optional<uint64_t> start_;
  uint64_t offset_ = 0;
  bool positioned_ = false;
};

// `length` bytes of a blob from `first`, read on `pool`. While the server
// writes one piece to the socket, the next is read ahead into a buffer of
// the same size, so a download does not wait for a worker-pool round trip
// per piece (two pieces per download in memory, not one).
class BlobSource final : public http::BodySource, public std::enable_shared_from_this<BlobSource> {
 public:
  BlobSource(std::shared_ptr<const registry::BlobReader> reader, uint64_t first, uint64_t length,
             WorkerPool& pool)
      : reader_(std::move(reader)), first_(first), length_(length), pool_(pool) {}
  uint64_t size() const override { return length_; }
  void Read(std::span<uint8_t> into, Done done) override;

 private:
  // Reads the next piece into ahead_ on the pool, unless one is in flight or
  // the blob is read to its end. Caller holds mu_.
  void ReadAheadLocked();
  // Copies what is ahead into `into`. Caller holds mu_.
  size_t TakeLocked(std::span<uint8_t> into);

  const std::shared_ptr<const registry::BlobReader> reader_;
  const uint64_t first_;
  const uint64_t length_;
  WorkerPool& pool_;
  std::mutex mu_;
  uint64_t fetched_ = 0;        // bytes of the range read from disk so far
  size_t piece_ = 0;            // the server's piece size (its first Read)
  std::vector<uint8_t> ahead_;  // the piece read ahead
  size_t ahead_start_ = 0, ahead_end_ = 0;
  bool reading_ahead_ = false;
  std::optional<Error> failed_;
  // A Read that came while the read-ahead was in flight: answered by it.
  std::optional<std::pair<std::span<uint8_t>, Done>> waiting_;
};

}  // namespace scitt::api
