// Internal to src/http: a response as it goes on the wire, for the server.
#pragma once

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
// Nagle off, a separate body write would cost a round trip).
struct WireResponse {
  int status = 0;
  std::string head;
  std::string body;
  size_t size() const { return head.size() + body.size(); }
};

// The status line and fields the server writes for `response` (Date,
// Content-Length and Connection are the server's own; a handler's are
// dropped), and the body unless `framing` or the status says none. An
// invalid status or field becomes a 500.
WireResponse Serialize(Response response, const Framing& framing);

}  // namespace scitt::http::internal
