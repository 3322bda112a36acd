#include "api/oci/oci_streams.h"

#include "api/oci/oci_routes.h"

#include <algorithm>
#include <cstring>

namespace scitt::api {
namespace {

http::Response Busy() {
  return OciErrorResponse({registry::OciCode::kUnavailable, "the registry is busy; retry shortly"});
}

}  // namespace

UploadSink::UploadSink(registry::Registry& registry, WorkerPool& pool, std::string repository,
                       std::optional<std::string> upload, std::optional<uint64_t> start, uint64_t max_bytes)
    : registry_(registry),
      pool_(pool),
      repository_(std::move(repository)),
      max_bytes_(max_bytes),
      upload_(std::move(upload)),
      start_(start) {}

void UploadSink::Write(ByteView piece, Done done) {
  // `piece` stays valid until `done` is called: the task uses it in place.
  auto self = shared_from_this();
  auto task = [self, piece, done]() mutable {
    UploadSink& s = *self;
    if (!s.upload_) {  // a single POST: its session starts with its first byte
      auto started = s.registry_.StartUpload(s.repository_);
      if (!started.ok()) return done(OciErrorResponse(started.error()));
      s.upload_ = *started;
      s.started_here_ = true;
    }
    if (!s.positioned_) {
      if (s.start_) {
        s.offset_ = *s.start_;
      } else {
        auto size = s.registry_.UploadSize(s.repository_, *s.upload_);
        if (!size.ok()) return done(OciErrorResponse(size.error()));
        s.offset_ = *size;
      }
      s.positioned_ = true;
    }
    auto size = s.registry_.AppendUpload(s.repository_, *s.upload_, s.offset_, piece);
    if (!size.ok()) return done(OciErrorResponse(size.error()));
    s.offset_ = *size;
    done(std::nullopt);
  };
  if (!pool_.Post(std::move(task), 0)) done(Busy());
}

void UploadSink::Abort() {
  // A session this request started is dropped; a client's own session keeps
  // what arrived, and GET on it says where to resume.
  if (!started_here_ || !upload_) return;
  auto self = shared_from_this();
  (void)pool_.Post([self] { (void)self->registry_.CancelUpload(self->repository_, *self->upload_); }, 0);
}

size_t BlobSource::TakeLocked(std::span<uint8_t> into) {
  const size_t n = std::min(into.size(), ahead_end_ - ahead_start_);
  std::memcpy(into.data(), ahead_.data() + ahead_start_, n);
  ahead_start_ += n;
  return n;
}

void BlobSource::ReadAheadLocked() {
  if (reading_ahead_ || failed_ || fetched_ >= length_ || ahead_start_ != ahead_end_) return;
  reading_ahead_ = true;
  ahead_.resize(static_cast<size_t>(std::min<uint64_t>(piece_, length_ - fetched_)));
  const uint64_t offset = first_ + fetched_;
  auto self = shared_from_this();
  auto task = [self, offset] {
    auto filled = self->reader_->ReadInto(offset, self->ahead_);
    std::unique_lock lock(self->mu_);
    self->reading_ahead_ = false;
    if (!filled.ok() || *filled == 0) {
      self->failed_ = filled.ok() ? MakeError(ErrorCode::kIo, "the blob ended early") : filled.error();
    } else {
      self->ahead_start_ = 0;
      self->ahead_end_ = *filled;
      self->fetched_ += *filled;
    }
    if (!self->waiting_) return;
    auto [into, done] = std::move(*self->waiting_);
    self->waiting_.reset();
    if (self->failed_) {
      const Error error = *self->failed_;
      lock.unlock();
      return done(error);
    }
    const size_t n = self->TakeLocked(into);
    self->ReadAheadLocked();
    lock.unlock();
    done(n);
  };
  if (!pool_.Post(std::move(task), 0)) {
    reading_ahead_ = false;
    failed_ = MakeError(ErrorCode::kUnavailable, "the registry is busy");
  }
}

void BlobSource::Read(std::span<uint8_t> into, Done done) {
  std::unique_lock lock(mu_);
  if (piece_ == 0) piece_ = into.size();
  if (ahead_start_ != ahead_end_) {  // read ahead while the last piece was written
    const size_t n = TakeLocked(into);
    ReadAheadLocked();
    lock.unlock();
    return done(n);
  }
  if (failed_) {
    const Error error = *failed_;
    lock.unlock();
    return done(error);
  }
  // The first Read, or the disk is slower than the socket: wait for the
  // read-ahead (started here when none is in flight).
  waiting_.emplace(into, std::move(done));
  ReadAheadLocked();
}

}  // namespace scitt::api
