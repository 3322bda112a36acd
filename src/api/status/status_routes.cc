#include "api/status/status_routes.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <memory>

#include <nlohmann/json.hpp>

#include "registration/identity_cache.h"

namespace scitt::api {
namespace {

using http::Request;
using http::Responder;
using http::Response;

void GetHealth(const StatusDeps& deps, const Request&, const Responder& respond) {
  Response res;
  res.Set("Content-Type", "application/json");
  res.body = nlohmann::json{{"status", "ok"}, {"tree_size", deps.log->size()}, {"origin", deps.origin}}.dump();
  respond(std::move(res));
}

void SetProcessGauges(http::Metrics& metrics) {
  // The standard process metrics, so a load generator can report the
  // server's CPU time and memory from outside.
  struct rusage usage;
  if (getrusage(RUSAGE_SELF, &usage) == 0) {
    double cpu = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                 static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
    metrics.SetGauge("process_cpu_seconds_total", cpu);
  }
  long pages = 0, resident = 0;
  if (FILE* statm = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(statm, "%ld %ld", &pages, &resident) == 2) {
      metrics.SetGauge("process_resident_memory_bytes", static_cast<double>(resident) * sysconf(_SC_PAGESIZE));
    }
    std::fclose(statm);
  }
}

void GetMetrics(const StatusDeps& deps, const Request&, const Responder& respond) {
  http::Metrics& metrics = *deps.metrics;
  const log::LogStats stats = deps.log->stats();
  metrics.SetGauge("scitt_tree_size", static_cast<double>(deps.log->size()));
  metrics.SetGauge("scitt_batches_total", static_cast<double>(stats.batches));
  metrics.SetGauge("scitt_last_batch_size", static_cast<double>(stats.last_batch_size));
  metrics.SetGauge("scitt_commit_seconds_total", stats.commit_seconds_total);
  metrics.SetGauge("scitt_sequence_seconds_total", stats.sequence_seconds_total);
  metrics.SetGauge("scitt_queue_length", static_cast<double>(stats.queue_length));
  metrics.SetGauge("scitt_pending_statement_bytes", static_cast<double>(deps.pipeline->pending_bytes()));
  for (const auto& [name, pool] : {std::pair{"checks", deps.checks}, std::pair{"reads", deps.reads},
                                   std::pair{"registry", deps.registry_io}}) {
    const WorkerPool::Stats pool_stats = pool->stats();
    metrics.SetGauge("scitt_worker_queue_length", static_cast<double>(pool_stats.queued_tasks), {{"pool", name}});
    metrics.SetGauge("scitt_worker_refused_total", static_cast<double>(pool_stats.refused), {{"pool", name}});
  }
  const registry::Registry::Stats pushes = deps.registry->stats();
  metrics.SetGauge("scitt_registry_stored_pushes_total", static_cast<double>(pushes.stored_pushes));
  metrics.SetGauge("scitt_registry_stored_batches_total", static_cast<double>(pushes.stored_batches));
  const registration::Registrar& registrar = deps.pipeline->registrar();
  for (const auto& [kind, cache] : {std::pair{"x5chain", &registrar.chain_cache()},
                                    std::pair{"cnf", &registrar.cnf_key_cache()}}) {
    const registration::IdentityCache::Stats kept = cache->stats();
    metrics.SetGauge("scitt_identity_cache_hits_total", static_cast<double>(kept.hits), {{"kind", kind}});
    metrics.SetGauge("scitt_identity_cache_misses_total", static_cast<double>(kept.misses), {{"kind", kind}});
    metrics.SetGauge("scitt_identity_cache_entries", static_cast<double>(kept.entries), {{"kind", kind}});
    metrics.SetGauge("scitt_identity_cache_bytes", static_cast<double>(kept.bytes), {{"kind", kind}});
  }
  SetProcessGauges(metrics);
  Response res;
  res.Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
  res.body = metrics.Render();
  respond(std::move(res));
}

}  // namespace

void DescribeServiceMetrics(http::Metrics& metrics) {
  metrics.Describe("scitt_registrations_total", "counter", "Statements registered (result: new or existing)");
  metrics.Describe("scitt_refusals_total", "counter", "Registrations refused, by reason");
  metrics.DefineHistogram("scitt_registration_seconds",
                          {0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5},
                          "Submit to receipt latency");
  metrics.Describe("scitt_tree_size", "gauge", "Entries in the log");
  metrics.Describe("scitt_batches_total", "gauge", "Batches committed since start");
  metrics.Describe("scitt_last_batch_size", "gauge", "Entries in the last batch");
  metrics.Describe("scitt_commit_seconds_total", "gauge", "Time spent making batches durable (fsync/commit)");
  metrics.Describe("scitt_sequence_seconds_total", "gauge",
                   "The sequencer's serial time: from taking a batch to handing its receipts on, the commit included");
  metrics.Describe("scitt_queue_length", "gauge", "Statements waiting for a batch");
  metrics.Describe("scitt_pending_statement_bytes", "gauge", "Bytes of accepted statements not yet answered");
  metrics.Describe("scitt_worker_queue_length", "gauge", "Requests waiting for a worker, by pool");
  metrics.Describe("scitt_worker_refused_total", "gauge", "Requests answered 503 because a pool was full, by pool");
  metrics.Describe("scitt_identity_cache_hits_total", "counter",
                   "x5chain validations (kind x5chain) and CWT cnf keys (kind cnf) reused");
  metrics.Describe("scitt_identity_cache_misses_total", "counter",
                   "x5chain validations made and cnf keys parsed (not kept, or out of their window)");
  metrics.Describe("scitt_identity_cache_entries", "gauge", "Validations and keys kept, by kind");
  metrics.Describe("scitt_identity_cache_bytes", "gauge", "Memory the kept validations and keys take, about, by kind");
  metrics.Describe("scitt_registry_stored_pushes_total", "counter",
                   "Registered statement manifest pushes stored with their receipt manifests");
  metrics.Describe("scitt_registry_stored_batches_total", "counter",
                   "Batches those pushes were stored in (one blob commit and one registry transaction each)");
  metrics.Describe("process_cpu_seconds_total", "counter", "User and system CPU time of the service");
  metrics.Describe("process_resident_memory_bytes", "gauge", "Resident memory of the service");
}

void AddStatusRoutes(const StatusDeps& deps_in, http::Router& router) {
  auto deps = std::make_shared<const StatusDeps>(deps_in);
  router.Add("GET", "/health", [deps](Request req, Responder respond) { GetHealth(*deps, req, respond); });
  router.Add("GET", "/metrics", [deps](Request req, Responder respond) { GetMetrics(*deps, req, respond); });
}

}  // namespace scitt::api
