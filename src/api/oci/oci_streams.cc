#include "api/oci/oci_streams.h"

#include "api/oci/oci_routes.h"

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
    s.written_ += piece.size();
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

void BlobSource::Read(std::span<uint8_t> into, Done done) {
  auto self = shared_from_this();
  auto task = [self, into, done]() mutable {
    const uint64_t left = self->length_ - self->position_;
    const std::span<uint8_t> target = into.first(static_cast<size_t>(std::min<uint64_t>(left, into.size())));
    auto filled = self->reader_->ReadInto(self->first_ + self->position_, target);
    if (!filled.ok()) return done(filled.error());
    self->position_ += *filled;
    done(*filled);
  };
  if (!pool_.Post(std::move(task), 0)) done(MakeError(ErrorCode::kUnavailable, "the registry is busy"));
}

}  // namespace scitt::api
