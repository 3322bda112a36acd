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

#include "base/result.h"

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
  // Added to this request's access-log line (e.g. {"entry", "42"}); never
  // sent. Keys should not repeat the server's own: method, path, status,
  // ms, bytes, remote.
  std::vector<std::pair<std::string, std::string>> log_fields;

  Response& Set(std::string name, std::string value) {
    headers[std::move(name)] = std::move(value);
    return *this;
  }
};

// Completes a request; may be called from any thread, exactly once.
using Responder = std::function<void(Response)>;
using Handler = std::function<void(Request, Responder)>;

// RFC 9290 §6.3 media type; clients compare it exactly, so no parameters.
inline constexpr std::string_view kProblemDetailsMediaType =
    "application/concise-problem-details+cbor";

// RFC 9290 concise problem details: CBOR {-1: title, -2: detail} (an empty
// detail is left out) with Content-Type kProblemDetailsMediaType. No -4: RFC
// 9290 §2 defines it as a one-byte CoAP code (4.04 is 132), not an HTTP status.
Response ProblemDetails(int status, std::string_view title, std::string_view detail);

// RFC 9110 §12.5.1: true when `accept` (an Accept header value, possibly
// absent) allows `media_type` (exact, "type/*" or "*/*", q > 0).
bool Accepts(const std::optional<std::string>& accept, std::string_view media_type);

// RFC 3986 §2.1 percent-decoding; '+' becomes a space when `plus_as_space`
// (form-encoded query strings). nullopt when a '%' is not followed by two hex
// digits.
std::optional<std::string> PercentDecode(std::string_view text, bool plus_as_space);

// Splits a request-target (origin-form, or absolute-form per RFC 9112 §3.2.2)
// into its percent-decoded path and its decoded query parameters ('+' is a
// space; "a" alone is a parameter with an empty value). kMalformed for an
// invalid escape, a path not starting with '/', a decoded NUL, or a "." or
// ".." segment (which could escape a {name...} route).
Status ParseTarget(std::string_view target, std::string* path,
                   std::multimap<std::string, std::string>* query);

}  // namespace scitt::http
