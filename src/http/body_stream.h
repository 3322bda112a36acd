// Internal to src/http: the server's side of streamed bodies (BodySink,
// BodySource): the Beast body type that cuts a request body into pieces, and
// the state a connection shares with the Done of a sink's Write or a
// source's Read (completion.h), which the application may call, or drop,
// after the connection is gone. The session steps that use them are in
// server.cc.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/optional.hpp>

#include "http/asio_util.h"
#include "http/message.h"

namespace scitt::http::internal {

// A request body as the parser fills it: whole into `text`, or, once
// `piece` is set (a streamed body), into `*piece` up to `piece_capacity`
// bytes. A full piece makes the reader answer need_buffer, as Beast's
// buffer_body does: the parser stops, consuming nothing more, until the
// piece has been handed on and emptied.
struct RequestBody {
  struct value_type {
    std::string text;
    std::string* piece = nullptr;
    size_t piece_capacity = 0;
  };

  class reader {
   public:
    template <bool isRequest, class Fields>
    reader(bhttp::header<isRequest, Fields>&, value_type& body) : body_(body) {}

    void init(const boost::optional<uint64_t>& content_length, error_code& ec) {
      ec = {};
      // The server has checked the length against its limit (max_body_bytes
      // or the sink's) before the body starts.
      if (body_.piece == nullptr && content_length) body_.text.reserve(static_cast<size_t>(*content_length));
    }

    template <class ConstBufferSequence>
    size_t put(const ConstBufferSequence& buffers, error_code& ec) {
      ec = {};
      std::string& out = body_.piece != nullptr ? *body_.piece : body_.text;
      size_t room = body_.piece != nullptr ? body_.piece_capacity - out.size() : SIZE_MAX;
      if (room == 0) {
        ec = bhttp::error::need_buffer;
        return 0;
      }
      size_t taken = 0;
      for (auto it = asio::buffer_sequence_begin(buffers); it != asio::buffer_sequence_end(buffers) && room > 0;
           ++it) {
        const asio::const_buffer buffer = *it;
        const size_t n = std::min(buffer.size(), room);
        out.append(static_cast<const char*>(buffer.data()), n);
        taken += n;
        room -= n;
      }
      return taken;
    }

    void finish(error_code& ec) { ec = {}; }

   private:
    value_type& body_;
  };
};

// A request body streamed into a BodySink. Shared by the connection and the
// Done of an outstanding Write, so that whichever lets go last tells the
// sink Abort (unless the handler got it): exactly once, and never while a
// Write is outstanding, however the connection ends.
class SinkStream {
 public:
  SinkStream(std::shared_ptr<BodySink> sink, size_t piece_capacity);
  ~SinkStream();
  SinkStream(const SinkStream&) = delete;
  SinkStream& operator=(const SinkStream&) = delete;

  BodySink& sink() const { return *sink_; }
  // Marks the body delivered: no Abort; the handler gets the sink.
  std::shared_ptr<BodySink> Deliver();

  std::string piece;          // body bytes not yet written to the sink
  const size_t piece_capacity;
  const uint64_t max_bytes;   // the sink's max_bytes(), asked once

 private:
  const std::shared_ptr<BodySink> sink_;
  bool delivered_ = false;
};

// What the Done of a BodySink::Write reported.
struct SinkOutcome {
  std::optional<Response> failure;  // the response that ends the request
  bool dropped = false;             // destroyed uncalled: the request ends with 500
};

// A response body streamed from a BodySource, shared by the connection and
// the Done of an outstanding Read: the buffer that Read fills stays valid
// until then, even when the connection has closed meanwhile.
class SourceStream {
 public:
  // `head` is the response's status line and fields, sent with the first piece.
  SourceStream(std::shared_ptr<BodySource> source, std::string head, size_t buffer_capacity);
  SourceStream(const SourceStream&) = delete;
  SourceStream& operator=(const SourceStream&) = delete;

  BodySource& source() const { return *source_; }
  // Where the next Read puts its bytes: the buffer, cut to what is left.
  std::span<uint8_t> NextPiece() const {
    return {buffer_.get(), static_cast<size_t>(std::min<uint64_t>(capacity_, remaining_))};
  }
  uint64_t remaining() const { return remaining_; }  // body bytes not yet read
  // Records that a Read filled `n` bytes, which are now piece().
  void Filled(size_t n) {
    piece_size_ = n;
    remaining_ -= n;
  }
  std::span<const uint8_t> piece() const { return {buffer_.get(), piece_size_}; }

  std::string head;  // emptied once written

 private:
  const std::shared_ptr<BodySource> source_;
  const size_t capacity_;
  const std::unique_ptr<uint8_t[]> buffer_;
  uint64_t remaining_;
  size_t piece_size_ = 0;
};

}  // namespace scitt::http::internal
