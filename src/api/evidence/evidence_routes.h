// Evidence queries (docs/api.md "Evidence"): GET /statements, the registered
// statements the evidence index holds, filtered by subject, issuer and
// payload content type, each with its receipt; GET /edges, one hop of the
// evidence graph from or to a node, each edge with its entry.
#pragma once

#include "base/worker_pool.h"
#include "evidence/dependency_graph.h"
#include "evidence/evidence_store.h"
#include "http/router.h"
#include "log/transparency_log.h"

namespace scitt::api {

struct EvidenceDeps {
  const evidence::EvidenceStore* store = nullptr;  // all three must outlive the router
  evidence::DependencyGraph* graph = nullptr;       // walks over `store`
  const log::TransparencyLog* log = nullptr;
  WorkerPool* reads = nullptr;                     // store reads run here
};

void AddEvidenceRoutes(const EvidenceDeps& deps, http::Router& router);

}  // namespace scitt::api
