#include "appraisal/policy.h"

#include <algorithm>
#include <array>
#include <initializer_list>

#include <nlohmann/json.hpp>

#include "base/json.h"
#include "cose/sign1.h"
#include "evidence/formats/graph.h"
#include "evidence/formats/license_expression.h"

namespace scitt::appraisal {
namespace {

using Json = nlohmann::json;

constexpr int kMaxDepth = 16;
constexpr size_t kMaxPolicyBytes = 1 << 20;
constexpr size_t kMaxListItems = 10'000;

constexpr std::array<std::pair<std::string_view, Severity>, 6> kSeverities = {{
    {"none", Severity::kNone},
    {"info", Severity::kInfo},
    {"low", Severity::kLow},
    {"medium", Severity::kMedium},
    {"high", Severity::kHigh},
    {"critical", Severity::kCritical},
}};

Error Invalid(const std::string& message) {
  return MakeError(ErrorCode::kInvalidArgument, "appraisal policy: " + message);
}

// Refuses a member of `object` not in `known`.
Status OnlyKnown(const Json& object, std::initializer_list<std::string_view> known, const std::string& where) {
  for (const auto& [key, value] : object.items()) {
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      return Invalid(where + ": unknown field \"" + key.substr(0, 100) + "\"");
    }
  }
  return Status::Ok();
}

Result<std::string> Text(const Json& value, const std::string& where) {
  if (!value.is_string() || value.get_ref<const std::string&>().empty()) {
    return Invalid(where + " must be a non-empty string");
  }
  return value.get<std::string>();
}

Result<std::vector<std::string>> TextList(const Json& object, const char* key, const std::string& where) {
  std::vector<std::string> out;
  const auto it = object.find(key);
  if (it == object.end()) return out;
  if (!it->is_array() || it->size() > kMaxListItems) {
    return Invalid(where + "." + key + " must be an array of at most " + std::to_string(kMaxListItems) + " strings");
  }
  for (size_t i = 0; i < it->size(); ++i) {
    SCITT_ASSIGN_OR_RETURN(std::string item, Text((*it)[i], where + "." + key + "[" + std::to_string(i) + "]"));
    out.push_back(std::move(item));
  }
  return out;
}

Result<std::optional<int64_t>> Count(const Json& object, const char* key, int64_t max, const std::string& where) {
  const auto it = object.find(key);
  if (it == object.end()) return std::optional<int64_t>();
  if (!it->is_number_unsigned() || it->get<uint64_t>() > static_cast<uint64_t>(max)) {
    return Invalid(where + "." + key + " must be a whole number from 0 to " + std::to_string(max));
  }
  return std::optional<int64_t>(static_cast<int64_t>(it->get<uint64_t>()));
}

// A format the indexer names (evidence::DocumentFormatName): any other name
// would never match, and a misspelt one must not deny in silence.
bool KnownFormat(const std::string& name) {
  using evidence::DocumentFormat;
  for (const DocumentFormat format : {DocumentFormat::kCycloneDx, DocumentFormat::kSpdx, DocumentFormat::kOpenVex,
                                      DocumentFormat::kInToto, DocumentFormat::kSarif, DocumentFormat::kSwid,
                                      DocumentFormat::kCoSwid, DocumentFormat::kEar}) {
    if (evidence::DocumentFormatName(format) == name) return true;
  }
  return false;
}

Result<EvidenceRule> ParseEvidenceRule(const Json& rule, const std::string& where) {
  if (!rule.is_object()) return Invalid(where + " must be an object");
  SCITT_RETURN_IF_ERROR(
      OnlyKnown(rule, {"format", "issuers", "max_age_days", "builders", "source_repositories"}, where));
  EvidenceRule out;
  if (!rule.contains("format")) return Invalid(where + ".format is missing");
  SCITT_ASSIGN_OR_RETURN(out.format, Text(rule["format"], where + ".format"));
  if (!KnownFormat(out.format)) {
    return Invalid(where + ".format \"" + out.format.substr(0, 100) +
                   "\" is not one the index reads (CycloneDX, SPDX, OpenVEX, in-toto, SARIF, SWID, CoSWID, EAR)");
  }
  SCITT_ASSIGN_OR_RETURN(out.issuers, TextList(rule, "issuers", where));
  SCITT_ASSIGN_OR_RETURN(out.max_age_days, Count(rule, "max_age_days", 100'000, where));
  SCITT_ASSIGN_OR_RETURN(out.builders, TextList(rule, "builders", where));
  SCITT_ASSIGN_OR_RETURN(out.source_repositories, TextList(rule, "source_repositories", where));
  return out;
}

Result<VulnerabilityRule> ParseVulnerabilityRule(const Json& rule, const std::string& where) {
  if (!rule.is_object()) return Invalid(where + " must be an object");
  SCITT_RETURN_IF_ERROR(
      OnlyKnown(rule, {"deny_severity", "deny_ids", "vex_issuers", "depth", "unknown_severity"}, where));
  VulnerabilityRule out;
  if (rule.contains("deny_severity")) {
    SCITT_ASSIGN_OR_RETURN(const std::string name, Text(rule["deny_severity"], where + ".deny_severity"));
    out.deny_severity = ParseSeverity(name);
    if (!out.deny_severity) {
      return Invalid(where + ".deny_severity must be one of none, info, low, medium, high, critical");
    }
  }
  SCITT_ASSIGN_OR_RETURN(out.deny_ids, TextList(rule, "deny_ids", where));
  SCITT_ASSIGN_OR_RETURN(out.vex_issuers, TextList(rule, "vex_issuers", where));
  SCITT_ASSIGN_OR_RETURN(const auto depth, Count(rule, "depth", 10, where));
  if (depth) out.depth = static_cast<int>(*depth);
  if (rule.contains("unknown_severity")) {
    SCITT_ASSIGN_OR_RETURN(const std::string choice, Text(rule["unknown_severity"], where + ".unknown_severity"));
    if (choice != "deny" && choice != "allow") return Invalid(where + ".unknown_severity must be deny or allow");
    out.deny_unknown_severity = choice == "deny";
  }
  if (!out.deny_severity && out.deny_ids.empty()) {
    return Invalid(where + " denies nothing: set deny_severity or deny_ids");
  }
  return out;
}

}  // namespace

std::optional<Severity> ParseSeverity(std::string_view name) {
  for (const auto& [text, severity] : kSeverities) {
    if (text == name) return severity;
  }
  return std::nullopt;
}

std::string_view SeverityName(Severity severity) {
  for (const auto& [text, value] : kSeverities) {
    if (value == severity) return text;
  }
  return "none";
}

Result<Policy> ParsePolicy(ByteView document) {
  if (document.size() > kMaxPolicyBytes) {
    return Invalid("larger than " + std::to_string(kMaxPolicyBytes) + " bytes");
  }
  auto parsed = ParseStrictJson(document, kMaxDepth);
  if (!parsed.ok()) return Invalid(parsed.error().message);
  const Json& json = *parsed;
  if (!json.is_object()) return Invalid("must be a JSON object");
  SCITT_RETURN_IF_ERROR(
      OnlyKnown(json, {"policy", "evidence", "vulnerabilities", "revocations", "deny_packages", "deny_licenses", "script"}, "policy"));
  Policy out;
  if (!json.contains("policy")) return Invalid("\"policy\" (its name) is missing");
  SCITT_ASSIGN_OR_RETURN(out.name, Text(json["policy"], "policy"));
  if (const auto it = json.find("evidence"); it != json.end()) {
    if (!it->is_array() || it->size() > kMaxListItems) return Invalid("evidence must be an array of rules");
    for (size_t i = 0; i < it->size(); ++i) {
      SCITT_ASSIGN_OR_RETURN(EvidenceRule rule, ParseEvidenceRule((*it)[i], "evidence[" + std::to_string(i) + "]"));
      out.evidence.push_back(std::move(rule));
    }
  }
  if (const auto it = json.find("vulnerabilities"); it != json.end()) {
    SCITT_ASSIGN_OR_RETURN(out.vulnerabilities, ParseVulnerabilityRule(*it, "vulnerabilities"));
  }
  if (const auto it = json.find("revocations"); it != json.end()) {
    if (!it->is_object()) return Invalid("revocations must be an object: {\"issuers\": [...]}");
    SCITT_RETURN_IF_ERROR(OnlyKnown(*it, {"issuers"}, "revocations"));
    RevocationRule rule;
    SCITT_ASSIGN_OR_RETURN(rule.issuers, TextList(*it, "issuers", "revocations"));
    if (rule.issuers.empty()) {
      return Invalid("revocations.issuers must name whose revocations count (anybody's would let anybody deny)");
    }
    out.revocations = std::move(rule);
  }
  SCITT_ASSIGN_OR_RETURN(out.deny_packages, TextList(json, "deny_packages", "policy"));
  for (const std::string& purl : out.deny_packages) {
    if (!purl.starts_with("pkg:")) return Invalid("deny_packages: \"" + purl.substr(0, 100) + "\" is not a purl");
  }
  SCITT_ASSIGN_OR_RETURN(out.deny_licenses, TextList(json, "deny_licenses", "policy"));
  for (const std::string& license : out.deny_licenses) {
    // One licence, with or without its exception: a list of them is the
    // policy's AND, and an OR in one entry would say nothing.
    const auto canonical = evidence::CanonicalLicenseExpression(license);
    if (!canonical || canonical->find(" AND ") != std::string::npos || canonical->find(" OR ") != std::string::npos) {
      return Invalid("deny_licenses: \"" + license.substr(0, 100) +
                     "\" is not an SPDX license identifier (with or without \"WITH exception\")");
    }
  }
  if (const auto it = json.find("script"); it != json.end()) {
    SCITT_ASSIGN_OR_RETURN(out.script, Text(*it, "script"));
    if (out.script.size() > kMaxScriptBytes) {
      return Invalid("script is larger than " + std::to_string(kMaxScriptBytes) + " bytes");
    }
  }
  if (out.evidence.empty() && !out.vulnerabilities && !out.revocations && out.deny_packages.empty() &&
      out.deny_licenses.empty() && out.script.empty()) {
    return Invalid(
        "no rule: a policy needs evidence, vulnerabilities, revocations, deny_packages, deny_licenses or a script");
  }
  return out;
}

Status CompileScript(Policy& policy) {
  if (policy.script.empty() || policy.compiled_script) return Status::Ok();
  auto compiled = policy::PolicyScript::Compile(
      policy.script, policy::ScriptEntry{.name = "appraise", .parameters = {"subject", "evidence", "rules"}});
  if (!compiled.ok()) return Invalid(compiled.error().message);
  policy.compiled_script = std::move(*compiled);
  return Status::Ok();
}

Result<Policy> RegisteredPolicy(const log::TransparencyLog& log, uint64_t entry) {
  if (entry >= log.size()) return MakeError(ErrorCode::kNotFound, "no entry " + std::to_string(entry) + " in the log");
  SCITT_ASSIGN_OR_RETURN(const log::LogEntry registered, log.Entry(entry));
  SCITT_ASSIGN_OR_RETURN(const cose::Sign1 statement, cose::Sign1::Parse(registered.statement));
  return PolicyInStatement(statement, entry);
}

Result<Policy> PolicyInStatement(const cose::Sign1& statement, uint64_t entry) {
  const auto type = cose::PayloadContentType(statement);
  const auto payload = statement.payload();
  if (!type || *type != kPolicyContentType || !payload || statement.is_hash_envelope()) {
    return MakeError(ErrorCode::kInvalidArgument, "entry " + std::to_string(entry) +
                                                      " is not an appraisal policy (payload content type " +
                                                      std::string(kPolicyContentType) + ")");
  }
  return ParsePolicy(*payload);
}

}  // namespace scitt::appraisal
