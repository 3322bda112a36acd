// SARIF 2.1.0 (OASIS, https://docs.oasis-open.org/sarif/sarif/v2.1.0/): each
// result of each run is a finding, a VULNERABLE_TO edge from the artifact
// its first location names (or from the statement's subject when it names
// none) to the rule's vulnerability, with the result's effective level and
// security severity.
#include <charconv>
#include <string_view>

#include "evidence/formats/formats_internal.h"
#include "evidence/formats/parse.h"

namespace scitt::evidence::internal {
namespace {

// The qualitative CVSS v3.1 rating (FIRST CVSS v3.1 §5) of a
// "security-severity" score, the scale GitHub code scanning uses; empty for
// text that is not a score from 0 to 10.
std::string SeverityBucket(const std::string& score_text) {
  double score = -1;
  const auto [end, error] =
      std::from_chars(score_text.data(), score_text.data() + score_text.size(), score);
  if (error != std::errc() || end != score_text.data() + score_text.size()) return "";
  if (score < 0 || score > 10) return "";
  if (score == 0) return "none";
  if (score < 4) return "low";
  if (score < 7) return "medium";
  if (score < 9) return "high";
  return "critical";
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// A rule id that starts with a CVE id ("CVE-" 4 digits "-" 4 or more digits)
// names that vulnerability (grype writes "CVE-1999-0001-package-1"); any
// other id (GHSA-…, a linter rule) is its own name. (No std::regex: its
// backtracking recurses per input character.)
std::string VulnerabilityOfRule(const std::string& rule_id) {
  constexpr std::string_view kPrefix = "CVE-";
  if (!rule_id.starts_with(kPrefix) || rule_id.size() < 13) return rule_id;
  for (size_t i = 4; i < 8; ++i) {
    if (!IsDigit(rule_id[i])) return rule_id;
  }
  if (rule_id[8] != '-') return rule_id;
  size_t end = 9;
  while (end < rule_id.size() && IsDigit(rule_id[end])) ++end;
  return end - 9 >= 4 ? rule_id.substr(0, end) : rule_id;
}

// properties["security-severity"]: a string holding a number (GitHub's
// convention); a bare number is taken as written.
Result<std::string> SecuritySeverity(const Json& holder, const std::string& where) {
  SCITT_ASSIGN_OR_RETURN(const Json* properties, OptionalObject(holder, "properties", where));
  if (properties == nullptr) return std::string();
  const auto it = properties->find("security-severity");
  if (it == properties->end() || it->is_null()) return std::string();
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number()) return it->dump();
  return Invalid(where + ".properties.security-severity must be a string");
}

class SarifReader {
 public:
  SarifReader() : graph_(DocumentFormat::kSarif, "2.1.0") {}

  Status Read(const Json& log) {
    SCITT_ASSIGN_OR_RETURN(const Json* runs, OptionalArray(log, "runs", "SARIF"));
    if (runs == nullptr) return Invalid("SARIF: runs must be an array");
    for (size_t i = 0; i < runs->size(); ++i) {
      SCITT_RETURN_IF_ERROR(ReadRun((*runs)[i], "SARIF: runs[" + std::to_string(i) + "]"));
    }
    return Status::Ok();
  }

  EvidenceDocument Finish() && { return std::move(graph_).Finish(); }

 private:
  struct Rule {
    std::string id;
    std::string default_level;      // defaultConfiguration.level, or empty
    std::string security_severity;  // properties["security-severity"], or empty
  };

  Status ReadRun(const Json& run, const std::string& where) {
    SCITT_RETURN_IF_ERROR(ExpectObject(run, where));
    graph_.Declare("runs");
    SCITT_ASSIGN_OR_RETURN(const Json* tool, OptionalObject(run, "tool", where));
    if (tool == nullptr) return Invalid(where + ".tool is missing");
    SCITT_ASSIGN_OR_RETURN(const Json* driver, OptionalObject(*tool, "driver", where + ".tool"));
    if (driver == nullptr) return Invalid(where + ".tool.driver is missing");
    SCITT_ASSIGN_OR_RETURN(std::string scanner,
                           RequiredString(*driver, "name", where + ".tool.driver"));
    std::vector<Rule> rules;
    SCITT_ASSIGN_OR_RETURN(const Json* rule_list,
                           OptionalArray(*driver, "rules", where + ".tool.driver"));
    if (rule_list != nullptr) {
      for (size_t i = 0; i < rule_list->size(); ++i) {
        const std::string here = where + ".tool.driver.rules[" + std::to_string(i) + "]";
        const Json& rule = (*rule_list)[i];
        SCITT_RETURN_IF_ERROR(ExpectObject(rule, here));
        graph_.Declare("rules");
        Rule parsed;
        SCITT_ASSIGN_OR_RETURN(parsed.id, RequiredString(rule, "id", here));
        SCITT_ASSIGN_OR_RETURN(const Json* configuration,
                               OptionalObject(rule, "defaultConfiguration", here));
        if (configuration != nullptr) {
          SCITT_ASSIGN_OR_RETURN(auto level, OptionalString(*configuration, "level",
                                                            here + ".defaultConfiguration"));
          parsed.default_level = level.value_or("");
        }
        SCITT_ASSIGN_OR_RETURN(parsed.security_severity, SecuritySeverity(rule, here));
        rules.push_back(std::move(parsed));
      }
    }
    SCITT_ASSIGN_OR_RETURN(const Json* results, OptionalArray(run, "results", where));
    if (results == nullptr) return Status::Ok();
    for (size_t i = 0; i < results->size(); ++i) {
      SCITT_RETURN_IF_ERROR(ReadResult((*results)[i], where + ".results[" + std::to_string(i) + "]",
                                       rules, scanner));
    }
    return Status::Ok();
  }

  // §3.27.6 ruleIndex, else the rule whose id is the result's ruleId.
  static Result<const Rule*> RuleOf(const Json& result, const std::string& rule_id,
                                    const std::vector<Rule>& rules, const std::string& where) {
    const auto index = result.find("ruleIndex");
    if (index != result.end() && !index->is_null()) {
      if (!index->is_number_integer()) return Invalid(where + ".ruleIndex must be an integer");
      const int64_t value = index->get<int64_t>();
      if (value == -1) return static_cast<const Rule*>(nullptr);  // §3.27.6: -1 means none
      if (value < 0 || static_cast<uint64_t>(value) >= rules.size()) {
        return Invalid(where + ".ruleIndex " + std::to_string(value) + " names no rule");
      }
      return &rules[static_cast<size_t>(value)];
    }
    for (const Rule& rule : rules) {
      if (rule.id == rule_id) return &rule;
    }
    return static_cast<const Rule*>(nullptr);
  }

  // A suppression whose status is absent or "accepted" hides the result
  // (§3.35.3: "rejected" and "underReview" do not).
  static Result<bool> Suppressed(const Json& result, const std::string& where) {
    SCITT_ASSIGN_OR_RETURN(const Json* suppressions, OptionalArray(result, "suppressions", where));
    if (suppressions == nullptr) return false;
    bool suppressed = false;
    for (size_t i = 0; i < suppressions->size(); ++i) {
      const std::string here = where + ".suppressions[" + std::to_string(i) + "]";
      SCITT_RETURN_IF_ERROR(ExpectObject((*suppressions)[i], here));
      SCITT_ASSIGN_OR_RETURN(auto status, OptionalString((*suppressions)[i], "status", here));
      if (!status || *status == "accepted") suppressed = true;
    }
    return suppressed;
  }

  // physicalLocation.artifactLocation.uri of the first location, if any.
  static Result<std::string> LocationUri(const Json& result, const std::string& where) {
    SCITT_ASSIGN_OR_RETURN(const Json* locations, OptionalArray(result, "locations", where));
    if (locations == nullptr || locations->empty()) return std::string();
    const std::string here = where + ".locations[0]";
    SCITT_RETURN_IF_ERROR(ExpectObject((*locations)[0], here));
    SCITT_ASSIGN_OR_RETURN(const Json* physical,
                           OptionalObject((*locations)[0], "physicalLocation", here));
    if (physical == nullptr) return std::string();
    SCITT_ASSIGN_OR_RETURN(const Json* artifact, OptionalObject(*physical, "artifactLocation",
                                                                here + ".physicalLocation"));
    if (artifact == nullptr) return std::string();
    SCITT_ASSIGN_OR_RETURN(auto uri, OptionalString(*artifact, "uri",
                                                    here + ".physicalLocation.artifactLocation"));
    return uri.value_or("");
  }

  Status ReadResult(const Json& result, const std::string& where, const std::vector<Rule>& rules,
                    const std::string& scanner) {
    SCITT_RETURN_IF_ERROR(ExpectObject(result, where));
    graph_.Declare("results");
    SCITT_ASSIGN_OR_RETURN(auto rule_id, OptionalString(result, "ruleId", where));
    if (!rule_id) {
      SCITT_ASSIGN_OR_RETURN(const Json* reference, OptionalObject(result, "rule", where));
      if (reference != nullptr) {
        SCITT_ASSIGN_OR_RETURN(rule_id, OptionalString(*reference, "id", where + ".rule"));
      }
    }
    if (!rule_id || rule_id->empty()) return Invalid(where + " names no rule (ruleId)");
    SCITT_ASSIGN_OR_RETURN(const Rule* rule, RuleOf(result, *rule_id, rules, where));

    // §3.27.10: the result's level; else, for kind "fail" (the default),
    // the rule's default level, else "warning"; for any other kind "none".
    SCITT_ASSIGN_OR_RETURN(auto level, OptionalString(result, "level", where));
    SCITT_ASSIGN_OR_RETURN(auto kind, OptionalString(result, "kind", where));
    std::string effective_level;
    if (level) {
      effective_level = *level;
    } else if (!kind || *kind == "fail") {
      effective_level = rule != nullptr && !rule->default_level.empty() ? rule->default_level
                                                                        : "warning";
    } else {
      effective_level = "none";
    }
    SCITT_ASSIGN_OR_RETURN(std::string security_severity, SecuritySeverity(result, where));
    if (security_severity.empty() && rule != nullptr) security_severity = rule->security_severity;
    SCITT_ASSIGN_OR_RETURN(bool suppressed, Suppressed(result, where));
    SCITT_ASSIGN_OR_RETURN(std::string uri, LocationUri(result, where));

    const std::string vulnerability = VulnerabilityOfRule(*rule_id);
    SCITT_RETURN_IF_ERROR(graph_.AddNode(NodeKind::kVulnerability, vulnerability));
    std::string from(kThisDocument);
    if (!uri.empty()) {
      from = "ref:" + uri;
      SCITT_RETURN_IF_ERROR(graph_.AddNode(NodeKind::kFile, from, {{"uri", uri}}));
    }
    Attributes finding{{"path", where.substr(where.find(' ') + 1)},
                       {"rule", *rule_id},
                       {"level", effective_level},
                       {"scanner", scanner}};
    if (!security_severity.empty()) {
      finding["security_severity"] = security_severity;
      if (std::string bucket = SeverityBucket(security_severity); !bucket.empty()) {
        finding["severity"] = bucket;
      }
    }
    if (suppressed) finding["suppressed"] = "true";
    return graph_.AddEdge(Edge{EdgeKind::kVulnerableTo, from, vulnerability, std::move(finding)});
  }

  GraphBuilder graph_;
};

}  // namespace

Result<EvidenceDocument> ParseSarif(const Json& log) {
  SCITT_RETURN_IF_ERROR(ExpectObject(log, "SARIF: the log"));
  SCITT_ASSIGN_OR_RETURN(std::string version, RequiredString(log, "version", "SARIF"));
  if (version != "2.1.0") {
    return MakeError(ErrorCode::kUnsupported,
                     "SARIF: version \"" + version.substr(0, 100) + "\" is not read (2.1.0 is)");
  }
  SarifReader reader;
  SCITT_RETURN_IF_ERROR(reader.Read(log));
  return std::move(reader).Finish();
}

}  // namespace scitt::evidence::internal
