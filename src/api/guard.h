// Authentication and rate limiting in front of every route (SCRAPI §2:
// without authentication, rate limiting MUST be implemented).
#pragma once

#include <memory>
#include <set>
#include <string>

#include "http/message.h"
#include "http/metrics.h"
#include "http/rate_limiter.h"
#include "http/router.h"

namespace scitt::api {

struct GuardSettings {
  std::set<std::string> submit_tokens;  // empty: POST needs no token
  double rate_limit = 50;               // requests/s per address without a token; 0: off
};

class Guard {
 public:
  // `metrics` must outlive the guard.
  Guard(GuardSettings settings, http::Metrics& metrics);

  // A handler that checks the request, then dispatches it through `router`.
  // /health and /metrics are never rate limited.
  http::Handler Wrap(std::shared_ptr<const http::Router> router);

 private:
  bool TokenAllowed(const http::Request& req) const;

  const GuardSettings settings_;
  http::Metrics& metrics_;
  http::RateLimiter limiter_;
};

}  // namespace scitt::api
