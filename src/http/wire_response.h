// Internal to src/http: a response as it goes on the wire, for the server.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "http/message.h"

namespace scitt::http::internal {

// How a request's response is framed; fixed when the request is read.
struct Framing {
  bool head = false;   // RFC 9110 §9.3.2: a response to HEAD has no content
  bool close = false;  // the connection closes after this response
  bool http10_keep_alive = false;
};

// A response ready for the wire: the head (status line and fields, with a
// small body appended) and the body, both written by one gather write (with
// Nagle off, a separate body write would cost a round trip); or the head and
// a source whose pieces follow it, the first in the same write.
struct WireResponse {
  int status = 0;
  std::string head;
  std::string body;
  std::shared_ptr<BodySource> body_source;  // set only when it has bytes to send
  // The bytes held in memory (queued-response accounting).
  size_t size() const { return head.size() + body.size(); }
  // The bytes the response puts on the wire (access log).
  uint64_t wire_bytes() const { return size() + (body_source ? body_source->size() : 0); }
};

// True when `response` can be sent: a status from 200 to 599, field names
// that are tokens, values without CR, LF or NUL (response splitting), and
// not both a body and a body_source.
bool IsValid(const Response& response);

// The status line and fields the server writes for `response` (Date,
// Content-Length and Connection are the server's own; a handler's are
// dropped), and the body (or body source) unless `framing` or the status says
// none; a source with no body to send is released here. An invalid response
// becomes 500 problem details.
WireResponse Serialize(Response response, const Framing& framing);

}  // namespace scitt::http::internal
