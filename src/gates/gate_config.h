// What the deployment gates apply (docs/deployment-gates.md): the policy a
// Kubernetes namespace's images must meet (a registered appraisal policy,
// by its log entry, so every decision names a provable policy), what a
// denial does there (enforce, warn, audit, off), and how image tags are
// resolved (which registry names are this service's own).
//
//   {"policy_entry": 12, "mode": "enforce",
//    "namespaces": {"kube-system": {"mode": "off"},
//                   "payments": {"policy_entry": 14},
//                   "dev": {"mode": "warn"}},
//    "local_registries": ["scitt.scitt-system.svc:8443"],
//    "plain_http_registries": ["registry.lab:5000"],
//    "record_verdicts": true, "resolve_timeout_s": 5, "decision_timeout_s": 8}
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"

namespace scitt::gates {

enum class GateMode {
  kEnforce,  // a denied image denies the object
  kWarn,     // admitted, with a warning per denied image
  kAudit,    // admitted; the verdicts go to the audit annotations and the log
  kOff,      // not appraised
};
std::string_view GateModeName(GateMode mode);

struct NamespaceGate {
  std::optional<uint64_t> policy_entry;  // unset: the default
  std::optional<GateMode> mode;          // unset: the default
};

struct GateConfig {
  std::optional<uint64_t> policy_entry;  // the default policy; unset: objects in namespaces without one are denied
  GateMode mode = GateMode::kEnforce;
  std::map<std::string, NamespaceGate, std::less<>> namespaces;
  // Registry hosts ("host[:port]") that are this service: their tags are
  // read from its own store. The service URL's host is always one.
  std::vector<std::string> local_registries;
  std::vector<std::string> plain_http_registries;  // other registries reached over http (loopback ones always are)
  bool record_verdicts = true;  // admission verdicts registered as service statements
  int64_t resolve_timeout_s = 5;
  // A request's images not decided within this are errors (denied in
  // enforce): its answer comes before the caller gives up (the webhook's
  // timeoutSeconds, 10 in deploy/; Gatekeeper's 3 s) and it holds no worker
  // for longer.
  int64_t decision_timeout_s = 8;
};

struct GateChoice {
  std::optional<uint64_t> policy_entry;
  GateMode mode = GateMode::kEnforce;
};
GateChoice ChoiceFor(const GateConfig& config, std::string_view kubernetes_namespace);

// kInvalidArgument naming the field at fault; unknown fields are refused.
Result<GateConfig> ParseGateConfig(ByteView json);

}  // namespace scitt::gates
