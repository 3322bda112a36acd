// The deployment gates' HTTP endpoints (docs/deployment-gates.md):
//   POST /gates/kubernetes  a ValidatingAdmissionWebhook (AdmissionReview v1)
//   POST /gates/gatekeeper  an OPA Gatekeeper external-data provider
//                           (ProviderRequest → ProviderResponse), optional
//                           ?policy_entry=N instead of the default policy
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

#include "base/worker_pool.h"
#include "gates/image_gate.h"
#include "http/metrics.h"
#include "http/router.h"
#include "log/transparency_log.h"
#include "registration/service_statements.h"

namespace scitt::api {

struct GateDeps {
  gates::ImageGate* gate = nullptr;    // both must outlive the router
  log::TransparencyLog* log = nullptr;  // admission verdicts are registered in it
  registration::ServiceSigner signer;
  WorkerPool* work = nullptr;  // decisions run here: they read the store and may wait on other registries
  http::Metrics* metrics = nullptr;  // scitt_gate_*: decisions by outcome, latency
  std::function<int64_t()> now;  // wall-clock seconds since the epoch
  std::chrono::milliseconds record_wait{2000};  // longest wait for the verdicts' entries
  // Gatekeeper presents its certificate (mutual TLS): with a client CA
  // configured, /gates/gatekeeper answers only requests that presented one.
  bool gatekeeper_needs_client_certificate = false;
};

void AddGateRoutes(const GateDeps& deps, http::Router& router);

}  // namespace scitt::api
