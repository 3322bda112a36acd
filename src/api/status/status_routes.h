// For operators and load balancers: /health and Prometheus /metrics. Both
// answer from memory, on the I/O thread.
#pragma once

#include <string>

#include "base/worker_pool.h"
#include "http/metrics.h"
#include "http/router.h"
#include "log/transparency_log.h"
#include "registry/registry.h"
#include "registration/pipeline.h"

namespace scitt::api {

// Every pointer must outlive the router.
struct StatusDeps {
  const log::TransparencyLog* log = nullptr;
  const registration::Pipeline* pipeline = nullptr;
  const WorkerPool* checks = nullptr;
  const WorkerPool* reads = nullptr;
  const WorkerPool* registry_io = nullptr;
  const registry::Registry* registry = nullptr;
  http::Metrics* metrics = nullptr;
  std::string origin;
};

// Declares the service's metrics (names, types, help) in `metrics`.
void DescribeServiceMetrics(http::Metrics& metrics);

void AddStatusRoutes(const StatusDeps& deps, http::Router& router);

}  // namespace scitt::api
