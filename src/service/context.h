// Internal: what the route handlers share. Built by Service::Start.
#pragma once

#include <atomic>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "http/bearer_tokens.h"
#include "http/message.h"
#include "http/metrics.h"
#include "http/rate_limiter.h"
#include "http/router.h"
#include "log/transparency_log.h"
#include "registration/registrar.h"
#include "service/config.h"
#include "service/scheduler.h"
#include "service/service_keys.h"

namespace scitt::service {

// Registrations that have not answered with a receipt yet (303 flow), and
// recent failures. Completed operations are dropped: GET /operations/{id}
// then finds the entry by its hash in the log, which survives restarts.
class Operations {
 public:
  struct State {
    bool failed = false;
    std::string error;
  };
  void Start(const std::string& id);
  void Complete(const std::string& id);
  void Fail(const std::string& id, std::string error);
  std::optional<State> Find(const std::string& id) const;

 private:
  static constexpr size_t kMaxFailures = 10000;
  mutable std::mutex mu_;  // guards both maps
  std::map<std::string, State> states_;
  std::deque<std::string> failures_;  // failure ids, oldest first, to bound memory
};

// Full tiles never change (C2SP tlog-tiles), so the most recently served
// ones are kept, bounded, instead of being rebuilt from 256 node reads.
class FullTileCache {
 public:
  std::optional<std::string> Get(const std::string& path) const;
  void Put(const std::string& path, std::string tile);

 private:
  static constexpr size_t kMaxTiles = 1024;  // 8 MiB of level tiles at most
  mutable std::mutex mu_;  // guards both members
  std::map<std::string, std::string> tiles_;
  std::deque<std::string> order_;  // insertion order, for eviction
};

struct ServiceContext {
  ServiceConfig config;
  ServiceKeys keys;
  log::LogStore* store = nullptr;                 // owned by `log`
  std::unique_ptr<log::TransparencyLog> log;
  std::unique_ptr<registration::Registrar> registrar;
  std::atomic<uint64_t> policy_index{0};          // entry of the policy in force
  http::BearerTokens submit_tokens;
  std::unique_ptr<http::RateLimiter> limiter;
  http::Metrics metrics;
  Scheduler scheduler;
  Operations operations;
  FullTileCache tiles;
};

// Route registration, by resource family.
void AddScrapiRoutes(ServiceContext& ctx, http::Router& router);
void AddLogRoutes(ServiceContext& ctx, http::Router& router);

// A route handler that needs the context; Bind makes it an http::Handler.
using RouteFn = void (*)(ServiceContext&, const http::Request&, const http::Responder&);
http::Handler Bind(ServiceContext& ctx, RouteFn fn);

// A decimal query parameter; nullopt when absent, an error when malformed.
Result<std::optional<uint64_t>> QueryNumber(const http::Request& req, const char* name);

// Shared response helpers.
http::Response CborResponse(int status, const Bytes& body, const std::string& content_type);
// Parses an entry id: a decimal log index, or the 64-hex-digit entry hash.
Result<uint64_t> ResolveEntryId(const ServiceContext& ctx, const std::string& id);
// Maps a log/store error to problem details.
http::Response ErrorResponse(const Error& error);

}  // namespace scitt::service
