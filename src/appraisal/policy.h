// An appraisal policy (docs/appraisal.md): what an artifact needs for a use,
// as declarative rules over the evidence the log holds about it. A policy
// is a JSON document, registered as a signed statement of its own content
// type so that the policy behind any verdict can be proven and replayed.
//
//   {"policy": "prod",
//    "evidence": [{"format": "CycloneDX", "issuers": ["https://supplier.example"],
//                  "max_age_days": 30},
//                 {"format": "in-toto", "builders": ["https://github.com/actions/runner"],
//                  "source_repositories": ["git+https://github.com/acme/app"]}],
//    "vulnerabilities": {"deny_severity": "high", "deny_ids": ["CVE-2021-44228"],
//                        "vex_issuers": ["https://supplier.example"], "depth": 10,
//                        "unknown_severity": "deny"},
//    "revocations": {"issuers": ["https://supplier.example"]},
//    "deny_packages": ["pkg:npm/event-stream@3.3.6", "pkg:npm/left-pad"],
//    "deny_licenses": ["AGPL-3.0-only", "AGPL-3.0-or-later", "LicenseRef-Proprietary"],
//    "script": "function appraise(subject, evidence, rules) { return true; }"}
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "cose/sign1.h"
#include "log/transparency_log.h"
#include "policy/policy_script.h"

namespace scitt::appraisal {

// The payload content type of a registered appraisal policy.
inline constexpr std::string_view kPolicyContentType = "application/vnd.scitt.appraisal-policy+json";

// The payload content type of a revocation: a statement about an artifact
// by which its issuer withdraws it ("do not use"; docs/appraisal.md). Its
// payload is the issuer's own JSON (a reason, a ticket); only who said it,
// about what and when counts.
inline constexpr std::string_view kRevocationContentType = "application/vnd.scitt.revocation+json";

// Severities in increasing order, as the evidence graph's VULNERABLE_TO
// edges carry them (evidence/formats/graph.h).
enum class Severity { kNone, kInfo, kLow, kMedium, kHigh, kCritical };
std::optional<Severity> ParseSeverity(std::string_view name);
std::string_view SeverityName(Severity severity);

// Evidence the artifact must have: a statement about it whose payload the
// indexer read as `format`, signed by one of `issuers`, registered at most
// `max_age_days` before the appraisal.
struct EvidenceRule {
  std::string format;                  // "CycloneDX", "SPDX", "in-toto", "SARIF", … (DocumentFormatName)
  std::vector<std::string> issuers;    // empty: any issuer
  std::optional<int64_t> max_age_days;
  // Provenance conditions: the statement says the artifact was BUILT_BY one
  // of `builders` (SLSA builder.id) and BUILT_FROM one of
  // `source_repositories` (a "git+…" URI, matched with or without its
  // "@ref"). Empty: no condition.
  std::vector<std::string> builders;
  std::vector<std::string> source_repositories;
};

struct VulnerabilityRule {
  std::optional<Severity> deny_severity;  // a finding at or above it denies
  std::vector<std::string> deny_ids;      // these deny at any severity
  // Whose VEX may close a finding (not_affected or fixed as that issuer's
  // latest word). Empty: nobody's.
  std::vector<std::string> vex_issuers;
  int depth = 10;  // 0: findings about the artifact itself; else also its dependencies this deep
  // A finding with no severity, when deny_severity is set: "deny" (the
  // default: what is not known to be harmless is not allowed) or "allow".
  bool deny_unknown_severity = true;
};

// The artifact must not have been withdrawn by one of `issuers` (a
// statement about it of kRevocationContentType, registered below the tree
// size). Never empty: a revocation anybody could register would let
// anybody stop any deployment.
struct RevocationRule {
  std::vector<std::string> issuers;
};

// The script hook (docs/appraisal.md "script"): JavaScript defining
// appraise(subject, evidence, rules), run last by the registration
// policy's engine (policy/policy_script.h). A script cannot be interrupted
// (Debian's Duktape has no execution timeout), so scripts run only where
// the policy was chosen by whoever runs the appraisal: the deployment
// gates (the operator's configuration) and `scitt appraise --bundle`.
inline constexpr size_t kMaxScriptBytes = 64 << 10;

struct Policy {
  std::string name;
  std::vector<EvidenceRule> evidence;
  std::optional<VulnerabilityRule> vulnerabilities;
  std::optional<RevocationRule> revocations;
  // Packages that must not be anywhere under the artifact: a purl with a
  // version is that version, without one every version.
  std::vector<std::string> deny_packages;
  // Licences nothing under the artifact may be used under only (SPDX ids,
  // "id WITH exception" for one combination): a package is denied when its
  // licence expression leaves no way to use it under other licences.
  std::vector<std::string> deny_licenses;
  std::string script;  // empty: none
  // Set by CompileScript; Appraise refuses a policy with a script without it.
  std::shared_ptr<const policy::PolicyScript> compiled_script;
};

// The policy in `document`, or kInvalidArgument naming the field at fault
// (unknown fields are refused: a misspelt rule must not pass silently).
Result<Policy> ParsePolicy(ByteView document);

// Compiles the policy's script (kInvalidArgument on a syntax error, an
// exception in its global code, or no appraise function). Call it only
// where running the script is allowed (above).
Status CompileScript(Policy& policy);

// The policy a statement registered at `entry` carries: its payload, of
// kPolicyContentType (not a hash envelope). kInvalidArgument otherwise.
Result<Policy> PolicyInStatement(const cose::Sign1& statement, uint64_t entry);

// The policy registered at `entry` in `log` (PolicyInStatement); kNotFound
// past the log's end.
Result<Policy> RegisteredPolicy(const log::TransparencyLog& log, uint64_t entry);

}  // namespace scitt::appraisal
