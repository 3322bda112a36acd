#include "api/problems.h"

namespace scitt::api {

http::Response CborResponse(int status, ByteView body, std::string_view content_type) {
  http::Response res;
  res.status = status;
  res.Set("Content-Type", std::string(content_type));
  res.body.assign(body.begin(), body.end());
  return res;
}

http::Response ProblemFor(const Error& error) {
  switch (error.code) {
    case ErrorCode::kNotFound: return http::ProblemDetails(404, "Not Found", error.message);
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kMalformed:
    case ErrorCode::kUnsupported: return http::ProblemDetails(400, "Bad Request", error.message);
    case ErrorCode::kUnavailable: {
      http::Response res = http::ProblemDetails(503, "Service Unavailable", error.message);
      res.Set("Retry-After", "1");
      return res;
    }
    default: return http::ProblemDetails(500, "Internal Error", error.message);
  }
}

http::Response ProblemFor(const registration::Refusal& refusal) {
  const int status = refusal.code == registration::RefusalCode::kTooLarge ? 413 : 400;
  return http::ProblemDetails(status, refusal.title, refusal.detail);
}

}  // namespace scitt::api
