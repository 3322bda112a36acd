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

Result<evidence::StatementQuery> ParseQuery(const Request& req) {
  evidence::StatementQuery query;
  SCITT_ASSIGN_OR_RETURN(query.subject, Filter(req, "subject"));
  SCITT_ASSIGN_OR_RETURN(query.issuer, Filter(req, "issuer"));
  SCITT_ASSIGN_OR_RETURN(query.content_type, Filter(req, "type"));
  SCITT_ASSIGN_OR_RETURN(query.after, QueryNumber(req, "after"));
  SCITT_ASSIGN_OR_RETURN(const uint64_t limit, QueryNumberOr(req, "limit", kDefaultLimit));
  query.limit = static_cast<size_t>(std::min(std::max<uint64_t>(limit, 1), kMaxLimit));
  return query;
}

// The same query from `after` on: the next page's link.
std::string NextLink(const Request& req, std::string_view route, std::initializer_list<const char*> names,
                     uint64_t after) {
  std::string link = std::string(route) + "?";
  for (const char* name : names) {
    if (auto value = req.Query(name)) link += std::string(name) + "=" + http::PercentEncode(*value) + "&";
  }
  return link + "after=" + std::to_string(after);
}

nlohmann::json Describe(const evidence::IndexedStatement& statement, ByteView receipt) {
  nlohmann::json out = {{"entry", statement.entry}, {"registered_at", FormatUtc(statement.registered_at)}};
  // Claims are the issuer's bytes: kept as signed where they are UTF-8.
  auto text = [](const std::optional<std::string>& value) -> nlohmann::json {
    return value ? nlohmann::json(ToValidUtf8(*value)) : nlohmann::json(nullptr);
  };
  out["subject"] = text(statement.subject);
  out["issuer"] = text(statement.issuer);
  out["content_type"] = text(statement.content_type);
  if (statement.format) out["format"] = *statement.format;
  if (statement.indexing_error) out["indexing_error"] = ToValidUtf8(*statement.indexing_error);
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
  nlohmann::json body = {{"tree_size", found->indexed_size}, {"statements", std::move(statements)}};
  Response res;
  if (found->statements.size() == query->limit) {
    const std::string next =
        NextLink(req, "/statements", {"subject", "issuer", "type", "limit"}, found->statements.back().entry);
    body["next"] = next;
    res.Set("Link", "<" + next + ">; rel=\"next\"");
  }
  res.status = 200;
  res.Set("Content-Type", "application/json");
  res.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  respond(std::move(res));
}

constexpr uint64_t kMaxDepth = 10;

nlohmann::json DescribeEdge(const evidence::FoundEdge& found) {
  auto attributes = nlohmann::json::parse(found.edge.attributes, nullptr, /*allow_exceptions=*/false);
  if (attributes.is_discarded()) attributes = nlohmann::json::object();
  return {{"entry", found.entry},
          {"kind", found.edge.kind},
          {"from", ToValidUtf8(found.edge.from)},
          {"to", ToValidUtf8(found.edge.to)},
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
  SCITT_ASSIGN_OR_RETURN(const uint64_t limit, QueryNumberOr(req, "limit", kDefaultLimit));
  query.limit = static_cast<size_t>(std::min(std::max<uint64_t>(limit, 1), kMaxLimit));
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
  nlohmann::json body = {{"tree_size", found->indexed_size}, {"edges", std::move(edges)}};
  Response res;
  if (found->next) {
    const std::string next = NextLink(req, "/edges", {"node", "direction", "kind", "tree_size", "limit"}, *found->next);
    body["next"] = next;
    res.Set("Link", "<" + next + ">; rel=\"next\"");
  }
  res.status = 200;
  res.Set("Content-Type", "application/json");
  res.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  respond(std::move(res));
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
    dependents.push_back({{"node", ToValidUtf8(dependent.node)}, {"depth", dependent.depth},
                          {"via", DescribeEdge(dependent.via)}});
    if (dependent.node.rfind("sha256:", 0) == 0 || dependent.node.rfind("sha512:", 0) == 0) {
      artifacts.push_back(dependent.node);
    }
  }
  nlohmann::json body = {{"tree_size", found->tree_size}, {"node", ToValidUtf8(**node)},
                         {"dependents", std::move(dependents)}, {"artifacts", std::move(artifacts)},
                         {"truncated", found->truncated}};
  Response res;
  res.status = 200;
  res.Set("Content-Type", "application/json");
  res.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  respond(std::move(res));
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
