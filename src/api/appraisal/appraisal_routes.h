// POST /appraisals (docs/api.md "Appraisal"): a policy applied to what the
// evidence index holds about one artifact, with every rule's outcome and
// the log entries it rests on.
#pragma once

#include <cstdint>
#include <functional>

#include "base/worker_pool.h"
#include "evidence/dependency_graph.h"
#include "evidence/evidence_store.h"
#include "http/router.h"
#include "log/transparency_log.h"

namespace scitt::api {

struct AppraisalDeps {
  const evidence::EvidenceStore* store = nullptr;  // all four must outlive the router
  evidence::DependencyGraph* graph = nullptr;
  const log::TransparencyLog* log = nullptr;       // a policy registered as a statement is read from it
  WorkerPool* reads = nullptr;                     // appraisals run here
  std::function<int64_t()> now;                    // wall-clock seconds since the epoch (evidence ages)
};

void AddAppraisalRoutes(const AppraisalDeps& deps, http::Router& router);

}  // namespace scitt::api
