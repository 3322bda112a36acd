// A small synchronous HTTP/1.1 client for the CLI (http and https URLs),
// with bodies in memory or, for blobs, streamed from and to files.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
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

// Fetch whose response body, for a 2xx answer with a body, is written to
// the file `path` (created or truncated) as it arrives instead of being held:
// a blob of gigabytes costs a buffer, not its size. More than
// `max_file_bytes` is kIo (the file then holds a part: the caller removes
// it). Response::body is then empty; any other answer is held as by Fetch
// (at most max_response_bytes).
Result<Response> FetchToFile(const std::string& method, const std::string& url, const Headers& headers,
                             const std::string& path, uint64_t max_file_bytes, const ClientOptions& options = {});

// Fetch whose request body is the file `path`, read as it is sent
// (Content-Length: its size) and never held whole.
Result<Response> FetchFromFile(const std::string& method, const std::string& url, const Headers& headers,
                               const std::string& path, const ClientOptions& options = {});

// Resolves a Location header value against the URL it came from (RFC 3986
// §5.2, strict: absolute URLs, absolute paths and relative paths). A base
// or reference that is not a valid URI is returned unchanged as `location`
// (Fetch then refuses it with a clear message).
std::string ResolveUrl(const std::string& base, const std::string& location);

}  // namespace scitt::http
