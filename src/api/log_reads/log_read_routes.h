// The log's read side for auditors, mirrors and monitors: C2SP checkpoint and
// tiles, consistency receipts, bulk entries and tree heads (log/pages.h).
#pragma once

#include <cstddef>

#include "base/worker_pool.h"
#include "http/router.h"
#include "log/transparency_log.h"

namespace scitt::api {

struct LogReadDeps {
  const log::TransparencyLog* log = nullptr;  // must outlive the router
  WorkerPool* reads = nullptr;                // store reads run here
  // Most bytes of statements in one GET /entries page (at least one entry is
  // always sent, whatever its size).
  size_t max_page_bytes = 1u << 20;
};

void AddLogReadRoutes(const LogReadDeps& deps, http::Router& router);

}  // namespace scitt::api
