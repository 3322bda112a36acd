// Where a route's handler runs. HTTP I/O threads only parse and write; a
// handler that may block or take long (signature checks, policy scripts,
// store reads) runs on a worker pool, so one slow request never stalls the
// other connections of its I/O thread.
#pragma once

#include <functional>

#include "base/worker_pool.h"
#include "http/message.h"

namespace scitt::api {

// `handler` on `pool`. When the pool's queue is full the request is answered
// at once with 503 problem details and Retry-After (SCRAPI §2: transient).
// `pool` must outlive the returned handler's calls.
http::Handler OnPool(WorkerPool& pool, http::Handler handler);
// The same, answering `busy()` instead (the registry's routes answer the
// OCI error document, not problem details).
http::Handler OnPool(WorkerPool& pool, http::Handler handler, std::function<http::Response()> busy);

}  // namespace scitt::api
