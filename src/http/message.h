// HTTP requests and responses as plain data, independent of the server.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace scitt::http {

// Header names compare case-insensitively.
struct CaseInsensitiveLess {
  bool operator()(std::string_view a, std::string_view b) const;
};
using Headers = std::map<std::string, std::string, CaseInsensitiveLess>;

struct Request {
  std::string method;       // "GET", "POST", …
  std::string target;       // as sent: path and query
  std::string path;         // percent-decoded path without the query
  std::multimap<std::string, std::string> query;  // decoded parameters
  Headers headers;
  std::string body;
  std::string remote_address;  // client IP, for rate limiting and logs
  std::map<std::string, std::string> params;  // filled by the Router from {name} segments

  std::optional<std::string> Header(std::string_view name) const;
  std::optional<std::string> Query(std::string_view name) const;
};

struct Response {
  int status = 200;
  Headers headers;
  std::string body;

  Response& Set(std::string name, std::string value) {
    headers[std::move(name)] = std::move(value);
    return *this;
  }
};

// Completes a request; may be called from any thread, exactly once.
using Responder = std::function<void(Response)>;
using Handler = std::function<void(Request, Responder)>;

// RFC 9290 concise problem details: CBOR {-1: title, -2: detail} (plus -4:
// response code), Content-Type application/concise-problem-details+cbor.
Response ProblemDetails(int status, std::string_view title, std::string_view detail);

// RFC 9110 §12.5.1: true when `accept` (an Accept header value, possibly
// absent) allows `media_type` (exact, "type/*" or "*/*", q > 0).
bool Accepts(const std::optional<std::string>& accept, std::string_view media_type);

}  // namespace scitt::http
