// What a client sends POST /appraisals as its policy, and what a statement
// registered as a policy holds (appraisal/policy.h): whatever parses must
// be a policy the appraiser can apply (a name, a rule, bounded settings).
#include <cstddef>
#include <cstdint>
#include <string>

#include "appraisal/policy.h"
#include "evidence/formats/license_expression.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace scitt::appraisal;
  auto policy = ParsePolicy(scitt::ByteView(data, size));
  if (!policy.ok()) {
    if (policy.error().message.empty()) __builtin_trap();
    return 0;
  }
  if (policy->name.empty()) __builtin_trap();
  if (policy->evidence.empty() && !policy->vulnerabilities && !policy->revocations && policy->deny_packages.empty() &&
      policy->deny_licenses.empty() && policy->script.empty()) {
    __builtin_trap();
  }
  if (policy->revocations && policy->revocations->issuers.empty()) __builtin_trap();
  for (const EvidenceRule& rule : policy->evidence) {
    if (rule.format.empty() || (rule.max_age_days && *rule.max_age_days < 0)) __builtin_trap();
  }
  if (policy->vulnerabilities) {
    const VulnerabilityRule& rule = *policy->vulnerabilities;
    if (rule.depth < 0 || rule.depth > 10) __builtin_trap();
    if (!rule.deny_severity && rule.deny_ids.empty()) __builtin_trap();
    if (rule.deny_severity && ParseSeverity(SeverityName(*rule.deny_severity)) != rule.deny_severity) __builtin_trap();
  }
  // A script is kept as text: parsing never compiles or runs it.
  if (policy->compiled_script || policy->script.size() > kMaxScriptBytes) __builtin_trap();
  for (const auto& purl : policy->deny_packages) {
    if (!purl.starts_with("pkg:")) __builtin_trap();
  }
  // Each denied licence is one identifier, with or without its exception.
  for (const auto& license : policy->deny_licenses) {
    const auto canonical = scitt::evidence::CanonicalLicenseExpression(license);
    if (!canonical || canonical->find(" AND ") != std::string::npos || canonical->find(" OR ") != std::string::npos) {
      __builtin_trap();
    }
  }
  return 0;
}
