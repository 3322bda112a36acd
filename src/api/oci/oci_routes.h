// The OCI distribution API under /v2/ (distribution-spec v1.1): pull, push,
// content discovery and management over registry::Registry. Errors are the
// spec's error document (registry/errors.h), never problem details.
#pragma once

#include <cstddef>
#include <string_view>

#include "base/worker_pool.h"
#include "http/router.h"
#include "registry/errors.h"
#include "registry/registry.h"

namespace scitt::api {

struct OciDeps {
  registry::Registry* registry = nullptr;  // must outlive the router
  WorkerPool* work = nullptr;              // every registry call blocks on disk: it runs here
  // Manifest pushes run here instead: one that holds a statement registers
  // it (signature and policy checks, then waiting for the receipt).
  WorkerPool* checks = nullptr;
  // Most descriptors in one referrers page and tags in one tags page
  // (a Link header names the next).
  size_t max_page_items = 1000;
};

void AddOciRoutes(const OciDeps& deps, http::Router& router);

// Whether `path` is answered by the registry (its errors are OCI error
// documents): under /v2/, except the SCRAPI routes of the _scitt extension.
bool IsOciPath(std::string_view path);

// The HTTP answer for a refusal: the status distribution-spec gives its
// code, and the error document as application/json.
http::Response OciErrorResponse(const registry::OciError& error);

}  // namespace scitt::api
