#include "api/guard.h"

#include <algorithm>

namespace scitt::api {

Guard::Guard(GuardSettings settings, http::Metrics& metrics)
    : settings_(std::move(settings)),
      metrics_(metrics),
      limiter_(settings_.rate_limit, std::max(1.0, 2 * settings_.rate_limit)) {}

bool Guard::TokenAllowed(const http::Request& req) const {
  auto auth = req.Header("Authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (!auth || auth->size() <= kBearer.size() || auth->compare(0, kBearer.size(), kBearer) != 0) return false;
  return settings_.submit_tokens.count(auth->substr(kBearer.size())) > 0;
}

http::Handler Guard::Wrap(std::shared_ptr<const http::Router> router) {
  return [this, router](http::Request req, http::Responder respond) {
    const bool unmetered = req.path == "/health" || req.path == "/metrics";
    const bool submit = req.method == "POST";
    const bool authenticated = submit && !settings_.submit_tokens.empty() && TokenAllowed(req);
    if (submit && !settings_.submit_tokens.empty() && !authenticated) {
      metrics_.Increment("scitt_refusals_total", {{"reason", "unauthenticated"}});
      http::Response res =
          http::ProblemDetails(401, "Unauthorized", "POST /entries needs Authorization: Bearer <token>");
      res.Set("WWW-Authenticate", "Bearer");
      return respond(std::move(res));
    }
    int retry_after = 0;
    if (!unmetered && !authenticated && !limiter_.Allow(req.remote_address, &retry_after)) {
      metrics_.Increment("scitt_refusals_total", {{"reason", "rate_limited"}});
      http::Response res = http::ProblemDetails(
          429, "Too Many Requests",
          "Only " + std::to_string(static_cast<int64_t>(settings_.rate_limit)) + " requests per second are allowed.");
      res.Set("Retry-After", std::to_string(retry_after));
      return respond(std::move(res));
    }
    router->Dispatch(std::move(req), std::move(respond));
  };
}

}  // namespace scitt::api
