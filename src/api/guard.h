// Authentication and rate limiting, decided on a request's header before its
// body is read or 100 Continue is sent (SCRAPI §2: without authentication,
// rate limiting MUST be implemented).
#pragma once

#include "http/bearer_tokens.h"
#include "http/metrics.h"
#include "http/rate_limiter.h"
#include "http/server.h"

namespace scitt::api {

struct GuardSettings {
  http::BearerTokens submit_tokens;  // none: POST needs no token
  double rate_limit = 50;            // requests/s per address without a token; 0: off
  bool anonymous_pull = true;        // registry GETs without a token (when tokens are set)
};

class Guard {
 public:
  // `metrics` must outlive the guard.
  Guard(GuardSettings settings, http::Metrics& metrics);

  // The server's admission check (http::ServerOptions::admit): 401 for a
  // POST, or under /v2/ any method but GET and HEAD, the base endpoint
  // /v2/, and (without anonymous pulls) every /v2/ request, without a
  // valid token when tokens are configured (under /v2/ also as a Basic
  // password, and answered with the OCI error document), 429 beyond the rate limit (a
  // valid token is not limited; /health and /metrics never are). The guard
  // must outlive the server.
  http::Admission Admission();

 private:
  std::optional<http::Response> Check(const http::Request& head);

  const GuardSettings settings_;
  http::Metrics& metrics_;
  http::RateLimiter limiter_;
};

}  // namespace scitt::api
