#include "appraisal/appraiser.h"

#include <algorithm>
#include <limits>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "base/text.h"
#include "evidence/formats/license_expression.h"
#include "evidence/formats/parse.h"
#include "evidence/graph_queries.h"
#include "registry/scitt_profile.h"

namespace scitt::appraisal {
namespace {

constexpr int64_t kSecondsPerDay = 86'400;
constexpr size_t kStatementsPerPage = 1000;
constexpr int kPackageDepth = 10;  // deny_packages and deny_licenses look this deep

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

std::vector<uint64_t> Sorted(std::set<uint64_t> entries) { return {entries.begin(), entries.end()}; }

bool Listed(const std::vector<std::string>& list, std::string_view item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

// Calls visit(statement) -> Status for each statement `query` finds below
// `tree_size`, page after page, in log order.
template <typename Visit>
Status ForEachStatementBelow(const evidence::EvidenceStore& store, evidence::StatementQuery query, uint64_t tree_size,
                             Visit&& visit) {
  while (true) {
    SCITT_ASSIGN_OR_RETURN(evidence::StatementPage page, store.FindStatements(query));
    for (evidence::IndexedStatement& statement : page.statements) {
      if (statement.entry >= tree_size) return Status::Ok();
      SCITT_RETURN_IF_ERROR(visit(statement));
    }
    if (page.statements.size() < query.limit) return Status::Ok();
    query.after = page.statements.back().entry;
  }
}

// Whether the statement at `entry` says `about` was built by one of the
// rule's builders from one of its source repositories (a repository
// matches with or without the "@ref" its URI carries).
Result<bool> MeetsProvenance(const evidence::EvidenceStore& store, const EvidenceRule& rule, const std::string& about,
                             uint64_t entry, uint64_t tree_size) {
  bool built_by = rule.builders.empty(), built_from = rule.source_repositories.empty();
  for (const char* kind : {"BUILT_BY", "BUILT_FROM"}) {
    evidence::EdgeQuery query{.node = about, .incoming = false, .kind = kind, .after = std::nullopt,
                              .limit = 1000, .as_of = tree_size};
    while (!(built_by && built_from)) {
      SCITT_ASSIGN_OR_RETURN(evidence::EdgePage page, store.FindEdges(query));
      for (const evidence::FoundEdge& found : page.edges) {
        if (found.entry != entry) continue;
        const std::string& to = found.edge.to;
        if (found.edge.kind == "BUILT_BY" && Listed(rule.builders, to)) built_by = true;
        if (found.edge.kind == "BUILT_FROM" &&
            (Listed(rule.source_repositories, to) || Listed(rule.source_repositories, to.substr(0, to.rfind('@'))))) {
          built_from = true;
        }
      }
      if (!page.next) break;
      query.after = page.next;
    }
  }
  return built_by && built_from;
}

// Evidence of the rule's format from one of its issuers, young enough (and
// for provenance, from the rule's builders and sources): the latest such
// statement about the subject below the tree size.
Result<RuleOutcome> ApplyEvidenceRule(const evidence::EvidenceStore& store, const EvidenceRule& rule,
                                      const Question& question, const std::string& about, uint64_t tree_size,
                                      size_t index) {
  RuleOutcome out{.rule = "evidence[" + std::to_string(index) + "]"};
  const std::string wanted = rule.format + (rule.issuers.empty() ? "" : " from " + Join(rule.issuers)) +
                             (rule.builders.empty() ? "" : " built by " + Join(rule.builders)) +
                             (rule.source_repositories.empty() ? "" : " from source " + Join(rule.source_repositories));
  // Older than this is too old (with no max_age_days, nothing is).
  const int64_t oldest = rule.max_age_days ? question.now - *rule.max_age_days * kSecondsPerDay
                                           : std::numeric_limits<int64_t>::min();
  std::optional<evidence::IndexedStatement> latest, too_old;
  SCITT_RETURN_IF_ERROR(ForEachStatementBelow(
      store, {.subject = about, .limit = kStatementsPerPage}, tree_size,
      [&](evidence::IndexedStatement& statement) -> Status {
        if (statement.format != rule.format) return Status::Ok();
        if (!rule.issuers.empty() && (!statement.issuer || !Listed(rule.issuers, *statement.issuer))) {
          return Status::Ok();
        }
        if (!rule.builders.empty() || !rule.source_repositories.empty()) {
          SCITT_ASSIGN_OR_RETURN(const bool meets, MeetsProvenance(store, rule, about, statement.entry, tree_size));
          if (!meets) return Status::Ok();
        }
        if (statement.registered_at < oldest) {
          too_old = std::move(statement);
        } else {
          latest = std::move(statement);
        }
        return Status::Ok();
      }));
  if (latest) {
    out.passed = true;
    out.reason = wanted + ": entry " + std::to_string(latest->entry) + ", registered " +
                 FormatUtc(latest->registered_at);
    out.entries = {latest->entry};
  } else if (too_old) {
    out.reason = "no " + wanted + " in the last " + std::to_string(*rule.max_age_days) +
                 " days; the latest, entry " + std::to_string(too_old->entry) + ", was registered " +
                 FormatUtc(too_old->registered_at);
    out.entries = {too_old->entry};
  } else {
    out.reason = "no " + wanted + " about " + question.subject;
  }
  return out;
}

// Withdrawn: a revocation about the artifact from one of the rule's issuers
// below the tree size.
Result<RuleOutcome> ApplyRevocationRule(const evidence::EvidenceStore& store, const RevocationRule& rule,
                                        const std::string& about, uint64_t tree_size) {
  RuleOutcome out{.rule = "revocations"};
  evidence::StatementQuery query{.subject = about, .limit = kStatementsPerPage};
  query.content_type = std::string(kRevocationContentType);
  std::vector<std::string> by;
  SCITT_RETURN_IF_ERROR(ForEachStatementBelow(store, query, tree_size, [&](const evidence::IndexedStatement& statement) {
    if (statement.issuer && Listed(rule.issuers, *statement.issuer)) {
      out.entries.push_back(statement.entry);
      by.push_back(*statement.issuer + " (entry " + std::to_string(statement.entry) + ", registered " +
                   FormatUtc(statement.registered_at) + ")");
    }
    return Status::Ok();
  }));
  out.passed = by.empty();
  out.reason = out.passed ? "no revocation from " + Join(rule.issuers) : "revoked by " + Join(by);
  return out;
}

// The severity a finding's edge gives (its scanner's rating), if any.
std::optional<Severity> FindingSeverity(const evidence::FoundEdge& finding) {
  const auto attributes = nlohmann::json::parse(finding.edge.attributes, nullptr, /*allow_exceptions=*/false);
  if (!attributes.is_object() || !attributes.contains("severity") || !attributes["severity"].is_string()) {
    return std::nullopt;
  }
  return ParseSeverity(AsciiLower(attributes["severity"].get<std::string>()));
}

RuleOutcome ApplyVulnerabilityRule(const VulnerabilityRule& rule, const evidence::Walk& walk,
                                   const std::map<std::string, int, std::less<>>& depth_of) {
  RuleOutcome out{.rule = "vulnerabilities"};
  // The facts about nodes within the rule's depth.
  std::vector<evidence::FoundEdge> facts;
  for (const evidence::FoundEdge& fact : walk.facts) {
    const auto it = depth_of.find(fact.edge.from);
    if (it != depth_of.end() && it->second <= rule.depth) facts.push_back(fact);
  }
  std::vector<evidence::Vulnerability> vulnerabilities = evidence::ApplyVex(facts, rule.vex_issuers);
  std::set<uint64_t> entries;
  std::vector<std::string> denied, closed;
  for (const evidence::Vulnerability& vulnerability : vulnerabilities) {
    if (vulnerability.findings.empty()) continue;  // a VEX about something nobody found
    std::optional<Severity> severity;
    bool unknown = false;
    for (const evidence::FoundEdge& finding : vulnerability.findings) {
      const std::optional<Severity> rated = FindingSeverity(finding);
      if (!rated) unknown = true;
      if (rated && (!severity || *rated > *severity)) severity = rated;
    }
    const bool listed = Listed(rule.deny_ids, vulnerability.id);
    const bool severe = rule.deny_severity &&
                        ((severity && *severity >= *rule.deny_severity) || (!severity && unknown && rule.deny_unknown_severity));
    if (!listed && !severe) continue;
    // An empty vex_issuers trusts nobody's VEX (ApplyVex would trust all).
    const bool open = rule.vex_issuers.empty() || vulnerability.open;
    for (const evidence::FoundEdge& finding : vulnerability.findings) entries.insert(finding.entry);
    for (const evidence::VexAssessment& vex : vulnerability.vex) {
      if (Listed(rule.vex_issuers, vex.issuer.value_or(""))) entries.insert(vex.entry);
    }
    const std::string described =
        vulnerability.id + " (" + (severity ? std::string(SeverityName(*severity)) : "no severity") +
        (listed ? ", denied by id" : "") + ")";
    (open ? denied : closed).push_back(described);
  }
  if (walk.truncated) {
    out.reason = "the dependency graph is larger than a walk reads (" + std::to_string(walk.reached) +
                 " nodes): not every finding could be seen";
  } else if (!denied.empty()) {
    out.reason = "denied: " + Join(denied);
  } else {
    out.passed = true;
    out.reason = closed.empty() ? "no denied vulnerability" : "closed by VEX: " + Join(closed);
  }
  out.entries = Sorted(std::move(entries));
  return out;
}

// The entries of each step of the walk from the artifact to `node`.
void InsertPathEntries(const std::map<std::string_view, const evidence::Reached*>& by_node, std::string_view node,
                       std::set<uint64_t>& entries) {
  auto at = by_node.find(node);
  for (const evidence::Reached* step = at == by_node.end() ? nullptr : at->second; step != nullptr;) {
    entries.insert(step->via.entry);
    const auto parent = by_node.find(step->via.from);
    step = parent == by_node.end() ? nullptr : parent->second;
  }
}

// A deny list's outcome, resting on `entries`: it fails naming what it
// `found`, or because the walk could not see everything; else it passes
// with `passed_reason`.
void Conclude(RuleOutcome& out, std::string_view what, const std::vector<std::string>& found,
              std::set<uint64_t> entries, const evidence::Walk& walk, std::string passed_reason) {
  out.entries = Sorted(std::move(entries));
  if (!found.empty()) {
    out.reason = "denied " + std::string(what) + " under the artifact: " + Join(found);
  } else if (walk.truncated) {
    out.reason = "the dependency graph is larger than a walk reads (" + std::to_string(walk.reached) +
                 " nodes): not every one of its " + std::string(what) + " could be seen";
  } else {
    out.passed = true;
    out.reason = std::move(passed_reason);
  }
}

RuleOutcome ApplyDeniedPackages(const std::vector<std::string>& denied_purls, const evidence::Walk& walk) {
  RuleOutcome out{.rule = "deny_packages"};
  std::vector<std::string> normalized;  // the views in `denied` point into these
  for (const std::string& purl : denied_purls) normalized.push_back(evidence::NormalizePurl(purl));
  std::vector<evidence::PurlParts> denied;
  for (const std::string& purl : normalized) denied.push_back(evidence::SplitPurlVersion(purl));
  std::map<std::string_view, const evidence::Reached*> by_node;
  for (const evidence::Reached& node : walk.nodes) by_node.emplace(node.node, &node);
  std::set<uint64_t> entries;
  std::vector<std::string> found;
  for (const evidence::Reached& node : walk.nodes) {
    if (!node.node.starts_with("pkg:")) continue;
    const evidence::PurlParts parts = evidence::SplitPurlVersion(node.node);
    const bool hit = std::any_of(denied.begin(), denied.end(), [&](const evidence::PurlParts& d) {
      return d.base == parts.base && (d.version.empty() || d.version == parts.version);
    });
    if (!hit) continue;
    found.emplace_back(node.node);
    InsertPathEntries(by_node, node.node, entries);
  }
  Conclude(out, "packages", found, std::move(entries), walk,
           "none of " + std::to_string(denied.size()) + " denied packages among " + std::to_string(walk.reached) +
               " nodes");
  return out;
}

// A package or file is denied when the licence a statement gives it
// leaves no way to use it but under denied licences. Per statement, its
// concluded licences govern when it gives any (SPDX: what the author of the
// SBOM found, over what the package declares); any statement's denial
// counts.
RuleOutcome ApplyDeniedLicenses(const std::vector<std::string>& denied_licenses, const evidence::Walk& walk,
                                const std::map<std::string, int, std::less<>>& depth_of) {
  RuleOutcome out{.rule = "deny_licenses"};
  std::set<std::string> denied;
  for (const std::string& license : denied_licenses) denied.insert(evidence::LicenseMatchKey(license));
  const auto is_denied = [&](std::string_view license) { return denied.contains(evidence::LicenseMatchKey(license)); };
  // One LICENSED_UNDER fact, read: its licence and whether that is denied.
  struct License {
    const evidence::FoundEdge* fact;
    std::string text;  // the expression, or the name
    bool denied;
  };
  // (node, entry) -> the licences that statement gives it, concluded apart.
  struct Stated {
    std::vector<License> concluded, other;
  };
  std::map<std::pair<std::string_view, uint64_t>, Stated> stated;
  for (const evidence::FoundEdge& fact : walk.facts) {
    if (fact.edge.kind != "LICENSED_UNDER") continue;
    const auto depth = depth_of.find(fact.edge.from);
    if (depth == depth_of.end() || depth->second > kPackageDepth) continue;
    Stated& by = stated[{fact.edge.from, fact.entry}];
    const auto attributes = nlohmann::json::parse(fact.edge.attributes, nullptr, /*allow_exceptions=*/false);
    if (!attributes.is_object()) continue;
    License license{.fact = &fact, .text = {}, .denied = false};
    if (attributes.contains("expression") && attributes["expression"].is_string()) {
      license.text = attributes["expression"].get<std::string>();
      license.denied = evidence::LicenseExpressionDenied(license.text, is_denied).value_or(false);
    } else if (attributes.contains("name") && attributes["name"].is_string()) {
      license.text = attributes["name"].get<std::string>();  // a name is denied only as itself
      license.denied = is_denied(license.text);
    }
    (attributes.value("source", "") == "concluded" ? by.concluded : by.other).push_back(std::move(license));
  }
  std::map<std::string_view, const evidence::Reached*> by_node;
  for (const evidence::Reached& node : walk.nodes) by_node.emplace(node.node, &node);
  std::set<uint64_t> entries;
  std::vector<std::string> found;
  for (const auto& [key, by] : stated) {
    for (const License& license : by.concluded.empty() ? by.other : by.concluded) {
      if (!license.denied) continue;
      found.push_back(std::string(key.first) + " (" + license.text + ", entry " + std::to_string(license.fact->entry) +
                      ")");
      entries.insert(license.fact->entry);
      InsertPathEntries(by_node, key.first, entries);
    }
  }
  Conclude(out, "licences", found, std::move(entries), walk,
           "no licence of " + std::to_string(stated.size()) + " stated among " + std::to_string(walk.reached) +
               " nodes is denied");
  return out;
}

// The script's three arguments (docs/appraisal.md "script"): what the
// artifact is, the evidence the rules read, and their outcomes.
Result<std::string> ScriptArguments(const evidence::EvidenceStore& store, const Question& question,
                                    const std::string& about, const Verdict& verdict, const evidence::Walk& walk) {
  constexpr size_t kMaxScriptNodes = 10'000;
  nlohmann::json subject = {{"subject", question.subject}, {"node", about}, {"tree_size", verdict.tree_size},
                            {"now", FormatUtc(question.now)}, {"policy", verdict.policy}};
  nlohmann::json statements = nlohmann::json::array();
  evidence::StatementQuery query{.subject = about, .limit = kStatementsPerPage};
  SCITT_ASSIGN_OR_RETURN(const evidence::StatementPage page, store.FindStatements(query));
  for (const evidence::IndexedStatement& statement : page.statements) {
    if (statement.entry >= verdict.tree_size) break;
    statements.push_back({{"entry", statement.entry},
                          {"issuer", statement.issuer ? nlohmann::json(*statement.issuer) : nlohmann::json()},
                          {"format", statement.format ? nlohmann::json(*statement.format) : nlohmann::json()},
                          {"content_type", statement.content_type ? nlohmann::json(*statement.content_type)
                                                                  : nlohmann::json()},
                          {"registered_at", FormatUtc(statement.registered_at)}});
  }
  nlohmann::json nodes = nlohmann::json::array();
  for (size_t i = 0; i < walk.nodes.size() && i < kMaxScriptNodes; ++i) {
    nodes.push_back({{"node", walk.nodes[i].node}, {"depth", walk.nodes[i].depth}});
  }
  nlohmann::json facts = nlohmann::json::array();
  for (const evidence::FoundEdge& fact : walk.facts) {
    auto attributes = nlohmann::json::parse(fact.edge.attributes, nullptr, /*allow_exceptions=*/false);
    facts.push_back({{"kind", fact.edge.kind}, {"from", fact.edge.from}, {"to", fact.edge.to},
                     {"issuer", fact.issuer ? nlohmann::json(*fact.issuer) : nlohmann::json()},
                     {"entry", fact.entry},
                     {"attributes", attributes.is_object() ? attributes : nlohmann::json::object()}});
  }
  nlohmann::json evidence = {{"statements", std::move(statements)}, {"nodes", std::move(nodes)},
                             {"facts", std::move(facts)},
                             {"truncated", walk.truncated || walk.nodes.size() > kMaxScriptNodes ||
                                               page.statements.size() == query.limit}};
  nlohmann::json rules = nlohmann::json::array();
  for (const RuleOutcome& rule : verdict.rules) {
    rules.push_back({{"rule", rule.rule}, {"passed", rule.passed}, {"reason", rule.reason}, {"entries", rule.entries}});
  }
  return nlohmann::json::array({std::move(subject), std::move(evidence), std::move(rules)})
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

Result<Verdict> Appraise(const evidence::EvidenceStore& store, evidence::DependencyGraph& graph, const Policy& policy,
                         const Question& question) {
  if (!policy.script.empty() && !policy.compiled_script) {  // refused before any work
    return MakeError(ErrorCode::kInvalidArgument,
                     "the policy has a script, and scripts run only in the deployment gates and in `scitt "
                     "appraise --bundle` (a script cannot be interrupted)");
  }
  Verdict out{.subject = question.subject, .policy = policy.name};
  // One graph for every rule: the dependency walk fixes the tree size.
  evidence::WalkQuery walk_query{.direction = evidence::WalkDirection::kDependencies, .as_of = question.as_of};
  walk_query.max_depth = std::max({policy.vulnerabilities ? policy.vulnerabilities->depth : 0,
                                   policy.deny_packages.empty() ? 0 : kPackageDepth,
                                   policy.deny_licenses.empty() ? 0 : kPackageDepth,
                                   policy.script.empty() ? 0 : kPackageDepth});  // a script sees it all
  // An OCI subject is its digest: statements about it in any repository,
  // or about the bare digest, and the graph's node.
  std::string about = question.subject;
  if (auto oci = registry::ParseOciSubject(question.subject)) {
    about = oci->digest.ToString();
    walk_query.starts = {about};
  } else {
    walk_query.starts = {evidence::NormalizePurl(question.subject)};
  }
  SCITT_ASSIGN_OR_RETURN(const evidence::Walk walk, graph.WalkFrom(walk_query));
  out.tree_size = walk.tree_size;
  std::map<std::string, int, std::less<>> depth_of{{walk_query.starts.front(), 0}};
  for (const evidence::Reached& node : walk.nodes) depth_of.emplace(node.node, node.depth);
  out.complete = !walk.truncated;
  out.considered = {question.subject, walk_query.starts.front()};
  for (const evidence::Reached& node : walk.nodes) out.considered.emplace_back(node.node);

  for (size_t i = 0; i < policy.evidence.size(); ++i) {
    SCITT_ASSIGN_OR_RETURN(RuleOutcome outcome,
                           ApplyEvidenceRule(store, policy.evidence[i], question, about, out.tree_size, i));
    out.rules.push_back(std::move(outcome));
  }
  if (policy.vulnerabilities) out.rules.push_back(ApplyVulnerabilityRule(*policy.vulnerabilities, walk, depth_of));
  if (policy.revocations) {
    SCITT_ASSIGN_OR_RETURN(RuleOutcome outcome, ApplyRevocationRule(store, *policy.revocations, about, out.tree_size));
    out.rules.push_back(std::move(outcome));
  }
  if (!policy.deny_packages.empty()) out.rules.push_back(ApplyDeniedPackages(policy.deny_packages, walk));
  if (!policy.deny_licenses.empty()) {
    out.rules.push_back(ApplyDeniedLicenses(policy.deny_licenses, walk, depth_of));
  }
  if (!policy.script.empty()) {
    SCITT_ASSIGN_OR_RETURN(const std::string arguments, ScriptArguments(store, question, about, out, walk));
    const policy::Decision decision = policy.compiled_script->Apply(arguments);
    out.rules.push_back(RuleOutcome{.rule = "script",
                                    .passed = decision.allowed,
                                    .reason = decision.allowed ? "the policy's script allows it" : decision.reason,
                                    .entries = {}});
  }
  out.allow = std::all_of(out.rules.begin(), out.rules.end(), [](const RuleOutcome& r) { return r.passed; });
  return out;
}

nlohmann::json DescribeVerdict(const Verdict& verdict) {
  nlohmann::json rules = nlohmann::json::array();
  for (const RuleOutcome& rule : verdict.rules) {
    rules.push_back({{"rule", rule.rule},
                     {"outcome", rule.passed ? "pass" : "fail"},
                     {"reason", rule.reason},
                     {"entries", rule.entries}});
  }
  return {{"decision", verdict.allow ? "allow" : "deny"},
          {"subject", verdict.subject},
          {"policy", verdict.policy},
          {"tree_size", verdict.tree_size},
          {"rules", std::move(rules)}};
}

}  // namespace scitt::appraisal
