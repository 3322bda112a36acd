// The OCI distribution API under /v2/ (distribution-spec v1.1): pull, push,
// content discovery and management over registry::Registry. Errors are the
// spec's error document (registry/errors.h), never problem details.
#pragma once

#include <cstddef>
#include <memory>
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
  // The largest upload body and manifest a request may send (413 above).
  uint64_t max_blob_bytes = uint64_t{64} << 30;
  uint64_t max_manifest_bytes = 4 << 20;
};

void AddOciRoutes(const OciDeps& deps, http::Router& router);

// For http::ServerOptions::stream_body: where the body of a /v2/ request
// goes instead of memory. An upload (PATCH or PUT to a session, a single
// POST with ?digest=) is written to the blob store as it arrives; a manifest
// push is kept in memory up to max_manifest_bytes (above the server's
// buffered-body limit). Anything else: nullptr (buffered as usual).
std::shared_ptr<http::BodySink> OciBodySink(const OciDeps& deps, const http::Request& head);

// For http::ServerOptions::render_refusal: the server's own refusals (400,
// 413, 431, 500…) as OCI error documents under /v2/ (IsOciPath), problem
// details elsewhere.
http::Response RenderRefusal(const http::Request* head, int status, std::string_view title,
                             std::string_view detail);

// Whether `path` is answered by the registry (its errors are OCI error
// documents): under /v2/, except the SCRAPI routes of the _scitt extension.
bool IsOciPath(std::string_view path);

// The HTTP answer for a refusal: the status distribution-spec gives its
// code, and the error document as application/json.
http::Response OciErrorResponse(const registry::OciError& error);

}  // namespace scitt::api
