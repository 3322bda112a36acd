// SCRAPI (draft-ietf-scitt-scrapi): registration with its 201 / 303 → 302 →
// 200 flow, receipts, transparent statements, and the service keys.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/scheduler.h"
#include "base/bytes.h"
#include "base/worker_pool.h"
#include "cbor/value.h"
#include "http/message.h"
#include "http/metrics.h"
#include "http/router.h"
#include "log/transparency_log.h"
#include "registration/pipeline.h"

namespace scitt::api {

// What the SCRAPI routes use; every pointer must outlive the router.
struct ScrapiDeps {
  registration::Pipeline* pipeline = nullptr;
  const log::TransparencyLog* log = nullptr;
  WorkerPool* checks = nullptr;   // registration checks (CPU, policy scripts)
  WorkerPool* reads = nullptr;    // store reads
  Scheduler* scheduler = nullptr;
  http::Metrics* metrics = nullptr;
  std::chrono::milliseconds register_timeout{2000};  // longer waits answer 303
  std::string service_url;
  // /.well-known/scitt-keys: (kid, COSE_Key), current receipt key first.
  std::vector<std::pair<Bytes, cbor::Value>> published_keys;
  std::string jwks;  // the same keys as a JWKS document (GET /jwks)
};

// `prefix` mounts the same routes under a path (kRegistryPrefix: the
// registry extension, docs/scitt-in-oci.md); they keep their SCRAPI
// behaviour.
void AddScrapiRoutes(const ScrapiDeps& deps, http::Router& router, const std::string& prefix = "");
inline constexpr std::string_view kRegistryPrefix = "/v2/_scitt";

// Where a large registration's body is written as it arrives: a scratch
// file (base/mapped_bytes.h) in `dir`, written on `pool`. Empty: in the heap.
struct StatementSpool {
  std::string dir;
  WorkerPool* pool = nullptr;
};

// For http::ServerOptions::stream_body: a registration (POST /entries) of
// kStatementSinkFrom bytes or more, or of a chunked body, is taken by a sink
// of at most `max_bytes` (the statement size limit) into a scratch file in
// `spool` (or, without one, the buffer the registrar then works in). The
// registrar checks it there and the log appends it from there: it is never
// copied, and with a spool never held in the heap. Null for anything else
// (buffered as usual).
inline constexpr uint64_t kStatementSinkFrom = 1 << 20;
std::shared_ptr<http::BodySink> StatementBodySink(const http::Request& head, uint64_t max_bytes,
                                                  const StatementSpool& spool = {});

}  // namespace scitt::api
