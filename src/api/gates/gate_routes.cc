#include "api/gates/gate_routes.h"

#include <chrono>
#include <set>

#include <nlohmann/json.hpp>

#include "api/dispatch.h"
#include "api/params.h"
#include "api/problems.h"
#include "base/logging.h"
#include "base/text.h"
#include "gates/kubernetes.h"
#include "gates/verdict_record.h"

namespace scitt::api {
namespace {

using http::Request;
using http::Responder;
using http::Response;

// "Warning messages longer than 256 characters ... may be truncated"
// (Kubernetes, admission webhook warnings): keep each under it.
constexpr size_t kMaxWarningChars = 256;
// Denied images named in a refusal or in warnings (kubectl shows them to a
// person); the rest are counted, and all are in the audit annotation.
constexpr size_t kListedRefusals = 10;

Response JsonAnswer(const nlohmann::json& body) {
  Response res;
  res.status = 200;
  res.Set("Content-Type", "application/json");
  res.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return res;
}

std::string Clip(std::string text, size_t limit) {
  if (text.size() > limit) text = ToValidUtf8(text.substr(0, limit - 3)) + "...";
  return text;
}

std::string PolicyName(const gates::ImageDecision& decision) {
  const std::string entry = decision.policy_entry ? " (entry " + std::to_string(*decision.policy_entry) + ")" : "";
  return (decision.verdict ? "policy " + decision.verdict->policy : "policy") + entry;
}

// Each image's outcome, and the request's time (seconds), in /metrics.
void Count(const GateDeps& deps, const char* gate, const std::vector<gates::ImageDecision>& decisions,
           std::chrono::steady_clock::time_point start) {
  if (deps.metrics == nullptr) return;
  for (const gates::ImageDecision& d : decisions) {
    deps.metrics->Increment("scitt_gate_images_total",
                            {{"gate", gate},
                             {"decision", std::string(d.Outcome())},
                             {"cached", d.cached ? "true" : "false"}});
  }
  deps.metrics->Observe("scitt_gate_seconds",
                        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
                        {{"gate", gate}});
}

// A compact record for the audit log: what each image got and where the
// verdict is registered.
nlohmann::json AuditRecord(const std::vector<gates::ImageDecision>& decisions,
                           const std::vector<std::optional<uint64_t>>& entries) {
  nlohmann::json out = nlohmann::json::array();
  for (size_t i = 0; i < decisions.size(); ++i) {
    const gates::ImageDecision& d = decisions[i];
    nlohmann::json item = {{"image", d.image}, {"decision", d.Outcome()}};
    if (!d.digest.empty()) item["digest"] = d.digest;
    if (d.policy_entry) item["policy_entry"] = *d.policy_entry;
    if (d.verdict) item["tree_size"] = d.verdict->tree_size;
    if (d.cached) item["cached"] = true;
    if (i < entries.size() && entries[i]) item["verdict_entry"] = *entries[i];
    out.push_back(std::move(item));
  }
  return out;
}

nlohmann::json AdmissionResponse(const GateDeps& deps, const gates::AdmissionRequest& request) {
  const gates::GateChoice choice = gates::ChoiceFor(deps.gate->config(), request.kubernetes_namespace);
  nlohmann::json response = {{"uid", request.uid}, {"allowed", true}};
  if (choice.mode == gates::GateMode::kOff || request.images.empty()) return response;

  const auto start = std::chrono::steady_clock::now();
  // Each image once, in the object's order. An update is judged on what it
  // adds: an image the object already ran was admitted (or the gate was not
  // there), and refusing a scale or a label change for it would stop
  // repairs, not deployments.
  std::set<std::string> skip;
  for (const gates::ContainerImage& old : request.old_images) skip.insert(old.image);
  std::vector<std::string> images;
  for (const gates::ContainerImage& container : request.images) {
    if (skip.insert(container.image).second) images.push_back(container.image);
  }
  if (images.empty()) return response;
  const int64_t now = deps.now();
  const std::vector<gates::ImageDecision> decisions = deps.gate->DecideAll(images, choice.policy_entry);
  std::vector<std::optional<uint64_t>> entries;
  if (deps.gate->config().record_verdicts && !request.dry_run) {
    entries = gates::RecordVerdicts(*deps.log, deps.signer, request, choice.mode, decisions, now, deps.record_wait);
  }
  Count(deps, "kubernetes", decisions, start);

  std::vector<std::string> refusals;
  for (const gates::ImageDecision& d : decisions) {
    if (d.allowed()) continue;
    refusals.push_back(d.image + (d.digest.empty() || d.image.ends_with(d.digest) ? "" : " (" + d.digest + ")") +
                       ": " + (d.verdict ? "denied by " + PolicyName(d) + " at tree size " +
                                               std::to_string(d.verdict->tree_size) + ": " + d.Summary()
                                         : d.Summary()));
  }
  const std::string mode(gates::GateModeName(choice.mode));
  logging::Write(refusals.empty() ? logging::Level::kInfo : logging::Level::kWarn, "admission",
                 {{"uid", request.uid}, {"namespace", request.kubernetes_namespace}, {"kind", request.kind},
                  {"name", request.name}, {"mode", mode}, {"images", static_cast<uint64_t>(decisions.size())},
                  {"denied", static_cast<uint64_t>(refusals.size())}});
  response["auditAnnotations"] = {{"verdicts", AuditRecord(decisions, entries).dump()}};
  if (refusals.empty()) return response;
  if (choice.mode == gates::GateMode::kEnforce) {
    std::string message = "scitt: " + std::to_string(refusals.size()) + " image(s) of " + request.kind + " " +
                          request.name + " not allowed";
    for (size_t i = 0; i < refusals.size() && i < kListedRefusals; ++i) message += "; " + refusals[i];
    if (refusals.size() > kListedRefusals) {
      message += "; and " + std::to_string(refusals.size() - kListedRefusals) + " more";
    }
    response["allowed"] = false;
    response["status"] = {{"code", 403}, {"reason", "Forbidden"}, {"message", message}};
  } else if (choice.mode == gates::GateMode::kWarn) {
    nlohmann::json warnings = nlohmann::json::array();
    for (size_t i = 0; i < refusals.size() && i < kListedRefusals; ++i) {
      warnings.push_back(Clip("scitt would deny " + refusals[i], kMaxWarningChars));
    }
    if (refusals.size() > kListedRefusals) {
      warnings.push_back("scitt would deny " + std::to_string(refusals.size() - kListedRefusals) + " more");
    }
    response["warnings"] = std::move(warnings);
  }
  return response;
}

void PostAdmission(const GateDeps& deps, const Request& req, const Responder& respond) {
  auto request = gates::ParseAdmissionReview(AsBytes(req.body));
  if (!request.ok()) return respond(ProblemFor(request.error()));
  respond(JsonAnswer({{"apiVersion", gates::kAdmissionApiVersion},
                      {"kind", "AdmissionReview"},
                      {"response", AdmissionResponse(deps, *request)}}));
}

// Gatekeeper's Rego sees `responses` ([key, value]) and `errors` ([key,
// error]); a key gets a value whenever a verdict was reached, allow or deny.
void PostProvider(const GateDeps& deps, const Request& req, const Responder& respond) {
  if (deps.gatekeeper_needs_client_certificate && !req.client_certificate) {
    return respond(http::ProblemDetails(403, "Forbidden", "a client certificate issued by the configured CA is needed"));
  }
  auto keys = gates::ParseProviderRequest(AsBytes(req.body));
  if (!keys.ok()) return respond(ProblemFor(keys.error()));
  auto requested = QueryNumber(req, "policy_entry");
  if (!requested.ok()) return respond(ProblemFor(requested.error()));
  const std::optional<uint64_t> policy_entry = *requested ? *requested : deps.gate->config().policy_entry;
  nlohmann::json response = nlohmann::json::object();
  if (!policy_entry) {
    response["systemError"] = "no appraisal policy: set policy_entry in the gate configuration or ?policy_entry=";
  } else {
    nlohmann::json items = nlohmann::json::array();
    const auto start = std::chrono::steady_clock::now();
    const std::vector<gates::ImageDecision> decided = deps.gate->DecideAll(*keys, policy_entry);
    Count(deps, "gatekeeper", decided, start);
    for (size_t i = 0; i < keys->size(); ++i) {
      const std::string& key = (*keys)[i];
      const gates::ImageDecision& d = decided[i];
      if (!d.verdict) {
        items.push_back({{"key", key}, {"error", d.error}});
        continue;
      }
      nlohmann::json failures = nlohmann::json::array();
      std::set<uint64_t> entries;
      for (const appraisal::RuleOutcome& rule : d.verdict->rules) {
        if (!rule.passed) failures.push_back(rule.rule + ": " + rule.reason);
        entries.insert(rule.entries.begin(), rule.entries.end());
      }
      items.push_back({{"key", key},
                       {"value",
                        {{"decision", d.Outcome()},
                         {"digest", d.digest},
                         {"policy", d.verdict->policy},
                         {"policy_entry", *policy_entry},
                         {"tree_size", d.verdict->tree_size},
                         {"failures", std::move(failures)},
                         {"entries", std::vector<uint64_t>(entries.begin(), entries.end())}}}});
    }
    response["items"] = std::move(items);
  }
  respond(JsonAnswer({{"apiVersion", gates::kExternalDataApiVersion},
                      {"kind", "ProviderResponse"},
                      {"response", std::move(response)}}));
}

}  // namespace

void AddGateRoutes(const GateDeps& deps, http::Router& router) {
  if (deps.metrics != nullptr) {
    deps.metrics->Describe("scitt_gate_images_total", "counter",
                           "Images decided by the deployment gates, by gate, decision (allow, deny, error) and "
                           "whether the verdict was cached");
    deps.metrics->DefineHistogram("scitt_gate_seconds", {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 3},
                                  "Time to decide a gate request, verdicts registered");
  }
  router.Add("POST", "/gates/kubernetes", OnPool(*deps.work, [deps](Request req, Responder respond) {
               PostAdmission(deps, req, respond);
             }));
  router.Add("POST", "/gates/gatekeeper", OnPool(*deps.work, [deps](Request req, Responder respond) {
               PostProvider(deps, req, respond);
             }));
}

}  // namespace scitt::api
