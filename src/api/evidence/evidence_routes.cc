#include "api/evidence/evidence_routes.h"

#include <nlohmann/json.hpp>

#include "api/dispatch.h"
#include "api/params.h"
#include "api/problems.h"
#include "base/text.h"
#include "evidence/graph_queries.h"

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
Response JsonAnswer(nlohmann::json body, const Request& req, std::string_view route,
                    std::initializer_list<const char*> names, std::optional<uint64_t> after) {
  Response res;
  if (after) {
    std::string next = std::string(route) + "?";
    for (const char* name : names) {
      if (auto value = req.Query(name)) next += std::string(name) + "=" + http::PercentEncode(*value) + "&";
    }
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

Result<evidence::StatementQuery> ParseQuery(const Request& req) {
  evidence::StatementQuery query;
  SCITT_ASSIGN_OR_RETURN(query.subject, Filter(req, "subject"));
  SCITT_ASSIGN_OR_RETURN(query.issuer, Filter(req, "issuer"));
  SCITT_ASSIGN_OR_RETURN(query.content_type, Filter(req, "type"));
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
                     "/statements", {"subject", "issuer", "type", "limit"}, after));
}

constexpr uint64_t kMaxDepth = 10;

nlohmann::json DescribeEdge(const evidence::FoundEdge& found) {
  auto attributes = nlohmann::json::parse(found.edge.attributes, nullptr, /*allow_exceptions=*/false);
  if (attributes.is_discarded()) attributes = nlohmann::json::object();
  return {{"entry", found.entry},
          {"kind", found.edge.kind},
          {"from", found.edge.from},
          {"to", found.edge.to},
          {"attributes", std::move(attributes)}};
}

Result<evidence::EdgeQuery> ParseEdgeQuery(const Request& req) {
  evidence::EdgeQuery query;
  SCITT_ASSIGN_OR_RETURN(auto node, Filter(req, "node"));
  if (!node) return MakeError(ErrorCode::kInvalidArgument, "query parameter node is required");
  query.node = std::move(*node);
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

// The blast radius of a node: everything that depends on, contains,
// describes or was built from it, to a depth, each with the edge (and so
// the entry) through which it was reached; the artifacts among them apart.
void GetDependents(const EvidenceDeps& deps, const Request& req, const Responder& respond) {
  auto node = Filter(req, "node");
  if (!node.ok()) return respond(ProblemFor(node.error()));
  if (!*node) return respond(ProblemFor(MakeError(ErrorCode::kInvalidArgument, "query parameter node is required")));
  auto depth = QueryNumberOr(req, "depth", kMaxDepth);
  if (!depth.ok()) return respond(ProblemFor(depth.error()));
  if (*depth < 1 || *depth > kMaxDepth) {
    return respond(ProblemFor(MakeError(ErrorCode::kInvalidArgument,
                                        "query parameter depth must be 1 to " + std::to_string(kMaxDepth))));
  }
  auto as_of = QueryNumber(req, "tree_size");
  if (!as_of.ok()) return respond(ProblemFor(as_of.error()));
  evidence::DependentsQuery query{.node = **node, .max_depth = static_cast<int>(*depth), .as_of = *as_of};
  auto found = evidence::FindDependents(*deps.store, query);
  if (!found.ok()) return respond(ProblemFor(found.error()));
  nlohmann::json dependents = nlohmann::json::array();
  nlohmann::json artifacts = nlohmann::json::array();
  for (const evidence::Dependent& dependent : found->nodes) {
    dependents.push_back({{"node", dependent.node}, {"depth", dependent.depth},
                          {"via", DescribeEdge(dependent.via)}});
    if (dependent.node.rfind("sha256:", 0) == 0 || dependent.node.rfind("sha512:", 0) == 0) {
      artifacts.push_back(dependent.node);
    }
  }
  respond(JsonAnswer({{"tree_size", found->tree_size}, {"node", **node}, {"dependents", std::move(dependents)},
                      {"artifacts", std::move(artifacts)}, {"truncated", found->truncated}},
                     req, "/dependents", {}, std::nullopt));
}

}  // namespace

void AddEvidenceRoutes(const EvidenceDeps& deps, http::Router& router) {
  router.Add("GET", "/statements", OnPool(*deps.reads, [deps](Request req, Responder respond) {
               GetStatements(deps, req, respond);
             }));
  router.Add("GET", "/edges", OnPool(*deps.reads, [deps](Request req, Responder respond) {
               GetEdges(deps, req, respond);
             }));
  router.Add("GET", "/dependents", OnPool(*deps.reads, [deps](Request req, Responder respond) {
               GetDependents(deps, req, respond);
             }));
}

}  // namespace scitt::api
