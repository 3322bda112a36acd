#include "api/guard.h"

#include "api/oci/oci_routes.h"

#include <algorithm>
#include <string>

namespace scitt::api {

Guard::Guard(GuardSettings settings, http::Metrics& metrics)
    : settings_(std::move(settings)),
      metrics_(metrics),
      limiter_(settings_.rate_limit, std::max(1.0, 2 * settings_.rate_limit)) {}

http::Admission Guard::Admission() {
  return [this](const http::Request& head) { return Check(head); };
}

std::optional<http::Response> Guard::Check(const http::Request& head) {
  const bool unmetered = head.path == "/health" || head.path == "/metrics";
  // The registry: every method that changes something is a submission, and
  // registry clients authenticate with Basic (docker login, skopeo --creds).
  const bool oci = IsOciPath(head.path);
  const bool submit = oci ? head.method != "GET" && head.method != "HEAD" : head.method == "POST";
  // distribution-spec end-1: the base endpoint's 401 and its challenge are
  // how clients learn that a registry wants credentials (skopeo, podman and
  // docker send them only after it); anonymous pulls still work unless they
  // are switched off.
  const bool base = oci && (head.path == "/v2/" || head.path == "/v2");
  const bool needs_token = submit || base || (oci && !settings_.anonymous_pull);
  const bool authenticated =
      needs_token && settings_.submit_tokens.Allows(head.Header("Authorization"), /*basic=*/oci);
  if (needs_token && !settings_.submit_tokens.empty() && !authenticated) {
    metrics_.Increment("scitt_refusals_total", {{"reason", "unauthenticated"}});
    if (oci) {
      http::Response res = OciErrorResponse(
          {registry::OciCode::kUnauthorized,
           std::string(submit ? "pushing" : "this registry") +
               " needs credentials: a submit token as the password (Basic) or as a Bearer token"});
      res.Set("WWW-Authenticate", "Basic realm=\"scitt\"");
      return res;
    }
    http::Response res =
        http::ProblemDetails(401, "Unauthorized", "POST /entries needs Authorization: Bearer <token>");
    res.Set("WWW-Authenticate", "Bearer");
    return res;
  }
  // Registry pulls come in bursts (an image of 200 layers is 400 requests
  // from one client): they are bounded by the worker pools (503 when full),
  // not by the per-address rate.
  const bool pull = oci && !submit;
  int retry_after = 0;
  if (!unmetered && !pull && !authenticated && !limiter_.Allow(head.remote_address, &retry_after)) {
    metrics_.Increment("scitt_refusals_total", {{"reason", "rate_limited"}});
    if (oci) {
      http::Response res = OciErrorResponse(
          {registry::OciCode::kTooManyRequests,
           "Only " + std::to_string(static_cast<int64_t>(settings_.rate_limit)) + " requests per second are allowed."});
      res.Set("Retry-After", std::to_string(retry_after));
      return res;
    }
    http::Response res = http::ProblemDetails(
        429, "Too Many Requests",
        "Only " + std::to_string(static_cast<int64_t>(settings_.rate_limit)) + " requests per second are allowed.");
    res.Set("Retry-After", std::to_string(retry_after));
    return res;
  }
  return std::nullopt;
}

}  // namespace scitt::api
