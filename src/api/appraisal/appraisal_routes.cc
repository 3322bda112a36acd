#include "api/appraisal/appraisal_routes.h"

#include <nlohmann/json.hpp>

#include "api/dispatch.h"
#include "api/problems.h"
#include "appraisal/appraiser.h"
#include "base/json.h"
#include "base/text.h"

namespace scitt::api {
namespace {

using http::Request;
using http::Responder;
using http::Response;

constexpr size_t kMaxRequestBytes = 1 << 20;

Error BadRequest(const std::string& message) {
  return MakeError(ErrorCode::kInvalidArgument, "appraisal request: " + message);
}

// {"subject": "...", "policy": {…} | "policy_entry": N, "tree_size": N}
void PostAppraisal(const AppraisalDeps& deps, const Request& req, const Responder& respond) {
  auto answer = [&]() -> Result<nlohmann::json> {
    if (req.body.size() > kMaxRequestBytes) return BadRequest("larger than 1 MiB");
    auto parsed = ParseStrictJson(AsBytes(req.body), 32);
    if (!parsed.ok()) return BadRequest(parsed.error().message);
    const nlohmann::json& body = *parsed;
    if (!body.is_object()) return BadRequest("must be a JSON object");
    for (const auto& [key, value] : body.items()) {
      if (key != "subject" && key != "policy" && key != "policy_entry" && key != "tree_size" && key != "at") {
        return BadRequest("unknown field \"" + key.substr(0, 100) + "\"");
      }
    }
    if (!body.contains("subject") || !body["subject"].is_string() || body["subject"].get_ref<const std::string&>().empty()) {
      return BadRequest("subject must be a non-empty string");
    }
    if (body.contains("policy") == body.contains("policy_entry")) {
      return BadRequest("give the policy itself (policy) or the entry that registered it (policy_entry)");
    }
    appraisal::Question question{.subject = body["subject"].get<std::string>(), .as_of = std::nullopt, .now = deps.now()};
    if (body.contains("at")) {
      // A verdict replayed: evidence ages counted to the time it was reached.
      const auto at = body["at"].is_string() ? ParseUtc(body["at"].get_ref<const std::string&>()) : std::nullopt;
      if (!at) return BadRequest("at must be an RFC 3339 UTC time (a verdict's appraised_at)");
      question.now = *at;
    }
    if (body.contains("tree_size")) {
      if (!body["tree_size"].is_number_unsigned()) return BadRequest("tree_size must be a whole number");
      question.as_of = body["tree_size"].get<uint64_t>();
    }
    appraisal::Policy policy;
    if (body.contains("policy")) {
      const std::string text = body["policy"].dump();
      SCITT_ASSIGN_OR_RETURN(policy, appraisal::ParsePolicy(AsBytes(text)));
    } else {
      if (!body["policy_entry"].is_number_unsigned()) return BadRequest("policy_entry must be a log index");
      SCITT_ASSIGN_OR_RETURN(policy, appraisal::RegisteredPolicy(*deps.log, body["policy_entry"].get<uint64_t>()));
    }
    SCITT_ASSIGN_OR_RETURN(const appraisal::Verdict verdict, appraisal::Appraise(*deps.store, *deps.graph, policy, question));
    nlohmann::json out = appraisal::DescribeVerdict(verdict);
    if (body.contains("policy_entry")) out["policy_entry"] = body["policy_entry"];
    out["appraised_at"] = FormatUtc(question.now);
    return out;
  }();
  if (!answer.ok()) return respond(ProblemFor(answer.error()));
  Response res;
  res.status = 200;
  res.Set("Content-Type", "application/json");
  res.body = answer->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  respond(std::move(res));
}

}  // namespace

void AddAppraisalRoutes(const AppraisalDeps& deps, http::Router& router) {
  router.Add("POST", "/appraisals", OnPool(*deps.reads, [deps](Request req, Responder respond) {
               PostAppraisal(deps, req, respond);
             }));
}

}  // namespace scitt::api
