#include "api/evidence/evidence_routes.h"

#include <nlohmann/json.hpp>

#include "api/dispatch.h"
#include "api/params.h"
#include "api/problems.h"
#include "base/text.h"

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
std::string NextLink(const Request& req, uint64_t after) {
  std::string link = "/statements?";
  for (const char* name : {"subject", "issuer", "type", "limit"}) {
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
    const std::string next = NextLink(req, found->statements.back().entry);
    body["next"] = next;
    res.Set("Link", "<" + next + ">; rel=\"next\"");
  }
  res.status = 200;
  res.Set("Content-Type", "application/json");
  res.body = body.dump();
  respond(std::move(res));
}

}  // namespace

void AddEvidenceRoutes(const EvidenceDeps& deps, http::Router& router) {
  router.Add("GET", "/statements", OnPool(*deps.reads, [deps](Request req, Responder respond) {
               GetStatements(deps, req, respond);
             }));
}

}  // namespace scitt::api
