// Blob bytes streamed through the registry routes: upload bodies written to
// the BlobStore piece by piece as they arrive (never whole in memory), and
// blob downloads read from it piece by piece (http::BodySink,
// http::BodySource). Every disk access runs on the registry's worker pool.
#pragma once

#include <cstdint>
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
  // no piece came (nothing was started), and the bytes this request wrote.
  const std::optional<std::string>& upload() const { return upload_; }
  uint64_t written() const { return written_; }
  std::optional<uint64_t> start() const { return start_; }

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
  uint64_t written_ = 0;
};

// A request body kept in memory up to `max_bytes` (manifests: up to 4 MiB,
// more than the server's buffered-body limit).
class BufferSink final : public http::BodySink {
 public:
  explicit BufferSink(uint64_t max_bytes) : max_bytes_(max_bytes) {}
  uint64_t max_bytes() const noexcept override { return max_bytes_; }
  void Write(ByteView piece, Done done) override {
    body_.append(reinterpret_cast<const char*>(piece.data()), piece.size());
    done(std::nullopt);
  }
  void Abort() override { body_.clear(); }
  std::string& body() { return body_; }

 private:
  const uint64_t max_bytes_;
  std::string body_;
};

// `length` bytes of a blob from `first`, read on `pool`.
class BlobSource final : public http::BodySource, public std::enable_shared_from_this<BlobSource> {
 public:
  BlobSource(std::shared_ptr<const registry::BlobReader> reader, uint64_t first, uint64_t length,
             WorkerPool& pool)
      : reader_(std::move(reader)), first_(first), length_(length), pool_(pool) {}
  uint64_t size() const override { return length_; }
  void Read(std::span<uint8_t> into, Done done) override;

 private:
  const std::shared_ptr<const registry::BlobReader> reader_;
  const uint64_t first_;
  const uint64_t length_;
  WorkerPool& pool_;
  uint64_t position_ = 0;  // one Read at a time
};

}  // namespace scitt::api
