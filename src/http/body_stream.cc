#include "http/body_stream.h"

#include "base/logging.h"

namespace scitt::http::internal {

SinkStream::SinkStream(std::shared_ptr<BodySink> sink, size_t piece_capacity)
    : piece_capacity(std::max<size_t>(1, piece_capacity)), max_bytes(sink->max_bytes()), sink_(std::move(sink)) {}

SinkStream::~SinkStream() {
  if (delivered_) return;
  // A destructor may run during unwinding or in the io_context's destructor:
  // an exception from the application's Abort must not escape it.
  try {
    sink_->Abort();
  } catch (const std::exception& e) {
    logging::Warn("a request body sink's Abort failed", {{"error", e.what()}});
  }
}

std::shared_ptr<BodySink> SinkStream::Deliver() {
  delivered_ = true;
  return sink_;
}

SourceStream::SourceStream(std::shared_ptr<BodySource> source, std::string head_in, size_t buffer_capacity)
    : head(std::move(head_in)),
      source_(std::move(source)),
      capacity_(static_cast<size_t>(std::min<uint64_t>(std::max<size_t>(1, buffer_capacity), source_->size()))),
      buffer_(std::make_unique_for_overwrite<uint8_t[]>(capacity_)),
      remaining_(source_->size()) {}

}  // namespace scitt::http::internal
