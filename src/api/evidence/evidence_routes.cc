#include "api/evidence/evidence_routes.h"

#include <nlohmann/json.hpp>

#include "api/dispatch.h"
#include "api/params.h"
#include "api/problems.h"
#include "base/text.h"
#include "evidence/formats/parse.h"
#include "evidence/graph_queries.h"
#include "registry/scitt_profile.h"

namespace scitt::api {
namespace {

using http::Request;
using http::Responder;
using http::Response;

constexpr uint64_t kDefaultLimit = 100;
constexpr uint64_t kMaxLimit = 1000;
constexpr size_t kMaxFilterBytes = 8192;

Result<std::optional<std::string>> Filter(const Request& req, const char* name) {
  auto value = req.Query(name);
  if (!value) return std::optional<std::string>();
  if (value->empty() || value->size() > kMaxFilterBytes) {
    return MakeError(ErrorCode::kInvalidArgument, std::string("query parameter ") + name +
                                                      " must be 1 to " + std::to_string(kMaxFilterBytes) +
                                                      " bytes");
  }
  return std::optional<std::string>(std::string(*value));
}

// A `limit` parameter, clamped to 1 .. kMaxLimit.
Result<size_t> PageLimit(const Request& req) {
  SCITT_ASSIGN_OR_RETURN(const uint64_t limit, QueryNumberOr(req, "limit", kDefaultLimit));
  return static_cast<size_t>(std::min(std::max<uint64_t>(limit, 1), kMaxLimit));
}

// The 200 answer: `body` as JSON; with `next` (the same query from `after`
// on, its parameters `names`), the next page's link in the body and in Link.
// A walk's next page also names the tree size of this one (`pinned`), so
// that every page reads the same graph.
Response JsonAnswer(nlohmann::json body, const Request& req, std::string_view route,
                    std::initializer_list<const char*> names, std::optional<uint64_t> after,
                    std::optional<uint64_t> pinned = std::nullopt) {
  Response res;
  if (after) {
    std::string next = std::string(route) + "?";
    for (const char* name : names) {
      if (auto value = req.Query(name)) next += std::string(name) + "=" + http::PercentEncode(*value) + "&";
    }
    if (pinned) next += "tree_size=" + std::to_string(*pinned) + "&";
    next += "after=" + std::to_string(*after);
    res.Set("Link", "<" + next + ">; rel=\"next\"");
    body["next"] = std::move(next);
  }
  res.status = 200;
  res.Set("Content-Type", "application/json");
  // Claims are the issuers' bytes: a bad UTF-8 sequence is shown as U+FFFD.
  res.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return res;
}

// A registration time: RFC 3339 UTC ("2026-12-05T10:00:00Z") or seconds
// since the epoch.
Result<std::optional<int64_t>> TimeFilter(const Request& req, const char* name) {
  SCITT_ASSIGN_OR_RETURN(auto text, Filter(req, name));
  if (!text) return std::optional<int64_t>();
  if (auto seconds = ParseUtc(*text)) return std::optional<int64_t>(*seconds);
  if (!text->empty() && text->size() <= 18 && text->find_first_not_of("0123456789") == std::string::npos) {
    return std::optional<int64_t>(std::stoll(*text));
  }
  return MakeError(ErrorCode::kInvalidArgument,
                   std::string("query parameter ") + name + " must be an RFC 3339 UTC time or seconds since the epoch");
}

Result<evidence::StatementQuery> ParseQuery(const Request& req) {
  evidence::StatementQuery query;
  SCITT_ASSIGN_OR_RETURN(query.subject, Filter(req, "subject"));
  SCITT_ASSIGN_OR_RETURN(query.issuer, Filter(req, "issuer"));
  SCITT_ASSIGN_OR_RETURN(query.content_type, Filter(req, "type"));
  SCITT_ASSIGN_OR_RETURN(query.since, TimeFilter(req, "since"));
  SCITT_ASSIGN_OR_RETURN(query.until, TimeFilter(req, "until"));
  SCITT_ASSIGN_OR_RETURN(query.after, QueryNumber(req, "after"));
  SCITT_ASSIGN_OR_RETURN(query.limit, PageLimit(req));
  return query;
}

nlohmann::json Describe(const evidence::IndexedStatement& statement, ByteView receipt) {
  nlohmann::json out = {{"entry", statement.entry}, {"registered_at", FormatUtc(statement.registered_at)}};
  auto text = [](const std::optional<std::string>& value) -> nlohmann::json {
    return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
  };
  out["subject"] = text(statement.subject);
  out["issuer"] = text(statement.issuer);
  out["content_type"] = text(statement.content_type);
  if (statement.format) out["format"] = *statement.format;
  if (statement.indexing_error) out["indexing_error"] = *statement.indexing_error;
  if (statement.payload_source) out["payload"] = *statement.payload_source;
  if (statement.payload_location) out["payload_location"] = *statement.payload_location;
  out["receipt"] = Base64Encode(receipt);
  return out;
}

// The answer names the tree size it reflects (every entry below it was
// indexed when the query ran), and the receipts are all for the tree of the
// latest signed head, so a client verifies them against one root.
void GetStatements(const EvidenceDeps& deps, const Request& req, const Responder& respond) {
  auto query = ParseQuery(req);
  if (!query.ok()) return respond(ProblemFor(query.error()));
  auto found = deps.store->FindStatements(*query);
  if (!found.ok()) return respond(ProblemFor(found.error()));
  nlohmann::json statements = nlohmann::json::array();
  if (!found->statements.empty()) {
    auto head = deps.log->LatestTreeHead();  // at or past every indexed entry
    if (!head.ok()) return respond(ProblemFor(head.error()));
    for (const evidence::IndexedStatement& statement : found->statements) {
      auto receipt = deps.log->InclusionReceipt(statement.entry, head->tree_size);
      if (!receipt.ok()) return respond(ProblemFor(receipt.error()));
      statements.push_back(Describe(statement, *receipt));
    }
  }
  std::optional<uint64_t> after;
  if (found->statements.size() == query->limit) after = found->statements.back().entry;
  respond(JsonAnswer({{"tree_size", found->indexed_size}, {"statements", std::move(statements)}}, req,
                     "/statements", {"subject", "issuer", "type", "since", "until", "limit"}, after));
}

constexpr uint64_t kMaxDepth = 10;

nlohmann::json DescribeEdge(const evidence::EdgeView& edge) {
  auto attributes = nlohmann::json::parse(edge.attributes, nullptr, /*allow_exceptions=*/false);
  if (attributes.is_discarded()) attributes = nlohmann::json::object();
  return {{"entry", edge.entry},
          {"issuer", edge.issuer ? nlohmann::json(*edge.issuer) : nlohmann::json(nullptr)},
          {"kind", edge.kind},
          {"from", edge.from},
          {"to", edge.to},
          {"attributes", std::move(attributes)}};
}

nlohmann::json DescribeEdge(const evidence::FoundEdge& found) {
  return DescribeEdge(evidence::EdgeView{.entry = found.entry,
                                         .issuer = found.issuer,
                                         .kind = found.edge.kind,
                                         .from = found.edge.from,
                                         .to = found.edge.to,
                                         .attributes = found.edge.attributes});
}

Result<evidence::EdgeQuery> ParseEdgeQuery(const Request& req) {
  evidence::EdgeQuery query;
  SCITT_ASSIGN_OR_RETURN(auto node, Filter(req, "node"));
  if (!node) return MakeError(ErrorCode::kInvalidArgument, "query parameter node is required");
  query.node = evidence::NormalizePurl(*node);  // as the graph spells it
  const std::string direction(req.Query("direction").value_or("out"));
  if (direction != "out" && direction != "in") {
    return MakeError(ErrorCode::kInvalidArgument, "query parameter direction must be out or in");
  }
  query.incoming = direction == "in";
  SCITT_ASSIGN_OR_RETURN(query.kind, Filter(req, "kind"));
  SCITT_ASSIGN_OR_RETURN(query.as_of, QueryNumber(req, "tree_size"));
  SCITT_ASSIGN_OR_RETURN(query.after, QueryNumber(req, "after"));
  SCITT_ASSIGN_OR_RETURN(query.limit, PageLimit(req));
  return query;
}

// One hop of the graph: the edges from (or to) a node, each with the entry
// whose statement asserted it (its receipt: GET /entries/{entry}).
void GetEdges(const EvidenceDeps& deps, const Request& req, const Responder& respond) {
  auto query = ParseEdgeQuery(req);
  if (!query.ok()) return respond(ProblemFor(query.error()));
  auto found = deps.store->FindEdges(*query);
  if (!found.ok()) return respond(ProblemFor(found.error()));
  nlohmann::json edges = nlohmann::json::array();
  for (const evidence::FoundEdge& found_edge : found->edges) edges.push_back(DescribeEdge(found_edge));
  respond(JsonAnswer({{"tree_size", found->indexed_size}, {"edges", std::move(edges)}}, req, "/edges",
                     {"node", "direction", "kind", "tree_size", "limit"}, found->next));
}

Result<uint64_t> Depth(const Request& req) {
  SCITT_ASSIGN_OR_RETURN(const uint64_t depth, QueryNumberOr(req, "depth", kMaxDepth));
  if (depth < 1 || depth > kMaxDepth) {
    return MakeError(ErrorCode::kInvalidArgument, "query parameter depth must be 1 to " + std::to_string(kMaxDepth));
  }
  return depth;
}

Result<std::string> RequiredFilter(const Request& req, const char* name) {
  SCITT_ASSIGN_OR_RETURN(auto value, Filter(req, name));
  if (!value) return MakeError(ErrorCode::kInvalidArgument, std::string("query parameter ") + name + " is required");
  return std::move(*value);
}

constexpr uint64_t kDefaultWalkPage = 1000;
constexpr uint64_t kMaxWalkPage = 10'000;

// A walk answer's page: `limit` nodes (1 .. kMaxWalkPage) after the first
// `after` in breadth-first order.
Status WalkPage(const Request& req, evidence::WalkQuery& query) {
  SCITT_ASSIGN_OR_RETURN(const uint64_t limit, QueryNumberOr(req, "limit", kDefaultWalkPage));
  SCITT_ASSIGN_OR_RETURN(const uint64_t after, QueryNumberOr(req, "after", 0));
  query.limit = static_cast<size_t>(std::min(std::max<uint64_t>(limit, 1), kMaxWalkPage));
  query.skip = static_cast<size_t>(std::min<uint64_t>(after, query.max_nodes));
  return Status::Ok();
}

// Where the next page of a walk starts, when there is one.
std::optional<uint64_t> NextWalkPage(const evidence::WalkQuery& query, const evidence::Walk& walk) {
  const size_t end = query.skip + walk.nodes.size();
  return end < walk.reached ? std::optional<uint64_t>(end) : std::nullopt;
}

nlohmann::json DescribeReached(const std::vector<evidence::Reached>& reached) {
  nlohmann::json out = nlohmann::json::array();
  for (const evidence::Reached& node : reached) {
    out.push_back({{"node", node.node}, {"depth", node.depth}, {"via", DescribeEdge(node.via)}});
  }
  return out;
}

// Where a dependents walk starts: the node itself; for a purl without a
// version, or with `range` set, every version of that package the graph
// holds (in the range).
Result<evidence::WalkQuery> DependentsQuery(const EvidenceDeps& deps, const Request& req, nlohmann::json& answer) {
  evidence::WalkQuery query;
  SCITT_ASSIGN_OR_RETURN(const std::string written, RequiredFilter(req, "node"));
  const std::string node = evidence::NormalizePurl(written);
  SCITT_ASSIGN_OR_RETURN(const uint64_t depth, Depth(req));
  query.max_depth = static_cast<int>(depth);
  SCITT_ASSIGN_OR_RETURN(query.as_of, QueryNumber(req, "tree_size"));
  SCITT_ASSIGN_OR_RETURN(const auto range_text, Filter(req, "range"));
  answer["node"] = node;
  const bool versionless = node.starts_with("pkg:") && node.find('@', node.rfind('/') + 1) == std::string::npos;
  if (!range_text && !versionless) {
    query.starts = {node};
    return query;
  }
  std::optional<evidence::VersionRange> range;
  if (range_text) {
    SCITT_ASSIGN_OR_RETURN(range, evidence::VersionRange::Parse(*range_text));
    answer["range"] = *range_text;
  }
  SCITT_ASSIGN_OR_RETURN(evidence::PackageVersions versions,
                         evidence::FindPackageVersions(*deps.store, node, range, query.as_of));
  query.as_of = versions.tree_size;  // the versions and the walk see one graph
  answer["versions"] = versions.nodes;
  if (versions.truncated) answer["truncated"] = true;
  query.starts = std::move(versions.nodes);
  return query;
}

// The blast radius of a node: everything that depends on, contains,
// describes or was built from it, to a depth, each with the edge (and so
// the entry) through which it was reached; the artifacts among them apart.
void GetDependents(const EvidenceDeps& deps, const Request& req, const Responder& respond) {
  nlohmann::json answer = nlohmann::json::object();
  auto query = DependentsQuery(deps, req, answer);
  if (!query.ok()) return respond(ProblemFor(query.error()));
  if (Status paged = WalkPage(req, *query); !paged.ok()) return respond(ProblemFor(paged.error()));
  auto found = deps.graph->WalkFrom(*query);
  if (!found.ok()) return respond(ProblemFor(found.error()));
  answer["tree_size"] = found->tree_size;
  answer["reached"] = found->reached;
  answer["dependents"] = DescribeReached(found->nodes);
  answer["artifacts"] = found->artifacts;
  answer["truncated"] = answer.value("truncated", false) || found->truncated;
  respond(JsonAnswer(std::move(answer), req, "/dependents", {"node", "range", "depth", "limit"},
                     NextWalkPage(*query, *found), found->tree_size));
}

nlohmann::json DescribeVulnerabilities(const std::vector<evidence::Vulnerability>& vulnerabilities) {
  nlohmann::json out = nlohmann::json::array();
  for (const evidence::Vulnerability& vulnerability : vulnerabilities) {
    nlohmann::json findings = nlohmann::json::array();
    for (const evidence::FoundEdge& finding : vulnerability.findings) findings.push_back(DescribeEdge(finding));
    nlohmann::json vex = nlohmann::json::array();
    for (const evidence::VexAssessment& assessment : vulnerability.vex) {
      auto attributes = nlohmann::json::parse(assessment.attributes, nullptr, /*allow_exceptions=*/false);
      vex.push_back({{"node", assessment.node},
                     {"entry", assessment.entry},
                     {"issuer", assessment.issuer ? nlohmann::json(*assessment.issuer) : nlohmann::json(nullptr)},
                     {"status", assessment.status},
                     {"attributes", attributes.is_object() ? attributes : nlohmann::json::object()}});
    }
    out.push_back({{"id", vulnerability.id},
                   {"open", vulnerability.open},
                   {"status_by_issuer", vulnerability.status_by_issuer},
                   {"findings", std::move(findings)},
                   {"vex", std::move(vex)}});
  }
  return out;
}

Result<evidence::WalkQuery> DependenciesQuery(const Request& req, const char* node_name) {
  evidence::WalkQuery query{.direction = evidence::WalkDirection::kDependencies};
  SCITT_ASSIGN_OR_RETURN(const std::string node, RequiredFilter(req, node_name));
  query.starts = {evidence::NormalizePurl(node)};
  SCITT_ASSIGN_OR_RETURN(const uint64_t depth, Depth(req));
  query.max_depth = static_cast<int>(depth);
  SCITT_ASSIGN_OR_RETURN(query.as_of, QueryNumber(req, "tree_size"));
  return query;
}

// What a node depends on, contains or was built from, to a depth, and the
// facts about each (findings, VEX, attestations, builders).
void GetDependencies(const EvidenceDeps& deps, const Request& req, const Responder& respond) {
  auto query = DependenciesQuery(req, "node");
  if (!query.ok()) return respond(ProblemFor(query.error()));
  if (Status paged = WalkPage(req, *query); !paged.ok()) return respond(ProblemFor(paged.error()));
  auto found = deps.graph->WalkFrom(*query);
  if (!found.ok()) return respond(ProblemFor(found.error()));
  nlohmann::json facts = nlohmann::json::array();
  for (const evidence::FoundEdge& fact : found->facts) facts.push_back(DescribeEdge(fact));
  respond(JsonAnswer({{"tree_size", found->tree_size},
                      {"node", query->starts.front()},
                      {"reached", found->reached},
                      {"dependencies", DescribeReached(found->nodes)},
                      {"facts", std::move(facts)},
                      {"truncated", found->truncated}},
                     req, "/dependencies", {"node", "depth", "limit"}, NextWalkPage(*query, *found), found->tree_size));
}

// A shortest chain of edges from one node to another.
void GetPath(const EvidenceDeps& deps, const Request& req, const Responder& respond) {
  evidence::PathQuery query;
  auto parsed = [&]() -> Status {
    SCITT_ASSIGN_OR_RETURN(query.from, RequiredFilter(req, "from"));
    SCITT_ASSIGN_OR_RETURN(query.to, RequiredFilter(req, "to"));
    query.from = evidence::NormalizePurl(query.from);
    query.to = evidence::NormalizePurl(query.to);
    SCITT_ASSIGN_OR_RETURN(const uint64_t depth, Depth(req));
    query.max_depth = static_cast<int>(depth);
    SCITT_ASSIGN_OR_RETURN(query.as_of, QueryNumber(req, "tree_size"));
    return Status::Ok();
  }();
  if (!parsed.ok()) return respond(ProblemFor(parsed.error()));
  auto found = evidence::FindPath(*deps.store, query);
  if (!found.ok()) return respond(ProblemFor(found.error()));
  nlohmann::json edges = nlohmann::json::array();
  for (const evidence::FoundEdge& edge : found->edges) edges.push_back(DescribeEdge(edge));
  const bool connected = !found->edges.empty() || query.from == query.to;
  respond(JsonAnswer({{"tree_size", found->tree_size},
                      {"from", query.from},
                      {"to", query.to},
                      {"found", connected},
                      {"path", std::move(edges)},
                      {"truncated", found->truncated}},
                     req, "/path", {}, std::nullopt));
}

constexpr size_t kMaxSummaryStatements = 1000;

// What we know about an artifact: the statements about it (with receipts),
// counted by format and by issuer; every package under it; the
// vulnerabilities found in it or in any of them, with every issuer's VEX
// (and those from `vex_issuer`, a comma-separated list, applied).
void GetArtifactEvidence(const EvidenceDeps& deps, const Request& req, const Responder& respond) {
  auto query = DependenciesQuery(req, "subject");
  if (!query.ok()) return respond(ProblemFor(query.error()));
  std::vector<std::string> trusted;
  if (auto list = req.Query("vex_issuer")) {
    for (std::string_view rest = *list; !rest.empty();) {
      const size_t comma = rest.find(',');
      if (comma != 0) trusted.emplace_back(rest.substr(0, comma));
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
  }
  // Statements are found by their subject as signed; the walk starts at
  // the node the graph knows it by.
  const std::string subject(req.Query("subject").value_or(""));
  // The graph knows an OCI subject ("demo/app@sha256:…") by its digest, as
  // the indexer writes it (IndexedStatement::subject_digest).
  if (auto oci = registry::ParseOciSubject(subject)) query->starts = {oci->digest.ToString()};
  auto walk = deps.graph->WalkFrom(*query);
  if (!walk.ok()) return respond(ProblemFor(walk.error()));
  auto found = deps.store->FindStatements({.subject = subject, .limit = kMaxSummaryStatements});
  if (!found.ok()) return respond(ProblemFor(found.error()));
  nlohmann::json statements = nlohmann::json::array();
  std::map<std::string, uint64_t> by_format, by_issuer;
  if (!found->statements.empty()) {
    auto head = deps.log->LatestTreeHead();
    if (!head.ok()) return respond(ProblemFor(head.error()));
    for (const evidence::IndexedStatement& statement : found->statements) {
      if (statement.entry >= walk->tree_size) break;  // one graph: the walk's
      auto receipt = deps.log->InclusionReceipt(statement.entry, head->tree_size);
      if (!receipt.ok()) return respond(ProblemFor(receipt.error()));
      statements.push_back(Describe(statement, *receipt));
      ++by_format[statement.format.value_or("other")];
      ++by_issuer[statement.issuer.value_or("")];
    }
  }
  nlohmann::json packages = nlohmann::json::array();
  for (const evidence::Reached& node : walk->nodes) {
    if (node.node.starts_with("pkg:")) {
      packages.push_back({{"purl", node.node}, {"depth", node.depth}, {"via", DescribeEdge(node.via)}});
    }
  }
  nlohmann::json licenses = nlohmann::json::array();
  for (const evidence::FoundEdge& fact : walk->facts) {
    if (fact.edge.kind == "LICENSED_UNDER") licenses.push_back(DescribeEdge(fact));
  }
  respond(JsonAnswer({{"tree_size", walk->tree_size},
                      {"subject", subject},
                      {"statements", std::move(statements)},
                      {"statements_truncated", found->statements.size() == kMaxSummaryStatements},
                      {"evidence", {{"by_format", by_format}, {"by_issuer", by_issuer}}},
                      {"packages", std::move(packages)},
                      {"licenses", std::move(licenses)},
                      {"vulnerabilities", DescribeVulnerabilities(evidence::ApplyVex(walk->facts, trusted))},
                      {"vex_issuers", trusted.empty() ? nlohmann::json("*") : nlohmann::json(trusted)},
                      {"truncated", walk->truncated}},
                     req, "/evidence", {}, std::nullopt));
}

}  // namespace

void AddEvidenceRoutes(const EvidenceDeps& deps, http::Router& router) {
  using Handler = void (*)(const EvidenceDeps&, const Request&, const Responder&);
  const std::pair<const char*, Handler> routes[] = {
      {"/statements", GetStatements},   {"/edges", GetEdges}, {"/dependents", GetDependents},
      {"/dependencies", GetDependencies}, {"/path", GetPath}, {"/evidence", GetArtifactEvidence},
  };
  for (const auto& [path, handler] : routes) {
    router.Add("GET", path, OnPool(*deps.reads, [deps, handler = handler](Request req, Responder respond) {
                 handler(deps, req, respond);
               }));
  }
}

}  // namespace scitt::api
