// Admission verdicts as statements signed by the service and registered in
// its own log (docs/deployment-gates.md "Verdicts in the log"), so an
// auditor can find every deployment decision about an image
// (GET /statements?subject=<digest>&type=<kVerdictContentType>) and replay
// it: the policy entry, the tree size and the time it was appraised at are
// in the payload.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "gates/gate_config.h"
#include "gates/image_gate.h"
#include "gates/kubernetes.h"
#include "log/transparency_log.h"
#include "registration/service_statements.h"

namespace scitt::gates {

inline constexpr std::string_view kVerdictContentType = registration::kAdmissionVerdictContentType;

// The payload: {"admission": {uid, kind, namespace, name, operation, user},
// "mode", "image", "digest", "policy_entry", "appraised_at", and the
// verdict (decision, policy, tree_size, rules) or "decision": "error" with
// "error"}.
nlohmann::json VerdictDocument(const AdmissionRequest& request, GateMode mode, const ImageDecision& decision,
                               int64_t appraised_at);

// Registers one statement per decision (CWT sub: the image's digest, or the
// image as written when it could not be resolved), waiting up to `wait`
// for them to be durable. Returns each one's entry, unset where it failed
// or did not finish in time.
std::vector<std::optional<uint64_t>> RecordVerdicts(log::TransparencyLog& log,
                                                    const registration::ServiceSigner& signer,
                                                    const AdmissionRequest& request, GateMode mode,
                                                    const std::vector<ImageDecision>& decisions, int64_t now,
                                                    std::chrono::milliseconds wait);

}  // namespace scitt::gates
