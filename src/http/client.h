// A small synchronous HTTP/1.1 client for the CLI (http and https URLs).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "base/result.h"
#include "http/message.h"

namespace scitt::http {

struct ClientOptions {
  std::chrono::seconds timeout{30};
  bool verify_tls = true;
  std::string ca_file;  // extra trust for https (PEM); system store otherwise
  size_t max_response_bytes = 64 << 20;  // larger bodies fail with kIo
};

// Sends one request to `url` (absolute, http:// or https://) and returns the
// response without following redirects. kIo on connection or TLS failure.
Result<Response> Fetch(const std::string& method, const std::string& url, const Headers& headers,
                       const std::string& body, const ClientOptions& options = {});

// Resolves a Location header value against the URL it came from (RFC 3986
// §5.2, strict: absolute URLs, absolute paths and relative paths). A base
// or reference that is not a valid URI is returned unchanged as `location`
// (Fetch then refuses it with a clear message).
std::string ResolveUrl(const std::string& base, const std::string& location);

}  // namespace scitt::http
